"""Coral Talk's external moderation phase: signatures, HTML bodies, answers."""

import hashlib
import hmac
import json

import pytest

OLD, NEW = "old-rotated-secret", "current-secret"


def body(text, action="NEW", **extra):
    return json.dumps({"action": action, "comment": {"body": text, "parentID": None},
                       "author": {"id": "u1", "role": "COMMENTER"}, "story": {"id": "s1", "url": "https://x.org/a"},
                       "site": {"id": "site1"}, "tenantID": "tenant1", "tenantDomain": "x.org", **extra},
                      ensure_ascii=False).encode("utf-8")


def sign(raw, *secrets):
    return ",".join("sha256=" + hmac.new(s.encode(), raw, hashlib.sha256).hexdigest() for s in secrets)


@pytest.fixture
def coral(make_app, database_url):
    return make_app(database_url=database_url, coral_signing_secrets=(NEW,))


def send(app, raw, signature):
    headers = {"X-Coral-Signature": signature} if signature is not None else {}
    return app.test_client().post("/v1/coral/moderate", data=raw, content_type="application/json", headers=headers)


def test_signed_by_two_secrets_where_only_the_second_is_configured(coral):
    raw = body("Pensons aux civils d'Alep.")
    r = send(coral, raw, sign(raw, OLD, NEW))
    assert r.status_code == 200
    assert r.json == {"status": "APPROVED", "actions": [], "tags": []}


@pytest.mark.parametrize("signature", [None, "", "sha256=", "sha256=deadbeef", "md5=abc"])
def test_missing_or_forged_signatures_are_refused(coral, signature):
    assert send(coral, body("bonjour"), signature).status_code == 401


def test_signature_of_another_body_is_refused(coral):
    raw = body("bonjour")
    assert send(coral, body("bonjour !"), sign(raw, NEW)).status_code == 401


def test_truncated_signature_is_refused(coral):
    raw = body("bonjour")
    assert send(coral, raw, sign(raw, NEW)[:-2]).status_code == 401


def test_toxic_comment_is_rejected_with_a_flag(coral):
    raw = body("<p>Ces <b>cafards</b> 🐀 doivent être éradiqués de la ville</p>")
    r = send(coral, raw, sign(raw, NEW))
    assert r.json["status"] == "REJECTED"
    assert r.json["actions"] == [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]


def test_review_maps_to_system_withheld_with_a_flag(coral):
    raw = body("VOUS ETES TOUS DES MENTEURS ET DES HYPOCRITES ICI")
    r = send(coral, raw, sign(raw, NEW))
    assert r.json["status"] == "SYSTEM_WITHHELD" and r.json["actions"][0]["actionType"] == "FLAG"


def test_html_is_stripped_before_reading_and_storing(coral):
    raw = body('<p>Bonne <i>analyse</i></p><script>alert("x")</script><img src=x onerror=alert(1)>')
    assert send(coral, raw, sign(raw, NEW)).status_code == 200
    from sqlalchemy.orm import Session

    from webhook.store import ModeratedComment

    with Session(coral.extensions["store"].engine) as session:
        (row,) = session.query(ModeratedComment).filter_by(source="coral").all()
    assert row.text == "Bonne analyse"


def test_a_coral_retry_is_stored_once_and_an_edit_is_a_new_version(coral):
    raw = body("Les civils d'abord.", comment={"id": "cm-7", "body": "Les civils d'abord.", "parentID": None})
    first = send(coral, raw, sign(raw, NEW)).json
    assert send(coral, raw, sign(raw, NEW)).json == first
    store = coral.extensions["store"]
    assert store.count(comment_id="cm-7") == 1
    edit = body("Bande d'idiots.", action="EDIT", comment={"id": "cm-7", "body": "Bande d'idiots.", "parentID": None})
    assert send(coral, edit, sign(edit, NEW)).json["status"] == "SYSTEM_WITHHELD"
    assert store.count(comment_id="cm-7") == 2


@pytest.mark.parametrize("payload, field", [
    ({"action": "DELETE", "comment": {"body": "x"}}, "action"),
    ({"action": "NEW", "comment": {"body": 3}}, "comment.body"),
    ({"action": "NEW", "comment": "x"}, "comment"),
    ({"action": "NEW", "comment": {"body": "<p></p>"}}, "comment.body"),
])
def test_wrong_coral_fields_are_named(coral, payload, field):
    raw = json.dumps(payload).encode()
    r = send(coral, raw, sign(raw, NEW))
    assert r.status_code == 422 and r.json["error"]["field"] == field
