"""Bring a database to the current schema with Alembic (`python -m webhook.migrate`)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from classifier.config import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url):
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


if __name__ == "__main__":
    upgrade(Settings.from_env().database_url)
