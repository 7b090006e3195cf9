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
from fractions import Fraction

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from benchmark.core.errors import SftcastError
from benchmark.core.pairs import attach_features, suite_pairs
from benchmark.core.predictors.base import Predictor, clone
from benchmark.core.schema import Suite, task_column
from benchmark.core.suite_spec import info_of, parse_budget, view_columns

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


def _predict_pairs(
    suite: Suite,
    predictor: Predictor,
    fit_task: str | None,
    train_ids: list[str],
    test_ids: list[str],
    test_task: str,
    budget: Fraction | None = None,
) -> pd.DataFrame:
    """Fit on the training models' view of ``fit_task`` (``Suite.view``: its label only, None for
    no label; every other SFT column, score kinds included, hidden so that a cross-task prediction
    cannot see its target), then predict the test task's labelled pairs among ``test_ids``."""
    models = suite.models
    if fit_task is not None:  # a supervised fit learns from the models that have a label
        models = models[models[task_column(fit_task)].notna()]
    task = fit_task or test_task
    train = suite.view(models[models["model_id"].isin(train_ids)], fit_task, task, budget)
    fitted = _fresh(predictor).fit(train, task)
    pairs = suite_pairs(suite, test_task, test_ids)[["model_a", "model_b"]]
    seen = suite.view(None, None, test_task, budget)
    features = attach_features(pairs, seen, view_columns(info_of(seen)))
    features.attrs = seen.attrs
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
    budget: Fraction | str | None = None,
) -> pd.DataFrame:
    """Run ``predictor`` under ``protocol`` and return its predictions in submission format.

    Columns: ``suite, task, split_seed, model_a, model_b, prob_a_better``. ``budget`` (a fraction
    of the full fine-tuning set; None: the suite's default) hides every probe past it.
    """
    check_protocol(protocol)
    budget = resolve_budget(suite, budget)
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
            out = _predict_pairs(suite, predictor, None, suite.model_ids, suite.model_ids, task, budget)
            frames.append(out.assign(task=task, split_seed=ALL_PAIRS_SEED))
    else:
        jobs = [(s, t) for s in split_seeds(seed) for t in tasks]
        for s, task in tqdm(jobs, desc=f"{suite.name} splits", disable=not progress, leave=False):
            train, test = split_models(suite.model_ids, s)
            out = _predict_pairs(suite, predictor, task, train, test, task, budget)
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


def resolve_budget(suite: Suite, budget: Fraction | str | None) -> Fraction | None:
    """The budget a protocol runs at: the given one, else the suite's default; None without probes."""
    if suite.spec.budget_total is None:
        if budget is not None:
            raise SftcastError(f"suite {suite.name!r} has no probes, so a budget does not apply to it")
        return None
    return suite.spec.default_budget if budget is None else parse_budget(budget)
