"""Alembic environment: the store's schema, at the URL of DATABASE_URL (or the caller's config)."""

from alembic import context
from sqlalchemy import pool

from classifier.config import Settings
from webhook.store import Base, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def run_offline():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online():
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, poolclass=pool.NullPool)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
