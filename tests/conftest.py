"""Shared fixtures: one model trained once per test session on the product's corpus."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    from classifier.training import train

    # A developer iterating on the service may point the tests at a model already trained from
    # this corpus; CI and `make test` leave it unset and train one.
    if os.environ.get("TEST_MODEL_DIR"):
        return Path(os.environ["TEST_MODEL_DIR"])
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

