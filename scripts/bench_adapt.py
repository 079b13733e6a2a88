"""`make bench-adapt`: `adapt` on a generated archive of ROWS comments (1,000,000 by default): peak memory and time.

The archive is generated here from our own training comments: each row is one
sentence (or `--parts` sentences of different comments) and a number, so rows
are distinct and read like short comments, and a row is "removed" when one of
its sentences came from a harmful comment (with 5% of labels flipped, as a real
archive is noisy). It is
written to var/bench/ and adapted into var/bench/model-adapted with
`python -m classifier adapt`, run as a child process whose peak resident memory
(ru_maxrss) is what the bar measures. Every comment goes through the default
model's pipeline once, which dominates the time: measure memory on fewer rows
with a lower `--max-in-memory` to exercise the streamed fit.
"""

import argparse
import csv
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.data import corpus_files, read_jsonl  # noqa: E402
from classifier.labels import label  # noqa: E402

MEMORY_BAR_BYTES = 2 * 1024 ** 3


def sentences(text):
    parts = [p.strip() for p in text.replace("!", ".").replace("?", ".").split(".")]
    return [p for p in parts if len(p) > 12]


def generate(path, rows, parts=1, seed=13):
    rng = random.Random(seed)
    civil, harmful = [], []
    for file in corpus_files(ROOT / "training_data"):
        for _, rec in read_jsonl(file):
            (harmful if label(rec, "harm") else civil).extend(sentences(rec["text"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["text", "label"])
        for _ in range(rows):
            removed = rng.random() < 0.3
            pieces = rng.sample(civil, parts - 1) + [rng.choice(harmful if removed else civil)]
            rng.shuffle(pieces)
            noisy = removed if rng.random() > 0.05 else not removed
            out.writerow([". ".join(pieces) + f". #{rng.randrange(10 ** 6)}", int(noisy)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--parts", type=int, default=1, help="sentences per generated comment (1)")
    parser.add_argument("--max-in-memory", type=int, default=200_000,
                        help="adapt's switch to the streamed fit; lower it to measure that path on fewer rows")
    args = parser.parse_args()
    archive = ROOT / "var" / "bench" / f"archive-{args.rows}x{args.parts}.csv"
    if not archive.exists():
        started = time.perf_counter()
        generate(archive, args.rows, args.parts)
        print(f"generated {archive} ({archive.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "classifier", "adapt", "--archive", str(archive), "--no-decisions",
                           "--folds", str(args.folds), "--max-in-memory", str(args.max_in_memory),
                           "--out", str(ROOT / "var" / "bench" / "model-adapted")],
                          cwd=ROOT)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # kilobytes on Linux
    print(f"\nadapt on {args.rows:,} rows: exit {done.returncode}, {seconds / 60:.1f} min, peak resident memory "
          f"{peak / 1024 ** 3:.2f} GB (bar: under {MEMORY_BAR_BYTES / 1024 ** 3:.0f} GB: "
          f"{'met' if peak < MEMORY_BAR_BYTES else 'NOT met'})")
    return done.returncode or int(peak >= MEMORY_BAR_BYTES)


if __name__ == "__main__":
    sys.exit(main())
