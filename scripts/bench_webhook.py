"""`make bench-webhook`: a bounded load on the webhook through gunicorn on loopback.

Starts gunicorn on a fresh SQLite store, warms it, then runs CLIENTS concurrent
clients for SECONDS seconds. Each client sends one single-comment request, waits
for the answer, and paces itself to one request every INTERVAL seconds (a CMS
posts comments as readers write them; it does not hammer). Prints latency
p50/p99, throughput, errors, worker RSS, and checks that the store holds exactly
one decision per comment sent. A last short phase without pacing measures the
saturation throughput used in the capacity arithmetic.

Environment: BENCH_SECONDS (60), BENCH_CLIENTS (32), BENCH_INTERVAL (0.5),
WEB_CONCURRENCY (2), BENCH_MIX ("native"; "mixed": half native, a quarter
Coral, a quarter Perspective; "coral": every request built as Coral Talk
9.11.8 builds its external moderation request, `make bench-coral`), BENCH_DATABASE ("sqlite", or "postgresql": a
fresh database on the local server at BENCH_POSTGRES_ADMIN_URL). `make soak`
runs it for 5 minutes at 64 clients, mixed, on PostgreSQL, and reports worker
RSS over time. BENCH_SLOW_CLIENTS (0; `make soak` sets 40): that many connections
held open throughout the load, each sending part of a request and then nothing,
reopened as soon as the server closes one; the report says how long the server
let each hang and what it answered. BENCH_STORE_HANG_SECONDS (0; `make soak` sets
30, PostgreSQL only): the server reaches PostgreSQL through a proxy that stops
answering (not refusing) for that long in the middle of the load; the report
gives p99 before, during and after the hang, and, once the journal has drained,
decisions lost and duplicated. Loopback only; it stops by itself.
"""

import hashlib
import hmac
import json
import os
import selectors
import socket
import uuid
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.data import corpus_files, read_jsonl  # noqa: E402
from scripts.local_server import free_port, serve  # noqa: E402
from webhook.store import Store  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
INTERVAL = float(os.environ.get("BENCH_INTERVAL", "0.5"))
SATURATION_SECONDS = float(os.environ.get("BENCH_SATURATION_SECONDS", "15"))
MIX = os.environ.get("BENCH_MIX", "native")
SLOW_CLIENTS = int(os.environ.get("BENCH_SLOW_CLIENTS", "0"))
STORE_HANG_SECONDS = float(os.environ.get("BENCH_STORE_HANG_SECONDS", "0"))
# After the hang ends, the circuit breaker waits STORE_RETRY_SECONDS (5) before trying the store again:
# requests in this margin still count as "during" the outage.
OUTAGE_MARGIN_SECONDS = 10
DATABASE = os.environ.get("BENCH_DATABASE", "sqlite")
ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
API_KEY = "bench-key"
CORAL_SECRET = "bench-coral-secret"


