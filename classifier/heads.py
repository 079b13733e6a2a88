"""Classification heads on the feature matrix, scikit-learn style.

`FlagHeads` gives one calibrated probability per behaviour flag: shape (n,
n_flags), columns in `flags` order. `StanceHead` gives one topic's stance
probabilities: shape (n, n_labels), columns in `classes_` order.
"""

import numpy as np
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
        return self

    def predict_proba(self, X):
        """(n, n_flags) probabilities that each flag is true."""
        return np.column_stack([m.predict_proba(X)[:, 1] for m in self.models_]) if self.models_ else \
            np.zeros((X.shape[0], 0))


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
