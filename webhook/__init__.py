"""The moderation webhook: a Flask application factory, one blueprint per area.

    create_app()            # Settings.from_env(): model, policy, store, credentials
    gunicorn -c webhook/gunicorn.conf.py webhook.wsgi:app

Endpoints stay thin: HTTP in, pipeline call (through ModerationService), store,
HTTP out. If the model cannot be loaded the app is not built and the error
says why.
"""

import datetime as dt
import logging
import os
import secrets
import time
from pathlib import Path

from flask import Flask, g, jsonify, request
from flask_wtf.csrf import CSRFProtect

from classifier.config import Settings
from classifier.data import DataError
from classifier.model import ModelError
from classifier.pipeline import Moderator
from classifier.policy import PolicyError
from classifier.topics import TopicMap

from . import api, coral, errors, health, perspective
from .auth import KeyRing
from .journal import Journal, Replayer
from .metrics import Metrics
from .openapi import document
from .outbox import Deliverer, DelivererThread
from .review import views as review
from .review import pages as _review_pages  # noqa: F401  (its routes join review.bp)
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


def load_topics(settings):
    try:
        return TopicMap.from_file(settings.topics_path)
    except DataError as exc:
        raise StartupError(f"cannot start: {exc}") from None


def session_secret(settings):
    """SECRET_KEY, or a random key kept in var/ (0600) so sessions survive a restart in development."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.journal_dir).parent / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    return path.read_text().strip()


CREDENTIALS = {"MODERATION_API_KEYS": "moderation_api_keys", "CORAL_SIGNING_SECRETS": "coral_signing_secrets",
               "PERSPECTIVE_API_KEYS": "perspective_api_keys"}


def check_credentials(settings):
    """Refuse to start with no credential at all unless the local demo is asked for by name; say at start-up
    which endpoints answer loopback clients without one."""
    missing = [env for env, name in CREDENTIALS.items() if not getattr(settings, name)]
    if len(missing) == len(CREDENTIALS) and not settings.allow_unauthenticated_loopback:
        raise StartupError(
            f"cannot start: no credential is configured ({', '.join(missing)}), so no client could be "
            "served; set them (docs/deploy.md), or ALLOW_UNAUTHENTICATED_LOOPBACK=1 for a local demo that "
            "answers loopback clients without one (never behind a proxy on the same host)")
    if missing and settings.allow_unauthenticated_loopback:
        log.warning("ALLOW_UNAUTHENTICATED_LOOPBACK=1: endpoints without their credential answer loopback "
                    "clients without one", extra={"unset": missing})
    elif missing:
        log.info("endpoints without their credential are closed", extra={"unset": missing})


def create_app(settings=None, moderator=None, migrate=True, background=True):
    """Build the app. `moderator` may be given (tests share one); `migrate` brings the schema up to date."""
    settings = settings or Settings.from_env()
    check_credentials(settings)
    moderator = moderator or load_moderator(settings)
    # The encoder and language tables load lazily: load them now, so that /readyz
    # means ready and the first CMS request is not the slow one.
    moderator.moderate("Préchauffage du modèle avant la première requête.")
    if migrate:
        from .migrate import upgrade  # alembic stays out of web workers, where the master migrated

        upgrade(settings.database_url)
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings, MAX_CONTENT_LENGTH=settings.max_body_bytes, SECRET_KEY=session_secret(settings),
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12), WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings.secure_cookies)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    store = Store(settings.database_url, settings.store_timeout_seconds, settings.store_retry_seconds)
    journal = Journal(settings.journal_dir)
    metrics = Metrics()
    app.extensions.update(
        moderator=moderator, store=store, journal=journal, metrics=metrics,
        service=ModerationService(moderator, store, journal, metrics, topics=load_topics(settings)),
        api_keys=KeyRing(settings.moderation_api_keys),
        perspective_keys=KeyRing(settings.perspective_api_keys),
    )
    deliverer = Deliverer(store, settings.cms_callback_url, settings.cms_callback_secret,
                          timeout=settings.cms_callback_timeout) if settings.cms_callback_url else None
    app.extensions["deliverer"] = deliverer
    if background:
        replayer = Replayer(journal, store)
        replayer.start()
        app.extensions["replayer"] = replayer
        if deliverer:
            app.extensions["deliverer_thread"] = DelivererThread(deliverer)
            app.extensions["deliverer_thread"].start()

    errors.register(app)
    csrf = CSRFProtect(app)
    for blueprint in (api.bp, coral.bp, perspective.bp, health.bp):
        # Machine endpoints authenticate with keys and signatures, not cookies: no CSRF token there.
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    app.register_blueprint(review.bp)

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
