"""Sentences of a comment, and the comment's embedding built from theirs.

A harmful sentence must stay harmful when civil ones surround it: averaged
into one vector with "Merci pour cet article.", a dehumanising sentence loses
half its score. So a comment is cut into sentences (short ones joined to their
neighbour), every sentence is embedded once, and

- the comment's embedding is the normalised mean of its sentences' (training
  and serving compute it the same way, and it costs one pass of the encoder,
  like embedding the whole text);
- each sentence of a comment of several is also scored on its own, and a
  flag's score is the highest of the comment's and its sentences' (pipeline).
"""

import re

import numpy as np

from .normalise import normalise

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?…]+|\n|$)")
MIN_WORDS = 4  # a shorter sentence ("Merci.", "Bref.") is read with its neighbour
MAX_SEGMENTS = 12  # past this, the rest of the comment is one last segment: the work stays bounded
# Readers often skip the full stop ("... sans réfléchir Merci pour l'article"): a run-on sentence
# this long is cut into its clauses, at commas and semicolons and where a capitalised word follows
# a lowercase one without punctuation (a sentence start the writer did not mark). A clause keeps
# its own negation ("je ne dis pas que ce sont des rats, je dis que ..."): word windows would not.
LONG_SENTENCE = 16
_CLAUSE_END = re.compile(r"[,;:]\s+|(?<=[a-zà-ÿ])\s+(?=[A-ZÀ-Ý][a-zà-ÿ]{2,})")
_NOT_A_START = re.compile(r"(?i)(?:^|\s)(?:les?|la|des?|du|de|d'|l'|à|au|aux|que|qu'|et|ou|en|pour|par|avec|chez|sans|sur|"
                          r"the|of|and|to|in|for|with|by)$")


def segment(text):
    """[(start, end)] character spans covering the sentences of `text`, in order."""
    sentences = _join_short(text, [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group(0).strip()])
    spans = [clause for span in sentences for clause in _clauses(text, span)]
    if len(spans) > MAX_SEGMENTS:
        spans = spans[:MAX_SEGMENTS - 1] + [(spans[MAX_SEGMENTS - 1][0], spans[-1][1])]
    return spans or [(0, len(text))]


def _join_short(text, spans):
    """`spans` with each piece of fewer than MIN_WORDS words joined to its neighbour."""
    joined = []
    for start, end in spans:
        if joined and (len(text[start:end].split()) < MIN_WORDS
                       or len(text[joined[-1][0]:joined[-1][1]].split()) < MIN_WORDS):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _clauses(text, span):
    """A long sentence's clauses (see LONG_SENTENCE), short ones joined to their neighbour."""
    start, end = span
    if len(text[start:end].split()) < LONG_SENTENCE:
        return [span]
    cuts = [m.end() for m in _CLAUSE_END.finditer(text, start, end)
            if not (m.group(0).isspace() and _NOT_A_START.search(text[start:m.start()]))]
    bounds = [start, *cuts, end]
    return _join_short(text, list(zip(bounds, bounds[1:])))


def normalised_segments(text, lang):
    """The normalised sentences of a comment of several sentences, or [] for a one-sentence comment."""
    spans = segment(text)
    if len(spans) < 2:
        return []
    return [normalise(text[start:end].strip() or text, lang=lang) for start, end in spans]


def embed_comments(encoder, normalised, segments):
    """(n, d) comment embeddings: the pooled embeddings of each comment's normalised sentences, and the
    (m, d) sentence embeddings of the comments with several, in order.

    normalised: the comments' Normalised; segments: for each, normalised_segments() (empty for one).
    """
    texts, owner, several = [], [], []
    for i, (whole, parts) in enumerate(zip(normalised, segments)):
        for part in parts or [whole]:
            texts.append(part.text)
            owner.append(i)
            several.append(bool(parts))
    vectors = encoder.encode(texts)
    owner, several = np.array(owner, dtype=np.int64), np.array(several, dtype=bool)
    return pooled(vectors, owner, len(normalised)), vectors[several]


def pooled(sentence_embeddings, owner, n):
    """(n, d) normalised mean of each comment's sentence embeddings."""
    sums = np.zeros((n, sentence_embeddings.shape[1]), dtype=np.float32)
    np.add.at(sums, owner, sentence_embeddings)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return sums / np.where(norms == 0, 1, norms)
