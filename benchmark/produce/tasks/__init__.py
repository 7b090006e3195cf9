"""Tasks generated from the world (CMS, RAG, CBQA), their records, and the real datasets.

>>> from benchmark.produce.world import World
>>> tasks = build_tasks(World.generate("micro", seed=0))
>>> sorted(tasks) == sorted(TASK_SUBSETS)
True
>>> record = tasks["cbqa"]["nq_open"]["test"][0]
>>> record["answer"] == record["choices"][record["gold"]]
True

Each subset is registered in ``SUBSETS`` (``"task/subset"``) where it is defined; adding one
is registering it. ``export_tasks`` writes ``<dir>/<task>/<subset>/<split>.jsonl``, the files
the lm-eval harness reads; ``load_real`` maps the paper's real datasets to the same records.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from benchmark.core.vocab import TASK_VERSIONS
from benchmark.harness.real import load_real as _load_real
from benchmark.harness.records import (
    SPLITS,
    Tasks,
    export_tasks,
    load_records,
    partial_contexts,
    validate_record,
    write_jsonl,
)
from benchmark.produce.tasks import cbqa, cms, rag  # noqa: F401 - registers the subsets
from benchmark.produce.tasks.base import SUBSETS, Subset, TaskContext

if TYPE_CHECKING:
    from benchmark.produce.world import World

TASK_SUBSETS: dict[str, list[str]] = {}
for _key in SUBSETS.names():
    _task, _, _subset = _key.partition("/")
    TASK_SUBSETS.setdefault(_task, []).append(_subset)


def get_subset(task: str, subset: str) -> Subset:
    """The registered subset ``task/subset`` (unknown names get "did you mean")."""
    return SUBSETS.get(f"{task}/{subset}")


def build_tasks(world: World, seed: int = 0, tasks: list[str] | None = None) -> Tasks:
    """task -> subset -> split -> records for ``world``; deterministic in (world, seed)."""
    ctx = TaskContext.create(world, seed)
    out: Tasks = {}
    for task in tasks or list(TASK_SUBSETS):
        for subset in TASK_SUBSETS[task] if task in TASK_SUBSETS else [get_subset(task, "?")]:
            spec = get_subset(task, subset)
            out.setdefault(task, {})[subset] = {
                split: spec.build(
                    ctx, split, random.Random(f"tasks/{task}/{subset}/{split}/{world.seed}/{seed}")
                )
                for split in SPLITS
            }
    return out


def task_stats(tasks: Tasks) -> dict[str, dict[str, Any]]:
    """Records per split and mean number of choices, per ``task/subset``."""
    out = {}
    for task, subsets in tasks.items():
        for subset, splits in subsets.items():
            test = splits.get("test", [])
            stats: dict[str, Any] = {split: len(records) for split, records in splits.items()}
            stats["choices"] = round(sum(len(r["choices"]) for r in test) / max(1, len(test)), 2)
            if test and "gold_in_context" in test[0]:
                stats["gold_in_context"] = round(sum(r["gold_in_context"] for r in test) / len(test), 3)
            out[f"{task}/{subset}"] = stats
    return out


def load_real(*args: Any, **kwargs: Any) -> Any:
    """``benchmark.harness.real.load_real`` (imported lazily: it needs ``datasets``)."""

    return _load_real(*args, **kwargs)


__all__ = [
    "TASK_SUBSETS",
    "TASK_VERSIONS",
    "SPLITS",
    "SUBSETS",
    "Subset",
    "TaskContext",
    "build_tasks",
    "export_tasks",
    "get_subset",
    "load_real",
    "load_records",
    "partial_contexts",
    "task_stats",
    "validate_record",
    "write_jsonl",
]
