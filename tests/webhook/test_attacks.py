"""Attacks, each with the status it must get: signatures, secrets in URLs, oversize bodies,
injection payloads in every field, brute force, privilege escalation."""

import hashlib
import hmac
import json
import logging

import pytest

from webhook.review.accounts import create_user

SECRET = "coral-attack-secret"
KEY = "native-attack-key"
PAYLOADS = ["'; DROP TABLE moderated_comments; --", "\" OR 1=1 --", "<img src=x onerror=alert(1)>",
            "<script>document.location='//evil'</script>", "{{7*7}}", "${jndi:ldap://x}", "../../etc/passwd"]


@pytest.fixture
def app(make_app, database_url):
    return make_app(database_url=database_url, coral_signing_secrets=(SECRET,), moderation_api_keys=(KEY,),
                    perspective_api_keys=(KEY,))


def coral(client, raw, signature):
    return client.post("/v1/coral/moderate", data=raw, content_type="application/json",
                       headers={"X-Coral-Signature": signature} if signature is not None else {})


def sig(raw, secret=SECRET):
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("signature", [
    None, "", "sha256=", "sha256=" + "0" * 64, "sha1=abcdef", "sha256=zz", "SHA256",
    "sha256=" + hmac.new(b"wrong-secret", b"{}", hashlib.sha256).hexdigest()])
def test_forged_or_missing_coral_signatures_get_401(app, signature):
    raw = json.dumps({"action": "NEW", "comment": {"body": "Bonjour"}}).encode()
    assert coral(app.test_client(), raw, signature).status_code == 401


def test_truncated_signature_and_truncated_body_get_401(app):
    raw = json.dumps({"action": "NEW", "comment": {"body": "Bonjour à tous"}}).encode()
    client = app.test_client()
    assert coral(client, raw, sig(raw)[:40]).status_code == 401
    assert coral(client, raw[:-3], sig(raw)).status_code == 401


def test_a_replayed_signed_request_is_answered_the_same_and_stored_once(app):
    raw = json.dumps({"action": "NEW", "comment": {"body": "Merci pour ce reportage"}, "tenantID": "t"}).encode()
    client = app.test_client()
    first, replay = coral(client, raw, sig(raw)), coral(client, raw, sig(raw))
    assert first.status_code == replay.status_code == 200 and first.json == replay.json
    assert app.extensions["store"].count(source="coral") == 1


