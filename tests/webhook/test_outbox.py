"""Final decisions reach the CMS callback signed, in order, once each, after the CMS comes back."""

import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from webhook.outbox import Deliverer, DelivererThread
from webhook.review.accounts import authenticate, create_user
from webhook.review.queue import decide
from webhook.store import Outbox

from tests.webhook.servers import FakeCMS

SECRET = "cms-callback-secret"


@pytest.fixture
def cms():
    server = FakeCMS()
    yield server
    server.close()


def held_rows(app, n):
    client = app.test_client()
    for i in range(n):
        r = client.post("/v1/moderate", json={"id": f"cb{i}", "text": f"Espèce d'imbécile numéro {i}, tu n'as rien compris."})
        assert r.json["decision"] == "review", r.json["reasons"]
    return [row.id for row in app.extensions["store"].queue()]


def moderator_id(store):
    create_user(store, "mod", "long enough password")
    return authenticate(store, "mod", "long enough password")[0]


def due_now(store, deliverer=None):
    # Skip the backoff wait: the test plays the time forward, for the rows and for the CMS's pause.
    with Session(store.engine) as session:
        session.execute(update(Outbox).where(Outbox.status == "pending").values(
            next_attempt_at=Outbox.created_at))
        session.commit()
    if deliverer is not None:
        deliverer.down_until = 0.0


def test_callbacks_wait_out_a_cms_outage_then_arrive_in_order_once_signed(make_app, database_url, cms):
    app = make_app(database_url=database_url, cms_callback_url=cms.url, cms_callback_secret=SECRET)
    store = app.extensions["store"]
    uid = moderator_id(store)
    rows = held_rows(app, 4)
    cms.down = True
    for i, row in enumerate(rows):
        decide(store, [row], uid, "approve" if i % 2 else "reject", None if i % 2 else "ABUSIVE")
    deliverer = Deliverer(store, cms.url, SECRET)
    for _ in range(3):
        assert deliverer.drain() == 0
        assert deliverer.drain() == 0  # the CMS said it is unavailable: nothing more until its pause is over
        due_now(store, deliverer)
    assert cms.received == []
    assert len(cms.attempts) == 3, "a CMS that is down gets one try per pause, not one per decision"

    cms.down = False
    due_now(store, deliverer)
    assert deliverer.drain() == 4
    assert deliverer.drain() == 0
    payloads = [json.loads(body) for body, _ in cms.received]
    assert [p["id"] for p in payloads] == ["cb0", "cb1", "cb2", "cb3"]
    assert [p["decision"] for p in payloads] == ["reject", "approve", "reject", "approve"]
    assert payloads[0]["reason"] == "ABUSIVE"
    for body, signature in cms.received:
        assert signature == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_a_restart_loses_no_callback(make_app, database_url, cms):
    app = make_app(database_url=database_url, cms_callback_url=cms.url, cms_callback_secret=SECRET)
    store = app.extensions["store"]
    decide(store, held_rows(app, 2), moderator_id(store), "approve")
    # A new app on the same store, as after a restart, delivers what the first left pending.
    fresh = make_app(database_url=database_url, cms_callback_url=cms.url, cms_callback_secret=SECRET)
    assert fresh.extensions["deliverer"].drain() == 2
    assert len(cms.received) == 2


def test_a_slow_cms_gets_one_delivery_id_per_decision_backed_off_while_other_decisions_flow(make_app, database_url,
                                                                                             cms):
    # The CMS stores cb0 but answers after 3 s, past the 0.5 s callback timeout: every try looks failed to us.
    app = make_app(database_url=database_url, cms_callback_url=cms.url, cms_callback_secret=SECRET,
                   cms_callback_timeout=0.5)
    store = app.extensions["store"]
    uid = moderator_id(store)
    slow, fast = held_rows(app, 2)
    cms.slow["cb0"] = 3.0
    decide(store, [slow], uid, "reject", "ABUSIVE")
    decide(store, [fast], uid, "approve")

    deliverer = app.extensions["deliverer"]
    started = time.monotonic()
    assert deliverer.deliver_one() is False
    waited = time.monotonic() - started
    assert 0.5 <= waited < 3.0, f"the 0.5 s timeout setting was not honoured: {waited:.2f} s"
    # The slow decision now waits for its retry; the next one does not wait behind it.
    assert deliverer.drain() == 1
    assert [a.comment_id for a in cms.attempts] == ["cb0", "cb1"]

    # Retries of the slow decision, by another deliverer (as after a restart), with short backoffs to watch.
    due_now(store)
    retrier = Deliverer(store, cms.url, SECRET, timeout=0.5, first_retry=0.2)
    thread = DelivererThread(retrier, interval=0.02)
    thread.start()
    deadline = time.monotonic() + 20
    while sum(a.comment_id == "cb0" for a in cms.attempts) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    thread.stop()
    thread.join()

    tries = [a for a in cms.attempts if a.comment_id == "cb0"]
    assert len(tries) >= 4
    assert len({a.delivery_id for a in tries}) == 1, "the same decision must always carry the same delivery id"
    other = [a for a in cms.attempts if a.comment_id == "cb1"]
    assert len(other) == 1 and other[0].delivery_id not in (None, tries[0].delivery_id)
    for attempt in cms.attempts:
        assert json.loads(attempt.body)["delivery_id"] == attempt.delivery_id  # signed with the body too
    # Each retry waits out the timeout and then the backoff after its try (the 2nd, 3rd...), which doubles.
    gaps = [b.arrived - a.arrived for a, b in zip(tries[1:], tries[2:])]
    for n, gap in enumerate(gaps, start=2):
        assert gap >= 0.5 + retrier.backoff(n) - 0.05, (n, gaps)
    assert retrier.backoff(3) == 2 * retrier.backoff(2)
    # The CMS deduplicates on the delivery id: two decisions, two deliveries.
    assert len({a.delivery_id for a in cms.attempts}) == 2


def test_the_callback_timeout_is_a_setting_in_seconds():
    from classifier.config import Settings

    assert Settings.from_env({}).cms_callback_timeout == 5.0
    assert Settings.from_env({"CMS_CALLBACK_TIMEOUT": "12.5"}).cms_callback_timeout == 12.5
    for bad in ("0", "-1", "soon", "inf", "nan"):
        with pytest.raises(ValueError, match="CMS_CALLBACK_TIMEOUT must be a number of seconds > 0"):
            Settings.from_env({"CMS_CALLBACK_TIMEOUT": bad})
