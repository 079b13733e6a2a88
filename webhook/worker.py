"""gunicorn's gthread worker, with each request read whole by the worker's event loop before a thread takes it.

gthread hands a connection to a thread as soon as its first bytes arrive, and
that thread reads the rest blocking with no deadline (it calls
setblocking(True), which also cancels any socket timeout): 40 clients that send
a part of a request and then nothing held every thread of every worker for as
long as they liked. Here the event loop buffers the request, head and body,
without a thread, as a buffering proxy would; a thread takes it only once it is
complete. A request not complete REQUEST_READ_TIMEOUT seconds after it began is
answered 408 and its connection closed. h11 says where a request ends
(Content-Length or chunked); gunicorn still parses it.
"""

import json
import os
import socket
import time
from functools import partial
from selectors import EVENT_READ

import h11
from gunicorn.workers.gthread import ThreadWorker

from webhook.errors import STATUS_NAMES

REQUEST_READ_TIMEOUT = float(os.environ.get("REQUEST_READ_TIMEOUT", "10"))
MAX_HEAD_BYTES = 64 * 1024  # gunicorn's own limits (request line, fields) apply again when it parses
LINGER_SECONDS = 2.0  # a refused request's unread bytes are drained this long so the answer is not lost to a reset
REASONS = {400: "Bad Request", 408: "Request Timeout", 413: "Content Too Large"}


class BufferingThreadWorker(ThreadWorker):
    def init_process(self):
        from classifier.config import Settings

        self.max_body_bytes = Settings.from_env().max_body_bytes
        self.reading = {}  # connection -> None: the connections whose request is being buffered, oldest first
        super().init_process()

    def enqueue_req(self, conn):
        """Runs on the event loop for every connection with a request to read: buffer it, then hand it over."""
        if self.cfg.is_ssl:  # TLS belongs to the reverse proxy; keep gthread's own reading
            return super().enqueue_req(conn)
        held = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        conn.sock.setblocking(False)
        conn.inbox, conn.refused = bytearray(), False
        conn.framing = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        conn.read_deadline = time.monotonic() + REQUEST_READ_TIMEOUT
        self.reading[conn] = None
        self.poller.register(conn.sock, EVENT_READ, partial(self._on_readable, conn))
        if held:
            self._take(conn, held)

    def handle(self, conn):
        """Runs on a thread: the buffered request goes back in front of gunicorn's parser."""
        data = getattr(conn, "prefetched", None)
        if data:
            conn.prefetched = None
            conn.init()
            conn.parser.unreader.unread(data)
        return super().handle(conn)

    def murder_pending(self):
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.reading if c.read_deadline <= now]:
            if conn.refused:
                self._drop(conn)
            else:
                self._refuse(conn, 408, f"the request was not received whole within {REQUEST_READ_TIMEOUT:g} s")

    def _on_readable(self, conn, _sock):
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
        elif not conn.refused:
            self._take(conn, data)

    def _take(self, conn, data):
        conn.inbox += data
        if len(conn.inbox) > self.max_body_bytes + MAX_HEAD_BYTES:
            return self._refuse(conn, 413, f"request body is larger than {self.max_body_bytes} bytes")
        conn.framing.receive_data(data)
        try:
            while (event := conn.framing.next_event()) is not h11.NEED_DATA:
                if isinstance(event, h11.Request):
                    length = dict(event.headers).get(b"content-length")
                    if length is not None and int(length) > self.max_body_bytes:
                        return self._refuse(conn, 413, f"request body is larger than {self.max_body_bytes} bytes")
                    if conn.framing.client_is_waiting_for_100_continue:
                        conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                elif isinstance(event, h11.EndOfMessage):
                    return self._hand_over(conn)
        except h11.RemoteProtocolError as exc:
            return self._refuse(conn, 400, f"malformed HTTP request: {exc}")
        except OSError:
            return self._drop(conn)

    def _hand_over(self, conn):
        self._forget(conn)
        conn.prefetched = bytes(conn.inbox)
        del conn.inbox, conn.framing
        super().enqueue_req(conn)

    def _refuse(self, conn, code, message):
        """Answer `code` with a reason in the API's error shape, then close."""
        body = json.dumps({"error": {"code": code, "status": STATUS_NAMES.get(code, "ERROR"), "message": message}})
        head = (f"HTTP/1.1 {code} {REASONS[code]}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        try:
            conn.sock.send(head.encode() + body.encode())
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return self._drop(conn)
        if code == 408:  # the client sent nothing more: nothing is left unread
            return self._drop(conn)
        # Closing with unread bytes would reset the connection and lose the answer: drain a little first.
        conn.refused, conn.read_deadline = True, time.monotonic() + LINGER_SECONDS

    def _forget(self, conn):
        self.reading.pop(conn, None)
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _drop(self, conn):
        self._forget(conn)
        self.nr_conns -= 1
        conn.close()
