"""A conformance kit for predictors, in the spirit of scikit-learn's ``check_estimator``.

``check_predictor(pred, suite)`` fits on the first 60% of the suite's models and checks, on
the pairs among the rest: output shape, probabilities in [0, 1], antisymmetry (swapping a and
b gives 1 − p), and determinism (a clone fitted again predicts the same).
"""

from __future__ import annotations

import numpy as np

from benchmark.pairs import attach_features, suite_pairs, swap
from benchmark.predictors.base import Predictor, clone
from benchmark.schema import Suite
from benchmark.suite_spec import info_of, view_columns


def check_predictor(predictor: Predictor, suite: Suite, task: str | None = None, atol: float = 1e-9) -> None:
    """Raise ``AssertionError`` naming the first broken property."""
    task = task or suite.tasks[0]
    n_train = int(round(0.6 * len(suite.models)))
    train = suite.view(suite.models.iloc[:n_train], task if predictor.supervised else None, task)
    test_ids = suite.model_ids[n_train:]
    seen = suite.view(None, None, task)
    pairs = attach_features(suite_pairs(suite, task, test_ids), seen, view_columns(info_of(seen)))

    first = clone(predictor).fit(train, task)
    assert first is not None and hasattr(first, "predict"), "fit must return self"
    p = np.asarray(first.predict(pairs), dtype=float)
    assert p.shape == (len(pairs),), f"predict returned shape {p.shape}, expected ({len(pairs)},)"
    assert np.all(np.isfinite(p)) and p.min() >= 0 and p.max() <= 1, "predictions must be probabilities"
    q = np.asarray(first.predict(swap(pairs)), dtype=float)
    assert np.allclose(p + q, 1.0, atol=atol), (
        f"not antisymmetric: max |p(a,b) + p(b,a) - 1| = {np.abs(p + q - 1).max()}"
    )
    again = np.asarray(clone(predictor).fit(train, task).predict(pairs), dtype=float)
    assert np.array_equal(p, again), "not deterministic: a refit clone predicts differently"
