"""`make bench-review`: the review pages' latency with 100,000 stored comments, over real HTTP.

Fills a store (a fresh SQLite file by default; `--database-url` for PostgreSQL, which must hold no comments)
with N comments spread over the dashboard's 14 days, inserted in bulk through the store's tables: texts of the
training corpus (one in ten several comments long, up to 5,000 characters), flags from the corpus labels,
automatic decisions (about 70% approved, 20% held, 10% rejected), most held comments decided by a moderator,
and the embeddings the pipeline keeps for held comments (computed once per distinct text with the model, not
once per row). Then starts gunicorn on loopback on that store, signs in as a moderator, and requests the queue,
comment pages (a different held comment each time) and the dashboard, one after another, printing p50/p95/max
per page. Exits 1 when a page's p95 is 300 ms or more (the bar of issue 12).

    python scripts/bench_review.py [--comments 100000] [--requests 100] [--database-url URL]
"""

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.config import Settings  # noqa: E402
from classifier.data import corpus_files, read_jsonl  # noqa: E402
from classifier.labels import HARM_FLAGS  # noqa: E402
from scripts.local_server import free_port, serve  # noqa: E402

BAR_MS = 300
PASSWORD = "bench review password"
CHUNK = 5000


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def corpus(rng, size):
    """`size` distinct texts with their labels: corpus comments, one in ten joined with others up to 5,000
    characters (the long comments the red team used)."""
    records = [rec for path in corpus_files(ROOT / "training_data") for _, rec in read_jsonl(path)]
    rng.shuffle(records)
    texts = []
    for i, rec in enumerate(records[:size]):
        if i % 10 == 0:
            parts, text = [rec], rec["text"]
            while len(text) < rng.randint(1500, 5000):
                parts.append(rng.choice(records))
                text += " " + parts[-1]["text"]
            rec = parts[0] | {f: any(p.get(f) for p in parts) for f in HARM_FLAGS} | {"text": text[:5000]}
        texts.append(rec)
    return texts


def fill(url, n, rng):
    """Insert n comments with their decisions (and a moderator); returns (moderator name, held row ids)."""
    from sqlalchemy import func, insert, select
    from sqlalchemy.orm import Session

    from classifier.pipeline import Moderator
    from webhook.embeddings import CommentEmbedding, encoder_name, keep
    from webhook.migrate import upgrade
    from webhook.review.accounts import create_user
    from webhook.store import ModeratedComment, Store, User, reason_tags, text_sha256

    upgrade(url)
    store = Store(url)
    with Session(store.engine) as session:
        if session.scalar(select(func.count()).select_from(ModeratedComment)):
            sys.exit(f"{url}: the store already holds comments; give an empty database")
    create_user(store, "bench", PASSWORD, "moderator")
    with Session(store.engine) as session:
        user = session.scalar(select(User.id).where(User.name == "bench"))

    started = time.perf_counter()
    moderator = Moderator.load(Settings.from_env())
    pool = corpus(rng, 1000)
    vectors = []
    for i in range(0, len(pool), 64):
        vectors.extend(moderator.embed([rec["text"] for rec in pool[i:i + 64]]))
    print(f"embedded {len(pool)} distinct texts in {time.perf_counter() - started:.0f} s", flush=True)

    now = dt.datetime.now(dt.timezone.utc)
    stories = [f"story-{i}" for i in range(200)]
    rows, kept = [], {}
    for i in range(n):
        k = rng.randrange(len(pool))
        rec = pool[k]
        harmful = [f for f in HARM_FLAGS if rec.get(f)]
        scores = {f: (rng.uniform(0.6, 1) if f in harmful else rng.uniform(0, 0.4)) for f in HARM_FLAGS}
        if harmful:
            decision = rng.choices(["reject", "review"], [0.5, 0.5])[0]
            reasons = harmful
        else:
            decision = rng.choices(["approve", "review"], [0.85, 0.15])[0]
            reasons = [f"low_confidence:{rng.choice(HARM_FLAGS)}"] if decision == "review" else []
        flags = {f: {"score": round(scores[f], 4), "value": f in harmful} for f in HARM_FLAGS}
        flags |= {"shouting": {"score": 0.0, "value": False},
                  "toxic": {"score": max(scores.values()), "value": bool(set(harmful) - {"profanity"})},
                  "harm": {"score": max(scores.values()), "value": bool(harmful)}}
        created = now - dt.timedelta(seconds=rng.uniform(60, 14 * 86400 - 3600))
        row = {"client": "bench", "comment_id": f"c{i}", "version": 1, "text_sha256": text_sha256(rec["text"]),
               "text": rec["text"], "story_id": rng.choice(stories), "story_url": None,
               "author_id": f"author-{rng.randrange(5000)}", "topic": rec.get("topic"), "lang": rec.get("lang"),
               "source": "native", "decision": decision, "reasons": reasons, "flags": flags,
               "stance": {"topic": rec.get("topic"), "label": rec.get("stance"), "scores": {}},
               "evidence": [], "model_version": "bench", "policy_version": "bench",
               "queue": None, "reason_tags": reason_tags(reasons), "created_at": created,
               "final_decision": None, "final_reason": None, "corrected": None, "decided_by": None,
               "decided_at": None}
        if decision == "review":
            kept[i + 1] = vectors[k]
            if rng.random() < 0.85:  # most held comments were decided by a moderator, in their first day
                final = "reject" if harmful and rng.random() < 0.8 else "approve"
                row |= {"final_decision": final, "final_reason": "ABUSIVE" if final == "reject" else None,
                        "decided_by": user, "decided_at": min(now, created + dt.timedelta(hours=rng.uniform(0, 24)))}
            else:
                row["queue"] = "review"
        rows.append(row | {"id": i + 1})
    with store.engine.begin() as conn:
        for i in range(0, n, CHUNK):
            conn.execute(insert(ModeratedComment), rows[i:i + CHUNK])
    ids = sorted(kept)
    for i in range(0, len(ids), CHUNK):
        keep(store, {row_id: kept[row_id] for row_id in ids[i:i + CHUNK]}, encoder_name(moderator))
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as conn:  # ids were given: move the sequence past them, then refresh statistics
            conn.exec_driver_sql("SELECT setval('moderated_comments_id_seq', (SELECT max(id) FROM moderated_comments))")
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does after a bulk load: index-only scans
    else:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    with Session(store.engine) as session:
        held = list(session.scalars(select(ModeratedComment.id).where(ModeratedComment.queue == "review")))
        decided = session.scalar(select(func.count()).select_from(ModeratedComment)
                                 .where(ModeratedComment.final_decision.is_not(None)))
        embedded = session.scalar(select(func.count()).select_from(CommentEmbedding))
    print(f"stored {n} comments ({len(held)} held, {decided} decided by a moderator, {embedded} embeddings) "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    store.engine.dispose()
    return "bench", held


def sign_in(base, name):
    http = requests.Session()
    html = http.get(base + "/review/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = http.post(base + "/review/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf},
                  allow_redirects=False, timeout=30)
    if r.status_code != 302:
        sys.exit(f"sign-in failed: {r.status_code}")
    return http


