"""``evaluate``: predict under a protocol and score the predictions, in one call."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from benchmark.core.metrics import pairwise_accuracy
from benchmark.core.pairs import suite_pairs
from benchmark.core.predictors.base import Predictor
from benchmark.core.protocol import (
    _predict_pairs,
    check_protocol,
    predict,
    resolve_budget,
    split_models,
    split_seeds,
)
from benchmark.core.schema import Suite
from benchmark.core.scoring import score_predictions


def evaluate(
    suite: Suite,
    predictor: Predictor,
    protocol: str = "all-pairs",
    seed: int = 0,
    n_boot: int = 1000,
    progress: bool = False,
    budget: Fraction | str | None = None,
) -> dict[str, Any]:
    """Predict under ``protocol`` and score: the results dict (see ``scoring.score_predictions``).

    A suite with probes adds ``budget`` (the fraction the predictor saw) to the result."""
    check_protocol(protocol)
    budget = resolve_budget(suite, budget)
    if protocol == "cross-task":
        result = _cross_task(suite, predictor, seed, progress, budget)
    else:
        preds = predict(suite, predictor, protocol, seed, progress=progress, budget=budget)
        result = score_predictions(preds, suite, protocol, seed, n_boot=n_boot)
    if budget is not None:
        result["budget"] = str(budget)
    params = predictor.get_params() if hasattr(predictor, "get_params") else {}
    result["predictor"] = {
        "name": getattr(predictor, "name", "") or type(predictor).__name__,
        "class": f"{type(predictor).__module__}:{type(predictor).__qualname__}",
        "params": _jsonable(params),
        "supervised": bool(getattr(predictor, "supervised", False)),
    }
    return result


def _cross_task(
    suite: Suite, predictor: Predictor, seed: int, progress: bool, budget: Fraction | None = None
) -> dict[str, Any]:
    matrix: dict[str, dict[str, dict[str, float]]] = {}
    jobs = [(tr, te) for tr in suite.tasks for te in suite.tasks]
    for train_task, test_task in tqdm(jobs, desc="cross-task", disable=not progress, leave=False):
        accs = []
        for s in split_seeds(seed):
            train, test = split_models(suite.model_ids, s)
            preds = _predict_pairs(suite, predictor, train_task, train, test, test_task, budget)
            truth = suite_pairs(suite, test_task, test)
            accs.append(pairwise_accuracy(preds["prob_a_better"], truth["label"], truth["tie"]))
        matrix.setdefault(train_task, {})[test_task] = {
            "accuracy": float(np.mean(accs)),
            "accuracy_std": float(np.std(accs)),
        }
    return {
        "schema_version": 1,
        "suite": suite.name,
        "protocol": "cross-task",
        "seed": seed,
        "cross_task": matrix,
        "mean_accuracy": float(np.mean([c["accuracy"] for row in matrix.values() for c in row.values()])),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)
