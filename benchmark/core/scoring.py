"""Validate a predictions table and score it: the single scorer behind ``evaluate``, reports
and the leaderboard.

A predictions table has the columns ``suite, task, split_seed, model_a, model_b,
prob_a_better``. A pair may be given in either order: (b, a) with p is read as (a, b) with 1-p.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from benchmark.core import metrics
from benchmark.core.cache import cache_key
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
    _check_columns(df)
    df = df.copy()
    for col in ("suite", "task", "model_a", "model_b"):
        df[col] = df[col].astype(str).str.strip()
    pos = {m: k for k, m in enumerate(suite.model_ids)}
    _check_names(df, suite, pos)
    df["split_seed"] = _split_seeds(df["split_seed"], protocol, seed)
    values = _probabilities(df["prob_a_better"])
    keys, values = _canonical_keys(df, suite, pos, values)
    lay = _layout(suite, protocol, seed)
    row = _layout_rows(keys, lay, len(pos), suite, protocol)
    prob = np.empty(len(lay["a"]))
    prob[row] = values
    named = _named_pairs(suite, _layout_keys(lay))
    return pd.DataFrame({"suite": suite.name, **named, "prob_a_better": prob})[PREDICTION_COLUMNS]


_PAIR_COLUMNS = ["task", "split_seed", "model_a", "model_b"]


class _Keys(NamedTuple):
    """Pairs as integer arrays: task position, split seed, model positions (a before b in suite order)."""

    task: np.ndarray
    split: np.ndarray
    a: np.ndarray
    b: np.ndarray

    def subset(self, mask: np.ndarray) -> _Keys:
        """The pairs where ``mask`` holds."""
        return _Keys(*(k[mask] for k in self))


def _check_columns(df: pd.DataFrame) -> None:
    """Refuse a table without exactly the prediction columns, or without rows."""
    repeated = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
    if repeated:
        raise SftcastError(f"repeated column(s) {', '.join(repeated)}; each column must appear once")
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


def _check_names(df: pd.DataFrame, suite: Suite, pos: dict[str, int]) -> None:
    """Refuse a suite, task or model id (stripped) that is not the suite's."""
    # pd.unique and factorize stay in C; iterating arrow-backed string columns in Python (set(),
    # .map(dict)) was most of the time of validating a table
    bad_suite = sorted(set(pd.unique(df["suite"])) - {suite.name})
    if bad_suite:
        raise SftcastError(f"unknown suite {bad_suite[0]!r} in rows scored against suite {suite.name!r}")
    bad_task = sorted(set(pd.unique(df["task"])) - set(suite.tasks))
    if bad_task:
        raise SftcastError(
            f"unknown task {bad_task[0]!r} (suite {suite.name!r} has {', '.join(suite.tasks)})"
        )
    unknown = sorted((set(pd.unique(df["model_a"])) | set(pd.unique(df["model_b"]))) - set(pos))
    if unknown:
        raise SftcastError(
            f"unknown model id(s) {', '.join(repr(u) for u in unknown[:5])} for suite {suite.name!r}"
        )


def _split_seeds(column: pd.Series, protocol: str, seed: int) -> pd.Series:
    """``split_seed`` as int64, refused unless every value is an integer seed of ``protocol``."""
    seeds = pd.to_numeric(column, errors="coerce")
    if seeds.isna().any() or (seeds != np.floor(seeds)).any():
        raise SftcastError("split_seed must be an integer in every row")
    seeds = seeds.astype(np.int64)
    allowed = {ALL_PAIRS_SEED} if protocol == "all-pairs" else set(split_seeds(seed))
    bad_seed = sorted(set(pd.unique(seeds).tolist()) - allowed)
    if bad_seed:
        raise SftcastError(f"split_seed {bad_seed[0]} is not part of the {protocol!r} protocol (seed {seed})")
    return seeds


def _probabilities(column: pd.Series) -> np.ndarray:
    """``prob_a_better`` as floats, refused unless every value is a finite number in [0, 1]."""
    prob = pd.to_numeric(column, errors="coerce")
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
    return values


