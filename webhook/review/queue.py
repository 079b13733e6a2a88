"""Reading and working the queue: counts, filtered pages, one comment with its context, decisions.

A decision is one conditional UPDATE (only while the comment is still held),
its audit-log row and its outbox row, in one transaction: a comment decided by
one moderator leaves everyone's queue at once, and a second moderator's click
on it is refused instead of deciding twice.
"""

import datetime as dt
import json
from pathlib import Path

import numpy as np
from sqlalchemy import Index, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from webhook import embeddings
from webhook.store import ModeratedComment, ModeratorAction, Outbox, User, utcnow as now

QUEUES = ("all", "dehumanising", "identity_attack", "insult", "threat", "shouting", "low_confidence")
REJECT_REASONS = ("OFFENSIVE", "ABUSIVE", "HATE_SPEECH", "HARASSMENT_BULLYING", "SPAM", "OTHER")
PAGE_SIZE = 50
FLAG_NAMES = ("dehumanising", "identity_attack", "insult", "threat", "profanity", "shouting")
# Below this cosine similarity a past decision is no closer than comments with nothing in common are to each
# other: measured on training_data/ by scripts/similarity_cut.py (p95 of unrelated pairs), which writes the file.
SIMILARITY = json.loads((Path(__file__).with_name("similarity_cut.json")).read_text())
SIMILARITY_CUT = SIMILARITY["cut"]

# Read by every review page (migration 0005_decided_embeddings): the latest decisions, the dashboard's counts per
# day and per story, the queue's counts.
Index("ix_moderated_comments_decided_at", ModeratedComment.decided_at)
Index("ix_moderated_comments_days", ModeratedComment.created_at, ModeratedComment.decision,
      ModeratedComment.final_decision, ModeratedComment.raised_flags)
Index("ix_moderated_comments_stances", ModeratedComment.story_id, ModeratedComment.stance_label,
      ModeratedComment.created_at)
Index("ix_moderated_comments_held", ModeratedComment.queue, ModeratedComment.reason_tags)
# The dashboard's rates (migration 0006_authors_notes): the held comments a moderator decided, in the order they
# are grouped; the comments naming a group.
Index("ix_moderated_comments_held_outcomes", ModeratedComment.decision, ModeratedComment.final_decision,
      ModeratedComment.raised_flags, ModeratedComment.created_at)
Index("ix_moderated_comments_groups", ModeratedComment.named_groups, ModeratedComment.created_at,
      ModeratedComment.decision, ModeratedComment.final_decision)


class AlreadyDecided(Exception):
    pass


def _held(queue, filters):
    conds = [ModeratedComment.queue == "review"]
    if queue != "all":
        conds.append(ModeratedComment.reason_tags.like(f"%,{queue},%"))
    for name in ("story_id", "topic", "lang"):
        if filters.get(name):
            conds.append(getattr(ModeratedComment, name) == filters[name])
    if filters.get("max_age_hours"):
        conds.append(ModeratedComment.created_at >= now() - dt.timedelta(hours=float(filters["max_age_hours"])))
    if filters.get("q"):
        # ILIKE on PostgreSQL, LIKE (case-blind for ASCII) on SQLite; % and _ typed by the moderator are literal.
        conds.append(or_(*(column.icontains(filters["q"], autoescape=True) for column in (
            ModeratedComment.text, ModeratedComment.author_id, ModeratedComment.story_id))))
    return and_(*conds)


def counts(store):
    """{queue name: number of held comments} for the navigation."""
    tagged = [func.sum(case((ModeratedComment.reason_tags.like(f"%,{q},%"), 1), else_=0)) for q in QUEUES[1:]]
    with Session(store.engine) as session:  # one pass over the held comments' index entries
        held = session.execute(select(func.count(), *tagged).where(_held("all", {}))).one()
    return {q: n or 0 for q, n in zip(QUEUES, held)}


def page(store, queue="all", filters=None, page_no=1, newest_first=False):
    """(comments of one page, total) of a queue, oldest first by default."""
    filters = filters or {}
    where = _held(queue, filters)
    order = ModeratedComment.created_at.desc() if newest_first else ModeratedComment.created_at
    query = select(ModeratedComment).where(where).order_by(order, ModeratedComment.id)
    start = (max(page_no, 1) - 1) * PAGE_SIZE
    with Session(store.engine) as session:
        if filters.get("stance"):
            # Stance sits in a JSON column that SQLite and PostgreSQL query differently: filter here.
            rows = [r for r in session.scalars(query) if (r.stance or {}).get("label") == filters["stance"]]
            return rows[start:start + PAGE_SIZE], len(rows)
        total = session.scalar(select(func.count()).select_from(ModeratedComment).where(where))
        return list(session.scalars(query.offset(start).limit(PAGE_SIZE))), total


