"""Native API over HTTP (Flask test client), on SQLite and on PostgreSQL."""

import json

import pytest

CIVIL = "Pensées pour les familles d'Alep, que la trêve tienne."
TOXIC = "Ces rats wahabites 🐀 doivent être éradiqués d'Alep."


def post(client, body, path="/v1/moderate", **kw):
    return client.post(path, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                       content_type="application/json", **kw)


def test_decision_with_flags_evidence_and_stance(client, app):
    r = post(client, {"id": "c1", "text": TOXIC, "topic": "syria-aleppo-2016",
                      "story": {"id": "s1", "url": "https://example.org/alep"}, "author": {"id": "a1"}})
    assert r.status_code == 200, r.json
    body = r.json
    assert body["id"] == "c1" and body["decision"] == "reject" and body["queue"] is None
    assert body["flags"]["dehumanising"]["value"] is True
    assert any(e["kind"] == "cue" for e in body["evidence"])
    assert body["stance"]["topic"] == "syria-aleppo-2016"
    row = app.extensions["store"].find("local", "c1", TOXIC)
    assert row.story_id == "s1" and row.author_id == "a1" and row.model_version == body["model_version"]
    assert row.policy_version == "default-4" and row.created_at is not None


def test_a_cms_retry_returns_the_stored_decision_once(client, app):
    first = post(client, {"id": 42, "text": CIVIL}).json
    again = post(client, {"id": 42, "text": CIVIL}).json
    assert first == again
    assert app.extensions["store"].count(comment_id="42") == 1


def test_an_edit_is_a_new_version_rescored(client, app):
    assert post(client, {"id": "e1", "text": CIVIL}).json["version"] == 1
    edited = post(client, {"id": "e1", "text": "Bande de crétins vendus, tous autant que vous êtes."}).json
    assert edited["version"] == 2 and edited["decision"] != "approve"
    assert app.extensions["store"].count(comment_id="e1") == 2


def test_review_decisions_form_the_queue(client, app):
    r = post(client, {"id": "q1", "text": "ARRETEZ DE NOUS RACONTER DES HISTOIRES SUR CETTE GUERRE"}).json
    assert r["decision"] == "review" and r["queue"] == "review"
    assert [c.comment_id for c in app.extensions["store"].queue()] == ["q1"]


def test_batch_answers_in_order(client, app):
    comments = [{"id": f"b{i}", "text": t} for i, t in enumerate([CIVIL, TOXIC, CIVIL + " Vraiment."])]
    r = post(client, {"comments": comments}, "/v1/moderate/batch")
    assert r.status_code == 200
    assert [x["id"] for x in r.json["results"]] == ["b0", "b1", "b2"]
    assert [x["decision"] for x in r.json["results"]][1] == "reject"
    assert app.extensions["store"].count() == 3


@pytest.mark.parametrize("body, status, field", [
    ({"text": CIVIL}, 422, "id"),
    ({"id": "x"}, 422, "text"),
    ({"id": "x", "text": "   "}, 422, "text"),
    ({"id": "x", "text": 12}, 422, "text"),
    ({"id": True, "text": CIVIL}, 422, "id"),
    ({"id": "x", "text": "a\u0000b"}, 422, "text"),
    ({"id": "x", "text": "bell\u0007"}, 422, "text"),
    ({"id": "x", "text": CIVIL, "lang": "de"}, 422, "lang"),
    ({"id": "x", "text": CIVIL, "story": "s1"}, 422, "story"),
    ({"id": "x", "text": CIVIL, "author": {"email": "n"}}, 422, "author.email"),
    ({"id": "x", "text": CIVIL, "extra": 1}, 422, "extra"),
    ({"id": "x", "text": "x" * 20001}, 422, "text"),
])
def test_wrong_fields_are_named(client, body, status, field):
    r = post(client, body)
    assert r.status_code == status and r.json["error"]["field"] == field, r.json


def test_bad_bodies_get_400_with_a_reason(client):
    cases = [b"", b"{not json", b"[1, 2]", b"\xff\xfe{}", b'"just a string"']
    for raw in cases:
        r = client.post("/v1/moderate", data=raw, content_type="application/json")
        assert r.status_code == 400 and r.json["error"]["message"], raw


def test_lone_surrogate_is_refused_not_crashed(client):
    r = client.post("/v1/moderate", data=b'{"id": "s", "text": "a\\ud800b"}', content_type="application/json")
    assert r.status_code == 422 and "surrogate" in r.json["error"]["message"]


def test_body_over_the_limit_gets_413(make_app):
    client = make_app(max_body_bytes=1000).test_client()
    r = post(client, {"id": "big", "text": "mot " * 600})
    assert r.status_code == 413 and "larger than 1000 bytes" in r.json["error"]["message"]


