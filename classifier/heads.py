"""Classification heads on the feature matrix, scikit-learn style.

`FlagHeads` gives one calibrated probability per behaviour flag: shape (n,
n_flags), columns in `flags` order. `StanceHead` gives one topic's stance
probabilities: shape (n, n_labels), columns in `classes_` order.
"""

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier


def make_estimator(head="logreg", C=4.0, seed=13):
    """The base estimator for one binary or multiclass head."""
    if head == "logreg":
        return LogisticRegression(C=C, class_weight="balanced", max_iter=3000, solver="liblinear")
    if head == "mlp":
        return MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3, early_stopping=True,
                             max_iter=300, random_state=seed)
    raise ValueError(f"unknown head {head!r}: use 'logreg' or 'mlp'")


class FlagHeads(BaseEstimator):
    """One sigmoid-calibrated binary classifier per flag.

    flags: names of the columns of Y and of predict_proba's output.
    head: "logreg" or "mlp"; C: inverse regularisation of logreg.
    cv: folds used to fit each flag's calibration.
    """

    def __init__(self, flags, head="logreg", C=4.0, cv=5, seed=13):
        self.flags = flags
        self.head = head
        self.C = C
        self.cv = cv
        self.seed = seed

    def _one(self):
        return CalibratedClassifierCV(make_estimator(self.head, self.C, self.seed),
                                      method="sigmoid", cv=self.cv, ensemble=False)

    def fit(self, X, Y):
        """X: (n, n_features); Y: (n, n_flags) of 0/1."""
        Y = np.asarray(Y)
        self.models_ = []
        for j, _flag in enumerate(self.flags):
            self.models_.append(self._one().fit(X, Y[:, j]))
        self.linear_ = self._linear_form()
        return self

    def _linear_form(self):
        """(W, b, a, c) such that proba = expit(-(a * (X @ W + b) + c)), or None.

        For logistic heads this is the same computation as scikit-learn's
        predict_proba in one sparse product for all flags, without the
        per-call input validation that costs more than the arithmetic for a
        single comment (a test checks both give the same numbers).
        """
        if self.head != "logreg":
            return None
        parts = [m.calibrated_classifiers_[0] for m in self.models_]
        if not all(len(p.calibrators) == 1 and hasattr(p.calibrators[0], "a_") for p in parts):
            return None
        W = np.column_stack([p.estimator.coef_.ravel() for p in parts]).astype(np.float64)
        b = np.array([p.estimator.intercept_[0] for p in parts])
        a = np.array([p.calibrators[0].a_ for p in parts])
        c = np.array([p.calibrators[0].b_ for p in parts])
        return W, b, a, c

    def predict_proba_sklearn(self, X):
        """predict_proba through each scikit-learn estimator (reference path)."""
        return np.column_stack([m.predict_proba(X)[:, 1] for m in self.models_])

    def predict_proba(self, X):
        """(n, n_flags) probabilities that each flag is true."""
        linear = getattr(self, "linear_", None)
        if linear is None:
            return self.predict_proba_sklearn(X)
        W, b, a, c = linear
        return expit(-(a * (np.asarray(X @ W) + b) + c))


class StanceHead(ClassifierMixin, BaseEstimator):
    """Stance of one topic: a multinomial head whose labels come from that topic's data."""

    def __init__(self, head="logreg", C=4.0, seed=13):
        self.head = head
        self.C = C
        self.seed = seed

    def fit(self, X, y):
        est = make_estimator(self.head, self.C, self.seed)
        if self.head == "logreg":
            # Stance has three or more classes: lbfgs fits them jointly.
            est = clone(est).set_params(solver="lbfgs")
        self.model_ = est.fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
