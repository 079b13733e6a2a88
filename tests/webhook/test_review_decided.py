"""Decided comments (webhook/review/decided.py): the approved and rejected lists, overturn and undo through the
outbox, and edited comments whose older versions leave the queue."""

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.webhook.test_review import PASSWORD, sign_in, token
from webhook.review.accounts import create_user
from webhook.review.queue import counts
from webhook.store import ModeratedComment, ModeratorAction, Outbox, entry_from_result

CIVIL = "Pensées pour les familles d'Alep, que la trêve tienne."
TOXIC = "Ces rats wahabites 🐀 doivent être éradiqués d'Alep."
HELD = "Espèce d imbécile, tu n as rien compris à cet article."
HELD_EDIT = "Pauvre crétin, retourne à l école."


@pytest.fixture
def app(make_app, database_url):
    app = make_app(database_url=database_url, cms_callback_url="http://127.0.0.1:9/cms", cms_callback_secret="s")
    create_user(app.extensions["store"], "mod", PASSWORD, "moderator")
    create_user(app.extensions["store"], "mod2", PASSWORD, "moderator")
    return app


def moderate(app, comment_id, text, author="a1"):
    r = app.test_client().post("/v1/moderate", json={"id": comment_id, "text": text, "story": {"id": "s1"},
                                                     "author": {"id": author, "name": "Nadia B."}})
    assert r.status_code == 200, r.json
    return r.json


def row_of(app, comment_id, version=None):
    with Session(app.extensions["store"].engine) as session:
        query = select(ModeratedComment).where(ModeratedComment.comment_id == comment_id)
        if version:
            query = query.where(ModeratedComment.version == version)
        return session.scalars(query.order_by(ModeratedComment.version.desc())).first()


def outbox(app):
    with Session(app.extensions["store"].engine) as session:
        return [(o.payload, o.delivery_id) for o in session.scalars(select(Outbox).order_by(Outbox.id))]


def actions(app):
    with Session(app.extensions["store"].engine) as session:
        return [(a.action, a.reason) for a in session.scalars(select(ModeratorAction).order_by(ModeratorAction.id))]


def post(client, path, **data):
    return client.post(path, data=data | {"csrf_token": token(client, "/review/"), "next": "/review/decided"},
                       follow_redirects=True)


def test_an_automatic_rejection_is_approved_and_the_cms_told(app):
    assert moderate(app, "t1", TOXIC)["decision"] == "reject"
    assert moderate(app, "c1", CIVIL)["decision"] == "approve"
    client = sign_in(app.test_client())
    rejected = client.get("/review/decided?outcome=rejected&origin=auto").get_data(as_text=True)
    assert "Ces rats wahabites" in rejected and "Pensées pour les familles" not in rejected
    assert "Pensées pour les familles" in client.get("/review/decided?outcome=approved").get_data(as_text=True)
    row = row_of(app, "t1")
    page = post(client, f"/review/comment/{row.id}/overturn", decision="approve").get_data(as_text=True)
    assert "Décision enregistrée" in page
    stored = row_of(app, "t1")
    assert (stored.decision, stored.final_decision, stored.queue) == ("reject", "approve", None)
    [(payload, delivery_id)] = outbox(app)
    assert payload["id"] == "t1" and payload["decision"] == "approve" and payload["overturns"] == "reject"
    assert payload["automatic_decision"] == "reject" and delivery_id
    assert actions(app) == [("overturn:approve", None)]
    # It moved from the automatic rejections to the moderators' approvals.
    assert "Ces rats" not in client.get("/review/decided?outcome=rejected").get_data(as_text=True)
    assert "Ces rats" in client.get("/review/decided?outcome=approved&origin=human").get_data(as_text=True)
    # An automatic approval is rejected with a reason; a rejection without one is refused, nothing stored.
    civil = row_of(app, "c1")
    refused = post(client, f"/review/comment/{civil.id}/overturn", decision="reject", reason="nope")
    assert "rejection needs a reason" in refused.get_data(as_text=True) and len(outbox(app)) == 1
    post(client, f"/review/comment/{civil.id}/overturn", decision="reject", reason="SPAM")
    assert outbox(app)[-1][0] | {"decided_at": None} == {
        "id": "c1", "version": 1, "client": civil.client, "story": {"id": "s1", "url": None}, "decision": "reject",
        "reason": "SPAM", "decided_at": None, "automatic_decision": "approve", "overturns": "approve"}


