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


def entries(app, prefix, n, **overrides):
    from webhook.store import entry_from_result

    result = app.extensions["moderator"].moderate("Bonjour à tous.")
    return [entry_from_result(result, client="local", comment_id=f"{prefix}{i}", text=f"Bonjour à tous, {i}.",
                              source="native") | overrides for i in range(n)]


def test_a_poisoned_entry_is_set_aside_and_replay_goes_on(app, database_url):
    """An entry the store refuses for what it holds, or a line that is not an entry, goes to quarantine with
    a log line and a metric; the entries after it are stored (the replay used to stop there for good)."""
    journal, store = app.extensions["journal"], app.extensions["store"]
    good = entries(app, "g", 4)
    too_long = entries(app, "long", 1, story_id="s" * 300)[0]  # PostgreSQL: value too long for varchar(200)
    nul = entries(app, "nul", 1, author_id="a\u0000b")[0]  # PostgreSQL: text cannot hold NUL
    journal.append(good[0])
    journal.append(too_long)
    journal.append(good[1])
    journal.append(nul)
    with open(journal._own_file(), "ab") as fh:
        fh.write(b'{"client": "local", "comment_id": "torn", "te\n')  # half a line: not an entry
    journal.append(good[2])
    journal.append(good[3])

    journal.replay(store)
    poisoned = 3 if database_url.startswith("postgresql") else 1  # SQLite holds long ids and NUL
    assert journal.pending() == 0
    assert store.count() == 4 + 2 - (poisoned - 1)
    assert journal.quarantined() == poisoned
    quarantine = b"".join(p.read_bytes() for p in journal.directory.glob("quarantine*.jsonl"))
    assert b'"comment_id": "torn", "te' in quarantine
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert f"moderation_journal_quarantined {float(poisoned)}" in metrics
    assert "moderation_journal_pending 0.0" in metrics


def test_a_torn_line_joined_to_the_next_entry_is_recovered(app):
    """A journal written before appends repaired a torn last line holds the torn half joined to the next
    entry on one line: the whole entry after it is recovered and only the torn half is set aside."""
    from webhook.store import entry_to_json

    journal, store = app.extensions["journal"], app.extensions["store"]
    first, joined = entries(app, "r", 2)
    (journal.directory / "journal-1.jsonl").write_bytes(
        (entry_to_json(first) + "\n" + entry_to_json(first)[:70] + entry_to_json(joined) + "\n").encode())
    assert journal.replay(store) == 2
    assert store.count() == 2 and journal.pending() == 0 and journal.quarantined() == 1


FILL_A_SMALL_DISK = """
import resource, signal, sys
from webhook.journal import Journal
from webhook.store import entry_from_json

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG, as ENOSPC on a full disk
journal = Journal(sys.argv[1])
lines = sys.stdin.read().splitlines()
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), hard))
kept = []
for i, line in enumerate(lines):
    if i == len(lines) // 2:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space freed
    try:
        journal.append(entry_from_json(line))
        kept.append(i)
    except OSError:
        pass
print(",".join(map(str, kept)))
"""


def test_a_full_disk_leaves_no_torn_line(app, tmp_path):
    """A write that fails half-way (disk full) is undone, so the entries written once space is back are
    not joined to half a line and lost: every entry the journal accepted is stored."""
    import subprocess
    import sys

    from webhook.store import entry_to_json
    from tests.webhook.servers import ROOT

    journal, store = Journal(tmp_path / "full"), app.extensions["store"]
    lines = [entry_to_json(e) for e in entries(app, "d", 12)]
    size = len(lines[0].encode())
    proc = subprocess.run([sys.executable, "-c", FILL_A_SMALL_DISK, str(journal.directory), str(size * 3 + size // 2)],
                          input="\n".join(lines), capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    kept = [int(i) for i in proc.stdout.split(",")]
    assert kept == [0, 1, 2] + list(range(6, 12))  # 3 fit, 3 refused, 6 after space was freed
    journal.replay(store)
    assert sorted(row[0] for row in stored_ids(store)) == sorted(f"d{i}" for i in kept)
    assert journal.pending() == 0 and journal.quarantined() == 0


def stored_ids(store):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from webhook.store import ModeratedComment

    with Session(store.engine) as session:
        return session.execute(select(ModeratedComment.comment_id)).all()


def test_when_store_and_journal_both_fail_the_client_is_told_to_retry(app):
    """No 200 for a decision kept nowhere: 503 with the reason, and nothing half-written."""
    app.extensions["service"].store = Store(DOWN)
    app.extensions["journal"]._own_file().mkdir()  # the journal cannot be written (as a read-only disk)
    r = app.test_client().post("/v1/moderate", json={"id": "nowhere", "text": "Paix aux civils."})
    assert r.status_code == 503 and "journal" in r.json["error"]["message"], r.json


def test_readyz_and_metrics_show_a_journal_that_does_not_drain(make_app):
    """Entries older than the stall limit while the store answers: /readyz turns 503 and says so."""
    import datetime as dt

    app = make_app(journal_stall_seconds=60)
    journal = app.extensions["journal"]
    old = entries(app, "old", 1, created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10))[0]
    journal.append(old)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"] == {"model": True, "store": True, "journal": False}
    assert ready.json["journal_pending"] == 1 and ready.json["journal_oldest_seconds"] >= 600
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    oldest = next(line for line in metrics.splitlines() if line.startswith("moderation_journal_oldest_seconds "))
    assert float(oldest.split()[1]) >= 600
    journal.replay(app.extensions["store"])
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"]["journal"] is True