def _canonical_keys(
    df: pd.DataFrame, suite: Suite, pos: dict[str, int], values: np.ndarray
) -> tuple[_Keys, np.ndarray]:
    """The rows as integer keys, model_a first in suite order (probability mirrored where swapped)."""
    pa, pb = _codes(df["model_a"], pos), _codes(df["model_b"], pos)
    if (pa == pb).any():
        raise SftcastError("a model is paired with itself")
    flip = pa > pb
    task_idx = _codes(df["task"], {t: k for k, t in enumerate(suite.tasks)})
    split = df["split_seed"].to_numpy(np.int64)
    keys = _Keys(task_idx, split, np.where(flip, pb, pa), np.where(flip, pa, pb))
    return keys, np.where(flip, 1.0 - values, values)


def _layout_rows(
    keys: _Keys, lay: dict[str, np.ndarray], n_models: int, suite: Suite, protocol: str
) -> np.ndarray:
    """Each row's position in the layout, refused if a pair is duplicated, foreign or missing."""
    # Match rows to the protocol's pairs by integer keys against the cached layout (a pandas
    # merge on four string columns cost ~0.05 s per table; docs/leaderboard.md has the numbers).
    values_of_split = sorted(set(lay["split_values"].tolist()) | set(np.unique(keys.split).tolist()))
    spos = {v: k for k, v in enumerate(values_of_split)}
    nkey = _pair_key(keys.task, _codes(keys.split, spos), keys.a, keys.b, n_models, len(spos))
    uniq, inverse, counts = np.unique(nkey, return_inverse=True, return_counts=True)
    dup = counts[inverse] > 1
    if dup.any():
        rows = pd.DataFrame(_named_pairs(suite, keys.subset(dup)))
        raise SftcastError(f"duplicated pair(s), {int(dup.sum())} rows, e.g. {_example(rows)}")
    lsplit = np.array([spos[v] for v in lay["split"].tolist()], dtype=np.int64)
    lkey = _pair_key(lay["task"], lsplit, lay["a"], lay["b"], n_models, len(spos))
    order = np.argsort(lkey, kind="stable")
    at = np.searchsorted(lkey, nkey, sorter=order).clip(max=len(lkey) - 1)
    row = order[at]
    found = lkey[row] == nkey
    if not found.all():
        bad = pd.DataFrame(_named_pairs(suite, keys.subset(~found))).sort_values(_PAIR_COLUMNS)
        raise SftcastError(
            f"{int((~found).sum())} pair(s) are not test pairs of the {protocol!r} protocol, "
            f"e.g. {_example(bad)}"
        )
    _check_complete(row, lay, suite)
    return row


def _check_complete(row: np.ndarray, lay: dict[str, np.ndarray], suite: Suite) -> None:
    """Refuse a table that leaves out any of the layout's pairs (its rows are at ``row``)."""
    if len(row) < len(lay["a"]):
        seen = np.zeros(len(lay["a"]), dtype=bool)
        seen[row] = True
        absent = pd.DataFrame(_named_pairs(suite, _layout_keys(lay).subset(~seen))).sort_values(_PAIR_COLUMNS)
        raise SftcastError(f"{len(absent)} expected pair(s) are missing, e.g. {_example(absent)}")


def _layout_keys(lay: dict[str, np.ndarray]) -> _Keys:
    """The protocol's pairs of a layout, as keys."""
    return _Keys(lay["task"], lay["split"], lay["a"], lay["b"])


def _named_pairs(suite: Suite, keys: _Keys) -> dict[str, np.ndarray]:
    """The columns task, split_seed, model_a, model_b of integer keys, by name again."""
    ids = np.asarray(suite.model_ids, dtype=object)
    return {
        "task": np.asarray(suite.tasks, dtype=object)[keys.task],
        "split_seed": keys.split,
        "model_a": ids[keys.a],
        "model_b": ids[keys.b],
    }


