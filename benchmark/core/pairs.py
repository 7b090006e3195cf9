"""All-pairs construction and labels: the one place where pairs of models are made.

For ``n`` models in suite order, the ``n(n-1)/2`` pairs are ``(a, b)`` with ``a`` before ``b``.
``label`` is 1 when ``a`` is better after SFT (a higher score, or a lower one for a task whose
label direction is "lower", such as a loss), else 0; ``tie`` marks equal scores (the label of a
tie is 0 and carries no information: metrics count ties as half right). A model without a label
for a task (a missing value the suite declares optional) is left out of that task's pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.core.schema import Suite, task_column

PAIR_COLUMNS = ["model_a", "model_b", "task", "score_a", "score_b", "delta", "label", "tie"]


def pair_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row positions ``(i, j)`` with ``i < j`` of all pairs among ``n`` items, in order."""
    i, j = np.triu_indices(n, k=1)
    return i, j


def all_pairs(models: pd.DataFrame, task: str, higher_is_better: bool = True) -> pd.DataFrame:
    """All pairs among ``models`` (a frame with ``model_id`` and ``sft_<task>``), labelled.

    Example: three models with scores 3, 1, 3 give pairs (m1,m2) label 1, (m1,m3) tie,
    (m2,m3) label 0.
    """
    ids = models["model_id"].to_numpy()
    scores = models[task_column(task)].to_numpy(dtype=float)
    i, j = pair_index(len(models))
    score_a, score_b = scores[i], scores[j]
    return pd.DataFrame(
        {
            "model_a": ids[i],
            "model_b": ids[j],
            "task": task,
            "score_a": score_a,
            "score_b": score_b,
            "delta": score_a - score_b,
            "label": ((score_a > score_b) if higher_is_better else (score_a < score_b)).astype(np.int64),
            "tie": score_a == score_b,
        }
    )


def suite_pairs(suite: Suite, task: str, model_ids: list[str] | None = None) -> pd.DataFrame:
    """All labelled pairs of a suite's task, optionally among a subset of its models.

    Results are memoised on the suite (protocols and scoring ask for the same splits often);
    each call returns a fresh copy.
    """
    suite.check_task(task)
    key = ("pairs", task, None if model_ids is None else tuple(model_ids))
    if key not in suite.cache:
        models = suite.models
        if model_ids is not None:
            models = models[models["model_id"].isin(set(model_ids))]
        models = models[models[task_column(task)].notna()]
        suite.cache[key] = all_pairs(models, task, suite.direction(task) == "higher")
    return suite.cache[key].copy()


def attach_features(pairs: pd.DataFrame, models: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Add ``<col>_a`` and ``<col>_b`` for each model column (e.g. each proxy) to ``pairs``; each
    keeps its column's dtype (numbers stay numbers beside a text metadata column)."""
    table = models.set_index("model_id")[columns]
    out = pairs.copy()
    for side in ("a", "b"):
        ids = out[f"model_{side}"].to_numpy()
        rows = table.index.get_indexer(ids)
        if (rows < 0).any():
            raise KeyError(f"unknown model id(s) {sorted(set(ids[rows < 0].tolist()))[:5]}")
        for col in columns:
            out[f"{col}_{side}"] = table[col].to_numpy()[rows]
    return out


def swap(pairs: pd.DataFrame) -> pd.DataFrame:
    """The same pairs with ``a`` and ``b`` exchanged (columns ``*_a`` <-> ``*_b``, labels flipped)."""
    rename = {}
    for col in pairs.columns:
        if col.endswith("_a"):
            rename[col] = col[:-2] + "_b"
        elif col.endswith("_b"):
            rename[col] = col[:-2] + "_a"
    out = pairs.rename(columns=rename)
    if "delta" in out:
        out["delta"] = -out["delta"]
    if "label" in out and "tie" in out:
        out["label"] = np.where(out["tie"], 0, 1 - out["label"])
    return out[pairs.columns]
