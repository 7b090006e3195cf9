"""The predictor interface, shaped like a scikit-learn estimator.

- ``__init__`` stores hyperparameters only (``random_state`` as given).
- ``fit(train_models, task)`` learns from a models frame and returns ``self``; fitted state
  lives in attributes ending in ``_``. Unsupervised predictors may only look at proxies.
- ``predict(pairs)`` returns P(model_a is better than model_b) for each row.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from benchmark.core.suite_spec import info_of


class Predictor:
    """Base class: parameter handling, cloning and the two-method interface.

    ``fit`` receives ``train_models``: one row per model with ``model_id``, the configuration
    columns, one column per proxy (higher is better) and, for supervised protocols, the SFT
    score columns ``sft_<task>``. ``predict`` receives ``pairs``: rows with ``model_a``,
    ``model_b`` and, for every proxy ``p``, columns ``p_a`` and ``p_b``.

    Example::

        >>> pred = get_predictor("ppl_sc").fit(suite.models, "cms")
        >>> pairs = attach_features(suite_pairs(suite, "cms"), suite.models, suite.proxies)
        >>> pred.predict(pairs)[:3]        # P(a better than b), shape (n_pairs,)
        array([0.38, 0.53, 0.38])
    """

    supervised: ClassVar[bool] = False
    order_invariant: ClassVar[bool] = True  # fit ignores the order of the training rows
    name: str = ""

    def fit(self, train_models: pd.DataFrame, task: str) -> Predictor:  # noqa: ARG002
        """Learn from ``train_models`` for ``task``. Returns ``self``."""
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """Return P(a better than b) for each pair, an array of shape ``(len(pairs),)``."""
        raise NotImplementedError

    @classmethod
    def _param_names(cls) -> list[str]:
        params = inspect.signature(cls.__init__).parameters.values()
        skip = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        return [p.name for p in params if p.name != "self" and p.kind not in skip]

    def get_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params: Any) -> Predictor:
        for k, v in params.items():
            if k not in self._param_names():
                raise ValueError(f"{type(self).__name__} has no parameter {k!r}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def clone(predictor: Predictor) -> Predictor:
    """A fresh, unfitted copy with the same hyperparameters (and registered name)."""
    new = type(predictor)(**predictor.get_params())
    new.name = predictor.name
    return new


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def refusal(predictor: Predictor, frame: pd.DataFrame, needs: str) -> str:
    """The one sentence a predictor answers with when a suite lacks what it needs."""

    suite = info_of(frame).get("suite")
    name = getattr(predictor, "name", "") or type(predictor).__name__
    where = f"suite {suite!r}" if suite else "this suite"
    return f"predictor {name!r} cannot serve {where}: it needs {needs}, which {where} does not declare"


def required_columns(proxies: list[str]) -> list[str]:
    return [f"{p}_{s}" for p in proxies for s in ("a", "b")]