def request_for(comment_id, text, n):
    """(path, body bytes, headers) of one request; the mix spreads the kinds over the comments."""
    kind = MIX if MIX in ("native", "coral") else ("native", "native", "coral", "perspective")[n % 4]
    if kind == "coral":
        # Coral's body, serialised as Coral does (JSON.stringify(body, null, 2)); Coral sends no comment id,
        # so the comment is found by the "[load-...]" tag in its text.
        raw = json.dumps({"action": "NEW", "comment": {"body": f"<p>{text} [{comment_id}]</p>", "parentID": None},
                          "author": {"id": f"a{n}", "role": "COMMENTER"},
                          "story": {"id": "s", "url": "https://news.example/s"}, "site": {"id": "site"},
                          "tenantID": "bench", "tenantDomain": "news.example"}, indent=2,
                         ensure_ascii=False).encode()
        sig = "sha256=" + hmac.new(CORAL_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        return "/v1/coral/moderate", raw, {"X-Coral-Signature": sig}
    if kind == "perspective":
        raw = json.dumps({"comment": {"text": f"{text} [{comment_id}]"}, "requestedAttributes": {"TOXICITY": {}},
                          "languages": ["fr"]}).encode()
        return f"/v1alpha1/comments:analyze?key={API_KEY}", raw, {}
    raw = json.dumps({"id": comment_id, "text": text}).encode()
    return "/v1/moderate", raw, {"Authorization": f"Bearer {API_KEY}"}


def answered(response):
    body = response.json()
    # Coral's approval is "{}" by default: "no opinion", so its later pre-moderation phases still apply.
    return body == {} or body.get("decision") in ("approve", "review", "reject") or "status" in body \
        or "attributeScores" in body


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def rss_growth(samples):
    """Largest relative change of a worker's RSS between the first and last fifth of the run, in %."""
    if len(samples) < 10:
        return None
    fifth = len(samples) // 5
    growth = []
    for i in range(min(len(s) for s in samples)):
        first = sum(s[i] or 0 for s in samples[:fifth]) / fifth
        last = sum(s[i] or 0 for s in samples[-fifth:]) / fifth
        growth.append(100 * (last - first) / first if first else 0)
    return round(max(growth, key=abs), 1) if growth else None


class SlowClients:
    """`n` connections that send part of a request and then nothing, reopened when the server closes one."""

    PARTIAL = b"POST /v1/moderate HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Le"

    def __init__(self, port, n):
        self.port, self.n, self.stop = port, n, threading.Event()
        self.held_s, self.answers = [], {}
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, selector):
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(self.PARTIAL)
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ, [time.monotonic(), b""])

    def _run(self):
        selector = selectors.DefaultSelector()
        for _ in range(self.n):
            self._open(selector)
        while not self.stop.is_set():
            for key, _ in selector.select(0.5):
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if data:
                    key.data[1] += data
                    continue
                opened, answer = key.data
                self.held_s.append(time.monotonic() - opened)
                status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none"
                self.answers[status] = self.answers.get(status, 0) + 1
                selector.unregister(key.fileobj)
                key.fileobj.close()
                self._open(selector)
        for key in list(selector.get_map().values()):
            key.fileobj.close()

    def report(self):
        held = sorted(self.held_s)
        return {"connections": self.n, "closed_by_server": len(held), "answers": self.answers,
                "held_s_median": round(statistics.median(held), 1) if held else None,
                "held_s_max": round(held[-1], 1) if held else None}


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else float("nan")


def run_clients(base, texts, seconds, interval, prefix):
    latencies, errors, sent = [], [], []
    lock = threading.Lock()
    stop_at = time.time() + seconds

    def client(n):
        session = requests.Session()
        session.headers["Content-Type"] = "application/json"
        i = 0
        next_at = time.time() + (n / CLIENTS) * interval
        while time.time() < stop_at:
            if interval:
                time.sleep(max(0.0, next_at - time.time()))
                next_at += interval
            comment_id = f"{prefix}-{n}-{i}"
            text = texts[(n * 7919 + i) % len(texts)]
            path, raw, headers = request_for(comment_id, text, n + i)
            start = time.perf_counter()
            try:
                r = session.post(base + path, data=raw, headers=headers, timeout=10)
                ok = r.status_code == 200 and answered(r)
                err = None if ok else f"HTTP {r.status_code}"
            except requests.RequestException as exc:
                err = type(exc).__name__
            ms = (time.perf_counter() - start) * 1000
            with lock:
                sent.append(comment_id)
                (errors.append(err) if err else latencies.append((time.time(), ms)))
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, sent, time.perf_counter() - started


def p99_between(latencies, start, end):
    window = [ms for t, ms in latencies if start <= t < end]
    return {"requests": len(window), "p99_ms": round(percentile(window, 99), 2) if window else None}


def hang_store_midway(proxy, seconds, hang_s, window):
    """Stop the proxy's traffic for `hang_s` seconds in the middle of a `seconds`-long load."""
    time.sleep(max(0.0, (seconds - hang_s) / 2))
    window.append(time.time())
    proxy.hang()
    time.sleep(hang_s)
    proxy.restore()
    window.append(time.time())


