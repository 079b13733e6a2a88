"""The store: every decision, once, in SQLite (default) or PostgreSQL.

One row of `moderated_comments` is one version of one comment from one client
(a CMS, Coral tenant or Perspective caller) with the automated decision: its
scores, evidence, model and policy versions, and time. A retry of the same
comment (same client, id and text) returns the stored row; an edit (same id,
new text) is a new version. The unique constraint (client, comment_id,
version) is what makes "exactly one stored decision" hold across workers and
instances.
"""

import datetime as dt
import hashlib
import json

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine,
                        event, func, select, text as sql_text)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

MAX_VERSION_RACES = 5


class Base(DeclarativeBase):
    pass


class ModeratedComment(Base):
    __tablename__ = "moderated_comments"
    __table_args__ = (UniqueConstraint("client", "comment_id", "version", name="uq_comment_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(200), index=True)
    comment_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    text_sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    story_id: Mapped[str | None] = mapped_column(String(200), index=True)
    story_url: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(String(200), index=True)
    topic: Mapped[str | None] = mapped_column(String(100))
    lang: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))  # native, coral, perspective
    decision: Mapped[str] = mapped_column(String(10), index=True)
    reasons: Mapped[list] = mapped_column(JSON)
    flags: Mapped[dict] = mapped_column(JSON)
    stance: Mapped[dict | None] = mapped_column(JSON)
    evidence: Mapped[list] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(20), index=True)  # "review" while held
    reason_tags: Mapped[str] = mapped_column(String(200), default=",")  # ",insult,low_confidence," for queue filters
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    final_decision: Mapped[str | None] = mapped_column(String(10))
    final_reason: Mapped[str | None] = mapped_column(String(40))
    corrected: Mapped[dict | None] = mapped_column(JSON)  # moderator's labels when the model was wrong
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Narrow copies of what the dashboard counts, so that it reads an index instead of every row's JSON.
    stance_label: Mapped[str | None] = mapped_column(String(100), default=lambda ctx: _stance_label(ctx))
    raised_flags: Mapped[str] = mapped_column(String(200), default=lambda ctx: _raised_flags(ctx))

    def as_result(self):
        """The answer the API gives for this stored decision."""
        return {
            "id": self.comment_id, "version": self.version, "decision": self.decision,
            "reasons": self.reasons, "lang": self.lang, "stance": self.stance, "flags": self.flags,
            "evidence": self.evidence, "model_version": self.model_version,
            "policy_version": self.policy_version, "queue": self.queue,
        }


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # moderator, admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ModeratorAction(Base):
    """The audit log: every moderator action, who and when."""

    __tablename__ = "moderator_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_row: Mapped[int] = mapped_column(ForeignKey("moderated_comments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # approve, reject, relabel
    reason: Mapped[str | None] = mapped_column(String(40))
    labels: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class Outbox(Base):
    """Final decisions waiting to reach the CMS callback, delivered in id order."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_row: Mapped[int] = mapped_column(ForeignKey("moderated_comments.id"))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending, sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


def reason_tags(reasons):
    """",insult,low_confidence," from pipeline reasons, so queues filter with LIKE on any database."""
    tags = sorted({"low_confidence" if r.startswith("low_confidence:") else r for r in reasons})
    return "," + ",".join(tags) + ("," if tags else "")


def _stance_label(context):
    return ((context.get_current_parameters().get("stance") or {}).get("label")) or None


def _raised_flags(context):
    """",insult,threat," from a comment's flags: the raised ones (all of them, for LIKE on any database)."""
    flags = context.get_current_parameters().get("flags") or {}
    return reason_tags([name for name, flag in flags.items() if (flag or {}).get("value")])


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def as_utc(moment):
    """A stored time as an aware UTC datetime: SQLite gives naive ones back, PostgreSQL aware ones."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def text_sha256(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the review queue) work while a worker writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url):
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 5, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=2,
                         connect_args={"connect_timeout": 2} if url.startswith("postgresql") else {})


class Store:
    """Decisions in a SQL database. `url` is a SQLAlchemy URL (sqlite:///... or postgresql+psycopg://...)."""

    def __init__(self, url):
        self.url = url
        self.engine = make_engine(url)

    def ping(self):
        with self.engine.connect() as conn:
            conn.execute(sql_text("SELECT 1"))

    def find(self, client, comment_id, text):
        """The stored decision for this exact comment text, or None."""
        with Session(self.engine) as session:
            return session.scalars(select(ModeratedComment).where(
                ModeratedComment.client == client, ModeratedComment.comment_id == comment_id,
                ModeratedComment.text_sha256 == text_sha256(text)).order_by(ModeratedComment.version.desc())
            ).first()

    def record(self, entry):
        """Store one decision unless the same comment text is already stored; return the stored row.

        `entry` is a dict with the columns of ModeratedComment except id and
        version. Concurrent writers of the same comment meet at the unique
        constraint: the loser reads the winner's row.
        """
        digest = text_sha256(entry["text"])
        for _ in range(MAX_VERSION_RACES):
            with Session(self.engine, expire_on_commit=False) as session:
                rows = session.execute(select(ModeratedComment.version, ModeratedComment.text_sha256).where(
                    ModeratedComment.client == entry["client"],
                    ModeratedComment.comment_id == entry["comment_id"])).all()
                same = [v for v, h in rows if h == digest]
                if same:
                    return session.scalars(select(ModeratedComment).where(
                        ModeratedComment.client == entry["client"],
                        ModeratedComment.comment_id == entry["comment_id"],
                        ModeratedComment.version == max(same))).one()
                row = ModeratedComment(**entry, text_sha256=digest, version=max((v for v, _ in rows), default=0) + 1)
                session.add(row)
                try:
                    session.commit()
                    return row
                except IntegrityError:
                    session.rollback()
        raise RuntimeError(f"could not store comment {entry['comment_id']!r}: too many concurrent versions")

    def label_suggestion(self, entry, labels):
        """Store a comment (once) and set its labels from a client's suggestion, as a decided example."""
        row = self.record(entry)
        with Session(self.engine) as session:
            stored = session.get(ModeratedComment, row.id)
            stored.corrected = labels
            stored.final_decision = "reject" if any(labels.values()) else "approve"
            stored.final_reason = "suggested_score"
            stored.decided_at = utcnow()
            session.commit()

    def latest_versions(self, prefix, since):
        """[(comment_id, text)] of the latest version of each comment whose id starts with `prefix`,
        received since `since` (Coral's edits find the comment they edit this way)."""
        with Session(self.engine) as session:
            rows = session.execute(select(ModeratedComment.comment_id, ModeratedComment.version,
                                          ModeratedComment.text)
                                   .where(ModeratedComment.comment_id.startswith(prefix, autoescape=True),
                                          ModeratedComment.created_at >= since)).all()
        latest = {}
        for comment_id, version, text in rows:
            if comment_id not in latest or version > latest[comment_id][0]:
                latest[comment_id] = (version, text)
        return [(cid, text) for cid, (_, text) in latest.items()]

    def count(self, **filters):
        with Session(self.engine) as session:
            query = select(func.count()).select_from(ModeratedComment)
            for name, value in filters.items():
                query = query.where(getattr(ModeratedComment, name) == value)
            return session.scalar(query)

    def count_prefix(self, prefix):
        """Stored decisions whose comment id starts with `prefix` (load tests tag their comments)."""
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(ModeratedComment)
                                  .where(ModeratedComment.comment_id.startswith(prefix, autoescape=True)))

    def count_duplicates(self):
        """Comment texts stored more than once for the same client and id (should always be 0)."""
        with Session(self.engine) as session:
            dup = (select(ModeratedComment.client, ModeratedComment.comment_id, ModeratedComment.text_sha256)
                   .group_by(ModeratedComment.client, ModeratedComment.comment_id, ModeratedComment.text_sha256)
                   .having(func.count() > 1))
            return session.scalar(select(func.count()).select_from(dup.subquery()))

    def queue(self, limit=50):
        """Comments held for review, oldest first."""
        with Session(self.engine) as session:
            return list(session.scalars(select(ModeratedComment).where(ModeratedComment.queue == "review")
                                        .order_by(ModeratedComment.created_at, ModeratedComment.id).limit(limit)))


def entry_from_result(result, *, client, comment_id, text, source, story=None, author=None, topic=None, now=None):
    """A store entry (ModeratedComment columns) from a pipeline result."""
    story = story or {}
    return {
        "client": client, "comment_id": str(comment_id), "text": text, "source": source,
        "story_id": _opt(story.get("id")), "story_url": _opt(story.get("url")),
        "author_id": _opt((author or {}).get("id")), "topic": topic, "lang": result.get("lang"),
        "decision": result["decision"], "reasons": result["reasons"], "flags": result["flags"],
        "stance": result["stance"], "evidence": result["evidence"],
        "model_version": result["model_version"], "policy_version": result["policy_version"],
        "queue": "review" if result["decision"] == "review" else None,
        "reason_tags": reason_tags(result["reasons"]),
        "created_at": now or utcnow(),
    }


def _opt(value):
    return None if value is None else str(value)


def entry_to_json(entry):
    return json.dumps(entry | {"created_at": entry["created_at"].isoformat()}, ensure_ascii=False)


def entry_from_json(line):
    entry = json.loads(line)
    entry["created_at"] = dt.datetime.fromisoformat(entry["created_at"])
    return entry
