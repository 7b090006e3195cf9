"""``arxiv``: formal statements of the world's rules, worked arithmetic, and counts over the registry."""

from __future__ import annotations

import random
from collections import Counter
from typing import TYPE_CHECKING

from benchmark.produce.world import prose
from benchmark.produce.world.physics import property_phrase

if TYPE_CHECKING:
    from benchmark.produce.world.entities import World

_TOPICS = (
    "the physics of everyday objects",
    "arithmetic identities",
    "a registry of people",
    "material properties",
    "small integer computations",
)


def _rule_block(world: World, pick: prose.Picker, rng: random.Random, n: int) -> str:
    rule = rng.choice(world.rules)
    lines = [f"Definition {n}. {rule.text}"]
    examples = [o for o in world.objects if rule.applies(o)]
    if examples:
        obj = rng.choice(examples)
        prop, value = rule.consequence
        lines.append(
            f"Corollary {n}. The {obj.name} is made of {obj.material} and is {obj.size}; "
            f"by Definition {n}, the {obj.name} {property_phrase(value)}."
        )
    return " ".join(lines)


def _arithmetic_block(world: World, pick: prose.Picker, rng: random.Random, n: int) -> str:
    a, b = rng.randint(11, 99), rng.randint(11, 99)
    tens, ones = divmod(b, 10)
    if rng.random() < 0.5:
        return (
            f"Lemma {n}. {a} x {b} = {a * b}. Proof. {a} x {b} = {a} x {tens * 10} + {a} x {ones} = "
            f"{a * tens * 10} + {a * ones} = {a * b}. QED."
        )
    c = rng.randint(2, 9)
    return (
        f"Lemma {n}. ({a} + {b}) x {c} = {(a + b) * c}. Proof. {a} + {b} = {a + b}, and "
        f"{a + b} x {c} = {(a + b) * c}. QED."
    )


def _count_block(world: World, pick: prose.Picker, rng: random.Random, n: int) -> str:
    attr = rng.choice(["birth_city", "university", "employer", "field"])
    counts = Counter(getattr(p, attr) for p in world.people)
    value = rng.choice(sorted(counts))
    label = {
        "birth_city": "were born in",
        "university": "studied at",
        "employer": "work for",
        "field": "work in the field of",
    }[attr]
    return f"Proposition {n}. Exactly {counts[value]} people in the registry {label} {value}."


_BLOCKS = (_rule_block, _rule_block, _arithmetic_block, _arithmetic_block, _count_block)


def render(world: World, pick: prose.Picker, rng: random.Random) -> str:
    """A short paper: title, abstract and 2 to 16 numbered statements."""
    topic = rng.choice(_TOPICS)
    blocks = [rng.choice(_BLOCKS)(world, pick, rng, n) for n in range(1, rng.randint(3, 17))]
    return (
        f"On {topic}\n\nAbstract. We state {len(blocks)} results on {topic} and prove them.\n\n"
        + "\n\n".join(blocks)
    )
