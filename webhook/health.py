"""Liveness, readiness and metrics: GET /healthz, /readyz, /metrics."""

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    moderator = current_app.extensions.get("moderator")
    journal = current_app.extensions["journal"]
    checks = {"model": moderator is not None, "store": True}
    try:
        current_app.extensions["store"].ping()
    except SQLAlchemyError:
        checks["store"] = False
    # Entries this old while the store answers are not draining (a replay that fails on every tick).
    oldest = journal.oldest_seconds()
    checks["journal"] = oldest < current_app.config["SETTINGS"].journal_stall_seconds or not checks["store"]
    ready = all(checks.values())
    body = {"ready": ready, "checks": checks,
            "model_version": moderator.model.version if moderator else None,
            "journal_pending": journal.pending(), "journal_oldest_seconds": round(oldest, 1),
            "journal_quarantined": journal.quarantined()}
    return jsonify(body), 200 if ready else 503


@bp.get("/metrics")
def metrics():
    m = current_app.extensions["metrics"]
    journal = current_app.extensions["journal"]
    m.journal.set(journal.pending())
    m.journal_oldest.set(journal.oldest_seconds())
    m.journal_quarantined.set(journal.quarantined())
    payload, content_type = m.render()
    return Response(payload, content_type=content_type)
