"""A conformance kit for predictors, in the spirit of scikit-learn's ``check_estimator``.

``check_predictor(pred, suite)`` fits on the first 60% of the suite's models, seen exactly as the
protocols show them (``Suite.view``), and checks on the pairs among the rest: output
shape, probabilities in [0, 1], no label leak (nothing but the fitted task's label reaches ``fit``,
and no label reaches ``predict``), antisymmetry (swapping a and b gives 1 − p), row-order
invariance (shuffled pairs change nothing; nor do shuffled training models, unless the predictor
declares ``order_invariant = False``, as minibatch SGD fits must), and determinism (a clone
fitted again predicts the same).
"""

from __future__ import annotations

import numpy as np

from benchmark.core.pairs import attach_features, suite_pairs, swap
from benchmark.core.predictors.base import Predictor, clone
from benchmark.core.schema import Suite
from benchmark.core.suite_spec import info_of, view_columns
from benchmark.core.vocab import task_column

LABEL_COLUMNS = ("label", "tie", "delta", "score_a", "score_b")


def check_predictor(predictor: Predictor, suite: Suite, task: str | None = None, atol: float = 1e-9) -> None:
    """Raise ``AssertionError`` naming the first broken property."""
    task = task or suite.tasks[0]
    n_train = int(round(0.6 * len(suite.models)))
    train = suite.view(suite.models.iloc[:n_train], task if predictor.supervised else None, task)
    sft = task_column("")
    seen = [c for c in train.columns if str(c).startswith(sft)]
    assert seen == ([task_column(task)] if predictor.supervised else []), f"label leak into fit: {seen}"
    test_ids = suite.model_ids[n_train:]
    seen = suite.view(None, None, task)
    pairs = attach_features(suite_pairs(suite, task, test_ids), seen, view_columns(info_of(seen)))
    pairs = pairs.drop(columns=[c for c in LABEL_COLUMNS if c in pairs])
    leaked = [c for c in pairs.columns if str(c).startswith(sft)]
    assert not leaked, f"label leak into predict: {leaked}"

    first = clone(predictor).fit(train, task)
    assert first is not None and hasattr(first, "predict"), "fit must return self"
    p = np.asarray(first.predict(pairs), dtype=float)
    assert p.shape == (len(pairs),), f"predict returned shape {p.shape}, expected ({len(pairs)},)"
    assert np.all(np.isfinite(p)) and p.min() >= 0 and p.max() <= 1, "predictions must be probabilities"
    q = np.asarray(first.predict(swap(pairs)), dtype=float)
    assert np.allclose(p + q, 1.0, atol=atol), (
        f"not antisymmetric: max |p(a,b) + p(b,a) - 1| = {np.abs(p + q - 1).max()}"
    )
    order = np.random.default_rng(0).permutation(len(pairs))
    shuffled = np.asarray(first.predict(pairs.iloc[order].reset_index(drop=True)), dtype=float)
    assert np.allclose(shuffled, p[order], atol=atol), "predict depends on the order of the pairs"
    if getattr(predictor, "order_invariant", True):  # False for stochastic-gradient fits (declared)
        rows = np.random.default_rng(1).permutation(len(train))
        refit = clone(predictor).fit(train.iloc[rows].reset_index(drop=True), task)
        assert np.allclose(np.asarray(refit.predict(pairs), dtype=float), p, atol=1e-6), (
            "fit depends on the order of the training models"
        )
    again = np.asarray(clone(predictor).fit(train, task).predict(pairs), dtype=float)
    assert np.array_equal(p, again), "not deterministic: a refit clone predicts differently"
