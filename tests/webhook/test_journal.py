"""Store down: the webhook answers, journals, and replays once the store is back: nothing lost, nothing doubled."""

from webhook.journal import Journal
from webhook.store import Store

DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def test_decisions_survive_a_store_outage(app):
    store = app.extensions["store"]
    client = app.test_client()
    app.extensions["service"].store = Store(DOWN)
    answers = [client.post("/v1/moderate", json={"id": f"j{i}", "text": f"Paix aux civils, message {i}."})
               for i in range(5)]
    retry = client.post("/v1/moderate", json={"id": "j0", "text": "Paix aux civils, message 0."})
    assert all(a.status_code == 200 and a.json["stored"] is False for a in answers + [retry])
    journal = app.extensions["journal"]
    assert journal.pending() == 6 and store.count() == 0

    app.extensions["service"].store = store
    assert journal.replay(store) == 6
    assert journal.pending() == 0
    assert store.count() == 5  # the retry replayed onto the same comment
    again = client.post("/v1/moderate", json={"id": "j3", "text": "Paix aux civils, message 3."}).json
    assert again["version"] == 1 and "stored" not in again


def test_replay_stops_at_a_store_error_and_keeps_the_rest(app, tmp_path):
    journal = Journal(tmp_path / "j2")
    from webhook.store import entry_from_result

    result = app.extensions["moderator"].moderate("Bonjour à tous.")
    for i in range(3):
        journal.append(entry_from_result(result, client="local", comment_id=f"k{i}", text="Bonjour à tous.",
                                         source="native"))
    assert journal.replay(Store(DOWN)) == 0 and journal.pending() == 3
    assert journal.replay(app.extensions["store"]) == 3 and journal.pending() == 0
