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
import functools
import hashlib
import json
import threading
import uuid

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine,
                        event, func, select, text as sql_text, update)
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from .breaker import CircuitBreaker

MAX_VERSION_RACES = 5
# Width of the id columns (client, comment_id, story_id, author_id): validation refuses longer ids, so that
# PostgreSQL, which enforces it, never refuses a decision already answered (SQLite would not notice).
ID_CHARS = 200
# Width of an author's display name (native `author.name`, Coral's `author.username`); validation refuses longer.
AUTHOR_NAME_CHARS = 200
GROUPS_CHARS = 400


class Base(DeclarativeBase):
    pass


class ModeratedComment(Base):
    __tablename__ = "moderated_comments"
    __table_args__ = (UniqueConstraint("client", "comment_id", "version", name="uq_comment_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(ID_CHARS), index=True)
    comment_id: Mapped[str] = mapped_column(String(ID_CHARS))
    version: Mapped[int] = mapped_column(Integer, default=1)
    text_sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    story_id: Mapped[str | None] = mapped_column(String(ID_CHARS), index=True)
    story_url: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(String(ID_CHARS), index=True)
    author_name: Mapped[str | None] = mapped_column(String(AUTHOR_NAME_CHARS))
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
    # ",musulmans,réfugiés," of the groups of labels.md section 4 the text names, NULL for none: the dashboard's
    # held rate per group reads it from an index.
    named_groups: Mapped[str | None] = mapped_column(String(GROUPS_CHARS), default=lambda ctx: _named_groups(ctx))
    note: Mapped[str | None] = mapped_column(Text)  # the moderators' internal note, never sent to the CMS

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
    # Carried in the session cookie: raising it ends every cookie signed before (sign-out).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ModeratorAction(Base):
    """The audit log: every moderator action, who and when: on a comment (comment_row) or on an author
    (client, author_id)."""

    __tablename__ = "moderator_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_row: Mapped[int | None] = mapped_column(ForeignKey("moderated_comments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # approve, reject, relabel, overturn:approve, overturn:reject, undo, note, author:hold, author:ban, ...
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    labels: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    client: Mapped[str | None] = mapped_column(String(ID_CHARS))
    author_id: Mapped[str | None] = mapped_column(String(ID_CHARS))
    note: Mapped[str | None] = mapped_column(Text)


class Author(Base):
    """What moderators decided about one author of one client: hold their comments, suspended or banned (as
    told to the CMS), and their internal note."""

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("client", "author_id", name="uq_author"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(ID_CHARS))
    author_id: Mapped[str] = mapped_column(String(ID_CHARS))
    hold: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, suspended, banned
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Outbox(Base):
    """Final decisions waiting to reach the CMS callback, oldest due first, each under its own delivery id."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_row: Mapped[int | None] = mapped_column(ForeignKey("moderated_comments.id"))  # None: an author event
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending, sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The same on every try of this decision: the CMS drops repeats of a delivery it already has.
    delivery_id: Mapped[str] = mapped_column(String(36), index=True, unique=True, default=lambda: str(uuid.uuid4()))


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


def _named_groups(context):
    from classifier.groups import named_groups

    found = named_groups(context.get_current_parameters().get("text") or "")
    return reason_tags(found)[:GROUPS_CHARS].rsplit(",", 1)[0] + "," if found else None


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def as_utc(moment):
    """A stored time as an aware UTC datetime: SQLite gives naive ones back, PostgreSQL aware ones."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def text_sha256(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _sqlite_pragmas(busy_ms):
    def pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # WAL lets readers (the review queue) work while a worker writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()
    return pragmas


def _deadline_connection(seconds):
    """A psycopg connection that waits at most `seconds` for each answer of the server.

    libpq waits for ever on a server that stops answering without refusing
    (frozen, or behind a network black hole): no server setting can end that
    wait, the client must. The connection is closed when it expires, being
    half-way through an exchange, so that the pool replaces it.
    """
    import psycopg

    expired = getattr(psycopg.errors, "_WaitTimeout", ())  # what Connection.wait(timeout=) raises

    class DeadlineConnection(psycopg.Connection):
        def wait(self, gen, *args, **kwargs):
            if len(args) < 2:
                kwargs.setdefault("timeout", seconds)
            try:
                return super().wait(gen, *args, **kwargs)
            except expired:
                self.pgconn.finish()
                raise psycopg.OperationalError(f"the database did not answer within {seconds:g} s") from None

    return DeadlineConnection


def _bound_postgresql_waits(engine, seconds):
    """The server ends statements waiting longer than `seconds` (a lock held elsewhere); the client ends its
    own wait a little later, for a server that answers nothing at all."""
    connection_class = _deadline_connection(seconds + 0.5)

    @event.listens_for(engine, "do_connect")
    def connect(_dialect, _record, cargs, cparams):
        conn = connection_class.connect(*cargs, **cparams)
        conn.execute(f"SET statement_timeout = {int(seconds * 1000)}")
        conn.commit()
        return conn


def make_engine(url, timeout=None):
    """An engine for `url`; with `timeout` (seconds) no statement waits longer on the database, locks included."""
    if url.startswith("sqlite"):
        wait = timeout or 5
        engine = create_engine(url, connect_args={"timeout": wait, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas(int(wait * 1000)))
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=timeout or 2,
                           connect_args={"connect_timeout": 2} if url.startswith("postgresql") else {})
    if timeout and url.startswith("postgresql"):
        _bound_postgresql_waits(engine, timeout)
    return engine


class StoreBusy(SQLAlchemyError):
    """Writers of one comment kept colliding: the decision is journalled and replayed, not refused."""


class StoreUnavailable(SQLAlchemyError):
    """The store failed to answer moments ago: callers journal at once instead of waiting on it again."""


# What says the store is not answering (down, hanging, locked, out of connections), not that a value is wrong.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


def _guarded(method):
    """A store call through the breaker: refused at once while it is open; its outcome opens or closes it."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        if self.breaker is None or getattr(self._local, "inside", False):
            return method(self, *args, **kwargs)
        if not self.breaker.allow():
            raise StoreUnavailable("the store did not answer moments ago; it is tried again within "
                                   f"{self.breaker.retry_seconds:g} s")
        self._local.inside = True
        try:
            result = method(self, *args, **kwargs)
        except UNAVAILABLE:
            self.breaker.failed()
            raise
        except BaseException:
            self.breaker.succeeded()  # it answered, with an error of its own
            raise
        finally:
            self._local.inside = False
        self.breaker.succeeded()
        return result
    return call


class Store:
    """Decisions in a SQL database. `url` is a SQLAlchemy URL (sqlite:///... or postgresql+psycopg://...).

    With `timeout` (the webhook's STORE_TIMEOUT_SECONDS) no call waits longer than about that on the
    database, and after a call the database did not answer, the calls of the request path (find, record,
    latest_versions, ping) fail at once for `retry_seconds` (StoreUnavailable) so that decisions are journalled
    without waiting. Without it (command-line tools, migrations) nothing is bounded.
    """

    def __init__(self, url, timeout=None, retry_seconds=5.0):
        self.url = url
        self.engine = make_engine(url, timeout)
        self.breaker = CircuitBreaker(retry_seconds) if timeout else None
        self._local = threading.local()

    @_guarded
    def ping(self):
        with self.engine.connect() as conn:
            conn.execute(sql_text("SELECT 1"))

    @_guarded
    def find(self, client, comment_id, text):
        """The stored decision for this exact comment text, or None."""
        with Session(self.engine) as session:
            return session.scalars(select(ModeratedComment).where(
                ModeratedComment.client == client, ModeratedComment.comment_id == comment_id,
                ModeratedComment.text_sha256 == text_sha256(text)).order_by(ModeratedComment.version.desc())
            ).first()

    @_guarded
    def record(self, entry):
        """Store one decision unless the same comment text is already stored; return the stored row.

        `entry` is a dict with the columns of ModeratedComment except id and
        version. Versions follow the time each text was received
        (`created_at`), not the time it was stored: an original replayed from
        the journal after a live edit takes its place before the edit, whose
        version moves up one. Writers of one comment wait for each other
        (_lock_comment); the unique constraint remains the last guard.
        """
        digest = text_sha256(entry["text"])
        received = as_utc(entry["created_at"])
        for _ in range(MAX_VERSION_RACES):
            with Session(self.engine, expire_on_commit=False) as session:
                self._lock_comment(session, entry["client"], entry["comment_id"])
                rows = session.execute(select(ModeratedComment.id, ModeratedComment.version,
                                              ModeratedComment.text_sha256, ModeratedComment.created_at).where(
                    ModeratedComment.client == entry["client"],
                    ModeratedComment.comment_id == entry["comment_id"])).all()
                same = [r.version for r in rows if r.text_sha256 == digest]
                if same:
                    return session.scalars(select(ModeratedComment).where(
                        ModeratedComment.client == entry["client"],
                        ModeratedComment.comment_id == entry["comment_id"],
                        ModeratedComment.version == max(same))).one()
                later = sorted((r for r in rows if as_utc(r.created_at) > received), key=lambda r: -r.version)
                version = later[-1].version if later else max((r.version for r in rows), default=0) + 1
                for r in later:  # highest first, so that no two rows ever hold one version
                    session.execute(update(ModeratedComment).where(ModeratedComment.id == r.id)
                                    .values(version=r.version + 1))
                if later:  # a newer version is stored: this one is history, never held
                    entry = entry | {"queue": None}
                else:  # this is the newest version: older ones still held leave the queue
                    session.execute(update(ModeratedComment).where(
                        ModeratedComment.client == entry["client"],
                        ModeratedComment.comment_id == entry["comment_id"],
                        ModeratedComment.queue == "review").values(queue=None))
                row = ModeratedComment(**entry, text_sha256=digest, version=version)
                session.add(row)
                try:
                    session.commit()
                    return row
                except IntegrityError:
                    session.rollback()
        raise StoreBusy(f"could not store comment {entry['comment_id']!r}: too many concurrent versions")

    def _lock_comment(self, session, client, comment_id):
        """Hold, until the transaction ends, the right to add a version of this comment."""
        if self.engine.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(f"{client}\x1f{comment_id}".encode("utf-8", "surrogatepass"))
                                 .digest()[:8], "big", signed=True)
            session.execute(select(func.pg_advisory_xact_lock(key)))
        elif self.engine.dialect.name == "sqlite":
            # SQLite has one writer at a time: take the write lock before reading the versions.
            session.execute(sql_text("UPDATE moderated_comments SET version = version WHERE 0"))

    @_guarded
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

    @_guarded
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

    @_guarded
    def held_authors(self, client, author_ids):
        """The ids among `author_ids` whose later comments moderators hold for review ("always hold")."""
        ids = [a for a in set(author_ids) if a]
        if not ids:
            return set()
        with Session(self.engine) as session:
            return set(session.scalars(select(Author.author_id).where(
                Author.client == client, Author.author_id.in_(ids), Author.hold.is_(True))))

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
        "author_id": _opt((author or {}).get("id")), "author_name": _opt((author or {}).get("name")), "topic": topic, "lang": result.get("lang"),
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