def wait_for_drain(store, prefix, tagged_count, expected, timeout=180):
    """Stored decisions of the load once the journal has replayed (or `timeout` seconds)."""
    deadline = time.time() + timeout
    while True:
        stored = store.count_prefix(prefix) + tagged_count()
        if stored >= expected or time.time() > deadline:
            return stored
        time.sleep(2)


def main():
    work = ROOT / "var" / "bench-webhook"
    if work.exists():
        for p in sorted(work.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
    work.mkdir(parents=True, exist_ok=True)
    if DATABASE == "postgresql":
        from sqlalchemy import create_engine, text as sql

        name = f"moderation_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sql(f'CREATE DATABASE "{name}"'))
        db_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    else:
        db_url = f"sqlite:///{work / 'bench.db'}"
    server_db_url, proxy = db_url, None
    if STORE_HANG_SECONDS and DATABASE == "postgresql":
        from sqlalchemy.engine import make_url

        from tests.webhook.servers import CuttableProxy

        url = make_url(db_url)
        proxy = CuttableProxy(url.port or 5432, url.host or "127.0.0.1")
        server_db_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    env = dict(DATABASE_URL=server_db_url, JOURNAL_DIR=str(work / "journal"), PORT=str(free_port()),
               MODERATION_API_KEYS=API_KEY, PERSPECTIVE_API_KEYS=API_KEY, CORAL_SIGNING_SECRETS=CORAL_SECRET,
               PROMETHEUS_MULTIPROC_DIR=str(work / "prom"), LOG_LEVEL="WARNING",
               WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "2"))
    with serve(env, work / "server.log") as base:
        texts = [rec["text"] for path in corpus_files(ROOT / "training_data") for _, rec in read_jsonl(path)]
        run_clients(base, texts, 5, INTERVAL, "warm")  # warm-up: lazy loads in every worker

        rss_samples = []
        sampling = threading.Event()

        def sample():
            while not sampling.wait(2):
                rss_samples.append([rss_mb(p) for p in base.workers()])

        sampler = threading.Thread(target=sample)
        sampler.start()
        slow = SlowClients(int(env["PORT"]), SLOW_CLIENTS)
        if SLOW_CLIENTS:
            slow.thread.start()
        hang_window = []
        if proxy:
            threading.Thread(target=hang_store_midway, args=(proxy, SECONDS, STORE_HANG_SECONDS, hang_window),
                             daemon=True).start()
        latencies, errors, sent, elapsed = run_clients(base, texts, SECONDS, INTERVAL, "load")
        slow.stop.set()
        sampling.set()
        sampler.join()
        store = Store(db_url)
        from sqlalchemy import text as sql

        def tagged():
            with store.engine.connect() as conn:
                # Perspective and Coral calls carry no id of ours: found by the "[load-...]" tag in their text.
                return conn.execute(sql("SELECT count(*) FROM moderated_comments WHERE (comment_id LIKE "
                                        "'perspective:%' OR comment_id LIKE 'coral:%') AND text LIKE '%[load-%'")
                                    ).scalar()

        # Decisions journalled during the hang reach the store when the journal replays.
        stored_load = wait_for_drain(store, "load-", tagged, len(set(sent)), timeout=180 if proxy else 5)
        sat_lat, sat_err, sat_sent, sat_elapsed = run_clients(base, texts, SATURATION_SECONDS, 0, "sat")
        outage = None
        if hang_window:
            start, end = hang_window[0], hang_window[-1] if len(hang_window) > 1 else time.time()
            before = p99_between(latencies, 0, start)
            after = p99_between(latencies, end + OUTAGE_MARGIN_SECONDS, float("inf"))
            outage = {"seconds": round(end - start, 1), "before": before,
                      "during": p99_between(latencies, start, end + OUTAGE_MARGIN_SECONDS), "after": after,
                      "p99_after_over_before": round(after["p99_ms"] / before["p99_ms"], 2)
                      if before["p99_ms"] and after["p99_ms"] else None}
        if proxy:
            proxy.close()
        latencies = [ms for _, ms in latencies]
        sat_lat = [ms for _, ms in sat_lat]
        worker_rss = [max((s[i] for s in rss_samples if i < len(s) and s[i]), default=0)
                      for i in range(max((len(s) for s in rss_samples), default=0))]
        report = {
            "clients": CLIENTS, "seconds": round(elapsed, 1), "interval_s": INTERVAL,
            "workers": int(env["WEB_CONCURRENCY"]),
            "requests": len(sent), "errors": len(errors), "error_kinds": sorted(set(errors)),
            "throughput_rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
            "p99_ms": round(percentile(latencies, 99), 2),
            "stored_decisions": stored_load, "sent_comments": len(set(sent)),
            "exactly_one_each": stored_load == len(set(sent)) and store.count_duplicates() == 0,
            "worker_rss_mb_max": [round(x, 1) for x in worker_rss],
            "rss_series_mb": [[round(x or 0, 1) for x in sample] for sample in rss_samples[::5]],
            "rss_growth_pct": rss_growth(rss_samples),
            "mix": MIX, "database": DATABASE,
            "slow_clients": slow.report() if SLOW_CLIENTS else None,
            "store_hang": outage,
            "saturation": {"clients": CLIENTS, "seconds": round(sat_elapsed, 1), "requests": len(sat_sent),
                           "errors": len(sat_err), "throughput_rps": round(len(sat_lat) / sat_elapsed, 1),
                           "p50_ms": round(statistics.median(sat_lat), 2) if sat_lat else None,
                           "p95_ms": round(percentile(sat_lat, 95), 2),
                           "p99_ms": round(percentile(sat_lat, 99), 2),
                           "max_ms": round(max(sat_lat), 2) if sat_lat else None},
        }
    print(json.dumps(report, indent=2))
    print(f"\n{CLIENTS} clients for {report['seconds']} s: p50 {report['p50_ms']} ms, p99 {report['p99_ms']} ms "
          f"(bars: 20 / 100), {report['errors']} errors, {report['throughput_rps']} req/s")
    print(f"stored {report['stored_decisions']} decisions for {report['sent_comments']} comments sent: "
          f"{'exactly one each' if report['exactly_one_each'] else 'MISMATCH'}")
    print(f"worker RSS max: {report['worker_rss_mb_max']} MB (bar: <= 400); growth over the run: "
          f"{report['rss_growth_pct']}% (soak bar: within 10%)")
    if report["slow_clients"]:
        slow_report = report["slow_clients"]
        print(f"{SLOW_CLIENTS} slow clients held open during the load: the server closed {slow_report['closed_by_server']} "
              f"(answers {slow_report['answers']}) after {slow_report['held_s_median']} s median, "
              f"{slow_report['held_s_max']} s at most")
    if report["store_hang"]:
        hang = report["store_hang"]
        print(f"PostgreSQL hung {hang['seconds']} s mid-run: p99 {hang['before']['p99_ms']} ms before "
              f"({hang['before']['requests']} requests), {hang['during']['p99_ms']} ms during (+{OUTAGE_MARGIN_SECONDS} s), "
              f"{hang['after']['p99_ms']} ms after: after/before {hang['p99_after_over_before']} (soak bar: within 1.2); "
              f"lost after replay: {report['sent_comments'] - report['stored_decisions']}")
    sat = report["saturation"]
    print(f"saturation ({CLIENTS} clients, no pacing): {sat['throughput_rps']} req/s, p50 {sat['p50_ms']} ms, "
          f"p95 {sat['p95_ms']} ms, p99 {sat['p99_ms']} ms, max {sat['max_ms']} ms, {sat['errors']} errors")
    (work / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0 if report["errors"] == 0 and report["exactly_one_each"] else 1


if __name__ == "__main__":
    sys.exit(main())
