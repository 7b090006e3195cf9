"""The predictor registry. Built-ins are registered here as factories; a user predictor is
named ``"package.module:Class"`` and imported on demand."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from benchmark.core.errors import SftcastError
from benchmark.core.predictors.base import Predictor, clone
from benchmark.core.predictors.ltc import LearningToCompare
from benchmark.core.predictors.proxy import RandomPredictor, ZScorePredictor
from benchmark.core.registry import Registry, import_object
from benchmark.core.vocab import PROXIES

PREDICTORS: Registry[Callable[[], Predictor]] = Registry("predictor")

PREDICTORS.register("random", RandomPredictor)
for _proxy in PROXIES:
    PREDICTORS.register(_proxy, partial(ZScorePredictor, {_proxy: 1.0}))
PREDICTORS.register("combine5", partial(ZScorePredictor, dict.fromkeys(PROXIES, 1.0)))
PREDICTORS.register("sc_plus_rag", partial(ZScorePredictor, {"ppl_sc": 1.0, "kshot_rag": 1.0}))
PREDICTORS.register(
    "sc_plus_rag_minus_clm",
    partial(ZScorePredictor, {"ppl_sc": 1.0, "kshot_rag": 1.0, "ppl_clm": -1.0}),
)


def _ltc(estimator: str) -> Predictor:
    return LearningToCompare(estimator=estimator)


for _est in ("lightgbm", "logreg", "mlp"):
    PREDICTORS.register(f"ltc_{_est}", partial(_ltc, _est))
# The methods of the fine-tuning scaling-law literature (Lin et al. 2024) and LTC with metadata.
PREDICTORS.register("zero_shot_loss", "benchmark.core.predictors.literature:ZeroShotLoss")
PREDICTORS.register("subtuning", "benchmark.core.predictors.literature:SubTuning")
PREDICTORS.register("model_size", "benchmark.core.predictors.literature:ModelSize")
PREDICTORS.register("ats", "benchmark.core.predictors.literature:AcceptThenStop")
PREDICTORS.register("ltc_meta", "benchmark.core.predictors.ltc:LearningToCompareMeta")


def list_predictors() -> list[str]:
    """Names of the built-in predictors."""
    return PREDICTORS.names()


def get_predictor(name: str) -> Predictor:
    """A fresh predictor by registered name or ``"module:Class"`` (instantiated with no args)."""
    if ":" in name:
        obj = import_object(name)
        pred = obj() if callable(obj) else obj
    else:
        pred = PREDICTORS.get(name)()
    if not (hasattr(pred, "fit") and hasattr(pred, "predict")):
        raise SftcastError(
            f"{name!r} is not a predictor: it needs fit(train_models, task) and predict(pairs)"
        )
    try:
        pred.name = name
    except AttributeError:
        pass
    return pred


__all__ = ["PREDICTORS", "Predictor", "clone", "get_predictor", "list_predictors"]
