"""Delivery of moderators' final decisions to the CMS callback, from the outbox table.

Each final decision is an outbox row written in the same transaction as the
decision, with a delivery id (a UUID) of its own. A deliverer thread (one per
worker) takes the oldest row that is due, claims it with a conditional update
(so two workers never send it at once), POSTs it signed like the incoming
requests (`X-Moderation-Signature: sha256=<hex HMAC-SHA256 of the body>`) and
marks it sent on a 2xx answer.

Delivery is at least once: a CMS that stores a decision but answers after the
timeout, or a worker killed between the POST and marking the row sent, means
the same decision is sent again. Every try of one decision carries the same
`X-Moderation-Delivery-Id` header (and `delivery_id` in the signed body), so
the CMS drops repeats.

A failed decision backs off alone (exponentially, per row) and the next due
decisions go on. A CMS that is unreachable or says it is unavailable
(connection refused, 429, 502, 503, 504) backs off as a whole: this deliverer
sends nothing to it until the pause is over, instead of trying every row.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time

import requests
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webhook.store import Outbox, utcnow as now

log = logging.getLogger(__name__)
LEASE_SECONDS = 30
MAX_BACKOFF = 300
DESTINATION_DOWN = {429, 502, 503, 504}


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class Deliverer:
    def __init__(self, store, url, secret, timeout=5.0, first_retry=2.0):
        self.store, self.url, self.secret, self.timeout = store, url, secret, timeout
        self.first_retry = first_retry
        # A claim outlives the longest request, so no other worker takes a row that is still in flight.
        self.lease = LEASE_SECONDS + timeout
        self.http = requests.Session()
        self.down_count, self.down_until = 0, 0.0

    def backoff(self, attempts):
        """Seconds to wait after the `attempts`-th failure: first_retry, doubling, at most MAX_BACKOFF."""
        return min(MAX_BACKOFF, self.first_retry * 2 ** min(attempts - 1, 20))

    def destination_paused(self):
        return time.monotonic() < self.down_until

    def deliver_one(self):
        """Try the oldest due row; True if one was sent, False if none is due, it failed or the CMS is down."""
        if self.destination_paused():
            return False
        with Session(self.store.engine) as session:
            row = session.scalars(select(Outbox).where(Outbox.status == "pending", Outbox.next_attempt_at <= now())
                                  .order_by(Outbox.id).limit(1)).first()
            if row is None:
                return False
            claimed = session.execute(update(Outbox).where(
                Outbox.id == row.id, Outbox.status == "pending", Outbox.attempts == row.attempts).values(
                attempts=row.attempts + 1, next_attempt_at=now() + dt.timedelta(seconds=self.lease)))
            session.commit()
            if claimed.rowcount != 1:
                return False
            row_id, attempts, delivery_id = row.id, row.attempts + 1, row.delivery_id
            payload = row.payload | {"delivery_id": delivery_id}
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {"Content-Type": "application/json", "X-Moderation-Signature": sign(self.secret, body),
                   "X-Moderation-Delivery-Id": delivery_id}
        error, down = None, False
        try:
            response = self.http.post(self.url, data=body, headers=headers, timeout=self.timeout)
            if not 200 <= response.status_code < 300:
                error, down = f"HTTP {response.status_code}", response.status_code in DESTINATION_DOWN
        except requests.ConnectionError as exc:  # no connection: the CMS's problem, not this decision's
            error, down = type(exc).__name__, True
        except requests.RequestException as exc:  # a read timeout: the CMS is there but slow on this decision
            error = type(exc).__name__
        with Session(self.store.engine) as session:
            if error is None:
                session.execute(update(Outbox).where(Outbox.id == row_id).values(status="sent", sent_at=now(),
                                                                                 last_error=None))
            else:
                session.execute(update(Outbox).where(Outbox.id == row_id).values(
                    last_error=error, next_attempt_at=now() + dt.timedelta(seconds=self.backoff(attempts))))
            session.commit()
        if down:
            self.down_count += 1
            self.down_until = time.monotonic() + self.backoff(self.down_count)
        else:
            self.down_count = 0
        if error:
            log.warning("CMS callback failed, will retry", extra={
                "outbox_id": row_id, "delivery_id": delivery_id, "error": error, "attempts": attempts,
                "cms_down": down})
        return error is None

    def drain(self, limit=1000):
        """Deliver due rows until none is due or the CMS is down; returns how many were sent."""
        sent = tried = 0
        while tried < limit:
            if self.deliver_one():
                sent += 1
            elif self.destination_paused() or not self._any_due():
                break
            tried += 1
        return sent

    def _any_due(self):
        with Session(self.store.engine) as session:
            return session.scalar(select(Outbox.id).where(Outbox.status == "pending",
                                                          Outbox.next_attempt_at <= now()).limit(1)) is not None


class DelivererThread(threading.Thread):
    def __init__(self, deliverer, interval=1.0):
        super().__init__(daemon=True, name="cms-callback")
        self.deliverer, self.interval = deliverer, interval
        self._halt = threading.Event()  # not `_stop`: that is Thread's own method, which join() calls

    def run(self):
        while not self._halt.wait(self.interval):
            try:
                self.deliverer.drain()
            except SQLAlchemyError:
                log.warning("outbox unavailable: store down")
            except Exception:  # the deliverer must never die
                log.exception("outbox delivery failed")

    def stop(self):
        self._halt.set()
