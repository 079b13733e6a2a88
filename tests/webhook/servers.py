"""Real servers for the webhook's tests: gunicorn on loopback, and a fake CMS callback endpoint."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(settings, tmp, **env_overrides):
    """gunicorn with the session's model on a fresh SQLite store in `tmp`; yields its base URL."""
    port = free_port()
    env = dict(os.environ, MODEL_DIR=str(settings.model_dir), DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite'}",
               JOURNAL_DIR=str(tmp / "journal"), PORT=str(port), PROMETHEUS_MULTIPROC_DIR=str(tmp / "prom"),
               WEB_CONCURRENCY="2", **env_overrides)
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
    try:
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


class FakeCMS:
    """A CMS callback endpoint on loopback that can be down (answers 503) and records what it accepted."""

    def __init__(self):
        self.down = False
        self.received = []
        cms = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if cms.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                cms.received.append((body, self.headers.get("X-Moderation-Signature")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/moderation-callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


