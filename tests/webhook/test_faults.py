"""Faults under load through gunicorn: the store stops and returns, a worker is SIGKILLed,
the model is missing or corrupt. Every comment gets an answer and exactly one stored decision."""

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.webhook.servers import ROOT, CuttableProxy, FakeCMS, free_port, gunicorn

KEY = "fault-key"


def load(base, prefix, n_clients, seconds, retry=False):
    """Clients sending distinct comments; returns (answers by comment id, errors)."""
    answers, errors, lock = {}, [], threading.Lock()
    stop = time.time() + seconds

    def client(k):
        session = requests.Session()
        i = 0
        while time.time() < stop:
            comment_id = f"{prefix}-{k}-{i}"
            body = {"id": comment_id, "text": f"Pensées pour les familles d'Alep, message {k}-{i}."}
            for attempt in range(20 if retry else 1):
                try:
                    r = session.post(base + "/v1/moderate", json=body, timeout=5,
                                     headers={"Authorization": f"Bearer {KEY}"})
                    with lock:
                        if r.status_code == 200:
                            answers[comment_id] = r.json()
                        else:
                            errors.append(r.status_code)
                    break
                except requests.RequestException as exc:
                    if not retry or attempt == 19:
                        with lock:
                            errors.append(type(exc).__name__)
                    time.sleep(0.2)
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(n_clients)]
    for t in threads:
        t.start()
    return threads, answers, errors


def wait_for(predicate, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def stored(url, prefix):
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT comment_id, count(*) FROM moderated_comments WHERE comment_id LIKE :p "
                                 "GROUP BY comment_id"), {"p": prefix + "-%"}).all()
    engine.dispose()
    return dict(rows)


def test_postgresql_stops_mid_load_and_returns(settings, postgres_url, tmp_path):
    from webhook.migrate import upgrade

    upgrade(postgres_url)
    port = int(postgres_url.rsplit(":", 1)[1].split("/")[0])
    proxy = CuttableProxy(port)
    proxied = postgres_url.replace(f":{port}/", f":{proxy.port}/")
    try:
        with gunicorn(settings, tmp_path, DATABASE_URL=proxied, MODERATION_API_KEYS=KEY) as base:
            threads, answers, errors = load(base, "pgcut", 8, 9)
            time.sleep(3)
            proxy.cut()
            time.sleep(3)
            proxy.restore()
            for t in threads:
                t.join()
            assert errors == []
            assert wait_for(lambda: requests.get(base + "/readyz", timeout=5).json()["journal_pending"] == 0)
            journalled = sum(1 for a in answers.values() if a.get("stored") is False)
    finally:
        proxy.close()
    counts = stored(postgres_url, "pgcut")
    assert journalled > 0, "the outage did not hit any request"
    assert set(counts) == set(answers) and set(counts.values()) == {1}


def hold_and_decide(base, db, n):
    """n comments held for review and decided by a moderator straight in the store: n outbox rows."""
    from webhook.review.accounts import authenticate, create_user
    from webhook.review.queue import decide
    from webhook.store import Store

    ids = []
    for i in range(n):
        r = requests.post(base + "/v1/moderate", timeout=10, headers={"Authorization": f"Bearer {KEY}"},
                          json={"id": f"held-{i}", "text": f"Espèce d'imbécile numéro {i}, tu n'as rien compris."})
        assert r.json()["decision"] == "review"
        ids.append(f"held-{i}")
    store = Store(db)
    create_user(store, "mod", "long enough password")
    uid = authenticate(store, "mod", "long enough password")[0]
    decide(store, [row.id for row in store.queue()], uid, "approve")
    store.engine.dispose()
    return ids


def test_a_worker_killed_mid_load_loses_nothing(settings, tmp_path):
    cms = FakeCMS()
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    try:
        with gunicorn(settings, tmp_path, MODERATION_API_KEYS=KEY, CMS_CALLBACK_URL=cms.url,
                      CMS_CALLBACK_SECRET="s") as base:
            held = hold_and_decide(base, db, 6)  # outbox rows the workers' deliverers are sending
            threads, answers, errors = load(base, "kill", 8, 8, retry=True)
            time.sleep(3)
            os.kill(base.workers()[0], signal.SIGKILL)
            for t in threads:
                t.join()
            assert errors == []
            counts = stored(db, "kill")
            assert set(counts) == set(answers) and set(counts.values()) == {1}
            assert wait_for(lambda: len({a.delivery_id for a in cms.attempts}) >= len(held))
            # Delivery is at least once: a worker killed mid-POST sends that decision again, under the same
            # delivery id, which the CMS deduplicates on. One delivery id per decision, every decision delivered.
            delivered = {a.delivery_id: a.comment_id for a in cms.attempts}
            assert sorted(delivered.values()) == sorted(held)
            engine = create_engine(db)
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            engine.dispose()
    finally:
        cms.close()


