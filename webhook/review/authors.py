"""Authors: their comments and history, what moderators decide about them, and internal notes.

An action on an author ("always hold", "suspend", "ban" and their reversals) is stored on the author, written to
the audit log and, when a CMS callback is configured, to the outbox as an event the CMS applies, in one
transaction. "Always hold" is also applied here: the service holds that author's later comments
(webhook.service.hold_for_author). Notes are internal: stored, shown, audited, never sent to the CMS.
"""

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webhook.store import Author, ModeratedComment, ModeratorAction, Outbox, utcnow as now

# action: (column, value) it sets on the author
ACTIONS = {"hold": ("hold", True), "release": ("hold", False), "suspend": ("status", "suspended"),
           "ban": ("status", "banned"), "reinstate": ("status", "active")}
NOTE_CHARS = 2000
RECENT = 50
# A comment's outcome for the author's history, in the order the pages show them.
OUTCOMES = ("held", "approved_auto", "approved_human", "rejected_auto", "rejected_human", "edited")


def outcome_column(C=ModeratedComment):
    return case(
        (C.queue == "review", "held"),
        (C.final_decision == "approve", "approved_human"),
        (C.final_decision == "reject", "rejected_human"),
        (C.decision == "approve", "approved_auto"),
        (C.decision == "reject", "rejected_auto"),
        else_="edited")  # a held version that left the queue when its comment was edited


def history(store, client, author_id, exclude_row=None):
    """{outcome: number of the author's comments} (OUTCOMES), counted by the database."""
    if not author_id:
        return {}
    C = ModeratedComment
    outcome = outcome_column()
    query = select(outcome, func.count()).where(C.client == client, C.author_id == author_id)
    if exclude_row is not None:
        query = query.where(C.id != exclude_row)
    with Session(store.engine) as session:
        found = dict(session.execute(query.group_by(outcome)).all())
    return {o: found[o] for o in OUTCOMES if found.get(o)}


def state(store, client, author_id):
    """The author's stored state (hold, status, note) or the defaults for one nobody acted on."""
    with Session(store.engine) as session:
        author = session.scalars(select(Author).where(Author.client == client,
                                                      Author.author_id == author_id)).first()
    if author is None:
        return {"hold": False, "status": "active", "note": None}
    return {"hold": author.hold, "status": author.status, "note": author.note}


def profile(store, client, author_id):
    """Everything the author page shows: name, state, history counts, recent comments (newest first) and the
    moderators' actions on the author."""
    C = ModeratedComment
    with Session(store.engine) as session:
        recent = list(session.scalars(select(C).where(C.client == client, C.author_id == author_id)
                                      .order_by(C.created_at.desc(), C.id.desc()).limit(RECENT)))
        actions = session.execute(select(ModeratorAction).where(
            ModeratorAction.client == client, ModeratorAction.author_id == author_id)
            .order_by(ModeratorAction.id.desc()).limit(RECENT)).scalars().all()
    if not recent and not actions:
        return None
    name = next((r.author_name for r in recent if r.author_name), None)
    return {"client": client, "author_id": author_id, "name": name, "recent": recent, "actions": actions,
            "history": history(store, client, author_id), **state(store, client, author_id)}


def _author(session, client, author_id, moment):
    """The author's row, created on the first action; a colleague creating it at the same moment wins the
    insert and this reads theirs (uq_author)."""
    query = select(Author).where(Author.client == client, Author.author_id == author_id).with_for_update()
    author = session.scalars(query).first()
    if author is None:
        try:
            with session.begin_nested():
                author = Author(client=client, author_id=author_id, hold=False, status="active", updated_at=moment)
                session.add(author)
        except IntegrityError:
            author = session.scalars(query).one()
    return author


def _known(session, client, author_id):
    C = ModeratedComment
    name = session.execute(select(C.author_name).where(C.client == client, C.author_id == author_id)
                           .order_by(C.created_at.desc()).limit(1)).first()
    if name is None:
        raise LookupError(author_id)
    return name[0]


def act(store, client, author_id, user_id, action, callback=True):
    """Apply `action` (ACTIONS) to an author of `client`; False when it was already so (nothing sent)."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    column, value = ACTIONS[action]
    moment = now()
    with Session(store.engine) as session:
        name = _known(session, client, author_id)
        author = _author(session, client, author_id, moment)
        changed = session.execute(update(Author).where(Author.id == author.id, getattr(Author, column) != value)
                                  .values({column: value, "updated_at": moment})).rowcount
        if not changed:
            session.rollback()
            return False
        session.add(ModeratorAction(user_id=user_id, action=f"author:{action}", client=client, author_id=author_id,
                                    created_at=moment))
        if callback:
            session.add(Outbox(status="pending", next_attempt_at=moment, created_at=moment, payload={
                "event": f"author.{action}", "client": client, "author": {"id": author_id, "name": name},
                "decided_at": moment.isoformat()}))
        session.commit()
    return True


def _note(text):
    text = (text or "").strip()
    if len(text) > NOTE_CHARS:
        raise ValueError(f"a note holds at most {NOTE_CHARS} characters ({len(text)})")
    return text or None


def note_author(store, client, author_id, user_id, text):
    note, moment = _note(text), now()
    with Session(store.engine) as session:
        _known(session, client, author_id)
        author = _author(session, client, author_id, moment)
        author.note, author.updated_at = note, moment
        session.add(ModeratorAction(user_id=user_id, action="author:note", client=client, author_id=author_id,
                                    note=note, created_at=moment))
        session.commit()


def note_comment(store, row_id, user_id, text):
    note, moment = _note(text), now()
    with Session(store.engine) as session:
        row = session.get(ModeratedComment, row_id)
        if row is None:
            raise LookupError(row_id)
        row.note = note
        session.add(ModeratorAction(comment_row=row_id, user_id=user_id, action="note", note=note,
                                    client=row.client, author_id=row.author_id, created_at=moment))
        session.commit()
