"""The benchmark on strangers' text (../shared/external) and the guard that keeps it out of our data."""

from pathlib import Path

import numpy as np
import pytest

from classifier.cli import main
from classifier.data import corpus_files, load_records
from classifier.external import markdown, scores

from tests.classifier.overlap import EXTERNAL, external_copies

ROOT = Path(__file__).resolve().parents[2]


def test_scores_are_computed_not_typed():
    y = np.array([0, 0, 1, 1])
    got = scores(y, np.array([0.1, 0.6, 0.4, 0.9]), np.array([0, 1, 0, 1]))
    assert got == {"rows": 4, "harmful_share": 0.5, "roc_auc": 0.75, "accuracy": 0.5, "f1": 0.5}


def test_without_the_sets_the_command_skips_with_a_message(settings, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("MODEL_DIR", str(settings.model_dir))
    assert main(["benchmark-external", "--external", str(tmp_path / "absent"), "--out", str(tmp_path)]) == 0
    assert "skipped" in capsys.readouterr().err


def test_benchmark_on_the_external_sets_with_peers(settings, tmp_path, monkeypatch, capsys):
    if not EXTERNAL.is_dir():
        pytest.skip(f"{EXTERNAL} is absent: the external sets live beside the checkout, never in it")
    monkeypatch.setenv("MODEL_DIR", str(settings.model_dir))
    assert main(["benchmark-external", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ToxiFrench" in out and "Perspective API" in out and "Mistral moderation" in out
    import json

    report = json.loads((tmp_path / "external.json").read_text())["sets"]
    peers = report["ToxiFrench dev (French forum)"]["peers"]
    # The peers' figures are computed from their stored predictions on the same rows.
    assert peers["Perspective API"]["accuracy"] == pytest.approx(0.695, abs=0.002)
    assert peers["Perspective API"]["roc_auc"] == pytest.approx(0.87, abs=0.01)
    assert peers["Mistral moderation"]["accuracy"] == pytest.approx(0.811, abs=0.002)
    assert (tmp_path / "external.md").read_text() == markdown(report, json.loads(
        (tmp_path / "external.json").read_text())["model_version"])
    assert (tmp_path / "runs.jsonl").read_text().count("\n") == 1


def test_no_line_of_ours_copies_an_external_text():
    if not EXTERNAL.is_dir():
        pytest.skip(f"{EXTERNAL} is absent: nothing to guard against")
    texts = [r["text"] for r in load_records(corpus_files(ROOT / "training_data"))]
    for folder in ("functional/cases", "fairness"):
        for path in (ROOT / "tests" / folder).glob("*.jsonl"):
            texts += [line for line in path.read_text(encoding="utf-8").splitlines()]
    assert external_copies(texts) == []


def test_the_guard_does_catch_a_copy():
    if not EXTERNAL.is_dir():
        pytest.skip(f"{EXTERNAL} is absent: nothing to guard against")
    import csv

    with open(EXTERNAL / "toxifrench_dev.csv", encoding="utf-8", newline="") as fh:
        longest = max((row["content"] for row in csv.DictReader(fh)), key=lambda t: len(t.split()))
    assert external_copies(["Un commentaire à nous. " + longest])