def test_batch_limits_and_duplicates(make_app):
    client = make_app(max_batch=3).test_client()
    many = [{"id": i, "text": CIVIL} for i in range(4)]
    assert post(client, {"comments": many}, "/v1/moderate/batch").json["error"]["field"] == "comments"
    dup = [{"id": 1, "text": CIVIL}, {"id": 1, "text": TOXIC}]
    assert "twice" in post(client, {"comments": dup}, "/v1/moderate/batch").json["error"]["message"]
    bad = [{"id": 1, "text": CIVIL}, {"id": 2}]
    assert post(client, {"comments": bad}, "/v1/moderate/batch").json["error"]["field"] == "comments[1].text"
    assert post(client, {"comments": []}, "/v1/moderate/batch").status_code == 422


def test_api_keys_are_required_when_configured(make_app):
    client = make_app(moderation_api_keys=("k-one", "k-two")).test_client()
    assert post(client, {"id": 1, "text": CIVIL}).status_code == 401
    assert post(client, {"id": 1, "text": CIVIL}, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert post(client, {"id": 1, "text": CIVIL}, headers={"Authorization": "Basic k-two"}).status_code == 401
    ok = post(client, {"id": 1, "text": CIVIL}, headers={"Authorization": "Bearer k-two"})
    assert ok.status_code == 200


def test_keys_are_kept_only_as_hashes(make_app):
    app = make_app(moderation_api_keys=("k-secret-value",))
    assert "k-secret-value" not in repr(vars(app.extensions["api_keys"]))


def test_without_keys_only_loopback_is_served(client):
    remote = post(client, {"id": 1, "text": CIVIL}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 401 and "loopback" in remote.json["error"]["message"]
    assert post(client, {"id": 1, "text": CIVIL}, environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_unknown_routes_and_methods_answer_json(client):
    assert client.get("/v1/nothing").json["error"]["code"] == 404
    assert client.get("/v1/moderate").json["error"]["code"] == 405


@pytest.mark.parametrize("field", ["story", "author"])
def test_ids_longer_than_their_column_are_refused(client, app, field):
    """story.id and author.id are 200-character columns: PostgreSQL refused 201 to 2,000 after a 200 answer."""
    r = post(client, {"id": "w1", "text": CIVIL, field: {"id": "s" * 201}})
    assert r.status_code == 422 and r.json["error"]["field"] == f"{field}.id", r.json
    r = post(client, {"id": "w1", "text": CIVIL, field: {"id": "s" * 200}})
    assert r.status_code == 200 and "stored" not in r.json, r.json
    assert app.extensions["journal"].pending() == 0


def test_author_names_fill_their_column_and_no_more(client, app):
    """author.name is a 200-character column: the longest name validation lets through is stored, on PostgreSQL
    too, without going to the journal."""
    from webhook.store import AUTHOR_NAME_CHARS

    r = post(client, {"id": "w2", "text": CIVIL, "author": {"id": "a", "name": "é" * AUTHOR_NAME_CHARS}})
    assert r.status_code == 200 and "stored" not in r.json, r.json
    assert app.extensions["journal"].pending() == 0
    r = post(client, {"id": "w3", "text": CIVIL, "author": {"id": "a", "name": "é" * (AUTHOR_NAME_CHARS + 1)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "author.name"


def test_without_any_credential_the_service_refuses_to_start(settings, tmp_path):
    from dataclasses import replace

    from webhook import StartupError, create_app

    with pytest.raises(StartupError, match="ALLOW_UNAUTHENTICATED_LOOPBACK=1"):
        create_app(replace(settings, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
                           journal_dir=tmp_path / "journal"), migrate=False, background=False)


def test_an_endpoint_without_its_credential_is_closed_even_to_loopback(make_app):
    client = make_app(coral_signing_secrets=("only-coral",), allow_unauthenticated_loopback=False).test_client()
    r = post(client, {"id": 1, "text": CIVIL}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert r.status_code == 401 and "MODERATION_API_KEYS is not configured" in r.json["error"]["message"]
    r = client.post("/v1alpha1/comments:analyze", json={"comment": {"text": CIVIL},
                                                        "requestedAttributes": {"TOXICITY": {}}})
    assert r.status_code == 403 and "PERSPECTIVE_API_KEYS" in r.json["error"]["message"]


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_a_proxied_request_is_not_a_loopback_client(client, header):
    r = post(client, {"id": 1, "text": CIVIL}, headers={header: "203.0.113.9"})
    assert r.status_code == 401 and "proxy" in r.json["error"]["message"]
