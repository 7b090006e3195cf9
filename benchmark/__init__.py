"""sftcast: predict, from pre-training signals, which of two checkpoints is better after SFT.

The public API is small and lazy: importing ``benchmark`` does not import torch or lightgbm.

>>> from benchmark import load_suite, get_predictor, evaluate
>>> suite = load_suite("zeng2025")
>>> result = evaluate(suite, get_predictor("ppl_sc"), protocol="all-pairs")
"""

from benchmark.core.errors import SftcastError
from benchmark.core.evaluate import evaluate
from benchmark.core.predictors import get_predictor, list_predictors
from benchmark.core.schema import Suite, list_suites, load_suite

__all__ = [
    "SftcastError",
    "Suite",
    "evaluate",
    "get_predictor",
    "list_predictors",
    "list_suites",
    "load_suite",
]
__version__ = "0.1.0"
