"""What every task generator shares: the subset registry, entity splits and split sizes.

A subset is data plus two functions: ``build(ctx, split, rng) -> records`` and
``verify(record, world) -> bool``, which recomputes the gold answer from the world's ground
truth alone (the tests run it over every record). Entities are split once per world, so no
entity asked about in ``train`` appears in ``dev`` or ``test``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from benchmark.core.registry import Registry
from benchmark.harness.records import SPLITS, Records, make_record
from benchmark.produce.presets import PRESETS
from benchmark.produce.tasks.retriever import Retriever
from benchmark.produce.world.wikipedia import passages

if TYPE_CHECKING:
    from benchmark.produce.world import World

T = TypeVar("T")

DEV_FRAC = 0.2  # of the held-out entities; the rest are test


@dataclass(frozen=True)
class Subset:
    """One sub-dataset of a task, shaped like the real dataset ``real``."""

    task: str
    name: str
    real: str  # the real dataset it mirrors (a key of ``benchmark.harness.real.REAL_DATASETS``)
    build: Callable[[TaskContext, str, random.Random], Records]
    verify: Callable[[dict[str, Any], World], bool]
    description: str = ""


SUBSETS: Registry[Subset] = Registry("task subset")


def register_subset(subset: Subset) -> Subset:
    SUBSETS.register(f"{subset.task}/{subset.name}", subset)
    return subset


def _three_way(items: Sequence[T], seed: str) -> dict[str, list[T]]:
    """Shuffle ``items`` and cut them train 50%, dev 10%, test 40%."""
    items = list(items)
    random.Random(seed).shuffle(items)
    n_train = round(0.5 * len(items))
    n_dev = max(1, round(0.1 * len(items))) if len(items) >= 4 else 0
    return {
        "train": items[:n_train],
        "dev": items[n_train : n_train + n_dev],
        "test": items[n_train + n_dev :],
    }


@dataclass
class TaskContext:
    """The world, its entity splits, the split sizes and (lazily) the retriever."""

    world: World
    seed: int = 0
    sizes: dict[str, int] = field(default_factory=dict)
    people: dict[str, list[Any]] = field(default_factory=dict)
    places: dict[str, list[Any]] = field(default_factory=dict)
    organisations: dict[str, list[Any]] = field(default_factory=dict)
    objects: dict[str, list[Any]] = field(default_factory=dict)
    _retriever: Any = None

    @classmethod
    def create(cls, world: World, seed: int = 0) -> TaskContext:
        """People follow ``world.split_entities()`` (defaults), the split the corpus's QA text uses:
        its training half is ``train``; held-out people are cut into dev (20%) and test. The split
        sizes are the ``Preset.split_sizes`` of the preset the world is named after (else tiny's)."""
        train, held = world.split_entities()
        held = list(held)
        random.Random(f"tasks/dev/{world.seed}/{seed}").shuffle(held)
        n_dev = max(1, round(DEV_FRAC * len(held)))
        people = {"train": train, "dev": sorted(held[:n_dev], key=_id), "test": sorted(held[n_dev:], key=_id)}
        key = f"{world.size}/{world.seed}/{seed}"
        return cls(
            world=world,
            seed=seed,
            sizes=dict(PRESETS.get(world.size if world.size in PRESETS else "tiny").split_sizes),
            people=people,
            places=_three_way(world.places, f"tasks/places/{key}"),
            organisations=_three_way(world.organisations, f"tasks/orgs/{key}"),
            objects=_three_way(world.objects, f"tasks/objects/{key}"),
        )

    def retriever(self) -> Any:
        """The BM25 retriever over the world's passages, built on first use."""
        if self._retriever is None:
            self._retriever = Retriever(passages(self.world))
        return self._retriever


def take_groups(groups: list[list[T]], n: int, rng: random.Random) -> list[T]:
    """Shuffle the groups (a fact's paraphrases) and take whole groups until ``n`` items."""
    groups = [g for g in groups if g]
    rng.shuffle(groups)
    out: list[T] = []
    for group in groups:
        if len(out) >= n:
            break
        out.extend(group)
    return out


def dedupe(items: list[dict[str, Any]], key: str = "prompt") -> list[dict[str, Any]]:
    """Keep the first item for each distinct ``key``."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item[key] not in seen:
            seen.add(item[key])
            out.append(item)
    return out


def _id(entity: Any) -> int:
    return entity.id


__all__ = [
    "SPLITS",
    "SUBSETS",
    "Subset",
    "TaskContext",
    "dedupe",
    "register_subset",
    "take_groups",
]


def finish(task: str, subset: str, split: str, items: list[dict[str, Any]]) -> Records:
    """Number ``items`` (dicts with prompt, choices, answer and extras) into records."""

    return [
        make_record(
            task, subset, split, i, item.pop("prompt"), item.pop("choices"), item.pop("answer"), **item
        )
        for i, item in enumerate(items)
    ]
