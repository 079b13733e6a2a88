"""Two gunicorn instances on different ports share one PostgreSQL: the same comment sent to both,
at the same time, is stored once."""

import threading

import requests
from sqlalchemy import create_engine, text

from tests.webhook.servers import gunicorn


def test_two_instances_one_database_one_decision(settings, postgres_url, tmp_path):
    from webhook.migrate import upgrade

    upgrade(postgres_url)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    local = {"DATABASE_URL": postgres_url, "ALLOW_UNAUTHENTICATED_LOOPBACK": "1"}  # no keys: loopback clients
    with gunicorn(settings, tmp_path / "a", **local) as a, gunicorn(settings, tmp_path / "b", **local) as b:
        answers = []
        for i in range(10):
            body = {"id": f"twin-{i}", "text": f"Que la trêve tienne à Alep, jour {i}."}
            threads = [threading.Thread(target=lambda base: answers.append(
                requests.post(base + "/v1/moderate", json=body, timeout=10).json()), args=(base,)) for base in (a, b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    assert len(answers) == 20 and all(x["version"] == 1 for x in answers)
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT comment_id, count(*) FROM moderated_comments "
                                   "WHERE comment_id LIKE 'twin-%' GROUP BY comment_id")).all()
    engine.dispose()
    assert len(counts) == 10 and {n for _, n in counts} == {1}
