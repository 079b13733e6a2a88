"""Slow clients (headers trickled byte by byte, bodies that never finish) do not stop the service
from answering others within 2 s."""

import socket
import time

import requests

from tests.webhook.servers import gunicorn


def test_slow_clients_do_not_block_the_others(settings, tmp_path):
    with gunicorn(settings, tmp_path, ALLOW_UNAUTHENTICATED_LOOPBACK="1") as base:
        port = int(base.rsplit(":", 1)[1])
        time.sleep(3)  # both workers up: the first answers /readyz while the second may still be loading
        slow = []
        for i in range(8):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /v1/moderate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
            if i % 2:
                s.sendall(b"Content-Length: 100000\r\n\r\n{\"id\": 1, \"text\": \"")  # a body that never ends
            slow.append(s)
        try:
            for i in range(5):
                started = time.perf_counter()
                r = requests.post(base + "/v1/moderate", json={"id": f"fast-{i}", "text": "Paix à Alep."}, timeout=5)
                assert r.status_code == 200 and time.perf_counter() - started < 2.0
                for s in slow:
                    try:
                        s.sendall(b"X")  # trickle
                    except OSError:
                        pass
        finally:
            for s in slow:
                s.close()
