"""Structured logs: one JSON object a line on stderr, never a secret or a comment's text."""

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


def configure(level="INFO"):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                       rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
