"""`make bench`: latency and throughput of `classify` on this machine.

Prints single-comment warm latency (p50/p99 over many comments), batch
throughput, and the time of one training run is in the model card. Figures are
measured here, in one run; the machine is shared and noisy, so read them as a
snapshot, not a contract.
"""

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier import load_moderator  # noqa: E402
from classifier.data import corpus_files, read_jsonl  # noqa: E402


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main(n_single=500, n_batch=2000, batch_size=256):
    moderator = load_moderator()
    texts = [rec["text"] for path in corpus_files(ROOT / "training_data") for _, rec in read_jsonl(path)]
    for text in texts[:20]:  # warm-up: lazy loads, caches
        moderator.moderate(text)

    single = []
    for text in texts[:n_single]:
        start = time.perf_counter()
        moderator.moderate(text)
        single.append((time.perf_counter() - start) * 1000)

    batch_texts = (texts * (n_batch // len(texts) + 1))[:n_batch]
    start = time.perf_counter()
    for i in range(0, n_batch, batch_size):
        moderator.moderate_many([{"text": t} for t in batch_texts[i:i + batch_size]])
    throughput = n_batch / (time.perf_counter() - start)

    report = {
        "model_version": moderator.model.version,
        "encoder": moderator.model.card.get("encoder"),
        "single_ms_p50": round(statistics.median(single), 2),
        "single_ms_p99": round(percentile(single, 99), 2),
        "single_n": len(single),
        "batch_comments_per_s": round(throughput, 1),
        "batch_n": n_batch, "batch_size": batch_size,
        "train_seconds": moderator.model.card.get("metrics_held_out", {}).get("train_seconds"),
        "train_seconds_by_step": moderator.model.card.get("metrics_held_out", {}).get("train_seconds_by_step"),
    }
    print(json.dumps(report, indent=2))
    print(f"\nsingle comment, warm: p50 {report['single_ms_p50']} ms, p99 {report['single_ms_p99']} ms "
          f"(bar: p50 <= 10 ms)")
    print(f"batch: {report['batch_comments_per_s']} comments/s (bar: >= 500/s)")
    out = ROOT / "var" / "bench_classifier.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