def _codes(column: pd.Series | np.ndarray, mapping: dict) -> np.ndarray:
    """``column`` mapped through ``mapping`` (every value must be a key), via factorize."""
    codes, uniques = pd.factorize(column)
    return np.array([mapping[u] for u in uniques], dtype=np.int64)[codes]


def _pair_key(task: np.ndarray, split: np.ndarray, a: np.ndarray, b: np.ndarray, n: int, n_split: int):
    return ((task.astype(np.int64) * n_split + split) * n + a) * n + b


LAYOUT_VERSION = 1


def _meta_digest(suite: Suite) -> str:
    """A hash of the suite's YAML declaration: with ``Suite.digest`` it keys what the scorer caches."""
    return hashlib.sha256(json.dumps(suite.meta, sort_keys=True, default=str).encode()).hexdigest()


def _layout(suite: Suite, protocol: str, seed: int) -> dict[str, np.ndarray]:
    """The protocol's test pairs with their truth, as integer and float arrays in ``expected_pairs``'
    order: ``task`` (position in ``suite.tasks``), ``split``, ``a``, ``b`` (model positions),
    ``delta``, ``label``, ``tie``, plus ``split_values`` (the sorted split seeds).

    Built once from ``expected_pairs`` and ``suite_pairs`` (the one place pairs are made), then
    kept on the suite and in ``cache_dir()`` under the suite's content, like the baseline.
    """
    meta = _meta_digest(suite)
    mem = ("scoring-layout", suite.digest(), meta, protocol, seed)  # by content, as on disk
    if mem in suite.cache:
        return suite.cache[mem]
    config = {"suite": suite.name, "digest": suite.digest(), "meta": meta, "protocol": protocol,
              "seed": seed, "layout_version": LAYOUT_VERSION}  # fmt: skip
    path = cache_dir() / f"layout-{suite.name}-{cache_key(config)}.npz"
    names = ("task", "split", "a", "b", "delta", "label", "tie", "split_values")
    try:
        with np.load(path, allow_pickle=False) as z:
            lay = {k: z[k] for k in names}
    except (OSError, ValueError, KeyError):
        lay = _build_layout(suite, protocol, seed)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
            np.savez(tmp, **lay)
            tmp.replace(path)
        except OSError:
            pass
    suite.cache[mem] = lay
    return lay


def _build_layout(suite: Suite, protocol: str, seed: int) -> dict[str, np.ndarray]:
    pos = {m: k for k, m in enumerate(suite.model_ids)}
    expected = expected_pairs(suite, protocol, seed)
    parts = []
    for task, s in expected[["task", "split_seed"]].drop_duplicates().itertuples(index=False):
        ids = suite.model_ids if s == ALL_PAIRS_SEED else split_models(suite.model_ids, int(s))[1]
        parts.append(suite_pairs(suite, str(task), ids))  # same order as expected_pairs
    truth = pd.concat(parts, ignore_index=True)
    same = len(truth) == len(expected) and all(
        (truth[c].to_numpy() == expected[c].to_numpy()).all() for c in ("task", "model_a", "model_b")
    )
    if not same:
        raise SftcastError(f"internal: the pairs of {suite.name!r} are not in expected_pairs' order")
    return {
        "task": expected["task"].map({t: k for k, t in enumerate(suite.tasks)}).to_numpy(np.int16),
        "split": expected["split_seed"].to_numpy(np.int64),
        "a": expected["model_a"].map(pos).to_numpy(np.int64),
        "b": expected["model_b"].map(pos).to_numpy(np.int64),
        "delta": truth["delta"].to_numpy(np.float64),
        "label": truth["label"].to_numpy(np.int64),
        "tie": truth["tie"].to_numpy(bool),
        "split_values": np.unique(expected["split_seed"].to_numpy(np.int64)),
    }