def test_a_secret_in_the_query_string_is_not_a_credential_and_never_logged(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        r = client.post(f"/v1/moderate?key={KEY}&access_token={KEY}", json={"id": 1, "text": "Bonjour"})
    assert r.status_code == 401
    assert KEY not in caplog.text
    ok = client.post("/v1/moderate", json={"id": 1, "text": "Bonjour"}, headers={"Authorization": f"Bearer {KEY}"})
    assert ok.status_code == 200


@pytest.mark.parametrize("path", ["/v1/moderate", "/v1/moderate/batch", "/v1/coral/moderate",
                                  "/v1alpha1/comments:analyze"])
def test_oversize_bodies_get_413_everywhere(make_app, path):
    client = make_app(max_body_bytes=4096).test_client()
    r = client.post(path, data=b'{"x": "' + b"a" * 10000 + b'"}', content_type="application/json")
    assert r.status_code == 413


def test_injection_payloads_in_every_field_are_stored_verbatim(app):
    client = app.test_client()
    auth = {"Authorization": f"Bearer {KEY}"}
    for i, payload in enumerate(PAYLOADS):
        body = {"id": f"{payload}-{i}", "text": f"Commentaire {payload}", "topic": payload,
                "story": {"id": payload, "url": payload}, "author": {"id": payload}}
        r = client.post("/v1/moderate", json=body, headers=auth)
        assert r.status_code == 200, r.json
        assert r.json["id"] == f"{payload}-{i}"
    store = app.extensions["store"]
    assert store.count() == len(PAYLOADS)
    assert store.count(author_id=PAYLOADS[0]) == 1


def test_injection_payloads_show_as_text_in_the_queue(app):
    store = app.extensions["store"]
    create_user(store, "mod", "long enough password")
    client = app.test_client()
    client.post("/v1/moderate", json={"id": "x", "text": "ESPECE D IMBECILE <img src=x onerror=alert(1)>"},
                headers={"Authorization": f"Bearer {KEY}"})
    import re

    page = client.get("/review/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/review/login", data={"name": "mod", "password": "long enough password", "csrf_token": token})
    html = client.get("/review/").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_unknown_api_key_and_wrong_scheme(app):
    client = app.test_client()
    for header in ({"Authorization": "Bearer nope"}, {"Authorization": f"Token {KEY}"}, {"Authorization": KEY}):
        assert client.post("/v1/moderate", json={"id": 1, "text": "x y"}, headers=header).status_code == 401


@pytest.mark.parametrize("value", ["sha256=\xe9" + "0" * 63, "sha256=" + "0" * 63 + "\xff", "\xe9\xe8=abc"])
def test_non_ascii_bytes_in_the_coral_signature_get_401(app, value):
    raw = json.dumps({"action": "NEW", "comment": {"body": "Bonjour"}}).encode()
    r = coral(app.test_client(), raw, value)
    assert r.status_code == 401 and "X-Coral-Signature" in r.json["error"]["message"]


HUGE = "9" * 4301


def _send(client, path, raw):
    url = path + (f"?key={KEY}" if path.startswith("/v1alpha1") else "")
    headers = {"Authorization": f"Bearer {KEY}"}
    if path == "/v1/coral/moderate":
        headers = {"X-Coral-Signature": sig(raw)}
    return client.post(url, data=raw, content_type="application/json", headers=headers)


@pytest.mark.parametrize("path, raw", [
    ("/v1/moderate", '{"id": %s, "text": "Bonjour"}' % HUGE),
    ("/v1/moderate/batch", '{"comments": [{"id": 1, "text": "Bonjour", "x": -%s}]}' % HUGE),
    ("/v1/coral/moderate", '{"action": "NEW", "comment": {"body": "Bonjour"}, "tenantID": %s}' % HUGE),
    ("/v1alpha1/comments:analyze", '{"comment": {"text": "Bonjour"}, "requestedAttributes": {"TOXICITY": {}},'
                                   ' "clientToken": %s}' % HUGE),
])
def test_an_integer_of_thousands_of_digits_gets_400(app, path, raw):
    r = _send(app.test_client(), path, raw.encode())
    assert r.status_code == 400 and "digits" in r.json["error"]["message"], r.get_data(as_text=True)[:300]


LONE = "\\ud800"
ANALYZE = '{"comment": {"text": "Bonjour"}, "requestedAttributes": {"TOXICITY": {}}'


@pytest.mark.parametrize("path, raw", [
    ("/v1/moderate", '{"id": "a", "text": "Bonjour", "%s": 1}' % LONE),
    ("/v1/moderate", '{"id": "a", "text": "Bonjour", "story": {"%s": 1}}' % LONE),
    ("/v1/moderate/batch", '{"comments": [{"id": "a", "text": "Bonjour", "author": {"id": "x%s"}}]}' % LONE),
    ("/v1alpha1/comments:analyze", '{"comment": {"text": "Bonjour"}, "requestedAttributes": {"%s": {}}}' % LONE),
    ("/v1alpha1/comments:analyze", ANALYZE + ', "languages": ["fr", "%s"]}' % LONE),
    ("/v1alpha1/comments:analyze", ANALYZE + ', "clientToken": "t%s"}' % LONE),
    ("/v1alpha1/comments:suggestscore", '{"comment": {"text": "Bonjour"}, "clientToken": "%s",'
                                        ' "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}' % LONE),
    ("/v1/coral/moderate", '{"action": "NEW", "comment": {"body": "Bonjour"}, "tenantID": "t%s"}' % LONE),
    ("/v1/coral/moderate", '{"action": "NEW", "comment": {"body": "Bonjour"}, "author": {"id": "%s"}}' % LONE),
    ("/v1/coral/moderate", '{"action": "NEW", "comment": {"body": "Bonjour"}, "story": {"url": "%s"}}' % LONE),
])
def test_a_lone_surrogate_anywhere_is_refused_and_never_stored(app, path, raw):
    r = _send(app.test_client(), path, raw.encode())
    assert r.status_code in (400, 422), r.get_data(as_text=True)[:300]
    assert "surrogate" in r.json["error"]["message"]
    assert app.extensions["store"].count() == 0
