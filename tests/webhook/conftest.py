"""Webhook fixtures: apps on a fresh SQLite file or a fresh PostgreSQL database, sharing one model."""

import dataclasses
import os
import uuid

import pytest
from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database on the machine's server, dropped at the end of the session."""
    name = f"moderation_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # CI installs and starts PostgreSQL; a developer may not have it
        pytest.fail(f"PostgreSQL is not reachable at {ADMIN_URL}: {exc}. `.ci/run` installs and starts it.")
    yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'moderation.db'}"
    url = request.getfixturevalue("postgres_url")
    from webhook.migrate import upgrade

    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in ("outbox", "moderator_actions", "moderated_comments", "users", "authors"):
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()
    return url


@pytest.fixture
def make_app(settings, moderator, tmp_path):
    """Build an app with settings overrides, on the shared model, without background threads."""
    apps = []

    def build(**overrides):
        overrides.setdefault("database_url", f"sqlite:///{tmp_path / 'moderation.db'}")
        overrides.setdefault("journal_dir", tmp_path / "journal")
        # The tests call endpoints without credentials from loopback, as `make run` allows.
        overrides.setdefault("allow_unauthenticated_loopback", True)
        from webhook import create_app

        app = create_app(dataclasses.replace(settings, **overrides), moderator=moderator, background=False)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["store"].engine.dispose()


@pytest.fixture
def app(make_app, database_url):
    return make_app(database_url=database_url)


@pytest.fixture
def client(app):
    return app.test_client()
