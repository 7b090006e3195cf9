"""Metrics: one implementation, used by ``evaluate``, reports and the leaderboard.

Tie rule: a pair counts ½ when the prediction is exactly 0.5 (no preference) or when the
two models' true scores tie; otherwise it counts 1 if ``prob_a_better > 0.5`` agrees with
the label and 0 if not.
"""

from __future__ import annotations

import numpy as np


def pair_credit(prob: np.ndarray, label: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Per-pair credit in {0, ½, 1} under the tie rule.

    >>> pair_credit(np.array([0.9, 0.2, 0.5, 0.7]), np.array([1, 1, 1, 0]), np.array([0, 0, 0, 1]))
    array([1. , 0. , 0.5, 0.5])
    """
    prob = np.asarray(prob, dtype=float)
    label = np.asarray(label)
    tie = np.asarray(tie, dtype=bool)
    correct = np.where(label == 1, prob > 0.5, prob < 0.5).astype(float)
    return np.where(tie | (prob == 0.5), 0.5, correct)


def pairwise_accuracy(prob: np.ndarray, label: np.ndarray, tie: np.ndarray) -> float:
    """Mean credit over pairs (see the module's tie rule)."""
    return float(np.mean(pair_credit(prob, label, tie)))


def error_reduction(accuracy: float, baseline_accuracy: float) -> float:
    """Relative error-rate reduction against a baseline: (err_base - err) / err_base."""
    base_err = 1.0 - baseline_accuracy
    if base_err == 0:
        return float("nan")
    return (base_err - (1.0 - accuracy)) / base_err


def gap_quintile_accuracy(credit: np.ndarray, delta: np.ndarray, n_bins: int = 5) -> list[float]:
    """Accuracy within equal-count bins of |delta|, closest pairs first (stable on ties)."""
    order = np.argsort(np.abs(np.asarray(delta, dtype=float)), kind="stable")
    return [float(np.mean(np.asarray(credit)[idx])) for idx in np.array_split(order, n_bins) if len(idx)]


def borda_scores(
    model_ids: list[str], model_a: np.ndarray, model_b: np.ndarray, prob: np.ndarray
) -> np.ndarray:
    """Borda count: pairwise wins per model (a prediction of exactly 0.5 gives each ½)."""
    pos = {m: k for k, m in enumerate(model_ids)}
    a = np.array([pos[m] for m in model_a], dtype=np.int64)
    b = np.array([pos[m] for m in model_b], dtype=np.int64)
    prob = np.asarray(prob, dtype=float)
    win_a = np.where(prob > 0.5, 1.0, np.where(prob < 0.5, 0.0, 0.5))
    scores = np.zeros(len(model_ids))
    np.add.at(scores, a, win_a)
    np.add.at(scores, b, 1.0 - win_a)
    return scores


def rank_order(scores: np.ndarray) -> np.ndarray:
    """Positions sorted best first; equal scores keep their original order."""
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def topk_recall(predicted_scores: np.ndarray, true_scores: np.ndarray, top: int = 1) -> list[float]:
    """Recall of the true top-``top`` models within the predicted top-k, for k = 1..n."""
    n = len(true_scores)
    if n == 0:
        raise ValueError("topk_recall needs at least one model")
    top = min(top, n)
    true_top = set(rank_order(true_scores)[:top].tolist())
    predicted = rank_order(predicted_scores)
    hits = np.cumsum([1 if p in true_top else 0 for p in predicted])
    return [float(h) / top for h in hits]


def best_model_rank(predicted_scores: np.ndarray, true_scores: np.ndarray) -> int:
    """Smallest k whose predicted top-k holds the true best model (1 = ranked first)."""
    return int(topk_recall(predicted_scores, true_scores, top=1).index(1.0) + 1)


def kendall_tau(predicted_scores: np.ndarray, true_scores: np.ndarray) -> float:
    """Kendall's tau-b between a predicted ranking score and the true scores (0 when undefined).

    Counted over all pairs with numpy, in scipy's formula and operation order, so the value is
    scipy's to the bit; importing scipy.stats would cost the scorer half a second.
    """
    x = np.asarray(predicted_scores, dtype=float)
    y = np.asarray(true_scores, dtype=float)
    n = x.size
    if n < 2 or np.isnan(x).any() or np.isnan(y).any():
        return 0.0
    i, j = np.triu_indices(n, k=1)
    sx, sy = np.sign(x[i] - x[j]).astype(np.int64), np.sign(y[i] - y[j]).astype(np.int64)
    tot = n * (n - 1) // 2
    xtie, ytie = int((sx == 0).sum()), int((sy == 0).sum())
    if xtie == tot or ytie == tot:
        return 0.0
    tau = int((sx * sy).sum()) / np.sqrt(tot - xtie) / np.sqrt(tot - ytie)
    return float(np.minimum(1.0, max(-1.0, tau)))


def bootstrap_ci(
    credit: np.ndarray, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap CI of mean credit, resampling pairs with replacement.

    Resampling n items with replacement is drawing multinomial counts over the distinct
    credit values, so that is what is drawn: the same distribution, without n_boot × n draws.
    """
    credit = np.asarray(credit, dtype=float)
    if credit.size == 0:
        raise ValueError("bootstrap_ci needs at least one pair")
    values, counts = np.unique(credit, return_counts=True)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(credit), counts / len(credit), size=n_boot)
    means = draws @ values / len(credit)
    alpha = (1.0 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return float(lo), float(hi)


def paired_bootstrap_diff(
    credit_a: np.ndarray, credit_b: np.ndarray, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """Mean of ``credit_a - credit_b`` over the same pairs and its percentile bootstrap CI."""
    diff = np.asarray(credit_a, dtype=float) - np.asarray(credit_b, dtype=float)
    lo, hi = bootstrap_ci(diff, n_boot=n_boot, seed=seed, level=level)
    return float(diff.mean()), lo, hi
