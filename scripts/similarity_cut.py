"""Measure the similarity under which "similar past decisions" means nothing, on our own corpus.

Comments of training_data/ are embedded with the model's encoder (the vectors the review pages compare).
Pairs of toxic comments that share a flag (say both insults) are pairs a moderator would call similar;
pairs with no flag in common (a civil comment and a threat, an insult and a dehumanising one) are
unrelated. The cut is the 95th percentile of the unrelated pairs' cosine similarity: below it, a past
decision is no closer than what unrelated comments reach, so the comment page shows none. The result,
with both distributions, is written to webhook/review/similarity_cut.json, which the comment page reads.

    python scripts/similarity_cut.py [--model-dir var/model] [--sample 1600]
"""

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.config import Settings  # noqa: E402
from classifier.data import corpus_files, load_records  # noqa: E402
from classifier.labels import HARM_FLAGS  # noqa: E402
from classifier.pipeline import Moderator  # noqa: E402

OUT = ROOT / "webhook" / "review" / "similarity_cut.json"
PERCENTILE = 95


def flag_set(rec):
    return frozenset(f for f in HARM_FLAGS if rec.get(f))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=str(ROOT / "var" / "model"))
    parser.add_argument("--sample", type=int, default=1600, help="comments embedded (half toxic, half civil)")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    records = load_records(corpus_files(ROOT / "training_data"), validate=False)
    rng = random.Random(args.seed)
    toxic = [r for r in records if flag_set(r)]
    civil = [r for r in records if not flag_set(r)]
    half = args.sample // 2
    sample = rng.sample(toxic, min(half, len(toxic))) + rng.sample(civil, min(half, len(civil)))
    moderator = Moderator.load(Settings(model_dir=Path(args.model_dir)))
    vectors = np.vstack(moderator.embed([r["text"] for r in sample])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = vectors @ vectors.T
    flags = [flag_set(r) for r in sample]
    i, j = np.triu_indices(len(sample), k=1)
    share = np.array([bool(flags[a] & flags[b]) for a, b in zip(i, j)])
    # Unrelated: no flag in common, one of them at least toxic (two civil comments may well be alike).
    unrelated = np.array([not (flags[a] & flags[b]) and bool(flags[a] or flags[b]) for a, b in zip(i, j)])
    related_sims, unrelated_sims = sims[i, j][share], sims[i, j][unrelated]
    cut = float(np.percentile(unrelated_sims, PERCENTILE))

    def quantiles(values):
        return {f"p{q}": round(float(np.percentile(values, q)), 3) for q in (5, 25, 50, 75, 95, 99)}

    result = {
        "cut": round(cut, 2),
        "rule": f"p{PERCENTILE} of the similarity of unrelated pairs (no harm flag in common, one toxic)",
        "encoder": str(moderator.model.card.get("encoder", "")),
        "model_version": moderator.model.card.get("model_version"),
        "comments": len(sample), "seed": args.seed,
        "pairs_sharing_a_flag": {"n": int(share.sum()), **quantiles(related_sims),
                                 "share_at_or_above_cut": round(float((related_sims >= cut).mean()), 3)},
        "unrelated_pairs": {"n": int(unrelated.sum()), **quantiles(unrelated_sims)},
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
