"""Near-copies between evaluation sentences and the training corpus.

An evaluation case that is a light rewording of a training comment measures memory, not the
model; the suites and the audit must stay apart from the corpus by more than exact text.
"""

from collections import Counter, defaultdict
from pathlib import Path

from classifier.data import corpus_files, load_records, text_key

ROOT = Path(__file__).resolve().parents[2]
NGRAM = 5
MAX_JACCARD = 0.4  # character 5-gram overlap from which two comments count as one reworded


# Batches written after the suites existed, aimed at what they showed weak: kept further apart.
TARGETED_SOURCES = frozenset({
    "identity-civil-fr", "negation-counter-speech-fr", "literal-and-implicit-fr", "arabic-threats-dehum",
    "threats-fr-en", "slurs-derogation-fr", "wishes-respect-fr", "positive-generalisations", "literal-subjects-fr",
    "negation-slurs-ar-threats", "return-filth-quotes-fr", "opinion-and-praise-fr", "arabic-arabizi-more",
    "civil-wishes-fr", "refutation-and-mention-fr", "aleppo-stance-more",
    # issue 11: written after the suite showed negated generalisations held for identity_attack
    "groups-negations-fr-team", "groups-emoji-fr-team", "groups-emoji-en-team", "groups-emoji-ar-team",
})
TARGETED_MAX_JACCARD = 0.3


def grams(text):
    key = text_key(text)
    return {key[i:i + NGRAM] for i in range(max(1, len(key) - NGRAM + 1))}


def training_texts(targeted_only=False):
    records = load_records(corpus_files(ROOT / "training_data"))
    return [r["text"] for r in records
            if not targeted_only or r["source"].split(":", 1)[-1] in TARGETED_SOURCES]


def near_copies(texts, corpus, limit=MAX_JACCARD):
    """[(jaccard, text, corpus_text)] for each text whose 5-gram Jaccard with a corpus text >= limit."""
    corpus_grams = [grams(t) for t in corpus]
    index = defaultdict(list)
    for i, g in enumerate(corpus_grams):
        for gram in g:
            index[gram].append(i)
    found = []
    for text in texts:
        g = grams(text)
        shared = Counter(i for gram in g for i in index.get(gram, ()))
        for i, n in shared.most_common(3):
            jaccard = n / len(g | corpus_grams[i])
            if jaccard >= limit:
                found.append((round(jaccard, 2), text, corpus[i]))
    return found


EXTERNAL = ROOT.parent / "shared" / "external"
EXTERNAL_SETS = (("toxifrench_dev.csv", "content"), ("mlma_fr.csv", "tweet"), ("mlma_ar.csv", "tweet"))
WORD_RUN = 5
MAX_RUN_SHARE = 0.6  # share of an external text's 5-word runs that one line of ours may hold


def _runs(text):
    import re

    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + WORD_RUN]) for i in range(len(words) - WORD_RUN + 1)}


def external_copies(texts):
    """[(external file, row, our text)] for each of `texts` holding most of an external text's 5-word runs.

    The external sets are measurement only (never trained on, copied or paraphrased): a line of ours
    that holds 60% of an external text's word runs is a copy, whatever its label.
    """
    import csv

    index, size = defaultdict(set), {}
    for name, column in EXTERNAL_SETS:
        path = EXTERNAL / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            for k, row in enumerate(csv.DictReader(fh)):
                runs = _runs(row.get(column) or "")
                if len(runs) >= 2:
                    size[(name, k)] = len(runs)
                    for run in runs:
                        index[run].add((name, k))
    found = []
    for text in texts:
        shared = Counter(key for run in _runs(text) for key in index.get(run, ()))
        found += [(key[0], key[1], text) for key, n in shared.items() if n >= MAX_RUN_SHARE * size[key]]
    return found
