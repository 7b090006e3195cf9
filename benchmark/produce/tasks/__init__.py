"""Task families generated from the world (CMS, RAG, CBQA), their records, and the real datasets.

>>> from benchmark.produce.world import World
>>> tasks = build_tasks(World.generate("micro", seed=0))
>>> sorted(tasks) == sorted(FAMILY_SUBSETS)
True
>>> record = tasks["cbqa"]["nq_open"]["test"][0]
>>> record["answer"] == record["choices"][record["gold"]]
True

Each subset is registered in ``SUBSETS`` (``"family/subset"``) where it is defined; adding one
is registering it. ``export_tasks`` writes ``<dir>/<family>/<subset>/<split>.jsonl``, the files
the lm-eval harness reads; ``load_real`` maps the paper's real datasets to the same records.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from benchmark.core.vocab import FAMILY_VERSIONS
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

FAMILY_SUBSETS: dict[str, list[str]] = {}
for _key in SUBSETS.names():
    _family, _, _subset = _key.partition("/")
    FAMILY_SUBSETS.setdefault(_family, []).append(_subset)


def get_subset(family: str, subset: str) -> Subset:
    """The registered subset ``family/subset`` (unknown names get "did you mean")."""
    return SUBSETS.get(f"{family}/{subset}")


def build_tasks(world: World, seed: int = 0, families: list[str] | None = None) -> Tasks:
    """family -> subset -> split -> records for ``world``; deterministic in (world, seed)."""
    ctx = TaskContext.create(world, seed)
    out: Tasks = {}
    for family in families or list(FAMILY_SUBSETS):
        for subset in FAMILY_SUBSETS[family] if family in FAMILY_SUBSETS else [get_subset(family, "?")]:
            spec = get_subset(family, subset)
            out.setdefault(family, {})[subset] = {
                split: spec.build(
                    ctx, split, random.Random(f"tasks/{family}/{subset}/{split}/{world.seed}/{seed}")
                )
                for split in SPLITS
            }
    return out


def task_stats(tasks: Tasks) -> dict[str, dict[str, Any]]:
    """Records per split and mean number of choices, per ``family/subset``."""
    out = {}
    for family, subsets in tasks.items():
        for subset, splits in subsets.items():
            test = splits.get("test", [])
            stats: dict[str, Any] = {split: len(records) for split, records in splits.items()}
            stats["choices"] = round(sum(len(r["choices"]) for r in test) / max(1, len(test)), 2)
            if test and "gold_in_context" in test[0]:
                stats["gold_in_context"] = round(sum(r["gold_in_context"] for r in test) / len(test), 3)
            out[f"{family}/{subset}"] = stats
    return out


def load_real(*args: Any, **kwargs: Any) -> Any:
    """``benchmark.harness.real.load_real`` (imported lazily: it needs ``datasets``)."""

    return _load_real(*args, **kwargs)


__all__ = [
    "FAMILY_SUBSETS",
    "FAMILY_VERSIONS",
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
