import numpy as np
from scipy import sparse

from classifier.heads import FlagHeads, StanceHead


def toy(n=120, d=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    Y = np.column_stack([(X[:, 0] > 0), (X[:, 1] + X[:, 2] > 0.5)]).astype(int)
    return sparse.csr_matrix(X), Y


def test_fast_linear_path_equals_scikit_learn():
    X, Y = toy()
    heads = FlagHeads(("a", "b")).fit(X, Y)
    fast, reference = heads.predict_proba(X), heads.predict_proba_sklearn(X)
    assert fast.shape == (120, 2)
    np.testing.assert_allclose(fast, reference, atol=1e-9)


def test_probabilities_rank_the_labels():
    X, Y = toy()
    proba = FlagHeads(("a", "b")).fit(X, Y).predict_proba(X)
    assert proba[Y[:, 0] == 1, 0].mean() > proba[Y[:, 0] == 0, 0].mean() + 0.3


def test_mlp_heads_use_scikit_learn_path():
    X, Y = toy()
    heads = FlagHeads(("a", "b"), head="mlp").fit(X, Y)
    assert heads.linear_ is None and heads.predict_proba(X).shape == (120, 2)


def test_stance_labels_come_from_the_data():
    X, _ = toy()
    y = np.array(["pour", "contre", "neutre"] * 40)
    head = StanceHead().fit(X, y)
    assert list(head.classes_) == ["contre", "neutre", "pour"]
    assert head.predict_proba(X).shape == (120, 3)
    assert np.allclose(head.predict_proba(X).sum(axis=1), 1)
