"""Moderate, store once, answer: the only place the webhook's endpoints meet the pipeline and the store.

A retry of a stored comment gets the stored decision without re-scoring. When
the store is down the decision is still answered and its entry goes to the
local journal, replayed when the store returns.
"""

import logging

from sqlalchemy.exc import SQLAlchemyError

from classifier.labels import BEHAVIOUR_FLAGS, HARM_FLAGS
from classifier.topics import TopicMap
from webhook import embeddings
from webhook.errors import ApiError
from webhook.store import entry_from_result, utcnow

log = logging.getLogger(__name__)

# Comments moderated together: the pipeline's working memory (char n-gram matrices, sentence embeddings)
# grows with the comments it holds at once; a batch of 500 comments of 4 KB took 1.2 GB in one pass.
PIPELINE_CHUNK = 32


class ModerationService:
    def __init__(self, moderator, store, journal, metrics, topics=None):
        self.moderator, self.store, self.journal, self.metrics = moderator, store, journal, metrics
        self.topics = topics or TopicMap()  # story id or URL -> topic, for stance (classifier/topics.py)

    def moderate(self, comments, *, client, source, store=True, queue=True):
        """comments: dicts {"id", "text", "topic"?, "story"?, "author"?, "lang"?}; returns results in order.

        Each result is the stored decision (`version`, `queue` included) or,
        with store=False (Perspective's doNotStore), the pipeline's answer.
        queue=False stores a held comment for audit without putting it in the moderators' queue.
        """
        comments = [self._with_topic(c) for c in comments]
        received = utcnow()  # versions of a comment follow this time, whenever the decision reaches the store
        results = [None] * len(comments)
        todo = []
        for i, c in enumerate(comments):
            stored = self._find(client, c) if store else None
            if stored is not None:
                results[i] = stored.as_result()
            else:
                todo.append(i)
        held_authors = self._held_authors(client, [comments[i] for i in todo]) if store else set()
        for start in range(0, len(todo), PIPELINE_CHUNK):
            chunk = todo[start:start + PIPELINE_CHUNK]
            if store:
                fresh, vectors = self.moderator.moderate_and_embed([comments[i] for i in chunk])
            else:
                fresh = self.moderator.moderate_many([comments[i] for i in chunk])
                vectors = [None] * len(fresh)
            for i, result, embedding in zip(chunk, fresh, vectors):
                c = comments[i]
                if (c.get("author") or {}).get("id") in held_authors:
                    result = hold_for_author(result)
                self.metrics.decision(result["decision"], source)
                if not store:
                    results[i] = result | {"queue": None}
                    continue
                entry = entry_from_result(result, client=client, comment_id=c["id"], text=c["text"], source=source,
                                          story=c.get("story"), author=c.get("author"), topic=c.get("topic"),
                                          now=received)
                if not queue:
                    entry["queue"] = None
                results[i] = self._record(entry, result, embedding)
        return results

    def _held_authors(self, client, comments):
        """Authors of these comments whom moderators always hold; none when the store does not answer (the
        model's decision stands: the journal cannot wait on a lookup)."""
        try:
            return self.store.held_authors(client, [str((c.get("author") or {}).get("id") or "") for c in comments])
        except SQLAlchemyError as exc:
            log.warning("held authors unknown, store unavailable", extra={"error_type": type(exc).__name__})
            return set()

    def _with_topic(self, comment):
        """The request's topic, else the configured rules' topic for its story, else none (stance null)."""
        if comment.get("topic"):
            return comment
        story = comment.get("story") or {}
        return comment | {"topic": self.topics.topic_for(story.get("id"), story.get("url"))}

    def suggest(self, comment, suggested, *, client):
        """Store a client's suggested scores (Perspective names) as a labelled example; returns the model's result.

        The labels follow suggested_labels(); the row is decided (final_decision) so that `train`
        reads it with the moderators' corrections, and never queued.
        """
        (result,), (embedding,) = self.moderator.moderate_and_embed([comment])
        labels = suggested_labels(suggested, result)
        entry = entry_from_result(result, client=client, comment_id=comment["id"], text=comment["text"],
                                  source="suggestion")
        entry["queue"] = None
        try:
            self.store.label_suggestion(entry, labels)
        except SQLAlchemyError as exc:
            log.warning("store unavailable, suggestion refused", extra={"error_type": type(exc).__name__})
            raise ApiError(503, "the store is unavailable; the suggestion was not kept, retry it") from None
        self._keep_embedding(self._find(client, comment), embedding)
        return result

    def _find(self, client, comment):
        try:
            return self.store.find(client, comment["id"], comment["text"])
        except SQLAlchemyError:
            return None  # the store is down: score again, the journal keeps it once

    def _record(self, entry, result, embedding=None):
        try:
            row = self.store.record(entry)
        except SQLAlchemyError as exc:
            log.warning("store unavailable, decision journalled",
                        extra={"comment_id": entry["comment_id"], "error_type": type(exc).__name__})
            self.metrics.error("store_unavailable")
            try:
                self.journal.append(entry)
            except OSError as journal_exc:
                log.error("journal unavailable, decision not kept",
                          extra={"comment_id": entry["comment_id"], "error_type": type(journal_exc).__name__})
                self.metrics.error("journal_unavailable")
                raise ApiError(503, "the store is unavailable and the local journal could not keep the decision "
                                    "(disk full or not writable); nothing was kept, retry") from None
            return result | {"id": entry["comment_id"], "queue": entry["queue"], "stored": False}
        if row.queue == "review":
            self._keep_embedding(row, embedding)
        return row.as_result()

    def _keep_embedding(self, row, embedding):
        """Keep the embedding of a comment moderators may decide, so review pages never encode it again;
        without the store, the first page that needs it computes it."""
        if row is None or embedding is None:
            return
        try:
            embeddings.keep(self.store, {row.id: embedding}, embeddings.encoder_name(self.moderator))
        except SQLAlchemyError as exc:
            log.warning("embedding not kept", extra={"comment_id": row.comment_id, "error_type": type(exc).__name__})


def hold_for_author(result):
    """A held author's comment waits for a moderator whatever the model says: never approved automatically, and
    a rejection stays a rejection."""
    if result["decision"] == "reject":
        return result
    return result | {"decision": "review", "reasons": [*result["reasons"], "author_held"]}


def suggested_labels(suggested, result):
    """Training labels from suggested attribute scores {PERSPECTIVE_NAME: value}.

    A named attribute at 0.5 or more raises its flag, under 0.5 lowers it; TOXICITY (or
    SEVERE_TOXICITY) at 0.5 or more with no named flag raised takes the model's strongest harm
    flag; TOXICITY under 0.5 lowers every harm flag. Flags the suggestion does not speak of keep
    the model's values.
    """
    from webhook.perspective import SUGGESTED_FLAGS

    labels = {f: bool(result["flags"][f]["value"]) for f in HARM_FLAGS}
    toxicity = suggested.get("TOXICITY")
    if toxicity is not None and toxicity < 0.5:
        labels = dict.fromkeys(HARM_FLAGS, False)
    for name, value in suggested.items():
        flag = SUGGESTED_FLAGS.get(name)
        if flag:
            labels[flag] = value >= 0.5
    severe = suggested.get("SEVERE_TOXICITY", 0) >= 0.5
    if (severe or (toxicity or 0) >= 0.5) and not any(labels.values()):
        pool = ("dehumanising", "threat") if severe else HARM_FLAGS
        labels[max(pool, key=lambda f: result["flags"][f]["score"])] = True
    labels["toxic"] = any(labels[f] for f in BEHAVIOUR_FLAGS)
    return labels
