"""A local journal of decisions the store could not take, replayed when it returns.

When the database is down the webhook still answers with the model's decision
and appends the store entry to `DIR/journal-<pid>.jsonl` (fsync'd). A replayer
claims journal files with an exclusive lock, so any worker (or a restarted one)
can replay a dead worker's file; replay goes through `Store.record`, which is
idempotent, so a decision replayed twice is still stored once.

An entry the store refuses for what it holds (a value its column cannot take),
or a line that is not an entry (half a line left by a crash), would stop the
replay for good: it is set aside in `DIR/quarantine.jsonl` (logged, counted by
`moderation_journal_quarantined`) and the replay goes on.
"""

import datetime as dt
import fcntl
import json
import logging
import os
import threading
from pathlib import Path

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError

from .store import entry_from_json, entry_to_json

log = logging.getLogger(__name__)

QUARANTINE = "quarantine.jsonl"
# entry_to_json writes "client" first: where a torn line was joined to the next entry, the entry starts here.
ENTRY_START = b'{"client": '


def poisoned(exc):
    """True when the entry itself cannot be stored, and would fail again; False when the store is unavailable."""
    if isinstance(exc, (DataError, IntegrityError)):
        return True
    if isinstance(exc, SQLAlchemyError):
        # Down, locked, timed out, or a schema out of date: the entry is not at fault, try again later.
        # A StatementError that is not the database's own is a value SQLAlchemy could not bind.
        return isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)
    return True  # not an entry: JSON, UTF-8 or a field missing


def _write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


class Journal:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _own_file(self):
        return self.directory / f"journal-{os.getpid()}.jsonl"

    def append(self, entry):
        """Append one entry, or raise OSError having written nothing (a disk full leaves no half line)."""
        line = (entry_to_json(entry) + "\n").encode("utf-8", "surrogatepass")
        with self._lock:
            while True:
                with open(self._own_file(), "a+b") as fh:
                    fd = fh.fileno()
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    try:
                        if os.fstat(fd).st_nlink == 0:
                            continue  # a replayer emptied and removed it while we waited: open anew
                        start = os.fstat(fd).st_size
                        # Half a line left by a crash stays a line of its own, not the start of this entry.
                        torn = start > 0 and os.pread(fd, 1, start - 1) != b"\n"
                        try:
                            _write_all(fd, b"\n" + line if torn else line)
                            os.fsync(fd)
                        except OSError:
                            os.ftruncate(fd, start)
                            raise
                        return
                    finally:
                        fcntl.flock(fd, fcntl.LOCK_UN)

    def pending(self):
        """Number of journalled entries not yet replayed."""
        total = 0
        for path in self.directory.glob("journal-*.jsonl"):
            with open(path, "rb") as fh:
                total += sum(1 for line in fh if line.strip())
        return total

    def quarantined(self):
        """Number of lines set aside because the store refused them or they were not entries."""
        path = self.directory / QUARANTINE
        if not path.exists():
            return 0
        with open(path, "rb") as fh:
            return sum(1 for line in fh if line.strip())

    def oldest_seconds(self, now=None):
        """Age of the oldest entry waiting (0 when none): a journal that does not drain grows old."""
        now = now or dt.datetime.now(dt.timezone.utc)
        oldest = None
        for path in self.directory.glob("journal-*.jsonl"):
            with open(path, "rb") as fh:
                for line in fh:  # entries are appended in time order: the first readable one is the oldest
                    try:
                        received = entry_from_json(line.decode("utf-8", "surrogatepass"))["created_at"]
                    except Exception:
                        continue
                    oldest = received if oldest is None else min(oldest, received)
                    break
        return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0

    def _quarantine(self, line, reason):
        with open(self.directory / QUARANTINE, "ab") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(line.rstrip(b"\n") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            comment_id = json.loads(line).get("comment_id")
        except Exception:
            comment_id = None
        log.error("journal entry quarantined", extra={"comment_id": comment_id, "reason": reason,
                                                      "quarantine": str(self.directory / QUARANTINE)})

    @staticmethod
    def _pieces(line):
        """[(raw, entry or None)]: the line, or where it does not parse and holds an entry after a torn start,
        the torn start (None) and the entry."""
        def parse(raw):
            try:
                return entry_from_json(raw.decode("utf-8", "surrogatepass"))
            except Exception:
                return None

        entry, start = parse(line), line.rfind(ENTRY_START)
        if entry is None and start > 0 and (tail := parse(line[start:])) is not None:
            return [(line[:start], None), (line[start:], tail)]
        return [(line, entry)]

    def replay(self, store):
        """Store every journalled entry; returns how many were stored.

        A poisoned entry is quarantined and the replay goes on; it stops at the first sign that the store is
        unavailable, keeping the rest for the next replay.
        """
        replayed = 0
        for path in sorted(self.directory.glob("journal-*.jsonl")):
            with self._lock, open(path, "r+b") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # another process is writing or replaying it
                try:
                    lines = [line for line in fh.read().splitlines() if line.strip()]
                    pieces = [piece for line in lines for piece in self._pieces(line)]
                    for done, (raw, entry) in enumerate(pieces):
                        try:
                            replayed += self._replay_one(store, raw, entry)
                        except SQLAlchemyError:
                            log.warning("journal replay paused: store unavailable",
                                        extra={"pending": len(pieces) - done})
                            rest = b"".join(rest_raw + b"\n" for rest_raw, _ in pieces[done:])
                            fh.seek(0)
                            fh.write(rest)
                            fh.truncate()
                            os.fsync(fh.fileno())
                            return replayed
                    path.unlink()
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        return replayed

    def _replay_one(self, store, raw, entry):
        """1 if stored, 0 if quarantined; raises SQLAlchemyError when the store is unavailable."""
        if entry is None:
            self._quarantine(raw, "not a journal entry")
            return 0
        try:
            store.record(entry)
            return 1
        except Exception as exc:
            if not poisoned(exc):
                raise
            self._quarantine(raw, f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:300]}")
            return 0


class Replayer(threading.Thread):
    """Background thread replaying the journal every `interval` seconds while entries are pending."""

    def __init__(self, journal, store, interval=2.0):
        super().__init__(daemon=True, name="journal-replayer")
        self.journal, self.store, self.interval = journal, store, interval
        self._stop = threading.Event()

    def run(self):
        while not self._stop.wait(self.interval):
            try:
                if any(self.journal.directory.glob("journal-*.jsonl")):
                    count = self.journal.replay(self.store)
                    if count:
                        log.info("journal replayed", extra={"replayed": count})
            except Exception:  # the replayer must never die: the next tick tries again
                log.exception("journal replay failed")

    def stop(self):
        self._stop.set()
