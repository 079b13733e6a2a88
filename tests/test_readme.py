"""The README's command lines work as written, in the virtual environment it tells the reader to activate."""

import csv
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

# Lines that start a server, train a model or call one: what covers them instead.
ELSEWHERE = {
    "make run": "tests/webhook/test_gunicorn.py starts the same gunicorn configuration",
    "make test": "this is it",
    "curl": "tests/webhook/test_gunicorn.py sends the same request over HTTP",
    "python -m webhook retrain": "tests/webhook/test_cli.py::test_retrain_keeps_the_last_exports_since",
    "MODEL_DIR=var/model-adapted make run": "tests/classifier/test_adapt.py::test_serving_the_adapted_model_is_one_setting",
}


def shell_lines():
    """Each command of the README's ```sh blocks, continuation lines joined, comments dropped."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
            if command:
                lines.append(command)
    return lines


def test_the_readme_says_how_to_reach_the_virtual_environment():
    assert ". .venv/bin/activate" in README and ".venv/bin/python -m" in README


def test_every_command_line_is_run_here_or_covered_elsewhere():
    for command in shell_lines():
        assert command.startswith("python -m ") or any(command.startswith(k) for k in ELSEWHERE), command


def write_archives(where):
    rows = [("Merci pour ce reportage sur le port de Beyrouth.", "published"),
            ("Bande de crétins, vous ne savez pas lire.", "removed")] * 6
    with open(where / "archive.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["body", "status"])
        out.writerows(rows)
    (where / "archive.jsonl").write_text("".join(
        json.dumps({"text": t, "ins": s == "removed", "thr": False}, ensure_ascii=False) + "\n" for t, s in rows),
        encoding="utf-8")
    (where / "comments.json").write_text("".join(
        json.dumps({"id": str(i), "status": "REJECTED" if s == "removed" else "APPROVED",
                    "revisions": [{"body": f"<p>{t}</p>"}]}, ensure_ascii=False) + "\n"
        for i, (t, s) in enumerate(rows)), encoding="utf-8")


def test_the_readme_command_lines_run_as_written(settings, tmp_path):
    """With .venv/bin first on PATH, as after `. .venv/bin/activate`."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(ROOT), MODEL_DIR=str(settings.model_dir),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}", MODERATOR_DECISIONS=str(tmp_path / "decided.jsonl"))
    write_archives(tmp_path)
    ran = []
    for command in shell_lines():
        if not command.startswith("python -m ") or any(command.startswith(k) for k in ELSEWHERE):
            continue
        args = shlex.split(command)
        if "adapt" in args:
            args += ["--out", str(tmp_path / "adapted")]  # beside the test model otherwise, shared by the session
        done = subprocess.run(args, cwd=tmp_path, env=env, input="a long password\na long password\n",
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, (command, done.stderr[-2000:])
        ran.append(command)
    assert len(ran) >= 5, ran
