"""gunicorn settings from the environment: HOST, PORT, WEB_CONCURRENCY, WEB_THREADS, ENCODER_THREADS."""

import os
import shutil
from pathlib import Path

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Moderation is CPU-bound: one worker per core and one BLAS thread per worker. The worker reads each
# request whole in its event loop before a thread takes it, and answers 408 to one not received within
# REQUEST_READ_TIMEOUT seconds (webhook/worker.py): slow clients hold no thread.
threads = int(os.environ.get("WEB_THREADS", "8"))
os.environ.setdefault("ENCODER_THREADS", "1")
worker_class = "webhook.worker.BufferingThreadWorker"
timeout = 30
graceful_timeout = 10
keepalive = 5
# The request line and headers are bounded; bodies are bounded by MAX_BODY_BYTES in the app.
limit_request_line = 8190
limit_request_field_size = 8190
accesslog = None  # the app logs each request as JSON
errorlog = "-"

_metrics_dir = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                                          str(Path(__file__).resolve().parent.parent / "var" / "prometheus")))


def on_starting(server):
    from classifier.config import Settings
    from webhook.logs import configure
    from webhook.migrate import upgrade

    configure(os.environ.get("LOG_LEVEL", "INFO"))
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)
    upgrade(Settings.from_env().database_url)


def post_fork(server, worker):
    # glibc gives each thread its own malloc arena; with gthread workers that
    # multiplies resident memory for no speed we can measure: two arenas suffice.
    # A fixed mmap threshold sends the large transient arrays of loading and
    # encoding to mmap, so they go back to the system when freed.
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt(-8, 2)  # M_ARENA_MAX
        libc.mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
