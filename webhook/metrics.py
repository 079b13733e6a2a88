"""Prometheus metrics: requests, latency, decisions by kind, errors, journal backlog.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py
does) so /metrics adds up every worker's counts.
"""

import os

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest, multiprocess)

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class Metrics:
    def __init__(self):
        # Each app gets its own registry so tests can build several apps in one process.
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("moderation_requests_total", "HTTP requests by endpoint and status",
                                ["endpoint", "status"], registry=self.registry)
        self.latency = Histogram("moderation_request_seconds", "Request latency by endpoint", ["endpoint"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.decisions = Counter("moderation_decisions_total", "Decisions by kind and source",
                                 ["decision", "source"], registry=self.registry)
        self.errors = Counter("moderation_errors_total", "Errors by kind", ["kind"], registry=self.registry)
        self.journal = Gauge("moderation_journal_pending", "Decisions waiting in the local journal",
                             registry=self.registry, multiprocess_mode="max")
        self.journal_oldest = Gauge("moderation_journal_oldest_seconds",
                                    "Age of the oldest journalled decision; grows while the journal does not drain",
                                    registry=self.registry, multiprocess_mode="max")
        self.journal_quarantined = Gauge("moderation_journal_quarantined",
                                         "Journal lines set aside: refused by the store or not entries",
                                         registry=self.registry, multiprocess_mode="max")

    def observe(self, endpoint, status, seconds):
        self.requests.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def decision(self, decision, source):
        self.decisions.labels(decision, source).inc()

    def error(self, kind):
        self.errors.labels(kind).inc()

    def render(self):
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
