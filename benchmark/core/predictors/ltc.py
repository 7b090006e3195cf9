"""Learning to compare (LTC): a binary classifier over pair features (Zeng et al. 2025, §5).

For each proxy p the features of a pair (i, j) are [p_i − p_j, p_i·p_j, p_i, p_j]; with the
five proxies that is 20 features. Training pairs are all untied pairs among the training
models, in both orders (which teaches the classifier that swapping a pair flips the label);
predictions are symmetrised, P(a>b) = (f(a,b) + 1 − f(b,a)) / 2, so that they are exactly
antisymmetric.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from benchmark.core.errors import SftcastError
from benchmark.core.pairs import all_pairs, attach_features, swap
from benchmark.core.predictors.base import Predictor
from benchmark.core.schema import task_column
from benchmark.core.vocab import PROXIES

ESTIMATORS = ("lightgbm", "logreg", "mlp")


def pair_features(pairs: pd.DataFrame, proxies: list[str]) -> np.ndarray:
    """The 4·len(proxies) LTC features of each pair, shape ``(n_pairs, 4 * n_proxies)``."""
    blocks = []
    for p in proxies:
        a = pairs[f"{p}_a"].to_numpy(dtype=float)
        b = pairs[f"{p}_b"].to_numpy(dtype=float)
        blocks += [a - b, a * b, a, b]
    return np.column_stack(blocks)


class LearningToCompare(Predictor):
    """LTC with a LightGBM (defaults), logistic-regression (defaults) or MLP classifier.

    ``logreg`` and ``mlp`` standardise the features first (a ``StandardScaler``), as those
    models need; LightGBM is scale-free. ``mlp`` is 32-32 ReLU, Adam, ``max_iter=100``.
    """

    supervised = True

    @property
    def order_invariant(self) -> bool:  # type: ignore[override]
        """Adam's minibatches follow the row order; the other two fits do not."""
        return self.estimator != "mlp"

    def __init__(
        self, estimator: str = "lightgbm", proxies: list[str] | None = None, random_state: int = 0
    ) -> None:
        self.estimator = estimator
        self.proxies = proxies
        self.random_state = random_state

    def _make_estimator(self):  # noqa: ANN202 - returns a scikit-learn compatible classifier
        if self.estimator == "lightgbm":
            from lightgbm import LGBMClassifier

            # LightGBM defaults; only the seed, the thread count (tiny data) and logging are set.
            return LGBMClassifier(random_state=self.random_state, n_jobs=1, verbose=-1)
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        if self.estimator == "logreg":
            from sklearn.linear_model import LogisticRegression

            return make_pipeline(StandardScaler(), LogisticRegression(random_state=self.random_state))
        if self.estimator == "mlp":

            from sklearn.exceptions import ConvergenceWarning
            from sklearn.neural_network import MLPClassifier

            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            return make_pipeline(
                StandardScaler(),
                MLPClassifier(
                    hidden_layer_sizes=(32, 32),
                    activation="relu",
                    solver="adam",
                    max_iter=100,
                    random_state=self.random_state,
                ),
            )
        raise SftcastError(f"unknown LTC estimator {self.estimator!r} (choose from {', '.join(ESTIMATORS)})")

    def fit(self, train_models: pd.DataFrame, task: str) -> LearningToCompare:
        proxies = list(self.proxies or PROXIES)
        target = task_column(task)
        if target not in train_models.columns:
            raise SftcastError(
                f"{type(self).__name__} is supervised: fit needs the SFT scores {target!r} "
                "(use the 'splits' or 'cross-task' protocol)"
            )
        pairs = attach_features(all_pairs(train_models, task), train_models, proxies)
        pairs = pairs[~pairs["tie"]]
        both = pd.concat([pairs, swap(pairs)], ignore_index=True)
        y = both["label"].to_numpy()
        if len(np.unique(y)) < 2:
            raise SftcastError("LTC needs training pairs of both outcomes; too few training models")
        self.proxies_ = proxies
        self.model_ = self._make_estimator().fit(pair_features(both, proxies), y)
        self.task_ = task
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        forward = self.model_.predict_proba(pair_features(pairs, self.proxies_))[:, 1]
        backward = self.model_.predict_proba(pair_features(swap(pairs), self.proxies_))[:, 1]
        return (forward + 1.0 - backward) / 2.0
