"""Nearest labelled training examples of a comment, for moderators to compare with."""

import numpy as np

from .labels import BEHAVIOUR_FLAGS


class NearestExamples:
    """Cosine nearest neighbours among labelled comments.

    embeddings: (n, d) unit-length vectors (float32: queries are one matrix product);
    records: the n labelled comments they come from.
    """

    def __init__(self, embeddings, records):
        self.embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.examples = [
            {"text": r["text"], "topic": r["topic"], "stance": r["stance"],
             "flags": [f for f in BEHAVIOUR_FLAGS if r[f]]}
            for r in records
        ]

    def query(self, embeddings, k=3):
        """For each of the m rows of `embeddings` (m, d): its k nearest examples with their similarity."""
        if not len(self.examples) or k <= 0:
            return [[] for _ in range(len(embeddings))]
        sims = np.asarray(embeddings, dtype=np.float32) @ self.embeddings.T
        k = min(k, sims.shape[1])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        out = []
        for row, idx in zip(sims, top):
            idx = idx[np.argsort(-row[idx])]
            out.append([{"kind": "neighbour", **self.examples[i], "similarity": round(float(row[i]), 3)}
                        for i in idx])
        return out
