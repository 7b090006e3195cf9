"""Validate a predictions table and score it: the single scorer behind ``evaluate``, reports
and the leaderboard.

A predictions table has the columns ``suite, task, split_seed, model_a, model_b,
prob_a_better``. A pair may be given in either order: (b, a) with p is read as (a, b) with 1-p.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmark.core import metrics
from benchmark.core.errors import SftcastError
from benchmark.core.pairs import suite_pairs
from benchmark.core.predictors import get_predictor
from benchmark.core.protocol import (
    ALL_PAIRS_SEED,
    PREDICTION_COLUMNS,
    check_protocol,
    expected_pairs,
    predict,
    split_models,
    split_seeds,
)
from benchmark.core.schema import Suite

SCHEMA_VERSION = 1
BASELINE = "ppl_clm"
_baseline_cache: dict[tuple[str, str, str, int], dict[str, float]] = {}


def _example(rows: pd.DataFrame, n: int = 3) -> str:
    return "; ".join(
        f"task {r.task} split {r.split_seed}: ({r.model_a}, {r.model_b})" for r in rows.head(n).itertuples()
    )


def validate_predictions(df: pd.DataFrame, suite: Suite, protocol: str, seed: int = 0) -> pd.DataFrame:
    """Check a predictions table against the pairs that ``protocol`` tests; return it normalised.

    The result is in the canonical orientation of ``expected_pairs`` and the same row order.
    Raises ``SftcastError`` with one clear line for each kind of bad input.
    """
    check_protocol(protocol)
    missing = [c for c in PREDICTION_COLUMNS if c not in df.columns]
    if missing:
        raise SftcastError(
            f"missing column(s) {', '.join(missing)}; expected {', '.join(PREDICTION_COLUMNS)}"
        )
    extra = [c for c in df.columns if c not in PREDICTION_COLUMNS]
    if extra:
        raise SftcastError(
            f"unexpected column(s) {', '.join(map(str, extra))}; expected {', '.join(PREDICTION_COLUMNS)}"
        )
    if df.empty:
        raise SftcastError("the predictions table is empty")
    df = df.copy()
    for col in ("suite", "task", "model_a", "model_b"):
        df[col] = df[col].astype(str).str.strip()

    bad_suite = sorted(set(df["suite"]) - {suite.name})
    if bad_suite:
        raise SftcastError(f"unknown suite {bad_suite[0]!r} in rows scored against suite {suite.name!r}")
    bad_task = sorted(set(df["task"]) - set(suite.tasks))
    if bad_task:
        raise SftcastError(
            f"unknown task {bad_task[0]!r} (suite {suite.name!r} has {', '.join(suite.tasks)})"
        )
    pos = {m: k for k, m in enumerate(suite.model_ids)}
    unknown = sorted((set(df["model_a"]) | set(df["model_b"])) - set(pos))
    if unknown:
        raise SftcastError(
            f"unknown model id(s) {', '.join(repr(u) for u in unknown[:5])} for suite {suite.name!r}"
        )
    seeds = pd.to_numeric(df["split_seed"], errors="coerce")
    if seeds.isna().any() or (seeds != np.floor(seeds)).any():
        raise SftcastError("split_seed must be an integer in every row")
    df["split_seed"] = seeds.astype(np.int64)
    allowed = {ALL_PAIRS_SEED} if protocol == "all-pairs" else set(split_seeds(seed))
    bad_seed = sorted(set(df["split_seed"]) - allowed)
    if bad_seed:
        raise SftcastError(f"split_seed {bad_seed[0]} is not part of the {protocol!r} protocol (seed {seed})")

    prob = pd.to_numeric(df["prob_a_better"], errors="coerce")
    if prob.isna().any():
        row = int(np.flatnonzero(prob.isna().to_numpy())[0])
        raise SftcastError(f"prob_a_better is NaN or not a number (first at row {row})")
    values = prob.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise SftcastError(
            f"prob_a_better is infinite (first at row {int(np.flatnonzero(~np.isfinite(values))[0])})"
        )
    outside = (values < 0) | (values > 1)
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise SftcastError(f"prob_a_better must lie in [0, 1]; row {row} has {values[row]}")
    if (df["model_a"] == df["model_b"]).any():
        raise SftcastError("a model is paired with itself")

    # Canonical orientation: model_a comes first in suite order.
    pa = df["model_a"].map(pos).to_numpy()
    pb = df["model_b"].map(pos).to_numpy()
    flip = pa > pb
    a = np.where(flip, df["model_b"], df["model_a"])
    b = np.where(flip, df["model_a"], df["model_b"])
    norm = pd.DataFrame(
        {
            "suite": df["suite"].to_numpy(),
            "task": df["task"].to_numpy(),
            "split_seed": df["split_seed"].to_numpy(),
            "model_a": a,
            "model_b": b,
            "prob_a_better": np.where(flip, 1.0 - values, values),
        }
    )
    key = ["task", "split_seed", "model_a", "model_b"]
    dup = norm.duplicated(key, keep=False)
    if dup.any():
        raise SftcastError(f"duplicated pair(s), {int(dup.sum())} rows, e.g. {_example(norm[dup])}")

    expected = expected_pairs(suite, protocol, seed)
    merged = expected.merge(norm[key + ["prob_a_better"]], on=key, how="outer", indicator=True)
    not_expected = merged[merged["_merge"] == "right_only"]
    if len(not_expected):
        raise SftcastError(
            f"{len(not_expected)} pair(s) are not test pairs of the {protocol!r} protocol, "
            f"e.g. {_example(not_expected)}"
        )
    absent = merged[merged["_merge"] == "left_only"]
    if len(absent):
        raise SftcastError(f"{len(absent)} expected pair(s) are missing, e.g. {_example(absent)}")
    return expected.merge(norm[key + ["prob_a_better"]], on=key, how="left")[PREDICTION_COLUMNS]


def _task_scores(
    preds: pd.DataFrame, suite: Suite, task: str, protocol: str, seed: int, n_boot: int
) -> dict[str, Any]:
    """Metrics of one task from validated predictions (no baseline comparison)."""
    rows = preds[preds["task"] == task]
    seeds = [ALL_PAIRS_SEED] if protocol == "all-pairs" else split_seeds(seed)
    credits, deltas, accs, taus, ranks, top1, top5 = [], [], [], [], [], [], []
    for s in seeds:
        ids = suite.model_ids if s == ALL_PAIRS_SEED else split_models(suite.model_ids, s)[1]
        ids = suite.labelled_ids(task, ids) if suite.missing_labels(task) else ids
        part = rows[rows["split_seed"] == s]
        prob = part["prob_a_better"].to_numpy(dtype=float)
        credit = part["credit"].to_numpy()
        credits.append(credit)
        deltas.append(part["delta"].to_numpy())
        accs.append(float(credit.mean()))
        borda = metrics.borda_scores(ids, part["model_a"].to_numpy(), part["model_b"].to_numpy(), prob)
        true = suite.goodness(task).loc[ids].to_numpy(dtype=float)  # label direction: higher is better
        taus.append(metrics.kendall_tau(borda, true))
        ranks.append(metrics.best_model_rank(borda, true))
        top1.append(metrics.topk_recall(borda, true, top=1))
        top5.append(metrics.topk_recall(borda, true, top=5))
    credit = np.concatenate(credits)
    accuracy = float(np.mean(accs))
    lo, hi = metrics.bootstrap_ci(credit, n_boot=n_boot, seed=seed)
    return {
        "accuracy": accuracy,
        "accuracy_std": float(np.std(accs)) if protocol != "all-pairs" else None,
        "error_rate": 1.0 - accuracy,
        "error_reduction_vs_ppl_clm": None,
        "ci95": [lo, hi],
        "n_pairs": int(len(credit)),
        "n_splits": len(seeds) if protocol != "all-pairs" else 0,
        "gap_quintile_accuracy": metrics.gap_quintile_accuracy(credit, np.concatenate(deltas)),
        "kendall_tau": float(np.mean(taus)),
        "best_model_rank": float(np.mean(ranks)),
        "top1_recall_at_k": _mean_curve(top1),
        "top5_recall_at_k": _mean_curve(top5),
    }


def _mean_curve(curves: list[list[float]]) -> list[float]:
    """Mean recall-at-k curve over splits; a split with fewer labelled test models (missing labels)
    keeps its final recall for the larger k."""
    n = max(len(c) for c in curves)
    return np.mean([c + c[-1:] * (n - len(c)) for c in curves], axis=0).tolist()


def pair_credits(df: pd.DataFrame, suite: Suite, protocol: str, seed: int = 0) -> pd.DataFrame:
    """Validated predictions with each pair's truth (``delta``, ``label``, ``tie``) and ``credit``.

    The one place where predictions meet labels: every metric starts from this frame.
    """
    preds = validate_predictions(df, suite, protocol, seed)
    parts = []
    for (task, s), part in preds.groupby(["task", "split_seed"], sort=False):
        ids = suite.model_ids if s == ALL_PAIRS_SEED else split_models(suite.model_ids, int(s))[1]
        truth = suite_pairs(suite, str(task), ids)  # same order as expected_pairs, hence as part
        credit = metrics.pair_credit(part["prob_a_better"], truth["label"], truth["tie"])
        parts.append(
            part.assign(
                delta=truth["delta"].to_numpy(),
                label=truth["label"].to_numpy(),
                tie=truth["tie"].to_numpy(),
                credit=credit,
            )
        )
    return pd.concat(parts, ignore_index=True)


def _baseline_accuracy(suite: Suite, protocol: str, seed: int) -> dict[str, float] | None:
    """PPL-CLM's accuracy per task under the same protocol (for error reduction)."""
    if BASELINE not in suite.proxies:
        return None
    # keyed by content, so a suite edited in memory under the same name never reuses a stale baseline
    key = (suite.name, suite.digest(), protocol, seed)
    if key not in _baseline_cache:

        preds = pair_credits(predict(suite, get_predictor(BASELINE), protocol, seed), suite, protocol, seed)
        _baseline_cache[key] = {
            t: _task_scores(preds, suite, t, protocol, seed, n_boot=1)["accuracy"] for t in suite.tasks
        }
    return _baseline_cache[key]


