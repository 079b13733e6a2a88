"""gunicorn on loopback for the benchmarks and the tests: start, wait until ready, stop."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


class ServerError(RuntimeError):
    """The server did not become ready; the message ends with its log."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running(str):
    """The base URL of a running server, which also knows its master's pid."""

    pid = None

    def workers(self):
        out = subprocess.check_output(["ps", "-eo", "pid=,ppid="], text=True).split()
        return [int(pid) for pid, ppid in zip(out[::2], out[1::2]) if int(ppid) == self.pid]


@contextlib.contextmanager
def serve(env, log_path, ready_seconds=90):
    """Run `gunicorn webhook.wsgi:app` with `env` (PORT included); yields its base URL once /readyz says 200."""
    log = open(log_path, "w+")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "webhook/gunicorn.conf.py", "webhook.wsgi:app"],
                            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    base = Running(f"http://127.0.0.1:{env['PORT']}")
    base.pid = proc.pid
    deadline = time.time() + ready_seconds
    try:
        while True:
            try:
                if requests.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening or not ready yet
                pass
            if time.time() > deadline or proc.poll() is not None:
                log.seek(0)
                raise ServerError("gunicorn did not become ready:\n" + log.read()[-3000:])
            time.sleep(0.3)
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
