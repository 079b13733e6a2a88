"""Moderate, store once, answer: the only place the webhook's endpoints meet the pipeline and the store.

A retry of a stored comment gets the stored decision without re-scoring. When
the store is down the decision is still answered and its entry goes to the
local journal, replayed when the store returns.
"""

import logging

from sqlalchemy.exc import SQLAlchemyError

from webhook.store import entry_from_result

log = logging.getLogger(__name__)


class ModerationService:
    def __init__(self, moderator, store, journal, metrics):
        self.moderator, self.store, self.journal, self.metrics = moderator, store, journal, metrics

    def moderate(self, comments, *, client, source, store=True):
        """comments: dicts {"id", "text", "topic"?, "story"?, "author"?, "lang"?}; returns results in order.

        Each result is the stored decision (`version`, `queue` included) or,
        with store=False (Perspective's doNotStore), the pipeline's answer.
        """
        results = [None] * len(comments)
        todo = []
        for i, c in enumerate(comments):
            stored = self._find(client, c) if store else None
            if stored is not None:
                results[i] = stored.as_result()
            else:
                todo.append(i)
        fresh = self.moderator.moderate_many([comments[i] for i in todo])
        for i, result in zip(todo, fresh):
            c = comments[i]
            self.metrics.decision(result["decision"], source)
            if not store:
                results[i] = result | {"queue": None}
                continue
            entry = entry_from_result(result, client=client, comment_id=c["id"], text=c["text"], source=source,
                                      story=c.get("story"), author=c.get("author"), topic=c.get("topic"))
            results[i] = self._record(entry, result)
        return results

    def _find(self, client, comment):
        try:
            return self.store.find(client, comment["id"], comment["text"])
        except SQLAlchemyError:
            return None  # the store is down: score again, the journal keeps it once

    def _record(self, entry, result):
        try:
            return self.store.record(entry).as_result()
        except SQLAlchemyError as exc:
            log.warning("store unavailable, decision journalled",
                        extra={"comment_id": entry["comment_id"], "error_type": type(exc).__name__})
            self.metrics.error("store_unavailable")
            self.journal.append(entry)
            return result | {"id": entry["comment_id"], "queue": entry["queue"], "stored": False}