def test_undo_returns_a_held_comment_to_the_queue_and_tells_the_cms(app):
    moderate(app, "h1", HELD)
    row = row_of(app, "h1")
    client = sign_in(app.test_client())
    post(client, f"/review/comment/{row.id}/decide", decision="reject", reason="ABUSIVE")
    assert counts(app.extensions["store"])["all"] == 0
    assert "Espèce d imbécile" in client.get("/review/decided?outcome=rejected&origin=human").get_data(as_text=True)
    post(client, f"/review/comment/{row.id}/undo")
    assert counts(app.extensions["store"])["all"] == 1
    stored = row_of(app, "h1")
    assert (stored.queue, stored.final_decision, stored.decided_by) == ("review", None, None)
    assert [p["decision"] for p, _ in outbox(app)] == ["reject", "review"]
    assert outbox(app)[-1][0]["undoes"] == "reject"
    assert actions(app) == [("reject", "ABUSIVE"), ("undo", "reject")]
    # Held again: nothing to undo or overturn until a moderator decides it.
    again = post(client, f"/review/comment/{row.id}/undo").get_data(as_text=True)
    assert "Rien à annuler" in again and len(outbox(app)) == 2


def test_two_moderators_reversing_one_decision_only_the_first_counts(app):
    from webhook.review import decided
    from webhook.store import User

    moderate(app, "t1", TOXIC)
    store = app.extensions["store"]
    with Session(store.engine) as session:
        seen = session.get(ModeratedComment, row_of(app, "t1").id)  # as both moderators' pages read it
        user = session.scalars(select(User.id).where(User.name == "mod")).one()
    decided.overturn(store, seen.id, user, "approve")
    with Session(store.engine) as session, pytest.raises(decided.AlreadyDecided):
        decided._claim(session, seen, final_decision="reject")  # the other saw it rejected automatically
    second = sign_in(app.test_client(), "mod2")
    page = second.post(f"/review/comment/{seen.id}/overturn", data={
        "decision": "approve", "csrf_token": token(second, "/review/")}, follow_redirects=True).get_data(as_text=True)
    assert "Rien à annuler" in page  # already approved: nothing sent twice
    assert len(outbox(app)) == 1 and actions(app) == [("overturn:approve", None)]


def test_an_edit_takes_the_older_version_out_of_the_queue(app):
    """Before: both versions stayed held and the stale one could still be rejected (issue 13)."""
    assert moderate(app, "e1", HELD)["queue"] == "review"
    old = row_of(app, "e1", 1)
    assert moderate(app, "e1", HELD_EDIT)["version"] == 2
    store = app.extensions["store"]
    assert [r.comment_id + f"/v{r.version}" for r in store.queue()] == ["e1/v2"]
    client = sign_in(app.test_client())
    page = post(client, f"/review/comment/{old.id}/decide", decision="reject", reason="SPAM").get_data(as_text=True)
    assert "Une version plus récente existe pour : e1" in page
    assert outbox(app) == [] and actions(app) == [] and row_of(app, "e1", 1).final_decision is None
    assert "Une version plus récente de ce commentaire existe" in client.get(
        f"/review/comment/{old.id}").get_data(as_text=True)
    bulk = client.post("/review/bulk", data={"ids": [str(old.id)], "decision": "approve",
                                             "csrf_token": token(client, "/review/")}, follow_redirects=True)
    assert "Une version plus récente existe pour : e1" in bulk.get_data(as_text=True) and outbox(app) == []


def test_an_original_replayed_after_its_edit_never_enters_the_queue(app):
    """The journal replays an original after its edit was stored live: the original is history."""
    store = app.extensions["store"]
    moderate(app, "e2", HELD_EDIT)
    result = app.extensions["moderator"].moderate_many([{"id": "e2", "text": HELD}])[0]
    assert result["decision"] == "review"
    entry = entry_from_result(result, client=row_of(app, "e2").client, comment_id="e2", text=HELD, source="native",
                              now=row_of(app, "e2").created_at.replace(tzinfo=dt.timezone.utc)
                              - dt.timedelta(seconds=5))
    replayed = store.record(entry)
    assert replayed.version == 1 and replayed.queue is None
    assert [(r.comment_id, r.version, r.text) for r in store.queue()] == [("e2", 2, HELD_EDIT)]