def _task_scores(
    preds: pd.DataFrame, suite: Suite, task: str, protocol: str, seed: int, n_boot: int
) -> dict[str, Any]:
    """Metrics of one task from validated predictions (no baseline comparison)."""
    rows = preds[preds["task"] == task]
    seeds = [ALL_PAIRS_SEED] if protocol == "all-pairs" else split_seeds(seed)
    # numpy columns and masks: per-split pandas filtering was most of a submission's scoring time
    split_col = rows["split_seed"].to_numpy()
    prob_col = rows["prob_a_better"].to_numpy(dtype=float)
    credit_col, delta_col = rows["credit"].to_numpy(), rows["delta"].to_numpy()
    a_col, b_col = rows["model_a"].to_numpy(), rows["model_b"].to_numpy()
    scores = suite.goodness(task)  # label direction applied: higher is better
    score_of = dict(zip(scores.index, scores.to_numpy(dtype=float), strict=True))
    credits, deltas, accs, taus, ranks, top1, top5 = [], [], [], [], [], [], []
    for s in seeds:
        ids = suite.model_ids if s == ALL_PAIRS_SEED else split_models(suite.model_ids, s)[1]
        ids = suite.labelled_ids(task, ids) if suite.missing_labels(task) else ids
        sel = split_col == s
        prob = prob_col[sel]
        credit = credit_col[sel]
        credits.append(credit)
        deltas.append(delta_col[sel])
        accs.append(float(credit.mean()))
        borda = metrics.borda_scores(ids, a_col[sel], b_col[sel], prob)
        true = np.array([score_of[m] for m in ids], dtype=float)
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
    lay = _layout(suite, protocol, seed)  # same rows, same order as preds
    credit = metrics.pair_credit(preds["prob_a_better"].to_numpy(), lay["label"], lay["tie"])
    return preds.assign(delta=lay["delta"], label=lay["label"], tie=lay["tie"], credit=credit)


def cache_dir() -> Path:
    """Where computed-once values live: ``$SFTCAST_CACHE``, else ``$XDG_CACHE_HOME/sftcast``, else
    ``~/.cache/sftcast``."""
    if os.environ.get("SFTCAST_CACHE"):
        return Path(os.environ["SFTCAST_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sftcast"


def _baseline_accuracy(suite: Suite, protocol: str, seed: int) -> dict[str, float] | None:
    """PPL-CLM's accuracy per task under the same protocol (for error reduction).

    Computed once per suite content, protocol and seed, then read from memory or from a JSON file
    in ``cache_dir()`` (a suite edited in memory or on disk gets a new key, never a stale value).
    """
    if BASELINE not in suite.proxies:
        return None
    meta = _meta_digest(suite)
    key = (suite.name, suite.digest(), protocol, seed)
    if key in _baseline_cache:
        return _baseline_cache[key]
    config = {"baseline": BASELINE, "suite": suite.name, "digest": suite.digest(), "meta": meta,
              "protocol": protocol, "seed": seed, "schema_version": SCHEMA_VERSION}  # fmt: skip
    path = cache_dir() / f"baseline-{suite.name}-{cache_key(config)}.json"
    try:
        stored = json.loads(path.read_text())
        if sorted(stored) == sorted(suite.tasks) and all(isinstance(v, float) for v in stored.values()):
            _baseline_cache[key] = stored
            return stored
    except (OSError, ValueError):
        pass

    preds = pair_credits(predict(suite, get_predictor(BASELINE), protocol, seed), suite, protocol, seed)
    _baseline_cache[key] = {
        t: _task_scores(preds, suite, t, protocol, seed, n_boot=1)["accuracy"] for t in suite.tasks
    }
    try:  # a read-only home only costs the recomputation next time
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_baseline_cache[key]))
        tmp.replace(path)
    except OSError:
        pass
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
    return score_credits(pair_credits(df, suite, protocol, seed), suite, protocol, seed, n_boot)


def score_credits(
    preds: pd.DataFrame, suite: Suite, protocol: str, seed: int = 0, n_boot: int = 1000
) -> dict[str, Any]:
    """``score_predictions`` from ``pair_credits``' frame (for callers that keep the credits too)."""
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
