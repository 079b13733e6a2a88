"""The newsroom head: the same linear model whether the archive fits in memory or streams from disk."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from classifier.diskrows import DiskRows
from classifier.labels import MODEL_FLAGS
from classifier.newsroom import NewsroomHead, comment_features, feature_count


def problem(n=3000, d=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32) * 3 + 1
    w = np.random.default_rng(99).normal(size=d)  # one problem; `seed` draws its rows
    y = (X @ w + rng.normal(scale=2, size=n) > w.sum()).astype(int)
    return X, y


def test_in_memory_and_streamed_fits_learn_the_same_thing(tmp_path):
    X, y = problem()
    rows = DiskRows(tmp_path / "rows.f32", X.shape[1])
    rows.append(X)
    memory = NewsroomHead().fit(rows, y)
    streamed = NewsroomHead(max_in_memory=100, chunk=256, epochs=5).fit(rows, y)
    assert memory.C_ is not None and streamed.C_ is None
    test_X, test_y = problem(seed=1)
    for head in (memory, streamed):
        assert roc_auc_score(test_y, head.predict_proba(test_X)[:, 1]) > 0.9
    agreement = np.mean(memory.predict(test_X) == streamed.predict(test_X))
    assert agreement > 0.9


def test_weights_say_how_much_a_row_counts():
    X, y = problem(n=600)
    flipped = 1 - y
    light = NewsroomHead().fit(np.vstack([X, X]), np.concatenate([y, flipped]),
                               np.concatenate([np.ones(600), np.full(600, 0.05)]))
    assert np.mean(light.predict(X) == y) > 0.8


def test_an_archive_with_one_kind_of_decision_is_refused():
    X, _ = problem(n=50)
    with pytest.raises(ValueError, match="both published and removed"):
        NewsroomHead().fit(X, np.zeros(50))


def test_comment_features_hold_the_embedding_our_flags_and_shouting():
    scores = {f: 0.5 for f in MODEL_FLAGS}
    row = comment_features(np.ones(4), scores, shouting=True)
    assert len(row) == feature_count(4) and row[-1] == 1.0
    assert np.allclose(row[4:-1], 0.0)  # logit(0.5)
