"""Delivery of moderators' final decisions to the CMS callback, from the outbox table.

Each final decision is an outbox row written in the same transaction as the
decision. A deliverer thread (one per worker) takes the OLDEST pending row,
claims it with a conditional update (so two workers never send it at once),
POSTs it signed like the incoming requests (`X-Moderation-Signature:
sha256=<hex HMAC-SHA256 of the body>`) and marks it sent on a 2xx answer;
otherwise it backs off exponentially and tries the same row again. Rows are
delivered in order, once each; a restart loses nothing because the row waits
in the store.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading

import requests
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webhook.store import Outbox, as_utc, utcnow as now

log = logging.getLogger(__name__)
LEASE_SECONDS = 30
MAX_BACKOFF = 300


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def backoff(attempts):
    return min(MAX_BACKOFF, 2 ** min(attempts, 9))


class Deliverer:
    def __init__(self, store, url, secret, timeout=5.0):
        self.store, self.url, self.secret, self.timeout = store, url, secret, timeout
        self.http = requests.Session()

    def deliver_one(self):
        """Try the oldest pending row; True if one was sent, False if none is due or it failed."""
        with Session(self.store.engine) as session:
            row = session.scalars(select(Outbox).where(Outbox.status == "pending").order_by(Outbox.id).limit(1)).first()
            if row is None or as_utc(row.next_attempt_at) > now():
                return False
            claimed = session.execute(update(Outbox).where(
                Outbox.id == row.id, Outbox.status == "pending", Outbox.attempts == row.attempts).values(
                attempts=row.attempts + 1, next_attempt_at=now() + dt.timedelta(seconds=LEASE_SECONDS)))
            session.commit()
            if claimed.rowcount != 1:
                return False
            row_id, attempts, payload = row.id, row.attempts + 1, row.payload
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {"Content-Type": "application/json", "X-Moderation-Signature": sign(self.secret, body),
                   "X-Moderation-Delivery": str(row_id)}
        error = None
        try:
            response = self.http.post(self.url, data=body, headers=headers, timeout=self.timeout)
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            error = type(exc).__name__
        with Session(self.store.engine) as session:
            if error is None:
                session.execute(update(Outbox).where(Outbox.id == row_id).values(status="sent", sent_at=now(),
                                                                                 last_error=None))
            else:
                session.execute(update(Outbox).where(Outbox.id == row_id).values(
                    last_error=error, next_attempt_at=now() + dt.timedelta(seconds=backoff(attempts))))
            session.commit()
        if error:
            log.warning("CMS callback failed, will retry", extra={"outbox_id": row_id, "error": error,
                                                                   "attempts": attempts})
        return error is None

    def drain(self, limit=1000):
        """Deliver due rows until one is not due or fails; returns how many were sent."""
        sent = 0
        while sent < limit and self.deliver_one():
            sent += 1
        return sent


class DelivererThread(threading.Thread):
    def __init__(self, deliverer, interval=1.0):
        super().__init__(daemon=True, name="cms-callback")
        self.deliverer, self.interval = deliverer, interval
        self._stop = threading.Event()

    def run(self):
        while not self._stop.wait(self.interval):
            try:
                self.deliverer.drain()
            except SQLAlchemyError:
                log.warning("outbox unavailable: store down")
            except Exception:  # the deliverer must never die
                log.exception("outbox delivery failed")

    def stop(self):
        self._stop.set()
