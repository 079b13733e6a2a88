"""The trained model: feature builder, heads, thresholds, neighbours, and its model card.

On disk a model is a directory with `model.joblib` (the fitted estimators) and
`model_card.json` (what it is: version, encoder, training-data hash, label sets,
thresholds, held-out metrics). The card is read first, so a model made by an
incompatible version fails with a clear message instead of an unpickling error.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import sklearn

from . import __version__

FORMAT_VERSION = 3  # 2: quoted and negated words marked (features.mark_scope), quoted cues counted apart
# 3: profanity and harm heads, sentence-pooled embeddings (segments.py), negated cues counted apart
MODEL_FILE = "model.joblib"
CARD_FILE = "model_card.json"


class ModelError(RuntimeError):
    """No usable model at the configured place."""


@dataclass
class ModerationModel:
    features: object            # CommentFeatures, fitted
    flag_heads: object          # FlagHeads over `flags`
    flags: tuple                # column order of flag_heads
    thresholds: dict            # flag -> score at or above which it is raised
    stance_heads: dict          # topic -> StanceHead
    neighbours: object          # NearestExamples
    card: dict = field(default_factory=dict)
    archive_head: object = None  # NewsroomHead learnt from a newsroom's archive (adapt.py), or None

    @property
    def version(self):
        return self.card.get("model_version", "unversioned")

    @property
    def topics(self):
        return tuple(sorted(self.stance_heads))

    def save(self, directory):
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        card = dict(self.card, format_version=FORMAT_VERSION, classifier_version=__version__,
                    sklearn_version=sklearn.__version__)
        tmp = directory / (MODEL_FILE + ".tmp")
        joblib.dump({k: getattr(self, k) for k in
                     ("features", "flag_heads", "flags", "thresholds", "stance_heads", "neighbours", "archive_head")},
                    tmp, compress=3)
        tmp.replace(directory / MODEL_FILE)
        (directory / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.card = card

    @classmethod
    def load(cls, directory):
        directory = Path(directory)
        card_path, model_path = directory / CARD_FILE, directory / MODEL_FILE
        if not card_path.exists() or not model_path.exists():
            raise ModelError(f"no trained model in {directory}: run `python -m classifier train` "
                             "(or `make model`) first")
        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelError(f"model card {card_path} is corrupt ({exc}); retrain the model") from None
        check_compatible(card, card_path)
        try:
            parts = joblib.load(model_path)
        except Exception as exc:  # a truncated or foreign file raises many kinds of errors
            raise ModelError(f"model file {model_path} cannot be read ({type(exc).__name__}: {exc}); "
                             "retrain with `python -m classifier train`") from None
        return cls(card=card, **parts)


def check_compatible(card, where="model card"):
    """Raise ModelError when a card was written by a format or library this code cannot load."""
    fmt = card.get("format_version")
    if fmt != FORMAT_VERSION:
        raise ModelError(f"{where}: model format {fmt!r} was made by classifier "
                         f"{card.get('classifier_version', '?')}; this is classifier {__version__} "
                         f"(format {FORMAT_VERSION}). Retrain with `python -m classifier train`.")
    made_with = str(card.get("sklearn_version", ""))
    if made_with.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ModelError(f"{where}: model was made with scikit-learn {made_with or '?'}, "
                         f"this install has {sklearn.__version__}. Retrain with `python -m classifier train`.")
