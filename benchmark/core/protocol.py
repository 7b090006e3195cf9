"""Evaluation protocols: which pairs a predictor is fitted on and which it is tested on.

- ``all-pairs``: unsupervised predictors, fitted on proxies only, tested on all C(n,2) pairs.
- ``splits``: ``n_splits`` seeded random 60/40 splits of the *models*; fit on the training
  models (with the task's SFT scores), test on the pairs inside the test models.
- ``cross-task``: as ``splits``, but fitted on one task's scores and tested on another's.

Split ``k`` of seed ``s`` uses ``split_seed = 1000 * s + k``; the models of a split are a
function of that number alone (``split_models``), so a submission can be checked row by row.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from benchmark.core.errors import SftcastError
from benchmark.core.pairs import attach_features, suite_pairs
from benchmark.core.predictors.base import Predictor, clone
from benchmark.core.schema import Suite, task_column

PROTOCOLS = ("all-pairs", "splits", "cross-task")
SUBMISSION_PROTOCOLS = ("splits", "all-pairs")  # what submissions cover; cross-task is derived
N_SPLITS = 20
TRAIN_FRACTION = 0.6
ALL_PAIRS_SEED = -1
PREDICTION_COLUMNS = ["suite", "task", "split_seed", "model_a", "model_b", "prob_a_better"]


def check_protocol(protocol: str) -> None:
    if protocol not in PROTOCOLS:
        raise SftcastError(f"unknown protocol {protocol!r} (choose from {', '.join(PROTOCOLS)})")


def split_seeds(seed: int = 0, n_splits: int = N_SPLITS) -> list[int]:
    return [1000 * seed + k for k in range(n_splits)]


def split_models(
    model_ids: list[str], split_seed: int, train_fraction: float = TRAIN_FRACTION
) -> tuple[list[str], list[str]]:
    """The (train, test) model ids of one split, each in suite order."""
    n = len(model_ids)
    perm = np.random.default_rng(split_seed).permutation(n)
    n_train = int(round(train_fraction * n))
    train = set(perm[:n_train].tolist())
    return (
        [m for k, m in enumerate(model_ids) if k in train],
        [m for k, m in enumerate(model_ids) if k not in train],
    )


def _fresh(predictor: Predictor) -> Predictor:
    return clone(predictor) if hasattr(predictor, "get_params") else copy.deepcopy(predictor)


def visible_models(models: pd.DataFrame, task: str | None) -> pd.DataFrame:
    """The models as a predictor may see them: the label of ``task`` only (None: no SFT scores).

    Every other SFT column is hidden: the other tasks' labels and every score kind beside a label
    (``sft_<task>_<kind>``), which would otherwise leak the target of a cross-task prediction.
    """
    label = task_column(task) if task is not None else None
    sft = task_column("")  # the prefix every SFT column shares, labels included
    return models.drop(columns=[c for c in models.columns if str(c).startswith(sft) and c != label])


def _predict_pairs(
    suite: Suite,
    predictor: Predictor,
    fit_task: str | None,
    train_ids: list[str],
    test_ids: list[str],
    test_task: str,
) -> pd.DataFrame:
    models = suite.models
    fitted = _fresh(predictor).fit(
        visible_models(models[models["model_id"].isin(train_ids)], fit_task),
        fit_task or test_task,
    )
    pairs = suite_pairs(suite, test_task, test_ids)[["model_a", "model_b"]]
    features = attach_features(pairs, models, [*suite.proxies, *suite.signals])
    prob = np.asarray(fitted.predict(features), dtype=float)
    if prob.shape != (len(pairs),):
        raise SftcastError(f"predict returned shape {prob.shape}, expected ({len(pairs)},)")
    if not np.all(np.isfinite(prob)) or prob.min(initial=0.5) < 0 or prob.max(initial=0.5) > 1:
        raise SftcastError("predict returned values that are not finite probabilities in [0, 1]")
    return pairs.assign(prob_a_better=prob)


def predict(
    suite: Suite,
    predictor: Predictor,
    protocol: str = "splits",
    seed: int = 0,
    tasks: list[str] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run ``predictor`` under ``protocol`` and return its predictions in submission format.

    Columns: ``suite, task, split_seed, model_a, model_b, prob_a_better``.
    """
    check_protocol(protocol)
    if protocol == "cross-task":
        raise SftcastError("cross-task predictions are made by evaluate(); use 'splits' here")
    tasks = tasks or suite.tasks
    frames = []
    if protocol == "all-pairs":
        if getattr(predictor, "supervised", False):
            raise SftcastError(
                f"predictor {getattr(predictor, 'name', '') or predictor!r} is supervised; "
                "the all-pairs protocol has no training pairs (use --protocol splits)"
            )
        for task in tasks:
            out = _predict_pairs(suite, predictor, None, suite.model_ids, suite.model_ids, task)
            frames.append(out.assign(task=task, split_seed=ALL_PAIRS_SEED))
    else:
        jobs = [(s, t) for s in split_seeds(seed) for t in tasks]
        for s, task in tqdm(jobs, desc=f"{suite.name} splits", disable=not progress, leave=False):
            train, test = split_models(suite.model_ids, s)
            out = _predict_pairs(suite, predictor, task, train, test, task)
            frames.append(out.assign(task=task, split_seed=s))
    return pd.concat(frames, ignore_index=True).assign(suite=suite.name)[PREDICTION_COLUMNS]


def expected_pairs(suite: Suite, protocol: str, seed: int = 0) -> pd.DataFrame:
    """The pairs a submission must cover: ``suite, task, split_seed, model_a, model_b``."""
    check_protocol(protocol)
    frames = []
    for task in suite.tasks:
        if protocol == "all-pairs":
            frames.append(suite_pairs(suite, task).assign(split_seed=ALL_PAIRS_SEED))
        else:
            for s in split_seeds(seed):
                test = split_models(suite.model_ids, s)[1]
                frames.append(suite_pairs(suite, task, test).assign(split_seed=s))
    cols = ["suite", "task", "split_seed", "model_a", "model_b"]
    return pd.concat(frames, ignore_index=True).assign(suite=suite.name)[cols]
