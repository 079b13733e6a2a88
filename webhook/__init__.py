"""The moderation webhook: a Flask application factory, one blueprint per area.

    create_app()            # Settings.from_env(): model, policy, store, credentials
    gunicorn -c webhook/gunicorn.conf.py webhook.wsgi:app

Endpoints stay thin: HTTP in, pipeline call (through ModerationService), store,
HTTP out. If the model cannot be loaded the app is not built and the error
says why.
"""

import logging
import time

from flask import Flask, g, jsonify, request

from classifier.config import Settings
from classifier.model import ModelError
from classifier.pipeline import Moderator
from classifier.policy import PolicyError

from . import api, coral, errors, health, perspective
from .auth import KeyRing
from .journal import Journal, Replayer
from .metrics import Metrics
from .openapi import document
from .service import ModerationService
from .store import Store

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """The service cannot start; the message says why."""


def load_moderator(settings):
    try:
        return Moderator.load(settings)
    except (ModelError, PolicyError) as exc:
        raise StartupError(f"cannot start: {exc}") from None


def create_app(settings=None, moderator=None, migrate=True, background=True):
    """Build the app. `moderator` may be given (tests share one); `migrate` brings the schema up to date."""
    settings = settings or Settings.from_env()
    moderator = moderator or load_moderator(settings)
    # The encoder and language tables load lazily: load them now, so that /readyz
    # means ready and the first CMS request is not the slow one.
    moderator.moderate("Préchauffage du modèle avant la première requête.")
    if migrate:
        from .migrate import upgrade  # alembic stays out of web workers, where the master migrated

        upgrade(settings.database_url)
    app = Flask(__name__)
    app.config.update(SETTINGS=settings, MAX_CONTENT_LENGTH=settings.max_body_bytes, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    store = Store(settings.database_url)
    journal = Journal(settings.journal_dir)
    metrics = Metrics()
    app.extensions.update(
        moderator=moderator, store=store, journal=journal, metrics=metrics,
        service=ModerationService(moderator, store, journal, metrics),
        api_keys=KeyRing(settings.moderation_api_keys),
        perspective_keys=KeyRing(settings.perspective_api_keys),
    )
    if background:
        replayer = Replayer(journal, store)
        replayer.start()
        app.extensions["replayer"] = replayer

    errors.register(app)
    for blueprint in (api.bp, coral.bp, perspective.bp, health.bp):
        app.register_blueprint(blueprint)

    @app.get("/openapi.json")
    def openapi():
        return jsonify(document())

    @app.before_request
    def start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def observe(response):
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        metrics.observe(endpoint, response.status_code, seconds)
        if endpoint not in ("/metrics", "/healthz", "/readyz"):
            log.info("request", extra={"method": request.method, "path": endpoint, "status": response.status_code,
                                       "ms": round(seconds * 1000, 2)})
        return response

    log.info("webhook ready", extra={"settings": settings.redacted(), "model_version": moderator.model.version})
    return app