def still_held(store, row_ids):
    """The ids among `row_ids` still waiting for a moderator (the others were decided meanwhile)."""
    if not row_ids:
        return []
    with Session(store.engine) as session:
        return sorted(session.scalars(select(ModeratedComment.id).where(
            ModeratedComment.id.in_(row_ids), ModeratedComment.queue == "review")))


def strongest(row):
    """(flag, score) of the highest-scoring flag a moderator acts on (toxic and harm are unions of these)."""
    scores = [(name, f.get("score", 0.0)) for name, f in (row.flags or {}).items() if name not in ("toxic", "harm")]
    return max(scores, key=lambda item: item[1], default=(None, 0.0))


def get(store, row_id):
    with Session(store.engine) as session:
        return session.get(ModeratedComment, row_id)


def author_history(store, row):
    """Counts of this author's other comments by outcome (webhook.review.authors.OUTCOMES)."""
    from .authors import history

    return history(store, row.client, row.author_id, exclude_row=row.id)


def similar_decisions(store, moderator, row, k=3, pool=300, min_similarity=SIMILARITY_CUT):
    """The k moderator decisions on the comments closest in meaning to `row` (among the latest `pool`) and at
    least `min_similarity` close, from the embeddings kept in the store (webhook.embeddings): the texts are
    read only for the k shown."""
    with Session(store.engine) as session:
        past = list(session.scalars(select(ModeratedComment.id).where(
            ModeratedComment.final_decision.is_not(None), ModeratedComment.id != row.id)
            .order_by(ModeratedComment.decided_at.desc()).limit(pool)))
    if not past:
        return []
    vectors = embeddings.vectors_for(store, moderator, [row.id, *past], {row.id: row.text})
    mine = vectors.get(row.id)
    ids = [row_id for row_id in past if row_id in vectors]
    if mine is None or not ids:
        return []
    sims = np.vstack([vectors[i] for i in ids]) @ mine
    best = [ids[i] for i in np.argsort(-sims, kind="stable")[:k] if sims[i] >= min_similarity]
    if not best:
        return []
    similarity = dict(zip(ids, sims))
    with Session(store.engine) as session:
        shown = {r.id: r for r in session.execute(select(
            ModeratedComment.id, ModeratedComment.text, ModeratedComment.final_decision,
            ModeratedComment.final_reason).where(ModeratedComment.id.in_(best)))}
    return [{"text": shown[i].text, "decision": shown[i].final_decision, "reason": shown[i].final_reason,
             "similarity": round(float(similarity[i]), 3)} for i in best]


def decide(store, row_ids, user_id, decision, reason=None, labels=None, callback=True):
    """Final decision on held comments; returns how many were decided. Raises AlreadyDecided for a single id
    that another moderator decided first."""
    decided, _ = decide_each(store, row_ids, user_id, decision, reason, labels, callback)
    if not decided and len(row_ids) == 1:
        raise AlreadyDecided(row_ids[0])
    return len(decided)


def decide_each(store, row_ids, user_id, decision, reason=None, labels=None, callback=True):
    """Final decision on held comments: (row ids decided now, {row id: comment id} of those another
    moderator decided first). Ids that are no comment at all are in neither."""
    if decision not in ("approve", "reject"):
        raise ValueError("decision must be approve or reject")
    if decision == "reject" and reason not in REJECT_REASONS:
        raise ValueError(f"a rejection needs a reason among {', '.join(REJECT_REASONS)}")
    decided = []
    with Session(store.engine) as session:
        # Rows are locked in id order whatever order the moderator's page sent them in: two bulk actions
        # over the same comments then queue behind each other instead of deadlocking, and the second
        # finds the ones the first decided no longer held.
        for row_id in sorted(set(row_ids)):
            moment = now()
            result = session.execute(update(ModeratedComment).where(
                ModeratedComment.id == row_id, ModeratedComment.queue == "review").values(
                queue=None, final_decision=decision, final_reason=reason if decision == "reject" else None,
                corrected=labels, decided_by=user_id, decided_at=moment))
            if result.rowcount != 1:
                continue
            session.add(ModeratorAction(comment_row=row_id, user_id=user_id, action=decision,
                                        reason=reason if decision == "reject" else None, labels=labels,
                                        created_at=moment))
            if labels:
                session.add(ModeratorAction(comment_row=row_id, user_id=user_id, action="relabel", labels=labels,
                                            created_at=moment))
            if callback:
                row = session.get(ModeratedComment, row_id)
                session.add(Outbox(comment_row=row_id, status="pending", next_attempt_at=moment, created_at=moment,
                                   payload={"id": row.comment_id, "version": row.version, "client": row.client,
                                            "story": {"id": row.story_id, "url": row.story_url},
                                            "decision": decision, "reason": reason if decision == "reject" else None,
                                            "decided_at": moment.isoformat(), "automatic_decision": row.decision}))
            decided.append(row_id)
        session.commit()
        others = set(row_ids) - set(decided)
        already = dict(session.execute(select(ModeratedComment.id, ModeratedComment.comment_id).where(
            ModeratedComment.id.in_(others))).all()) if others else {}
    return decided, already


