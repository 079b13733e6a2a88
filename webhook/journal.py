"""A local journal of decisions the store could not take, replayed when it returns.

When the database is down the webhook still answers with the model's decision
and appends the store entry to `DIR/journal-<pid>.jsonl` (fsync'd). A replayer
claims journal files with an exclusive lock, so any worker (or a restarted one)
can replay a dead worker's file; replay goes through `Store.record`, which is
idempotent, so a decision replayed twice is still stored once.
"""

import fcntl
import logging
import os
import threading
from pathlib import Path

from .store import entry_from_json, entry_to_json

log = logging.getLogger(__name__)


class Journal:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _own_file(self):
        return self.directory / f"journal-{os.getpid()}.jsonl"

    def append(self, entry):
        line = (entry_to_json(entry) + "\n").encode("utf-8", "surrogatepass")
        with self._lock:
            while True:
                with open(self._own_file(), "ab") as fh:
                    fcntl.flock(fh, fcntl.LOCK_EX)
                    try:
                        if os.fstat(fh.fileno()).st_nlink == 0:
                            continue  # a replayer emptied and removed it while we waited: open anew
                        fh.write(line)
                        fh.flush()
                        os.fsync(fh.fileno())
                        return
                    finally:
                        fcntl.flock(fh, fcntl.LOCK_UN)

    def pending(self):
        """Number of journalled entries not yet replayed."""
        total = 0
        for path in self.directory.glob("journal-*.jsonl"):
            with open(path, "rb") as fh:
                total += sum(1 for line in fh if line.strip())
        return total

    def replay(self, store):
        """Store every journalled entry; returns how many were replayed. Stops at the first store error."""
        replayed = 0
        for path in sorted(self.directory.glob("journal-*.jsonl")):
            with self._lock, open(path, "r+b") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # another process is writing or replaying it
                try:
                    lines = [line for line in fh.read().splitlines() if line.strip()]
                    done = 0
                    for line in lines:
                        try:
                            store.record(entry_from_json(line.decode("utf-8", "surrogatepass")))
                        except Exception:
                            log.warning("journal replay paused: store unavailable", extra={"pending": len(lines) - done})
                            rest = b"".join(rest_line + b"\n" for rest_line in lines[done:])
                            fh.seek(0)
                            fh.write(rest)
                            fh.truncate()
                            os.fsync(fh.fileno())
                            return replayed
                        done += 1
                        replayed += 1
                    path.unlink()
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        return replayed


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
