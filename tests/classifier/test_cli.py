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
    # A topic without a stance model is moderated all the same, stance null, with a note.
    assert topic.returncode == 0 and "topic 'martians' has no stance model" in topic.stderr
    assert json.loads(topic.stdout)["stance"] == {"topic": "martians", "label": None, "scores": {}}
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


def test_a_failed_run_leaves_the_earlier_output_whole(settings, tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    out.write_text("earlier results\n", encoding="utf-8")
    src.write_text('{"id": 1, "text": "Bonjour"}\n{"id": 2, "text": ""}\n', encoding="utf-8")
    failed = run(["classify", "--input", str(src), "--output", str(out)], settings)
    assert failed.returncode == 2 and "in.jsonl:2" in failed.stderr
    assert out.read_text(encoding="utf-8") == "earlier results\n"
    assert not list(tmp_path.glob(".out.jsonl.*"))
    src.write_text('{"id": 1, "text": "Bonjour"}\n', encoding="utf-8")
    assert run(["classify", "--input", str(src), "--output", str(out)], settings).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["id"] == 1


def test_a_byte_order_mark_and_a_long_comment_are_handled(settings, tmp_path):
    src = tmp_path / "bom.jsonl"
    src.write_bytes('\ufeff{"id": 1, "text": "Merci pour l\'article"}\n'.encode("utf-8"))
    assert run(["classify", "--input", str(src)], settings).returncode == 0
    long = tmp_path / "long.jsonl"
    long.write_text(json.dumps({"id": 1, "text": "mot " * 300_000}) + "\n", encoding="utf-8")
    out = run(["classify", "--input", str(long)], settings)
    assert out.returncode == 2 and "long.jsonl:1" in out.stderr and "over the limit of 20,000" in out.stderr


def test_a_bad_json_line_names_its_column(settings, tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": 1, "text": "abc", "x": 1,}\n', encoding="utf-8")
    out = run(["classify", "--input", str(src)], settings)
    assert out.returncode == 2 and "bad.jsonl:1: invalid JSON" in out.stderr and "(column 33)" in out.stderr


def test_evaluate_takes_a_newsroom_file_with_only_text_and_flags(settings, tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    rows = [{"text": "Merci pour ce reportage sur le port.", "dehumanising": False, "identity_attack": False,
             "insult": False, "threat": False},
            {"text": "Espèce d'imbécile, tu n'as rien compris.", "dehumanising": False, "identity_attack": False,
             "insult": True, "threat": False}]
    labelled.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = run(["evaluate", "--data", str(labelled)], settings)
    assert out.returncode == 0, out.stderr
    assert "held-out comments: 2" in out.stdout
    labelled.write_text('{"text": "x", "insult": "yes"}\n', encoding="utf-8")
    bad = run(["evaluate", "--data", str(labelled)], settings)
    assert bad.returncode == 2 and "in labelled comments" in bad.stderr and "training data" not in bad.stderr


def test_topics_lists_stance_models_and_topics_without_one(settings):
    out = run(["topics"], settings)
    assert out.returncode == 0, out.stderr
    assert "syria-aleppo-2016" in out.stdout and "pro_regime" in out.stdout
    assert "no stance model (stance null)" in out.stdout


def test_moderate_many_takes_strings_and_dicts(moderator):
    a, b = moderator.moderate_many(["Merci pour l'article", {"text": "Bravo", "topic": "syria-aleppo-2016"}])
    assert a["stance"]["topic"] is None and a["stance"]["label"] is None
    assert b["stance"]["label"] in ("pro_regime", "pro_opposition", "neutral")


def test_the_model_package_never_imports_the_web_service():
    import ast

    for path in (ROOT / "classifier").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n == "webhook" or n.startswith("webhook.") for n in names), path
