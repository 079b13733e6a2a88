"""Embeddings of stored comments, kept once so that review pages never re-encode past decisions.

The vector is the one the pipeline scored the comment with (classifier.pipeline's
Comment.embedding, unit length), kept when a comment enters the review queue or
arrives as a client's suggestion: the comments that moderators' decisions come
from. A comment stored without it (replayed from the journal, stored before
embeddings were kept, or under another encoder) is embedded at the first page
that needs it and kept from then on.
"""

import numpy as np
from sqlalchemy import ForeignKey, LargeBinary, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from webhook.store import Base, ModeratedComment

# At most this many missing embeddings are computed for one page, so that the first views after an upgrade
# stay quick; the rest are filled by the next views.
FILL_PER_PAGE = 50


class CommentEmbedding(Base):
    __tablename__ = "comment_embeddings"

    comment_row: Mapped[int] = mapped_column(ForeignKey("moderated_comments.id", ondelete="CASCADE"),
                                             primary_key=True)
    encoder: Mapped[str] = mapped_column(String(200))  # the model card's encoder: vectors of others do not compare
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length


def encoder_name(moderator):
    return str(moderator.model.card.get("encoder", ""))


def keep(store, vectors, encoder):
    """Store {row id: vector} (replacing any earlier vector of these rows)."""
    if not vectors:
        return
    dialect = postgresql if store.engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(CommentEmbedding)
    upsert = insert.on_conflict_do_update(index_elements=["comment_row"],
                                          set_={"encoder": insert.excluded.encoder, "vector": insert.excluded.vector})
    with store.engine.begin() as conn:
        conn.execute(upsert, [{"comment_row": row_id, "encoder": encoder, "vector": _unit(v).tobytes()}
                              for row_id, v in sorted(vectors.items())])


def vectors_for(store, moderator, ids, texts=None):
    """{row id: unit float32 vector} for stored comments: the kept ones, and up to FILL_PER_PAGE missing ones
    computed now and kept. `texts` {row id: text} spares reading texts the caller has."""
    encoder, texts = encoder_name(moderator), texts or {}
    with Session(store.engine) as session:
        kept = dict(session.execute(select(CommentEmbedding.comment_row, CommentEmbedding.vector).where(
            CommentEmbedding.comment_row.in_(ids), CommentEmbedding.encoder == encoder)).all())
        missing = [row_id for row_id in ids if row_id not in kept][:FILL_PER_PAGE]
        unknown = [row_id for row_id in missing if row_id not in texts]
        if unknown:
            texts = texts | dict(session.execute(select(ModeratedComment.id, ModeratedComment.text).where(
                ModeratedComment.id.in_(unknown))).all())
    found = {row_id: np.frombuffer(blob, dtype=np.float32) for row_id, blob in kept.items()}
    missing = [row_id for row_id in missing if row_id in texts]
    if missing:
        fresh = dict(zip(missing, moderator.embed([texts[row_id] for row_id in missing])))
        keep(store, fresh, encoder)
        found.update({row_id: _unit(v) for row_id, v in fresh.items()})
    return found


def _unit(vector):
    vector = np.asarray(vector, dtype=np.float32)
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector
