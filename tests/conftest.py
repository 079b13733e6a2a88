"""Shared fixtures: one model trained once per test session on the product's corpus."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    from classifier.training import train

    out = tmp_path_factory.mktemp("model")
    train(data_dir=ROOT / "training_data", out_dir=out, log=lambda _msg: None)
    return out


@pytest.fixture(scope="session")
def settings(model_dir):
    from classifier.config import Settings

    return Settings(model_dir=model_dir)


@pytest.fixture(scope="session")
def moderator(settings):
    from classifier.pipeline import Moderator

    return Moderator.load(settings)


def seed_comments(path):
    """The reader comments under an L'Orient-Le Jour article as saved in shared/seeds/.

    Each comment is a line starting with a bullet after the "Tous les commentaires" heading.
    """
    text = path.read_text(encoding="utf-8")
    _, _, tail = text.partition("Tous les commentaires")
    return [m.group(1).strip() for m in re.finditer(r"^\s*\u2022\s+(.+)$", tail, flags=re.M)]
