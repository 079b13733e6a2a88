"""The command line as a newsroom engineer runs it: real processes, real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.classifier.commands import run

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", ["train", "classify", "evaluate", "check", "audit"])
def test_every_subcommand_has_help(command, settings):
    out = run([command, "--help"], settings)
    assert out.returncode == 0 and "usage:" in out.stdout


def test_classify_one_comment(settings):
    out = run(["classify", "--compact", "Ces bactéries wahabites doivent être éradiquées."], settings)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["decision"] == "reject" and result["flags"]["dehumanising"]["value"]


def test_classify_a_file_streams_one_line_per_comment(settings, tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [{"id": f"c{i}", "text": t} for i, t in enumerate(
        ["Paix aux civils d'Alep.", "Quelle bande de crétins ces commentateurs.", "🐀🐀 dehors les rats 🐀🐀"] * 40)]
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    out = run(["classify", "--input", str(src), "--output", str(dst), "--batch-size", "16"], settings)
    assert out.returncode == 0, out.stderr
    results = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == [x["id"] for x in lines]
    assert set(results[0]) >= {"id", "decision", "stance", "flags", "evidence", "model_version"}
    assert set(results[0]["stance"]) == {"topic", "label", "scores"}


def test_classify_reports_bad_lines_with_their_number(settings, tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', encoding="utf-8")
    out = run(["classify", "--input", str(src)], settings)
    assert out.returncode == 2 and "bad.jsonl:2: invalid JSON" in out.stderr
    assert "Traceback" not in out.stderr


def test_classify_errors_are_clear(settings, tmp_path):
    missing = run(["classify", "--input", str(tmp_path / "none.jsonl")], settings)
    assert missing.returncode == 2 and "file not found" in missing.stderr
    topic = run(["classify", "--topic", "martians", "bonjour"], settings)
    assert topic.returncode == 2 and "unknown topic 'martians'" in topic.stderr
    empty = run(["classify", "   "], settings)
    assert empty.returncode == 2 and "empty" in empty.stderr
    no_text = tmp_path / "notext.jsonl"
    no_text.write_text('{"id": 1}\n', encoding="utf-8")
    out = run(["classify", "--input", str(no_text)], settings)
    assert out.returncode == 2 and 'notext.jsonl:1: "text" must be a non-empty string' in out.stderr


def test_evaluate_prints_and_writes_metrics(settings, tmp_path):
    data = tmp_path / "labelled.jsonl"
    rows = [json.loads(line) for line in (ROOT / "training_data" / "en" / "news" / "general.jsonl").read_text().splitlines()[:60]]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = run(["evaluate", "--data", str(data), "--json", str(tmp_path / "m.json")], settings)
    assert out.returncode == 0, out.stderr
    assert "ROC AUC" in out.stdout and "decisions" in out.stdout
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert set(metrics["flags"]) >= {"dehumanising", "toxic", "shouting"}
    assert metrics["decisions"]["labels"] == ["approve", "review", "reject"]


def test_train_on_a_bad_corpus_fails_with_the_line(settings, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.jsonl").write_text('{"text": "a", "lang": "fr"}\n', encoding="utf-8")
    out = run(["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "m")], settings)
    assert out.returncode == 2 and "x.jsonl:1: missing field" in out.stderr


def test_missing_model_says_how_to_make_one(settings, tmp_path):
    env_settings = type(settings)(model_dir=tmp_path / "nomodel")
    out = run(["classify", "bonjour"], env_settings)
    assert out.returncode == 2 and "python -m classifier train" in out.stderr


def test_users_add_and_export_decisions_feed_training(settings, tmp_path):
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    env_settings = type(settings)(model_dir=settings.model_dir)
    env = dict(os.environ, MODEL_DIR=str(settings.model_dir), DATABASE_URL=db)

    def cli(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "classifier", *args], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=300)

    out = cli("users", "add", "amira", "--role", "admin", "--password-stdin", stdin="a long password\n")
    assert out.returncode == 0, out.stderr
    again = cli("users", "add", "amira", "--password-stdin", stdin="a long password\n")
    assert again.returncode == 2 and "already exists" in again.stderr
    short = cli("users", "add", "bob", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least" in short.stderr

    from webhook import create_app
    from webhook.review.accounts import authenticate
    from webhook.review.queue import decide

    app = create_app(type(env_settings)(model_dir=settings.model_dir, database_url=db,
                                        journal_dir=tmp_path / "journal", allow_unauthenticated_loopback=True),
                     background=False)
    client = app.test_client()
    text = "Espèce d imbécile, tu n as rien compris à cet article."
    assert client.post("/v1/moderate", json={"id": "x1", "text": text}).json["decision"] == "review"
    store = app.extensions["store"]
    uid = authenticate(store, "amira", "a long password")[0]
    decide(store, [store.queue()[0].id], uid, "approve", labels={"insult": False, "dehumanising": False,
                                                                 "identity_attack": False, "threat": False})
    target = tmp_path / "decisions.jsonl"
    out = cli("export-decisions", "--since", "2020-01-01", "--output", str(target))
    assert out.returncode == 0, out.stderr
    (record,) = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert record["text"] == text and record["insult"] is False and record["source"].startswith("moderator:")
    bad = cli("export-decisions", "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr

    from classifier.training import load_training_records

    records, n = load_training_records(ROOT / "training_data", target)
    assert n == 1 and any(r["text"] == text and r["source"].startswith("moderator:") for r in records)
