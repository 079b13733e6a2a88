"""WSGI entry point for gunicorn: `gunicorn -c webhook/gunicorn.conf.py webhook.wsgi:app`.

Migrations run once in gunicorn's master (gunicorn.conf.py), not in each worker.
"""

import sys

from classifier.config import Settings

from . import StartupError, create_app
from .logs import configure
from .memory import release_free_memory

settings = Settings.from_env()
configure(settings.log_level)
try:
    app = create_app(settings, migrate=False)
except StartupError as exc:
    print(f"webhook: {exc}", file=sys.stderr, flush=True)
    # gunicorn's WORKER_BOOT_ERROR: the master stops with "Worker failed to boot" instead of respawning.
    sys.exit(3)
release_free_memory()