def audit_log(store, limit=200, who=None, action=None, since=None, until=None):
    """The latest audit-log entries, newest first: (action, moderator's name, comment id, comment text), the
    comment's columns None for an action on an author. Filters: moderator's name, action (an action name, or its
    prefix before ":", so "overturn" or "author" take all of those), days `since` to `until` included (dates)."""
    query = (select(ModeratorAction, User.name, ModeratedComment.comment_id, ModeratedComment.text)
             .join(User, User.id == ModeratorAction.user_id)
             .outerjoin(ModeratedComment, ModeratedComment.id == ModeratorAction.comment_row))
    if who:
        query = query.where(User.name == who)
    if action:
        query = query.where((ModeratorAction.action == action) | ModeratorAction.action.startswith(
            action + ":", autoescape=True))
    if since:
        query = query.where(ModeratorAction.created_at >= dt.datetime.combine(since, dt.time(), dt.timezone.utc))
    if until:
        query = query.where(ModeratorAction.created_at < dt.datetime.combine(
            until + dt.timedelta(days=1), dt.time(), dt.timezone.utc))
    with Session(store.engine) as session:
        return session.execute(query.order_by(ModeratorAction.id.desc()).limit(limit)).all()


def audit_filters(store):
    """(moderators' names, action names) present in the audit log, for the filter menus."""
    with Session(store.engine) as session:
        names = list(session.scalars(select(User.name).order_by(User.name)))
        actions = list(session.scalars(select(ModeratorAction.action).distinct().order_by(ModeratorAction.action)))
    return names, actions


# The flags a moderator's rejection reason stands for (Coral's codes, as webhook/coral.py sends them): the
# model's raised flags within that family, else the family's first. SPAM and OTHER say nothing of behaviour.
REASON_FLAGS = {
    "HATE_SPEECH": ("identity_attack", "dehumanising"),
    "ABUSIVE": ("threat", "insult", "dehumanising"),
    "HARASSMENT_BULLYING": ("insult", "threat"),
    "OFFENSIVE": ("profanity", "insult"),
    "SPAM": (),
    "OTHER": None,  # the model's flags as they were
}


def rejection_flags(reason, model_flags):
    """{flag: bool} a rejection stands for, from its reason and the model's raised flags."""
    from classifier.labels import HARM_FLAGS

    raised = {f for f in HARM_FLAGS if (model_flags or {}).get(f, {}).get("value")}
    family = REASON_FLAGS.get(reason)
    if family is None:
        chosen = raised
    else:
        chosen = (raised & set(family)) or set(family[:1])
    return {f: f in chosen for f in HARM_FLAGS}


def corrected_records(store, since=None):
    """Decided comments as training records (labels.md schema).

    A moderator's corrected labels win; else an approval means civil and a rejection stands for
    the flags of its reason (rejection_flags); a Perspective client's suggested scores come as
    corrected labels. A text decided more than once is exported once, with its latest decision.
    """
    from classifier.data import text_key
    from classifier.labels import BEHAVIOUR_FLAGS, HARM_FLAGS
    from classifier.shouting import is_shouting

    with Session(store.engine) as session:
        query = select(ModeratedComment).where(ModeratedComment.final_decision.is_not(None))
        if since:
            query = query.where(ModeratedComment.decided_at >= since)
        rows = list(session.scalars(query.order_by(ModeratedComment.decided_at, ModeratedComment.id)))
    latest = {}
    for row in rows:
        labels = row.corrected or {}
        if row.corrected:
            flags = {f: bool(labels.get(f, False)) for f in HARM_FLAGS}
        elif row.final_decision == "approve":
            flags = dict.fromkeys(HARM_FLAGS, False)  # a moderator approved it: civil
        else:
            flags = rejection_flags(row.final_reason, row.flags)
        stance = labels.get("stance", (row.stance or {}).get("label"))
        source = f"moderator:{row.decided_by}" if row.decided_by is not None else f"suggestion:{row.client}"
        latest[text_key(row.text)] = {
            "text": row.text, "lang": row.lang if row.lang in ("fr", "en", "ar") else "fr",
            "topic": row.topic, "stance": stance if row.topic else None, **flags,
            "shouting": is_shouting(row.text), "toxic": any(flags[f] for f in BEHAVIOUR_FLAGS), "source": source}
    return list(latest.values())


