"""Running `python -m classifier` as a newsroom engineer does: a real process on a test model."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args, settings, **kw):
    env = dict(os.environ, MODEL_DIR=str(settings.model_dir))
    return subprocess.run([sys.executable, "-m", "classifier", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, **kw)
