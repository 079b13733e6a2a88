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
    checks = {"model": moderator is not None, "store": True}
    try:
        current_app.extensions["store"].ping()
    except SQLAlchemyError:
        checks["store"] = False
    ready = all(checks.values())
    body = {"ready": ready, "checks": checks,
            "model_version": moderator.model.version if moderator else None,
            "journal_pending": current_app.extensions["journal"].pending()}
    return jsonify(body), 200 if ready else 503


@bp.get("/metrics")
def metrics():
    m = current_app.extensions["metrics"]
    m.journal.set(current_app.extensions["journal"].pending())
    payload, content_type = m.render()
    return Response(payload, content_type=content_type)
