"""lm-eval tasks for the five proxies and the tasks, and the runner that computes them.

``compute_proxies(model, data_dir)`` gives a checkpoint's proxies, ``evaluate_task`` its score
on one task; see ``benchmark.harness.evaluator`` for the data layout and the equivalent
``lm_eval`` command. Importing this package loads neither torch nor lm_eval.
"""

from benchmark.core.vocab import EXTRA_SIGNALS, PROXIES
from benchmark.harness.evaluator import (
    PROXY_VERSION,
    compute_proxies,
    evaluate_task,
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
    "evaluate_task",
    "find_subsets",
    "lm_eval_command",
    "proxies_from_results",
    "render_tasks",
    "signal_version",
]
