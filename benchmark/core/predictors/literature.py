"""Model-selection methods of the fine-tuning scaling-law literature (Lin et al. 2024, Table 1).

Each ranks models by one value per model, read from the task view a predictor is given (see
``suite_spec.task_view``): ``ZeroShotLoss`` by the zero-shot signal, ``SubTuning`` by the probe at
the budget, ``ModelSize`` by log(size), ``AcceptThenStop`` by the probe curve extrapolated to the
full set. P(a better than b) = sigmoid((s_a − s_b) / std(s)), where s is the value oriented so that
higher is better and the std is taken over the models seen in ``fit``; a missing value gives 0.5.
The methods are explained, with their numbers, in ``docs/bring_your_own_suite.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmark.core.errors import SftcastError
from benchmark.core.predictors.base import Predictor, refusal, sigmoid
from benchmark.core.suite_spec import info_of


def _side(pairs: pd.DataFrame, columns: list[str], side: str) -> pd.DataFrame:
    return pd.DataFrame({c: pairs[f"{c}_{side}"].to_numpy() for c in columns})


class ValuePredictor(Predictor):
    """Base of the literature methods: rank by ``values(models)``, oriented by ``sign_``."""

    def _setup(self, info: dict[str, Any], frame: pd.DataFrame) -> None:
        """Set ``columns_`` (the model columns ``values`` reads) and ``sign_`` (+1: higher is better)."""
        raise NotImplementedError

    def values(self, models: pd.DataFrame) -> np.ndarray:
        """The method's value per model (a loss, or log(size)), before orientation."""
        raise NotImplementedError

    def fit(self, train_models: pd.DataFrame, task: str) -> ValuePredictor:
        self._setup(info_of(train_models), train_models)
        scores = self.sign_ * self.values(train_models[self.columns_])
        std = float(np.nanstd(scores)) if np.isfinite(scores).any() else 0.0
        self.scale_ = std if std > 0 else 1.0
        self.task_ = task
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        s_a = self.sign_ * self.values(_side(pairs, self.columns_, "a"))
        s_b = self.sign_ * self.values(_side(pairs, self.columns_, "b"))
        p = sigmoid((s_a - s_b) / self.scale_)
        return np.where(np.isfinite(s_a) & np.isfinite(s_b), p, 0.5)


class ZeroShotLoss(ValuePredictor):
    """Rank by a signal measured before fine-tuning (Lin et al.'s "ZeroShot": the zero-shot loss)."""

    def __init__(self, signal: str = "zero_shot_loss") -> None:
        self.signal = signal

    def _setup(self, info: dict[str, Any], frame: pd.DataFrame) -> None:
        if self.signal not in info.get("signals", {}) or self.signal not in frame.columns:
            raise SftcastError(refusal(self, frame, f"the signal {self.signal!r}"))
        self.columns_ = [self.signal]
        self.sign_ = -1.0 if info["signals"][self.signal] == "lower" else 1.0

    def values(self, models: pd.DataFrame) -> np.ndarray:
        return models[self.signal].to_numpy(dtype=float)


def _probe(predictor: Predictor, info: dict[str, Any], frame: pd.DataFrame, name: str | None, least: int):
    """The probe a method reads (its ``name``, default the suite's first) and its visible points."""
    probes = info.get("probes", {})
    if not probes or (name is not None and name not in probes):
        what = f"the probe {name!r}" if name else "a probe signal (a loss after partial fine-tuning)"
        raise SftcastError(refusal(predictor, frame, what))
    name = name or next(iter(probes))
    points = {int(n): c for n, c in probes[name]["points"].items()}
    if len(points) < least:
        raise SftcastError(
            f"predictor {getattr(predictor, 'name', '') or type(predictor).__name__!r} needs at least "
            f"{least} probe point(s) within the budget; budget {info.get('budget')} leaves {len(points)}"
        )
    return name, points, probes[name]["direction"]


