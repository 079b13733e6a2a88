"""Feature matrix of a batch of comments: sentence embedding + char n-grams + lexicon cues.

Shapes: `transform` takes n normalised comments, their (n, d) embeddings and
their cue lists, and returns a sparse (n, d + n_char + n_categories) float32
matrix. Blocks are weighted before a linear head (embeddings and TF-IDF rows both
have unit length); char n-grams weigh double because cross-validation on the
training part favoured it for dehumanisation and stance (spelling tricks and
partisan vocabulary are character-level cues).
"""

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer


class CommentFeatures:
    """Fit on training texts; transform (normalised, embeddings, cues) into one matrix."""

    def __init__(self, lexicon, char_ngrams=(2, 6), max_char_features=30000,
                 embedding_weight=1.0, char_weight=2.0, lexicon_weight=0.5):
        self.lexicon = lexicon
        self.char_ngrams = char_ngrams
        self.max_char_features = max_char_features
        self.embedding_weight = embedding_weight
        self.char_weight = char_weight
        self.lexicon_weight = lexicon_weight
        self.vectorizer_ = None

    def _char_input(self, normalised):
        return [n.match_text for n in normalised]

    def fit(self, normalised):
        if self.max_char_features:
            self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams,
                                               max_features=self.max_char_features, sublinear_tf=True,
                                               min_df=2, dtype=np.float32)
            self.vectorizer_.fit(self._char_input(normalised))
        return self

    def transform(self, normalised, embeddings, cues):
        blocks = [sparse.csr_matrix(np.asarray(embeddings, dtype=np.float32) * self.embedding_weight)]
        if self.vectorizer_ is not None:
            blocks.append(self.vectorizer_.transform(self._char_input(normalised)) * self.char_weight)
        if self.lexicon_weight:
            counts = np.vstack([self.lexicon.counts(c) for c in cues]) if cues else \
                np.zeros((0, len(self.lexicon.categories)), dtype=np.float32)
            blocks.append(sparse.csr_matrix(counts * self.lexicon_weight))
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    def char_ngram_names(self):
        return None if self.vectorizer_ is None else self.vectorizer_.get_feature_names_out()
