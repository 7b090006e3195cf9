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
from benchmark.core.predictors.base import Predictor, refusal
from benchmark.core.schema import task_column
from benchmark.core.suite_spec import info_of
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

    def _columns(self, train_models: pd.DataFrame) -> list[str]:
        """The model columns whose pair features the classifier sees (the paper's five proxies)."""
        proxies = list(self.proxies or PROXIES)
        missing = [p for p in proxies if p not in train_models.columns]
        if missing:
            raise SftcastError(refusal(self, train_models, f"the proxies {', '.join(missing)}"))
        return proxies

    def _encode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The columns as the classifier reads them (the proxies need no encoding)."""
        return frame

    def fit(self, train_models: pd.DataFrame, task: str) -> LearningToCompare:
        proxies = self._columns(train_models)
        target = task_column(task)
        if target not in train_models.columns:
            raise SftcastError(
                f"{type(self).__name__} is supervised: fit needs the SFT scores {target!r} "
                "(use the 'splits' or 'cross-task' protocol)"
            )
        higher = info_of(train_models).get("label_direction", "higher") == "higher"
        labelled = train_models[train_models[target].notna()]
        pairs = attach_features(all_pairs(labelled, task, higher), self._encode(labelled), proxies)
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
        pairs = self._encode_pairs(pairs)
        forward = self.model_.predict_proba(pair_features(pairs, self.proxies_))[:, 1]
        backward = self.model_.predict_proba(pair_features(swap(pairs), self.proxies_))[:, 1]
        return (forward + 1.0 - backward) / 2.0

    def _encode_pairs(self, pairs: pd.DataFrame) -> pd.DataFrame:
        return pairs


class LearningToCompareMeta(LearningToCompare):
    """LTC over the suite's measured signals plus its declared metadata features (``ltc_meta``).

    The signals are the paper's proxies when the suite has them, else its other signals and the
    probes within the budget. A categorical feature is read as the index of its value among those
    seen in ``fit`` (an unseen value is -1).
    """

    def __init__(self, estimator: str = "lightgbm", random_state: int = 0) -> None:
        self.estimator = estimator
        self.random_state = random_state

    def _columns(self, train_models: pd.DataFrame) -> list[str]:
        info = info_of(train_models)
        features = info.get("features", {})
        if not features:
            raise SftcastError(refusal(self, train_models, "declared metadata features"))
        signals = list(info.get("proxies", [])) or [
            *info.get("signals", {}),
            *(c for p in info.get("probes", {}).values() for c in p["points"].values()),
        ]
        self.categories_ = {
            f: sorted({str(v) for v in train_models[f].dropna()})
            for f, kind in features.items()
            if kind == "categorical"
        }
        self.proxies_ = [*signals, *features]
        return self.proxies_

    def _encode(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        for f in self.proxies_:
            if f not in self.categories_:
                out[f] = pd.to_numeric(frame[f], errors="coerce").astype(float)
        for f, values in self.categories_.items():
            codes = {v: k for k, v in enumerate(values)}
            out[f] = [codes.get(str(v), -1) if pd.notna(v) else np.nan for v in frame[f]]
            out[f] = out[f].astype(float)
        return out

    def _encode_pairs(self, pairs: pd.DataFrame) -> pd.DataFrame:
        out = pairs.copy()
        for f in self.proxies_:
            for side in ("a", "b"):
                if f not in self.categories_:
                    out[f"{f}_{side}"] = pd.to_numeric(pairs[f"{f}_{side}"], errors="coerce").astype(float)
        for f, values in self.categories_.items():
            codes = {v: k for k, v in enumerate(values)}
            for side in ("a", "b"):
                col = pairs[f"{f}_{side}"]
                out[f"{f}_{side}"] = np.array(
                    [codes.get(str(v), -1) if pd.notna(v) else np.nan for v in col], dtype=float
                )
        return out
