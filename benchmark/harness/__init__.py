"""lm-eval tasks for the five proxies and the task families, and the runner that computes them.

``compute_proxies(model, data_dir)`` gives a checkpoint's proxies, ``evaluate_family`` its score
on one task family; see ``benchmark.harness.evaluator`` for the data layout and the equivalent
``lm_eval`` command. Importing this package loads neither torch nor lm_eval.
"""

from benchmark.core.vocab import EXTRA_SIGNALS, PROXIES
from benchmark.harness.evaluator import (
    PROXY_VERSION,
    compute_proxies,
    evaluate_family,
    find_subsets,
    lm_eval_command,
    proxies_from_results,
    render_tasks,
    signal_version,
)

__all__ = [
    "EXTRA_SIGNALS",
    "PROXIES",
    "PROXY_VERSION",
    "compute_proxies",
    "evaluate_family",
    "find_subsets",
    "lm_eval_command",
    "proxies_from_results",
    "render_tasks",
    "signal_version",
]