def dashboard(store, days=14):
    """Per day: received, auto-approved, held, auto-rejected, overturned per flag; stance mix per story.

    Counted by the database from two indexes (ix_moderated_comments_days, _stances): one query per day, whose
    sums need no sort, and one per story and stance in index order; no comment row is read.
    """
    until = now()
    since = until - dt.timedelta(days=days)
    C = ModeratedComment
    sums = [func.count()] + [func.sum(case((C.decision == d, 1), else_=0)) for d in ("approve", "review", "reject")]
    for final in ("approve", "reject"):
        sums += [func.sum(case((C.final_decision == final, case((C.raised_flags.like(f"%,{flag},%"), 1), else_=0)),
                               else_=0)) for flag in FLAG_NAMES]
    per_day, stance_mix = {}, {}
    with Session(store.engine) as session:
        day = since.date()
        while day <= until.date():
            start = max(since, dt.datetime.combine(day, dt.time(), dt.timezone.utc))
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
            received, approve, review, reject, *flags = session.execute(
                select(*sums).where(C.created_at >= start, C.created_at < end)).one()
            if received:
                per_day[day.isoformat()] = {
                    "received": received, "approve": approve, "review": review, "reject": reject,
                    "overturned": dict(zip(FLAG_NAMES, flags[:len(FLAG_NAMES)])),
                    "confirmed": dict(zip(FLAG_NAMES, flags[len(FLAG_NAMES):]))}
            day += dt.timedelta(days=1)
        for story, label, n in session.execute(
                select(C.story_id, C.stance_label, func.count())
                .where(C.created_at >= since, C.stance_label.is_not(None))
                .group_by(C.story_id, C.stance_label).order_by(C.story_id, C.stance_label)):
            mix = stance_mix.setdefault(story or "-", {})  # a comment without a story counts under "-"
            mix[label] = mix.get(label, 0) + n
    return per_day, stance_mix


def _rate(part, whole):
    return part / whole if whole else None


def dashboard_rates(store, days=14):
    """Over the dashboard's days: live precision per flag and the held rate per named group.

    overturn: {flag: {"decided", "approved", "rate"}}: of the held comments the model raised that flag on and a
    moderator decided, the share approved (the flag was wrong: 1 - live precision).
    groups: {group: {"civil", "held", "rate"}}: of the civil comments (approved, automatically or by a
    moderator) naming that group of labels.md section 4, the share the model held first.
    The database counts per combination of flags (or of groups) from the indexes ix_moderated_comments_held_outcomes
    and _groups; only those few combinations are split here.
    """
    since = now() - dt.timedelta(days=days)
    C = ModeratedComment
    with Session(store.engine) as session:
        by_flags = session.execute(select(C.raised_flags, C.final_decision, func.count()).where(
            C.created_at >= since, C.decision == "review", C.final_decision.is_not(None))
            .group_by(C.final_decision, C.raised_flags)).all()
        by_groups = session.execute(select(C.named_groups, C.decision, func.count()).where(
            C.named_groups.is_not(None), C.created_at >= since,
            func.coalesce(C.final_decision, C.decision) == "approve").group_by(C.named_groups, C.decision)).all()
    overturn = {f: {"decided": 0, "approved": 0} for f in FLAG_NAMES}
    for raised, final, n in by_flags:
        for flag in set(raised.strip(",").split(",")) & set(FLAG_NAMES):
            overturn[flag]["decided"] += n
            overturn[flag]["approved"] += n if final == "approve" else 0
    groups = {}
    for named, decision, n in by_groups:
        for group in filter(None, named.strip(",").split(",")):
            counts_ = groups.setdefault(group, {"civil": 0, "held": 0})
            counts_["civil"] += n
            counts_["held"] += n if decision == "review" else 0
    for d in overturn.values():
        d["rate"] = _rate(d["approved"], d["decided"])
    for d in groups.values():
        d["rate"] = _rate(d["held"], d["civil"])
    return {"overturn": overturn,
            "groups": dict(sorted(groups.items(), key=lambda kv: (-(kv[1]["rate"] or 0), -kv[1]["civil"], kv[0])))}