class SubTuning(ValuePredictor):
    """Rank by the probe at the budget: the loss after fine-tuning on the budget's examples."""

    def __init__(self, probe: str | None = None) -> None:
        self.probe = probe

    def _setup(self, info: dict[str, Any], frame: pd.DataFrame) -> None:
        _, points, direction = _probe(self, info, frame, self.probe, least=1)
        self.columns_ = [points[max(points)]]
        self.sign_ = -1.0 if direction == "lower" else 1.0

    def values(self, models: pd.DataFrame) -> np.ndarray:
        return models[self.columns_[0]].to_numpy(dtype=float)


class ModelSize(ValuePredictor):
    """Rank by model size, larger first; the value is log(size)."""

    def __init__(self, feature: str = "size") -> None:
        self.feature = feature

    def _setup(self, info: dict[str, Any], frame: pd.DataFrame) -> None:
        if info.get("features", {}).get(self.feature) != "numeric" or self.feature not in frame.columns:
            raise SftcastError(refusal(self, frame, f"the numeric metadata feature {self.feature!r}"))
        self.columns_ = [self.feature]
        self.sign_ = 1.0

    def values(self, models: pd.DataFrame) -> np.ndarray:
        size = models[self.feature].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(size > 0, np.log(np.where(size > 0, size, 1.0)), np.nan)


def accept_then_stop(
    examples: np.ndarray, losses: np.ndarray, target: float, threshold: float = 5.0, min_points: int = 3
) -> float:
    """Lin et al.'s "Accept then Stop": the loss extrapolated to ``target`` examples.

    Walking back from the largest budget, a line in log(examples)-log(loss) is fitted to the last
    p points (p = ``min_points``, ``min_points`` + 1, ...); the walk stops at the first p whose next
    earlier point lies more than ``threshold`` residual standard deviations (population std of the
    fitted points' residuals) from the line, the phase transition. The last p points are then the
    power-law phase; when the walk never stops, every point but the earliest is. The fitted line is
    evaluated at ``target``. NaN if fewer than ``min_points`` positive points are given.
    """
    keep = np.isfinite(losses) & (losses > 0) & (examples > 0)
    x, y = np.log(examples[keep]), np.log(losses[keep])
    m = len(x)
    if m < min_points:
        return float("nan")
    chosen = m - 1
    for p in range(min_points, m):
        slope, intercept = np.polyfit(x[m - p :], y[m - p :], 1)
        resid = y[m - p :] - (intercept + slope * x[m - p :])
        scale = resid.std()
        earlier = y[m - p - 1] - (intercept + slope * x[m - p - 1])
        if scale > 0 and abs(earlier) / scale > threshold:
            chosen = p
            break
    slope, intercept = np.polyfit(x[m - chosen :], y[m - chosen :], 1)
    return float(np.exp(intercept + slope * np.log(target)))


class AcceptThenStop(ValuePredictor):
    """Rank by the probe curve extrapolated to the full set with ``accept_then_stop``."""

    def __init__(self, probe: str | None = None, threshold: float = 5.0, min_points: int = 3) -> None:
        self.probe = probe
        self.threshold = threshold
        self.min_points = min_points

    def _setup(self, info: dict[str, Any], frame: pd.DataFrame) -> None:
        _, points, direction = _probe(self, info, frame, self.probe, least=self.min_points)
        if not info.get("budget_total"):
            raise SftcastError(refusal(self, frame, "the full set's size ('budget: {total: N}')"))
        self.columns_ = [points[n] for n in sorted(points)]
        self.examples_ = np.array(sorted(points), dtype=float)
        self.target_ = float(info["budget_total"])
        self.sign_ = -1.0 if direction == "lower" else 1.0

    def values(self, models: pd.DataFrame) -> np.ndarray:
        losses = models[self.columns_].to_numpy(dtype=float)
        return np.array(
            [
                accept_then_stop(self.examples_, row, self.target_, self.threshold, self.min_points)
                for row in losses
            ]
        )