def score_predictions(
    df: pd.DataFrame, suite: Suite, protocol: str, seed: int = 0, n_boot: int = 1000
) -> dict[str, Any]:
    """Validate and score predictions; the results dict has a stable schema (version 1).

    ``{"schema_version", "suite", "suite_digest", "protocol", "seed", "tasks": {task: {"accuracy",
    "accuracy_std", "error_rate", "error_reduction_vs_ppl_clm", "ci95", "n_pairs", "n_splits",
    "gap_quintile_accuracy", "kendall_tau", "best_model_rank", "top1_recall_at_k",
    "top5_recall_at_k"}}, "mean_accuracy"}``.
    """
    preds = pair_credits(df, suite, protocol, seed)
    baseline = _baseline_accuracy(suite, protocol, seed)
    tasks: dict[str, Any] = {}
    for task in suite.tasks:
        tasks[task] = _task_scores(preds, suite, task, protocol, seed, n_boot)
        if suite.missing_labels(task):  # only then, so that results of complete suites stay as they were
            tasks[task]["models_without_label"] = suite.missing_labels(task)
        if baseline is not None:
            tasks[task]["error_reduction_vs_ppl_clm"] = metrics.error_reduction(
                tasks[task]["accuracy"], baseline[task]
            )
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": suite.name,
        "suite_digest": suite.digest(),  # the suite data scored against (``Suite.digest``)
        "protocol": protocol,
        "seed": seed,
        "tasks": tasks,
        "mean_accuracy": float(np.mean([t["accuracy"] for t in tasks.values()])),
    }
