"""The service as production runs it: gunicorn on loopback, real HTTP, JSON logs without secrets."""

import hashlib
import hmac
import json

import pytest
import requests

from tests.webhook.servers import gunicorn
API_KEY, CORAL_SECRET = "test-api-key-7f3a", "coral-secret-19b2"
CMS_TOKEN = "cms-token-5d21"


@pytest.fixture(scope="module")
def server(settings, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    with gunicorn(settings, tmp, MODERATION_API_KEYS=API_KEY, CORAL_SIGNING_SECRETS=CORAL_SECRET,
                  CMS_CALLBACK_URL=f"https://cms:{CMS_TOKEN}@127.0.0.1:9/callback?token={CMS_TOKEN}") as base:
        yield base, tmp / "server.log"


def test_native_moderation_and_retry_over_http(server):
    base, _ = server
    headers = {"Authorization": f"Bearer {API_KEY}"}
    body = {"id": "g1", "text": "Ces cafards 🐀 doivent être éradiqués", "story": {"id": "s"}}
    first = requests.post(base + "/v1/moderate", json=body, headers=headers, timeout=10)
    again = requests.post(base + "/v1/moderate", json=body, headers=headers, timeout=10)
    assert first.status_code == 200 and first.json()["decision"] == "reject"
    assert again.json() == first.json()
    assert requests.post(base + "/v1/moderate", json=body, timeout=10).status_code == 401


def test_coral_over_http(server):
    base, _ = server
    raw = json.dumps({"action": "NEW", "comment": {"body": "<p>Merci pour cet article</p>"}, "tenantID": "t"}).encode()
    sig = "sha256=" + hmac.new(CORAL_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    r = requests.post(base + "/v1/coral/moderate", data=raw, timeout=10,
                      headers={"Content-Type": "application/json", "X-Coral-Signature": sig})
    assert r.status_code == 200 and r.text == "{}"  # approve: "no opinion", Coral's later phases still apply


def test_metrics_add_up_workers_and_logs_are_json_without_secrets(server):
    base, log_path = server
    for i in range(6):
        requests.post(base + "/v1/moderate", json={"id": f"m{i}", "text": "Paix."}, timeout=10,
                      headers={"Authorization": f"Bearer {API_KEY}"})
    text = requests.get(base + "/metrics", timeout=10).text
    assert 'moderation_decisions_total{decision="approve",source="native"}' in text
    logs = log_path.read_text()
    records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any(r.get("message") == "request" and r.get("path") == "/v1/moderate" for r in records)
    assert any(r.get("message") == "webhook ready" for r in records)
    assert API_KEY not in logs and CORAL_SECRET not in logs and CMS_TOKEN not in logs


def _chunked(raw, size=65536):
    for i in range(0, len(raw), size):
        yield raw[i:i + size]


@pytest.mark.parametrize("path", ["/v1/moderate", "/v1/coral/moderate"])
def test_a_chunked_body_over_the_limit_gets_413_not_a_cut_body(server, path):
    base, _ = server
    limit = 2_000_000  # MAX_BODY_BYTES' default
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
    big = json.dumps({"id": "big", "text": "mot " * (limit // 4)}).encode()
    if path.startswith("/v1/coral"):
        big = json.dumps({"action": "NEW", "comment": {"body": "mot " * (limit // 4)}}).encode()
        headers["X-Coral-Signature"] = "sha256=" + hmac.new(CORAL_SECRET.encode(), big, hashlib.sha256).hexdigest()
    r = requests.post(base + path, data=_chunked(big), headers=headers, timeout=30)
    assert r.status_code == 413 and f"larger than {limit} bytes" in r.json()["error"]["message"], r.text[:300]
    small = json.dumps({"id": "chunked", "text": "Merci pour cet article."}).encode()
    if path.startswith("/v1/coral"):
        small = json.dumps({"action": "NEW", "comment": {"body": "Merci pour cet article."}}).encode()
        headers["X-Coral-Signature"] = "sha256=" + hmac.new(CORAL_SECRET.encode(), small, hashlib.sha256).hexdigest()
    assert requests.post(base + path, data=_chunked(small, 7), headers=headers, timeout=30).status_code == 200


def test_gunicorn_without_credentials_refuses_to_start_and_says_why(settings, tmp_path):
    from scripts.local_server import ServerError, free_port, serve

    env = {"MODEL_DIR": str(settings.model_dir), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "JOURNAL_DIR": str(tmp_path / "journal"), "PORT": str(free_port()), "WEB_CONCURRENCY": "1",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), "MODERATION_API_KEYS": "",
           "CORAL_SIGNING_SECRETS": "", "PERSPECTIVE_API_KEYS": "", "ALLOW_UNAUTHENTICATED_LOOPBACK": ""}
    with pytest.raises(ServerError, match="ALLOW_UNAUTHENTICATED_LOOPBACK=1"):
        with serve(env, tmp_path / "server.log", ready_seconds=60):
            pass
