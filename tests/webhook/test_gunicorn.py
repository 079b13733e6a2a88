"""The service as production runs it: gunicorn on loopback, real HTTP, JSON logs without secrets."""

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
API_KEY, CORAL_SECRET = "test-api-key-7f3a", "coral-secret-19b2"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(settings, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = dict(os.environ, MODEL_DIR=str(settings.model_dir), DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite'}",
               JOURNAL_DIR=str(tmp / "journal"), PORT=str(port), MODERATION_API_KEYS=API_KEY,
               CORAL_SIGNING_SECRETS=CORAL_SECRET, PROMETHEUS_MULTIPROC_DIR=str(tmp / "prom"),
               WEB_CONCURRENCY="2")
    log = open(tmp / "server.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "webhook/gunicorn.conf.py", "webhook.wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if requests.get(base + "/readyz", timeout=1).status_code == 200:
                break
        except requests.RequestException:  # not listening or not ready yet
            time.sleep(0.3)
    else:
        proc.kill()
        log.seek(0)
        pytest.fail("gunicorn did not become ready:\n" + log.read()[-3000:])
    yield base, tmp / "server.log"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


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
    assert r.status_code == 200 and r.json()["status"] == "APPROVED"


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
    assert API_KEY not in logs and CORAL_SECRET not in logs
