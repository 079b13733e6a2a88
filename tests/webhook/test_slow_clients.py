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


def test_silent_clients_are_closed_at_the_read_deadline_and_hold_no_worker(settings, tmp_path):
    """40 connections that send a part of a request and then nothing (the red team's slow-client attack):
    a normal client is still answered promptly, and each silent one is answered 408 and closed by the deadline."""
    deadline = 3.0
    with gunicorn(settings, tmp_path, REQUEST_READ_TIMEOUT=str(deadline), ALLOW_UNAUTHENTICATED_LOOPBACK="1") as base:
        port = int(base.rsplit(":", 1)[1])
        time.sleep(3)  # both workers up
        slow, opened = [], time.perf_counter()
        for i in range(40):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /v1/moderate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Le")
            slow.append(s)
        try:
            time.sleep(0.5)  # every slow connection has been accepted and has sent its bytes
            answered = 0.0
            for i in range(6):  # new connections: the kernel hands them to either worker
                started = time.perf_counter()
                r = requests.post(base + "/v1/moderate", json={"id": f"fast-{i}", "text": "Paix à Alep."}, timeout=10)
                answered = max(answered, time.perf_counter() - started)
                assert r.status_code == 200 and answered < 2.0, answered
            closed = []
            for s in slow:
                s.settimeout(deadline + 5)
                head = s.recv(65536)
                while s.recv(65536):  # until the server closes
                    pass
                closed.append(time.perf_counter() - opened)
                assert head.startswith(b"HTTP/1.1 408 ") and b'"code": 408' in head.replace(b'":408', b'": 408')
            assert max(closed) < deadline + 1.5, closed
            print(f"normal client answered in {answered:.2f} s; 40 silent clients closed after "
                  f"{min(closed):.1f} to {max(closed):.1f} s (deadline {deadline} s)")
        finally:
            for s in slow:
                s.close()


def test_buffered_requests_keep_http_framing(settings, tmp_path):
    """The worker that buffers requests still serves chunked bodies, 100-continue, keep-alive and pipelining,
    and refuses a body over the limit and a malformed request with a reason."""
    with gunicorn(settings, tmp_path, MAX_BODY_BYTES="5000", ALLOW_UNAUTHENTICATED_LOOPBACK="1") as base:
        port = int(base.rsplit(":", 1)[1])
        body = b'{"id": "c1", "text": "Paix \xc3\xa0 Alep."}'
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"POST /v1/moderate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 100 Continue")
            s.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
            pipelined = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 2
            s.sendall(pipelined)
            answers = b""
            while answers.count(b"HTTP/1.1 200 ") < 3:
                answers += s.recv(65536)
            assert b'"decision"' in answers
        r = requests.post(base + "/v1/moderate", data=b"x" * 6000, timeout=10,
                          headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and "5000 bytes" in r.json()["error"]["message"]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"POST /v1/moderate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
            answer = s.recv(65536)
            assert answer.startswith(b"HTTP/1.1 400 ") and b"malformed" in answer
