"""The store: simultaneous edits of one comment, and versions in the order comments were received."""

import datetime as dt
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhook.store import ModeratedComment, Store, entry_from_result

DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def versions(store, comment_id):
    """{text: version} of a comment."""
    with Session(store.engine) as session:
        return dict(session.execute(select(ModeratedComment.text, ModeratedComment.version)
                                    .where(ModeratedComment.comment_id == comment_id)).all())


def test_simultaneous_edits_of_one_comment_are_all_answered_and_kept(app):
    """24 edits of one id at once used to exceed the retry limit of 5 on PostgreSQL: 500, and not journalled."""
    n, barrier, answers = 24, threading.Barrier(24), [None] * 24

    def edit(i):
        client = app.test_client()
        barrier.wait()
        answers[i] = client.post("/v1/moderate", json={"id": "race", "text": f"Cessez-le-feu à Alep, version {i}."})

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] * n, [a.json for a in answers if a.status_code != 200]
    journal, store = app.extensions["journal"], app.extensions["store"]
    journal.replay(store)
    stored = versions(store, "race")
    assert len(stored) == n and sorted(stored.values()) == list(range(1, n + 1))
    assert {a.json["version"] for a in answers if "stored" not in a.json} <= set(range(1, n + 1))


def test_a_replayed_original_comes_before_the_live_edit(app):
    """After an outage, the original text replayed from the journal after a live edit became version 2:
    versions follow the time the comment was received, not the time it was stored."""
    client, store, journal = app.test_client(), app.extensions["store"], app.extensions["journal"]
    service = app.extensions["service"]
    service.store = Store(DOWN)
    original = client.post("/v1/moderate", json={"id": "v", "text": "Paix aux civils d'Alep."}).json
    assert original["stored"] is False
    service.store = store
    edit = client.post("/v1/moderate", json={"id": "v", "text": "Paix aux civils d'Alep et d'ailleurs."}).json
    assert edit["version"] == 1  # the only version the store knows yet
    journal.replay(store)
    assert versions(store, "v") == {"Paix aux civils d'Alep.": 1, "Paix aux civils d'Alep et d'ailleurs.": 2}
    journal.append(entry_for(app, "v", "Paix aux civils d'Alep."))
    journal.replay(store)  # replayed twice: still stored once, order unchanged
    assert versions(store, "v") == {"Paix aux civils d'Alep.": 1, "Paix aux civils d'Alep et d'ailleurs.": 2}


def entry_for(app, comment_id, text, minutes_ago=10):
    result = app.extensions["moderator"].moderate(text)
    return entry_from_result(result, client="local", comment_id=comment_id, text=text, source="native",
                             now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes_ago))


def test_versions_are_ordered_by_time_received_whatever_the_order_stored(app):
    store = app.extensions["store"]
    texts = [f"Trêve à Alep, version {i}." for i in range(5)]
    for i in (3, 0, 4, 1, 2):  # stored out of order, received in order 0..4
        store.record(entry_for(app, "o", texts[i], minutes_ago=10 - i))
    assert versions(store, "o") == {t: i + 1 for i, t in enumerate(texts)}
    assert store.find("local", "o", texts[4]).version == 5


def test_simultaneous_versions_of_one_comment_are_all_stored(app, database_url):
    """The store's side of the race: 32 writers of new versions of one comment meet at once, from four
    stores (as four workers) of eight threads."""
    stores = [Store(database_url, timeout=5.0) for _ in range(4)]
    n = 32
    entries = [entry_for(app, "race2", f"Cessez-le-feu à Alep, version {i}.", minutes_ago=0) for i in range(n)]
    barrier, errors = threading.Barrier(n), []

    def write(store, entry):
        barrier.wait()
        try:
            store.record(entry)
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=write, args=(stores[i % 4], e)) for i, e in enumerate(entries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in stores:
        store.engine.dispose()
    assert errors == []
    assert sorted(versions(app.extensions["store"], "race2").values()) == list(range(1, n + 1))
