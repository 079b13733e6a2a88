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
    assert r.get_data(as_text=True) == "{}"  # Coral's "no opinion": later pre-moderation phases still apply


def test_approve_can_end_coral_pipeline_when_configured(make_app):
    app = make_app(coral_signing_secrets=(NEW,), coral_approve_answer="APPROVED")
    raw = body("Pensons aux civils d'Alep.")
    assert send(app, raw, sign(raw, NEW)).json == {"status": "APPROVED", "actions": []}


@pytest.mark.parametrize("signature", [None, "", "sha256=", "sha256=deadbeef", "md5=abc"])
def test_missing_or_forged_signatures_are_refused(coral, signature):
    assert send(coral, body("bonjour"), signature).status_code == 401


def test_signature_of_another_body_is_refused(coral):
    raw = body("bonjour")
    assert send(coral, body("bonjour !"), sign(raw, NEW)).status_code == 401


def test_truncated_signature_is_refused(coral):
    raw = body("bonjour")
    assert send(coral, raw, sign(raw, NEW)[:-2]).status_code == 401


def test_toxic_comment_is_rejected_with_a_flag_and_coral_reason(coral):
    raw = body("<p>Ces <b>cafards</b> 🐀 doivent être éradiqués de la ville</p>")
    r = send(coral, raw, sign(raw, NEW))
    assert r.json["status"] == "REJECTED"
    assert r.json["actions"] == [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]
    reason = r.json["moderationAction"]["rejectionReason"]
    assert r.json["moderationAction"]["status"] == "REJECTED" and reason["code"] == "HATE_SPEECH"
    assert reason["detailedExplanation"].startswith("Propos déshumanisants") and "tags" not in r.json


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
    # Every word the body carries is judged and kept, script content included: no renderer shows unjudged text.
    assert row.text.startswith("Bonne analyse\nalert(\"x\")")


def test_a_coral_retry_is_stored_once_and_an_edit_is_a_new_version(coral):
    raw = body("Les civils d'abord, toujours.")
    first = send(coral, raw, sign(raw, NEW))
    assert send(coral, raw, sign(raw, NEW)).get_data() == first.get_data()
    store = coral.extensions["store"]
    assert store.count(source="coral") == 1
    edit = body("Les civils d'abord, toujours. Bande d'idiots.", action="EDIT")
    assert send(coral, edit, sign(edit, NEW)).json["status"] == "SYSTEM_WITHHELD"
    (comment_id,) = {row.comment_id for row in store.queue()}
    assert store.count(source="coral") == 2 and store.count(comment_id=comment_id) == 2


def test_an_edit_finds_the_comment_it_edits_among_the_authors_comments_in_the_thread(coral):
    texts = ["Premier commentaire sur le budget de la ville.", "Un autre avis, sur les transports cette fois."]
    for text in texts:
        raw = body(text)
        send(coral, raw, sign(raw, NEW))
    edit = body("Un autre avis, sur les transports publics cette fois.", action="EDIT")
    send(coral, edit, sign(edit, NEW))
    store = coral.extensions["store"]
    from sqlalchemy.orm import Session

    from webhook.store import ModeratedComment

    with Session(store.engine) as session:
        rows = session.query(ModeratedComment).filter_by(source="coral").all()
    versions = {row.text: (row.comment_id, row.version) for row in rows}
    assert versions["Un autre avis, sur les transports publics cette fois."] == (
        versions[texts[1]][0], 2)


def test_an_edit_by_another_author_or_in_another_thread_is_its_own_comment(coral):
    raw = body("Un avis sur la piscine municipale.")
    send(coral, raw, sign(raw, NEW))
    other = json.loads(body("Un avis sur la piscine municipale rénovée.", action="EDIT"))
    other["author"]["id"] = "u2"
    raw = json.dumps(other).encode()
    send(coral, raw, sign(raw, NEW))
    store = coral.extensions["store"]
    from sqlalchemy.orm import Session

    from webhook.store import ModeratedComment

    with Session(store.engine) as session:
        assert {row.version for row in session.query(ModeratedComment).filter_by(source="coral")} == {1}


@pytest.mark.parametrize("html", [
    "Pour moi x<y. Ces rats doivent être éradiqués d'Alep",
    "Pour moi <!-- Ces rats doivent être éradiqués d'Alep",
    "Pour moi <y. Ces rats doivent être éradiqués d'Alep>",
    "<p>Pour moi</p><b title='x'>Ces rats doivent être éradiqués d'Alep",
    "Pour moi &lt;b&gt; Ces rats doivent &ecirc;tre &eacute;radiqu&eacute;s d'Alep",
    "Pour moi <b Ces rats doivent être éradiqués d'Alep",
])
def test_markup_cannot_hide_words_from_moderation(coral, html):
    raw = body(html)
    r = send(coral, raw, sign(raw, NEW))
    assert r.json["status"] in ("REJECTED", "SYSTEM_WITHHELD")
    assert "rats" in coral.extensions["store"].queue()[0].text if r.json["status"] == "SYSTEM_WITHHELD" else True


def test_plain_text_format_is_taken_as_it_is(make_app):
    app = make_app(coral_signing_secrets=(NEW,), coral_body_format="PLAIN_TEXT")
    raw = body("a <b>gras</b> & c'est tout")
    send(app, raw, sign(raw, NEW))
    from sqlalchemy.orm import Session

    from webhook.store import ModeratedComment

    with Session(app.extensions["store"].engine) as session:
        (row,) = session.query(ModeratedComment).filter_by(source="coral").all()
    assert row.text == "a <b>gras</b> & c'est tout"


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


@pytest.mark.parametrize("lang, words", [("fr", "charte de modération"), ("en", "moderation charter"),
                                         ("ar", "ميثاق الإشراف")])
def test_a_rejection_by_the_newsroom_flag_says_so_in_the_comments_language(lang, words):
    """A model adapted to the newsroom's archive may reject on its own flag (a newsroom's policy)."""
    from webhook.coral import rejection

    result = {"lang": lang, "reasons": ["newsroom"], "evidence": [],
              "flags": {"newsroom": {"score": 0.9, "value": True}, "insult": {"score": 0.1, "value": False}}}
    reason = rejection(result)["rejectionReason"]
    assert reason["code"] == "OTHER" and words in reason["detailedExplanation"]


@pytest.mark.parametrize("where, field", [("tenantID", "tenantID"), ("site", "site.id"), ("story", "story.id"),
                                          ("author", "author.id"), ("comment", "comment.parentID")])
def test_ids_the_store_cannot_hold_are_refused(coral, where, field):
    """The client column is 200 characters and holds "coral:" + tenant: each id is held to what its column takes."""
    def with_id(value):
        raw = json.loads(body("Pensons aux civils d'Alep."))
        if where == "tenantID":
            raw["tenantID"] = value
        elif where == "site":
            raw.pop("tenantID")
            raw["site"]["id"] = value
        else:
            raw[where]["parentID" if where == "comment" else "id"] = value
        return json.dumps(raw).encode("utf-8")

    for bad in ("t" * 201, "t" * 195 if where in ("tenantID", "site") else None, "a\u0000b"):
        if bad is None:
            continue
        raw = with_id(bad)
        r = send(coral, raw, sign(raw, NEW))
        assert r.status_code == 422 and r.json["error"]["field"] == field, (len(bad), r.json)
    longest = with_id("t" * (194 if where in ("tenantID", "site") else 200))
    assert send(coral, longest, sign(longest, NEW)).status_code == 200
    assert coral.extensions["journal"].pending() == 0  # stored, not journalled for ever
