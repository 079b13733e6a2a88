"""Classification heads on the feature matrix, scikit-learn style.

`FlagHeads` gives one calibrated probability per behaviour flag: shape (n,
n_flags), columns in `flags` order. `StanceHead` gives one topic's stance
probabilities: shape (n, n_labels), columns in `classes_` order.
"""

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier


def make_estimator(head="logreg", C=4.0, seed=13):
    """The base estimator for one binary or multiclass head."""
    if head == "logreg":
        return LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
    if head == "mlp":
        return MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3, early_stopping=True,
                             max_iter=300, random_state=seed)
    raise ValueError(f"unknown head {head!r}: use 'logreg' or 'mlp'")


class FlagHeads(BaseEstimator):
    """One calibrated binary classifier per flag.

    Each flag's base estimator is fitted on all the data; its scores are
    calibrated by Platt scaling (a one-feature logistic regression) fitted on
    out-of-fold scores from `cv` folds. Those out-of-fold probabilities are kept
    in `oof_proba_` (n, n_flags) so thresholds are chosen on data the heads did
    not see, without fitting anything twice.

    flags: names of the columns of Y and of predict_proba's output.
    head: "logreg" or "mlp"; C: inverse regularisation of logreg.
    """

    def __init__(self, flags, head="logreg", C=4.0, cv=5, seed=13, n_jobs=2):
        self.flags = flags
        self.head = head
        self.C = C
        self.cv = cv
        self.seed = seed
        self.n_jobs = n_jobs

    def fit(self, X, Y):
        """X: (n, n_features); Y: (n, n_flags) of 0/1. Flags are fitted in parallel on `n_jobs` processes."""
        Y = np.asarray(Y)
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_flag)(make_estimator(self.head, self.C, self.seed), X, Y[:, j], self.cv, self.seed)
            for j in range(len(self.flags)))
        self.models_ = [m for m, _, _ in fitted]
        self.calibrators_ = [c for _, c, _ in fitted]
        self.oof_proba_ = np.column_stack([p for _, _, p in fitted]) if fitted else np.zeros(Y.shape)
        self.linear_ = self._linear_form()
        return self

    def _linear_form(self):
        """(W, b, a, c) such that proba = expit(a * (X @ W + b) + c), or None.

        For logistic heads this is the same computation as predict_proba_sklearn
        in one sparse product for all flags, without the per-call input
        validation that costs more than the arithmetic for a single comment (a
        test checks both give the same numbers).
        """
        if self.head != "logreg":
            return None
        W = np.column_stack([m.coef_.ravel() for m in self.models_]).astype(np.float64)
        b = np.array([m.intercept_[0] for m in self.models_])
        a = np.array([c.coef_[0, 0] for c in self.calibrators_])
        c = np.array([c.intercept_[0] for c in self.calibrators_])
        return W, b, a, c

    def predict_proba_sklearn(self, X):
        """predict_proba through each scikit-learn estimator (reference path)."""
        return np.column_stack([cal.predict_proba(_score(m, X)[:, None])[:, 1]
                                for m, cal in zip(self.models_, self.calibrators_)])

    def predict_proba(self, X):
        """(n, n_flags) probabilities that each flag is true."""
        linear = getattr(self, "linear_", None)
        if linear is None:
            return self.predict_proba_sklearn(X)
        W, b, a, c = linear
        return expit(a * (np.asarray(X @ W) + b) + c)


def _fit_flag(base, X, y, cv, seed):
    """(estimator fitted on all rows, Platt calibrator, out-of-fold calibrated probabilities) for one flag."""
    oof = np.zeros(len(y))
    for train, test in StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed).split(X, y):
        oof[test] = _score(clone(base).fit(X[train], y[train]), X[test])
    calibrator = LogisticRegression(C=1e4).fit(oof[:, None], y)
    return clone(base).fit(X, y), calibrator, calibrator.predict_proba(oof[:, None])[:, 1]


def _score(estimator, X):
    """A real-valued score: the decision function, or the logit of the probability for the MLP."""
    if hasattr(estimator, "decision_function"):
        return estimator.decision_function(X)
    p = np.clip(estimator.predict_proba(X)[:, 1], 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class StanceHead(ClassifierMixin, BaseEstimator):
    """Stance of one topic: a multinomial head whose labels come from that topic's data."""

    def __init__(self, head="logreg", C=4.0, seed=13):
        self.head = head
        self.C = C
        self.seed = seed

    def fit(self, X, y):
        self.model_ = make_estimator(self.head, self.C, self.seed).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
