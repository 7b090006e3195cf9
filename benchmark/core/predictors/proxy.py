"""Unsupervised predictors: a random baseline, single proxies and z-score combinations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.core.errors import SftcastError
from benchmark.core.predictors.base import Predictor, refusal, sigmoid


def _check_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SftcastError(f"{what} lacks column(s) {', '.join(missing)}")


class RandomPredictor(Predictor):
    """Coin flips, seeded by ``random_state``: the chance baseline (accuracy ≈ 0.5)."""

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, train_models: pd.DataFrame, task: str) -> RandomPredictor:
        self.task_ = task
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        # Hash each unordered pair with the seed, so the answer for (a, b) is the mirror of
        # (b, a) and does not depend on which other pairs are asked about.
        out = np.empty(len(pairs))
        for k, (a, b) in enumerate(zip(pairs["model_a"], pairs["model_b"], strict=True)):
            lo, hi = sorted((str(a), str(b)))
            seed = np.frombuffer(f"{self.random_state}|{lo}|{hi}".encode(), dtype=np.uint8)
            p = np.random.default_rng(seed.astype(np.uint32)).random()
            out[k] = p if str(a) == lo else 1.0 - p
        return out


class ZScorePredictor(Predictor):
    """Sum of weighted z-scored proxies; P(a>b) = sigmoid(s_a - s_b).

    The z-scores use the mean and std of the models seen in ``fit`` (proxies only: no
    labels). A single proxy is ``weights={"ppl_sc": 1.0}``; the paper's
    "PPL-SC + Kshot-RAG − PPL-CLM" is ``{"ppl_sc": 1, "kshot_rag": 1, "ppl_clm": -1}``.
    """

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        self.weights = weights

    def fit(self, train_models: pd.DataFrame, task: str) -> ZScorePredictor:
        if not self.weights:
            raise SftcastError("ZScorePredictor needs a non-empty weights mapping")
        proxies = list(self.weights)
        missing = [p for p in proxies if p not in train_models.columns]
        if missing:
            raise SftcastError(refusal(self, train_models, f"the column(s) {', '.join(missing)}"))
        values = train_models[proxies].to_numpy(dtype=float)
        if np.isnan(values).any():  # missing values (declared optional): ignored by the statistics
            std, self.mean_ = np.nanstd(values, axis=0), np.nanmean(values, axis=0)
            std = np.nan_to_num(std)
            self.mean_ = np.nan_to_num(self.mean_)
        else:
            std = values.std(axis=0)
            self.mean_ = values.mean(axis=0)
        self.std_ = np.where(std > 0, std, 1.0)
        self.task_ = task
        return self

    def score(self, values: np.ndarray) -> np.ndarray:
        """The weighted sum of z-scores; a missing value counts as the mean (z = 0)."""
        w = np.array(list(self.weights.values()), dtype=float)
        z = (values - self.mean_) / self.std_
        return (np.nan_to_num(z) if np.isnan(z).any() else z) @ w

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        proxies = list(self.weights)
        cols_a, cols_b = [f"{p}_a" for p in proxies], [f"{p}_b" for p in proxies]
        _check_columns(pairs, cols_a + cols_b, "the pairs")
        s_a = self.score(pairs[cols_a].to_numpy(dtype=float))
        s_b = self.score(pairs[cols_b].to_numpy(dtype=float))
        return sigmoid(s_a - s_b)