def timed(http, url):
    started = time.perf_counter()
    r = http.get(url, timeout=60, allow_redirects=False)
    elapsed = (time.perf_counter() - started) * 1000
    if r.status_code != 200:
        sys.exit(f"{url}: {r.status_code}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="requests per page")
    parser.add_argument("--database-url", help="an empty PostgreSQL (or SQLite) database; default a fresh SQLite file")
    parser.add_argument("--workers", default="2", help="gunicorn workers (WEB_CONCURRENCY)")
    args = parser.parse_args()
    rng = random.Random(18)
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        work = Path(tmp)
        url = args.database_url or f"sqlite:///{work / 'bench.db'}"
        name, held = fill(url, args.comments, rng)
        env = {"DATABASE_URL": url, "JOURNAL_DIR": str(work / "journal"), "PORT": str(free_port()),
               "PROMETHEUS_MULTIPROC_DIR": str(work / "prom"), "LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": args.workers,
               # Loopback only, no credential: the review pages sign in with an account of their own.
               "ALLOW_UNAUTHENTICATED_LOOPBACK": "1"}
        with serve(env, work / "server.log") as base:
            http = sign_in(base, name)
            pages = {"queue": lambda i: f"{base}/review/",
                     "comment": lambda i: f"{base}/review/comment/{held[i % len(held)]}",
                     "dashboard": lambda i: f"{base}/review/dashboard"}
            for page in pages.values():  # every worker loads its templates and its model once
                for i in range(4):
                    timed(http, page(len(held) - 1 - i))
            latencies = {name: [] for name in pages}
            for i in range(args.requests):
                for page, path in pages.items():
                    latencies[page].append(timed(http, path(i)))
    print(f"\n{args.comments} stored comments, {store_kind(url)}, gunicorn with {args.workers} workers, "
          f"{args.requests} requests per page over HTTP")
    print(f"{'page':<10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    failed = []
    for page, values in latencies.items():
        p95 = percentile(values, 95)
        print(f"{page:<10} {statistics.median(values):>8.1f} {p95:>8.1f} {max(values):>8.1f}")
        if p95 >= BAR_MS:
            failed.append(page)
    print(f"bar (p95 under {BAR_MS} ms): " + (f"not met by {', '.join(failed)}" if failed else "met"))
    return 1 if failed else 0


def store_kind(url):
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


if __name__ == "__main__":
    sys.exit(main())
