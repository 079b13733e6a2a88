"""Faults under load through gunicorn: the store stops and returns, a worker is SIGKILLed,
the model is missing or corrupt. Every comment gets an answer and exactly one stored decision."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

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
               PORT=str(free_port()), PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"), WEB_CONCURRENCY="1")
    proc = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "webhook/gunicorn.conf.py", "webhook.wsgi:app"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
