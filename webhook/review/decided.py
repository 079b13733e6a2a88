"""Decided comments: the approved and rejected lists (automatic and human), overturn and undo.

An overturn or undo is, like a decision, one conditional UPDATE (only while the comment is in the state the
moderator saw), its audit-log row and its outbox row, in one transaction: two moderators reversing the same
decision cannot both succeed, and the CMS hears of every reversal that is stored, under its own delivery id.
A version of a comment that was edited since is history: nothing decides it.
"""

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from webhook.store import ModeratedComment, ModeratorAction, Outbox, utcnow as now

from .queue import PAGE_SIZE, REJECT_REASONS, AlreadyDecided

OUTCOMES = {"approved": "approve", "rejected": "reject"}
ORIGINS = ("all", "auto", "human")
SUGGESTED = "suggested_score"  # final_reason of a client's suggested scores (store.label_suggestion): no decision


class NewerVersion(Exception):
    """The comment was edited since this version was stored: decide the newer version instead."""


class NotReversible(Exception):
    """Nothing to reverse here: still held (decide it), already that outcome, or not a moderator's decision."""


def newer(C=ModeratedComment):
    """SQL: a newer version of the comment of C's row exists (reads the unique (client, comment_id, version)
    index)."""
    later = aliased(ModeratedComment)
    return exists().where(later.client == C.client, later.comment_id == C.comment_id, later.version > C.version)


def stale_versions(store, row_ids):
    """{row id: comment id} of those rows whose comment has a newer version."""
    if not row_ids:
        return {}
    with Session(store.engine) as session:
        return dict(session.execute(select(ModeratedComment.id, ModeratedComment.comment_id).where(
            ModeratedComment.id.in_(list(row_ids)), newer())).all())


def has_newer_version(store, row):
    return bool(stale_versions(store, [row.id]))


def _where(outcome, origin):
    C = ModeratedComment
    final = OUTCOMES[outcome]
    human = and_(C.final_decision == final, C.decided_by.is_not(None))
    auto = and_(C.final_decision.is_(None), C.decision == final, C.queue.is_(None))
    return {"all": or_(human, auto), "auto": auto, "human": human}[origin]


def decided_page(store, outcome="approved", origin="all", page_no=1):
    """(rows of one page, total) of the decided comments of one outcome, latest first; versions edited since
    are left out."""
    C = ModeratedComment
    where = and_(_where(outcome, origin), ~newer())
    order = (C.decided_at.desc(), C.id.desc()) if origin == "human" else (C.created_at.desc(), C.id.desc())
    start = (max(page_no, 1) - 1) * PAGE_SIZE
    with Session(store.engine) as session:
        total = session.scalar(select(func.count()).select_from(C).where(where))
        rows = list(session.scalars(select(C).where(where).order_by(*order).offset(start).limit(PAGE_SIZE)))
    return rows, total


def payload(row, decision, reason, moment, **extra):
    """The CMS callback's body for a decision on `row`, as queue.decide_each writes it, with `extra` fields."""
    return {"id": row.comment_id, "version": row.version, "client": row.client,
            "story": {"id": row.story_id, "url": row.story_url}, "decision": decision,
            "reason": reason if decision == "reject" else None, "decided_at": moment.isoformat(),
            "automatic_decision": row.decision, **extra}


def _same(column, value):
    return column.is_(None) if value is None else column == value


def _reversible(session, row_id):
    row = session.get(ModeratedComment, row_id)
    if row is None:
        raise LookupError(row_id)
    if session.scalar(select(newer(ModeratedComment)).where(ModeratedComment.id == row_id)):
        raise NewerVersion(row.comment_id)
    if row.queue == "review" or row.final_reason == SUGGESTED:
        raise NotReversible(row.comment_id)
    return row


def _claim(session, row, **values):
    """The row changes only if it is still as read (no colleague reversed or decided it meanwhile)."""
    C = ModeratedComment
    result = session.execute(update(C).where(
        C.id == row.id, C.queue.is_(None), _same(C.final_decision, row.final_decision),
        _same(C.decided_by, row.decided_by)).values(**values))
    if result.rowcount != 1:
        raise AlreadyDecided(row.id)


def overturn(store, row_id, user_id, decision, reason=None, callback=True):
    """Reverse an automatic or human decision to `decision` (approve, or reject with a reason)."""
    if decision not in ("approve", "reject"):
        raise ValueError("decision must be approve or reject")
    if decision == "reject" and reason not in REJECT_REASONS:
        raise ValueError(f"a rejection needs a reason among {', '.join(REJECT_REASONS)}")
    reason = reason if decision == "reject" else None
    with Session(store.engine) as session:
        row = _reversible(session, row_id)
        previous = row.final_decision or row.decision
        if previous == decision:
            raise NotReversible(row.comment_id)
        moment = now()
        _claim(session, row, final_decision=decision, final_reason=reason, corrected=None, decided_by=user_id,
               decided_at=moment)
        session.add(ModeratorAction(comment_row=row_id, user_id=user_id, action=f"overturn:{decision}",
                                    reason=reason, created_at=moment))
        if callback:
            session.add(Outbox(comment_row=row_id, status="pending", next_attempt_at=moment, created_at=moment,
                               payload=payload(row, decision, reason, moment, overturns=previous)))
        session.commit()


def undo(store, row_id, user_id, callback=True):
    """Take back a moderator's decision: a comment the model held goes back to the queue (the CMS is told
    "review": hold it again), one the model decided gets the model's decision back."""
    with Session(store.engine) as session:
        row = _reversible(session, row_id)
        if row.decided_by is None:
            raise NotReversible(row.comment_id)
        previous, moment = row.final_decision, now()
        back = "review" if row.decision == "review" else row.decision
        _claim(session, row, queue="review" if back == "review" else None, final_decision=None, final_reason=None,
               corrected=None, decided_by=None, decided_at=None)
        session.add(ModeratorAction(comment_row=row_id, user_id=user_id, action="undo", reason=previous,
                                    created_at=moment))
        if callback:
            session.add(Outbox(comment_row=row_id, status="pending", next_attempt_at=moment, created_at=moment,
                               payload=payload(row, back, None, moment, undoes=previous)))
        session.commit()