@pytest.mark.parametrize("damage, message", [("missing", "no trained model"), ("corrupt", "cannot be read")])
def test_the_service_refuses_to_start_without_a_usable_model(settings, tmp_path, damage, message):
    model = tmp_path / "model"
    shutil.copytree(settings.model_dir, model)
    if damage == "missing":
        (model / "model.joblib").unlink()
    else:
        (model / "model.joblib").write_bytes(b"\x00garbage" * 100)
    env = dict(os.environ, MODEL_DIR=str(model), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
               PORT=str(free_port()), PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"), WEB_CONCURRENCY="1",
               ALLOW_UNAUTHENTICATED_LOOPBACK="1")
    proc = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "webhook/gunicorn.conf.py", "webhook.wsgi:app"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr


def timed(call, limit=150):
    """(seconds, result) of call(), failing the test if it does not answer within `limit` seconds."""
    box = {}

    def run():
        started = time.perf_counter()
        box["result"] = call()
        box["seconds"] = time.perf_counter() - started

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    assert "result" in box, f"no answer within {limit} s while the store hangs"
    return box["seconds"], box["result"]


@contextlib.contextmanager
def hanging_store(kind, postgres_url, tmp_path):
    """(database URL for the app, hang(), release()) for a store that stops answering without refusing."""
    if kind == "sqlite-write-lock":
        url = f"sqlite:///{tmp_path / 'hang.db'}"
        holder = {}

        def hang():  # another process's write transaction, held (WAL: readers go on, writers wait)
            holder["conn"] = sqlite3.connect(tmp_path / "hang.db", isolation_level=None)
            holder["conn"].execute("BEGIN IMMEDIATE")

        yield url, hang, lambda: holder["conn"].rollback()
        return
    from webhook.migrate import upgrade

    upgrade(postgres_url)
    if kind == "postgresql-lock":
        engine, holder = create_engine(postgres_url), {}

        def hang():
            holder["conn"] = engine.connect()
            holder["conn"].execute(text("LOCK TABLE moderated_comments IN ACCESS EXCLUSIVE MODE"))

        try:
            yield postgres_url, hang, lambda: holder["conn"].rollback()
        finally:
            if "conn" in holder:
                holder["conn"].close()
            engine.dispose()
        return
    port = int(postgres_url.rsplit(":", 1)[1].split("/")[0])
    proxy = CuttableProxy(port)
    try:
        yield postgres_url.replace(f":{port}/", f":{proxy.port}/"), proxy.hang, proxy.restore
    finally:
        proxy.close()


@pytest.mark.parametrize("kind", ["postgresql-silent", "postgresql-lock", "sqlite-write-lock"])
def test_a_hanging_store_costs_a_batch_the_time_of_one_request(make_app, postgres_url, tmp_path, kind):
    """A store that stops answering used to cost every comment the full wait in turn (99 s for a batch of
    20 on PostgreSQL, 5 s a request on a locked SQLite): the wait is bounded once, then the store is known
    down and decisions go to the journal at once; each is stored once when the store answers again."""
    prefix = f"hang{uuid.uuid4().hex[:6]}"
    with hanging_store(kind, postgres_url, tmp_path) as (url, hang, release):
        app = make_app(database_url=url, store_timeout_seconds=1.0, store_retry_seconds=2.0)
        client, journal = app.test_client(), app.extensions["journal"]
        text_of = lambda i: f"Pensées pour les familles d'Alep, message {i}."  # noqa: E731
        assert client.post("/v1/moderate", json={"id": f"{prefix}-warm", "text": text_of(0)}).json["version"] == 1
        hang()
        try:
            first, r = timed(lambda: client.post("/v1/moderate", json={"id": f"{prefix}-a", "text": text_of(1)}))
            assert r.status_code == 200 and r.json["stored"] is False
            batch = [{"id": f"{prefix}-b{i}", "text": text_of(100 + i)} for i in range(20)]
            batch_s, r = timed(lambda: client.post("/v1/moderate/batch", json={"comments": batch}))
            assert r.status_code == 200 and all(x["stored"] is False for x in r.json["results"])
            then, r = timed(lambda: client.post("/v1/moderate", json={"id": f"{prefix}-c", "text": text_of(2)}))
            assert r.status_code == 200 and r.json["stored"] is False
        finally:
            release()
        print(f"\n{kind}: first request {first:.2f} s, batch of 20 {batch_s:.2f} s, next request {then:.2f} s")
        assert first < 5 and batch_s < 5 and then < 5
        assert journal.pending() == 22
        time.sleep(2.5)  # the store is retried after STORE_RETRY_SECONDS
        store = app.extensions["store"]
        assert wait_for(lambda: journal.replay(store) >= 0 and journal.pending() == 0, 20)
        counts = stored(url, prefix)
        assert len(counts) == 23 and set(counts.values()) == {1}
