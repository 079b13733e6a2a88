"""Real servers for the webhook's tests: gunicorn on loopback, and a fake CMS callback endpoint."""

import collections
import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.local_server import ROOT, ServerError, free_port, serve  # noqa: F401 (ROOT, free_port re-exported)


@contextlib.contextmanager
def gunicorn(settings, tmp, **env_overrides):
    """gunicorn with the session's model on a fresh SQLite store in `tmp`; yields its base URL (a Running)."""
    env = {"MODEL_DIR": str(settings.model_dir), "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite'}",
           "JOURNAL_DIR": str(tmp / "journal"), "PORT": str(free_port()), "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prom"),
           "WEB_CONCURRENCY": "2", **env_overrides}
    try:
        with serve(env, tmp / "server.log") as base:
            yield base
    except ServerError as exc:
        pytest.fail(str(exc))


Attempt = collections.namedtuple("Attempt", "arrived comment_id delivery_id body")


class FakeCMS:
    """A CMS callback endpoint on loopback that can be down (answers 503) and records what it accepted.

    `slow` maps a comment id to seconds the CMS takes before answering: it has
    stored the decision already, as a CMS behind a slow database would, so a
    client that gave up sees a failure the CMS does not. `attempts` records
    every POST with its arrival time (time.monotonic) and delivery id.
    """

    def __init__(self):
        self.down = False
        self.slow = {}
        self.received = []
        self.attempts = []
        cms = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                arrived = time.monotonic()
                body = self.rfile.read(int(self.headers["Content-Length"]))
                comment_id = json.loads(body).get("id")
                cms.attempts.append(Attempt(arrived, comment_id, self.headers.get("X-Moderation-Delivery-Id"), body))
                if cms.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                cms.received.append((body, self.headers.get("X-Moderation-Signature")))
                time.sleep(cms.slow.get(comment_id, 0))
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/moderation-callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class CuttableProxy:
    """A TCP proxy on loopback in front of a server (PostgreSQL here) whose link the test can cut.

    `cut()` closes every open connection and refuses new ones, as a database
    that stopped would; `hang()` keeps every connection open and accepts new
    ones but forwards nothing, as a database that stopped answering (frozen,
    behind a black hole) would; `restore()` lets connections through again
    (what was held during a hang is delivered then, as when a frozen server resumes).
    """

    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self.flowing = threading.Event()
        self.flowing.set()
        self.conns = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.flowing.wait()  # hanging: the connection is accepted and its startup never answered
            if not self.up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src, dst):
        try:
            while data := src.recv(65536):
                self.flowing.wait()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        self.up.clear()
        with self.lock:
            for conn in self.conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                    conn.close()
                except OSError:
                    pass
            self.conns = []

    def hang(self):
        self.flowing.clear()

    def restore(self):
        self.up.set()
        self.flowing.set()

    def close(self):
        self.cut()
        self.listener.close()
        self.flowing.set()
