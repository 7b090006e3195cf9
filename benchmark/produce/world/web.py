"""``commoncrawl`` (noisy web pages: boilerplate, filler, a few facts) and ``c4`` (cleaner web prose)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from benchmark.produce.world import prose

if TYPE_CHECKING:
    from benchmark.produce.world.entities import World

_NAV = (
    "Home | About | Contact | Blog",
    "Menu  Search  Login",
    "Skip to content",
    "HOME > NEWS > LOCAL",
    "Categories: Uncategorized",
    "Sign up for our newsletter!",
    "Accept cookies? [Yes] [No]",
)
_FOOTER = (
    "Share this: Facebook Twitter Email",
    "Copyright 2019 All rights reserved.",
    "Powered by WordPress",
    "Leave a comment",
    "Related posts:",
    "Tags: news, people, city, life",
    "Click here to read more >>",
    "Privacy Policy | Terms of Use",
)
_PRODUCTS = ("blue mug", "garden hose", "phone case", "running shoes", "desk lamp", "winter jacket")


def _noise(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return f"Posted by admin on {rng.randint(1, 28)}/{rng.randint(1, 12)}/20{rng.randint(10, 23)}"
    if kind == 1:
        return f"BUY NOW: {rng.choice(_PRODUCTS)} only ${rng.randint(3, 99)}.{rng.randint(0, 99):02d}!!!"
    if kind == 2:
        return f"{rng.randint(2, 400)} comments   {rng.randint(1, 90)} likes"
    return prose.filler_sentence(rng).upper()


def _fact_block(world: World, pick: prose.Picker, rng: random.Random, k_max: int) -> list[str]:
    roll = rng.random()
    if roll < 0.7:
        return prose.person_facts(world, pick.person(), rng, k=rng.randint(1, k_max))
    if roll < 0.85:
        return prose.object_facts(pick.object(), rng, k=rng.randint(1, 3))
    if roll < 0.93:
        return prose.place_facts(pick.place(), rng)[: rng.randint(1, 3)]
    return prose.organisation_facts(pick.organisation(), rng)


def render_commoncrawl(world: World, pick: prose.Picker, rng: random.Random) -> str:
    """A noisy page: navigation, filler, shouting, prices, and a few true facts in between."""
    lines = [rng.choice(_NAV) for _ in range(rng.randint(0, 3))]
    for _ in range(max(1, int(rng.expovariate(1 / 3)))):
        block = [prose.filler_sentence(rng) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.5:  # sparser than c4 and wikipedia: web text is mostly noise
            block += _fact_block(world, pick, rng, k_max=3)
        rng.shuffle(block)
        if rng.random() < 0.5:
            block.insert(rng.randint(0, len(block)), _noise(rng))
        lines.append(" ".join(block))
    lines += [rng.choice(_FOOTER) for _ in range(rng.randint(0, 4))]
    return "\n".join(line for line in lines if line)


_OPENERS = (
    "Here is something worth knowing.",
    "A few notes from our readers.",
    "We asked around town.",
    "This week's profile.",
    "Some background first.",
    "A short story from the archive.",
)


def render_c4(world: World, pick: prose.Picker, rng: random.Random) -> str:
    """Clean prose: a few paragraphs of facts with light filler, no boilerplate."""
    paragraphs = []
    for _ in range(rng.randint(1, 5)):
        block = _fact_block(world, pick, rng, k_max=6)
        if rng.random() < 0.5:
            block.insert(rng.randint(0, len(block)), prose.filler_sentence(rng))
        paragraphs.append(" ".join(block))
    if rng.random() < 0.5:
        paragraphs.insert(0, rng.choice(_OPENERS))
    return "\n\n".join(paragraphs)
