"""A circuit breaker for the store: once it fails to answer, requests stop waiting on it for a while.

Without it, a store that hangs (a frozen server, a write lock held) costs every
comment of a batch the full timeout in turn. After one failure the breaker is
open for `retry_seconds`: callers are told at once that the store is down (and
journal their decisions); then one caller is let through to try it, and its
outcome closes or reopens the breaker.
"""

import threading
import time


class CircuitBreaker:
    def __init__(self, retry_seconds):
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._open_until = None  # None: closed
        self._trying = False

    def allow(self):
        """Whether a call may go to the store now."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._trying or time.monotonic() < self._open_until:
                return False
            self._trying = True  # the one trial after the pause
            return True

    def succeeded(self):
        with self._lock:
            self._open_until, self._trying = None, False

    def failed(self):
        with self._lock:
            self._open_until, self._trying = time.monotonic() + self.retry_seconds, False

    @property
    def is_open(self):
        return self._open_until is not None
