"""Final decisions reach the CMS callback signed, in order, once each, after the CMS comes back."""

import hashlib
import hmac
import json

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from webhook.outbox import Deliverer
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


def due_now(store):
    # Skip the backoff wait: the test plays the time forward.
    with Session(store.engine) as session:
        session.execute(update(Outbox).where(Outbox.status == "pending").values(
            next_attempt_at=Outbox.created_at))
        session.commit()


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
        due_now(store)
    assert cms.received == []

    cms.down = False
    due_now(store)
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
