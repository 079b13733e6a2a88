"""Authors (webhook/review/authors.py): stored from the CMS request, their page and history, actions sent to the
CMS through the outbox, "always hold" applied by the service, internal notes."""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.webhook.test_coral import NEW, body as coral_body, send, sign
from tests.webhook.test_review import PASSWORD, sign_in, token
from webhook.review.accounts import create_user
from webhook.store import AUTHOR_NAME_CHARS, Author, ModeratedComment, ModeratorAction, Outbox

CIVIL = "Pensées pour les familles d'Alep, que la trêve tienne."
TOXIC = "Ces rats wahabites 🐀 doivent être éradiqués d'Alep."
HELD = "Espèce d imbécile, tu n as rien compris à cet article."


@pytest.fixture
def app(make_app, database_url):
    app = make_app(database_url=database_url, cms_callback_url="http://127.0.0.1:9/cms", cms_callback_secret="s",
                   coral_signing_secrets=(NEW,))
    create_user(app.extensions["store"], "mod", PASSWORD, "moderator")
    create_user(app.extensions["store"], "boss", PASSWORD, "admin")
    return app


def moderate(app, comment_id, text, author=None):
    r = app.test_client().post("/v1/moderate", json={"id": comment_id, "text": text, "story": {"id": "s1"},
                                                     **({"author": author} if author else {})})
    return r


def rows(app):
    with Session(app.extensions["store"].engine) as session:
        return {r.comment_id: r for r in session.scalars(select(ModeratedComment))}


def outbox(app):
    with Session(app.extensions["store"].engine) as session:
        return [o.payload for o in session.scalars(select(Outbox).order_by(Outbox.id))]


def audit(app):
    with Session(app.extensions["store"].engine) as session:
        return [(a.action, a.author_id, a.note) for a in session.scalars(select(ModeratorAction)
                                                                          .order_by(ModeratorAction.id))]


def form(browser, path, **data):
    return browser.post(path, data=data | {"csrf_token": token(browser, "/review/")}, follow_redirects=True)


def client_of(app, comment_id):
    return rows(app)[comment_id].client


def test_author_id_and_name_are_stored_from_the_native_api_and_coral(app):
    assert moderate(app, "n1", CIVIL, {"id": 42, "name": "Nadia B."}).status_code == 200
    raw = coral_body("Pensons aux civils d'Alep.")
    raw = json.dumps(json.loads(raw) | {"author": {"id": "u7", "username": "karim_h", "role": "COMMENTER"}}).encode()
    assert send(app, raw, sign(raw, NEW)).status_code == 200
    stored = rows(app)
    assert (stored["n1"].author_id, stored["n1"].author_name) == ("42", "Nadia B.")
    coral_row = next(r for r in stored.values() if r.source == "coral")
    assert (coral_row.author_id, coral_row.author_name) == ("u7", "karim_h")
    # Names longer than the column are refused with the field named, before anything is stored.
    long = moderate(app, "n2", CIVIL, {"id": "a", "name": "x" * (AUTHOR_NAME_CHARS + 1)})
    assert long.status_code == 422 and long.json["error"]["field"] == "author.name"
    raw = json.dumps(json.loads(coral_body("Encore.")) | {"author": {"id": "u8", "username": "y" * 201}}).encode()
    r = send(app, raw, sign(raw, NEW))
    assert r.status_code == 422 and r.json["error"]["field"] == "author.username"
    assert moderate(app, "n3", CIVIL, {"id": "a", "email": "x@y"}).status_code == 422
    assert set(rows(app)) == {"n1", coral_row.comment_id}


def test_the_comment_page_names_the_author_and_their_history(app):
    """Before: the history read "review: 1" with no author named (issue 13)."""
    moderate(app, "p1", HELD, {"id": "a9", "name": "Nadia B."})
    moderate(app, "p2", CIVIL, {"id": "a9", "name": "Nadia B."})
    moderate(app, "p3", TOXIC, {"id": "a9", "name": "Nadia B."})
    moderate(app, "other", CIVIL, {"id": "b1"})
    client = sign_in(app.test_client())
    page = client.get(f"/review/comment/{rows(app)['p1'].id}").get_data(as_text=True)
    history = page[page.index('id="author-history"'):]
    history = history[:history.index("</p>")]
    assert "Nadia B." in history and "author_id=a9" in history
    assert "Approuvés automatiquement : 1" in history and "Rejetés automatiquement : 1" in history
    assert "review" not in history.replace("/review/", "")
    nobody = moderate(app, "p4", HELD)
    assert nobody.json["decision"] == "review"
    assert "Auteur inconnu" in client.get(f"/review/comment/{rows(app)['p4'].id}").get_data(as_text=True)


