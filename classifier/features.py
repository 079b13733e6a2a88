"""Feature matrix of a batch of comments: sentence embedding + char and word n-grams + lexicon cues.

Shapes: `transform` takes n normalised comments, their (n, d) embeddings and
their cue lists, and returns a sparse (n, d + n_char + n_word + n_categories)
float32 matrix. Blocks are weighted before a linear head (embeddings and TF-IDF
rows all have unit length). Cross-validation on the training part (never the
held-out split) chose the weights: n-grams weigh double, and word bigrams
("ces rats", "libération d'Alep") added about 0.01 to dehumanising F1 and
stance macro-F1 on top of character n-grams, which catch spelling tricks.
Word n-grams see quoted and negated words marked (`mark_scope`), which added
about 0.005 to out-of-fold toxic and dehumanising F1 once the corpus held
counter-speech and negated hate.
"""

import re

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer


QUOTED = re.compile(r"«([^»]{1,200})»|\"([^\"]{1,200})\"|“([^”]{1,200})”|'([^']{3,200})'")
NEGATORS = {"ne", "n", "pas", "jamais", "aucun", "aucune", "personne", "ni", "non", "not", "never", "no", "nobody",
            "don't", "doesn't", "isn't", "aren't", "won't", "لا", "ما", "مش", "مو", "ليس", "ليسوا", "mish", "mesh", "ma",
            # refusing or stopping a claim negates it too: "je refuse de dire que ...", "arrêtez de dire que ..."
            "refuse", "refusons", "refusez", "arrête", "arrêtez", "arretez", "cessez", "stop"}
CLAUSE_END = re.compile(r"[,.;:!?()\n]")
WORD = re.compile(r"\w+(?:'\w+)?")


def mark_scope(text):
    """Words quoted or under a negation, marked so that word n-grams tell use from mention.

    "les traiter de « rats »" yields the token q_rats, not rats; "ce ne sont pas des rats"
    yields neg_rats. A linear head cannot combine a negator with a later word by itself; the
    mark gives it that one interaction, clause by clause (Das and Chen 2001, for sentiment).
    """
    marked = QUOTED.sub(lambda m: " ".join("q_" + w for w in WORD.findall(next(g for g in m.groups() if g))), text)
    out = []
    for clause in CLAUSE_END.split(marked):
        negated = False
        for word in WORD.findall(clause):
            out.append("neg_" + word if negated and not word.startswith("q_") else word)
            negated = negated or word.split("'")[0] in NEGATORS
        out.append("|")
    return " ".join(out)


def _negated(text, start):
    """True when a negator comes before offset `start` in the same clause."""
    clause = CLAUSE_END.split(text[:start])[-1].casefold()
    return any(w.split("'")[0] in NEGATORS for w in WORD.findall(clause))


def cue_uses(text, cues):
    """(quoted, negated, used): the cues inside quotation marks, those under a negation in their
    clause, and the rest, which the text uses for itself."""
    spans = [m.span() for m in QUOTED.finditer(text)]
    quoted = [c for c in cues if any(a <= c.start and c.end <= b for a, b in spans)]
    negated = [c for c in cues if c not in quoted and _negated(text, c.start)]
    return quoted, negated, [c for c in cues if c not in quoted and c not in negated]


def mentions_only(normalised, cues):
    """True when a text has cues and every one is quoted or under a negation: it mentions or denies
    harm ("« Des bactéries », vraiment ?", "ce ne sont pas des rats") rather than doing it."""
    return bool(cues) and not cue_uses(normalised.original, cues)[2]


class CommentFeatures:
    """Fit on training texts; transform (normalised, embeddings, cues) into one matrix."""

    def __init__(self, lexicon, char_ngrams=(2, 6), max_char_features=60000, word_ngrams=(1, 2),
                 max_word_features=40000, embedding_weight=1.0, char_weight=2.0, word_weight=2.0,
                 lexicon_weight=0.5, scope_marks=True, word_max_df=0.1):
        self.lexicon = lexicon
        self.char_ngrams = char_ngrams
        self.max_char_features = max_char_features
        self.word_ngrams = word_ngrams
        self.max_word_features = max_word_features
        self.embedding_weight = embedding_weight
        self.char_weight = char_weight
        self.word_weight = word_weight
        self.lexicon_weight = lexicon_weight
        self.scope_marks = scope_marks
        self.word_max_df = word_max_df
        self.vectorizer_ = None
        self.word_vectorizer_ = None

    def _text_input(self, normalised):
        # Casefolded, accent-free, de-obfuscated: "R@TS" and "rats" are one n-gram.
        return [n.match_text for n in normalised]

    def _word_input(self, texts):
        return [mark_scope(t) for t in texts] if self.scope_marks else texts

    def _token_pattern(self):
        # mark_scope has already split the words; "|" marks clause ends, not a token.
        return r"[^ |]+" if self.scope_marks else r"(?u)\b\w\w+\b"

    def fit(self, normalised):
        texts = self._text_input(normalised)
        if self.max_char_features:
            self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams,
                                               max_features=self.max_char_features, sublinear_tf=True,
                                               min_df=2, dtype=np.float32).fit(texts)
        if self.max_word_features:
            self.word_vectorizer_ = TfidfVectorizer(ngram_range=self.word_ngrams, max_features=self.max_word_features,
                                                    sublinear_tf=True, min_df=2, max_df=self.word_max_df,
                                                    dtype=np.float32, token_pattern=self._token_pattern(),
                                                    ).fit(self._word_input(texts))
        for vectorizer in (self.vectorizer_, self.word_vectorizer_):
            if vectorizer is not None:
                # The n-grams cut by min_df/max_features: introspection only, and most of the model's size.
                vectorizer.stop_words_ = None
        return self

    def _cue_counts(self, normalised, cues):
        """Cue counts per category, then one count of cues inside quotation marks, then one of
        cues under a negation.

        A cue inside « » or quotes is mentioned, not used ("traiter les réfugiés de « vermine »"),
        and a cue after a negator in its clause is denied ("ce ne sont pas des rats"): each counts
        in its own last column instead of its category's, which gives a linear head the one
        interaction it cannot build from a word and a negator by itself.
        """
        quoted, negated, used = cue_uses(normalised.original, cues)
        return np.concatenate([self.lexicon.counts(used),
                               [np.log1p(len(quoted)), np.log1p(len(negated))]]).astype(np.float32)

    def transform(self, normalised, embeddings, cues):
        texts = self._text_input(normalised)
        blocks = [sparse.csr_matrix(np.asarray(embeddings, dtype=np.float32) * self.embedding_weight)]
        if self.vectorizer_ is not None:
            blocks.append(self.vectorizer_.transform(texts) * self.char_weight)
        if self.word_vectorizer_ is not None:
            blocks.append(self.word_vectorizer_.transform(self._word_input(texts)) * self.word_weight)
        if self.lexicon_weight:
            counts = np.vstack([self._cue_counts(n, c) for n, c in zip(normalised, cues)]) if cues else \
                np.zeros((0, len(self.lexicon.categories) + 2), dtype=np.float32)
            blocks.append(sparse.csr_matrix(counts * self.lexicon_weight))
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

