import json
import shutil

import pytest

from classifier.labels import BEHAVIOUR_FLAGS
from classifier.model import CARD_FILE, MODEL_FILE, ModelError, ModerationModel


def test_model_card_describes_the_model(model_dir):
    card = json.loads((model_dir / CARD_FILE).read_text())
    assert card["encoder"] == "usem3"
    assert len(card["training_data_sha256"]) == 64
    assert card["stance_labels"]["syria-aleppo-2016"] == ["neutral", "pro_opposition", "pro_regime"]
    assert set(BEHAVIOUR_FLAGS) <= set(card["thresholds"])
    metrics = card["metrics_held_out"]
    assert metrics["flags"]["toxic"]["roc_auc"] > 0.9 and metrics["shouting_exact"] is True


def copy_model(model_dir, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(model_dir, target)
    return target


def test_model_from_another_format_version_fails_clearly(model_dir, tmp_path):
    target = copy_model(model_dir, tmp_path)
    card = json.loads((target / CARD_FILE).read_text())
    card["format_version"] = 99
    (target / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelError, match=r"model format 99 .* Retrain"):
        ModerationModel.load(target)


def test_model_from_another_scikit_learn_fails_clearly(model_dir, tmp_path):
    target = copy_model(model_dir, tmp_path)
    card = json.loads((target / CARD_FILE).read_text())
    card["sklearn_version"] = "0.24.2"
    (target / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="scikit-learn 0.24.2"):
        ModerationModel.load(target)


def test_missing_or_corrupt_model(model_dir, tmp_path):
    with pytest.raises(ModelError, match="no trained model"):
        ModerationModel.load(tmp_path / "empty")
    target = copy_model(model_dir, tmp_path)
    (target / MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot be read"):
        ModerationModel.load(target)