def test_author_actions_reach_the_outbox_once_and_the_audit_log(app):
    moderate(app, "p1", HELD, {"id": "a9", "name": "Nadia B."})
    c = client_of(app, "p1")
    client = sign_in(app.test_client())
    page = client.get(f"/review/author?client={c}&author_id=a9").get_data(as_text=True)
    assert "Nadia B." in page and "Espèce d imbécile" in page and "Toujours retenir cet auteur" in page
    for action in ("hold", "hold", "suspend", "ban"):
        form(client, "/review/author/act", client=c, author_id="a9", action=action, next="/review/")
    assert [(p["event"], p["author"]) for p in outbox(app)] == [
        ("author.hold", {"id": "a9", "name": "Nadia B."}), ("author.suspend", {"id": "a9", "name": "Nadia B."}),
        ("author.ban", {"id": "a9", "name": "Nadia B."})]
    assert all(p["client"] == c and p["decided_at"] for p in outbox(app))
    assert [a for a, _, _ in audit(app)] == ["author:hold", "author:suspend", "author:ban"]
    page = client.get(f"/review/author?client={c}&author_id=a9").get_data(as_text=True)
    assert "banni, toujours retenu" in page and "Ne plus retenir cet auteur" in page and "Rétablir" in page
    # Unknown actions and unknown authors change nothing.
    assert "action must be one of" in form(client, "/review/author/act", client=c, author_id="a9",
                                           action="delete").get_data(as_text=True)
    assert form(client, "/review/author/act", client=c, author_id="nobody", action="ban").status_code == 404
    assert client.get(f"/review/author?client={c}&author_id=nobody").status_code == 404
    assert client.get("/review/author").status_code == 404
    assert len(outbox(app)) == 3


def test_an_always_held_author_is_held_whatever_the_model_says(app):
    moderate(app, "first", CIVIL, {"id": "a9"})
    c = client_of(app, "first")
    client = sign_in(app.test_client())
    form(client, "/review/author/act", client=c, author_id="a9", action="hold")
    civil = moderate(app, "later", CIVIL + " Courage.", {"id": "a9"}).json
    assert civil["decision"] == "review" and civil["queue"] == "review" and "author_held" in civil["reasons"]
    assert moderate(app, "toxic", TOXIC, {"id": "a9"}).json["decision"] == "reject"  # a rejection stays one
    assert moderate(app, "other", CIVIL + " Courage.", {"id": "b1"}).json["decision"] == "approve"
    assert ",author_held," in rows(app)["later"].reason_tags
    form(client, "/review/author/act", client=c, author_id="a9", action="release")
    assert moderate(app, "after", CIVIL + " Merci.", {"id": "a9"}).json["decision"] == "approve"


def test_notes_on_a_comment_and_an_author_are_stored_shown_and_audited(app):
    moderate(app, "p1", HELD, {"id": "a9", "name": "Nadia B."})
    row, c = rows(app)["p1"], client_of(app, "p1")
    client = sign_in(app.test_client())
    form(client, f"/review/comment/{row.id}/note", note="Déjà averti par courriel.", next=f"/review/comment/{row.id}")
    form(client, "/review/author/note", client=c, author_id="a9", note="Récidiviste, voir fil Alep.")
    assert rows(app)["p1"].note == "Déjà averti par courriel."
    with Session(app.extensions["store"].engine) as session:
        assert session.scalars(select(Author.note)).one() == "Récidiviste, voir fil Alep."
    assert "Déjà averti par courriel." in client.get(f"/review/comment/{row.id}").get_data(as_text=True)
    assert "Récidiviste, voir fil Alep." in client.get(f"/review/author?client={c}&author_id=a9").get_data(
        as_text=True)
    too_long = form(client, f"/review/comment/{row.id}/note", note="x" * 2001).get_data(as_text=True)
    assert "at most 2000 characters" in too_long and rows(app)["p1"].note == "Déjà averti par courriel."
    assert audit(app) == [("note", "a9", "Déjà averti par courriel."),
                          ("author:note", "a9", "Récidiviste, voir fil Alep.")]
    assert outbox(app) == []  # internal: never sent to the CMS
    admin = sign_in(app.test_client(), "boss")
    log = admin.get("/review/audit").get_data(as_text=True)
    assert "Récidiviste, voir fil Alep." in log and "Déjà averti par courriel." in log
