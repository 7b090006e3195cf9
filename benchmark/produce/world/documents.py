"""The seven pre-training domains, registered by name, and the seeded document stream."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from benchmark.core.registry import Registry
from benchmark.produce.world import arxiv, books, github, stackexchange, web, wikipedia
from benchmark.produce.world.prose import Picker

if TYPE_CHECKING:
    from benchmark.produce.world.entities import World

Renderer = Callable[["World", Picker, random.Random], str]

DOMAINS = ("commoncrawl", "c4", "github", "books", "arxiv", "wikipedia", "stackexchange")
"""The seven domains, standing for SlimPajama's seven sources, in Table 3's order."""

RENDERERS: Registry[Renderer] = Registry("domain")
RENDERERS.register("commoncrawl", web.render_commoncrawl)
RENDERERS.register("c4", web.render_c4)
RENDERERS.register("github", github.render)
RENDERERS.register("books", books.render)
RENDERERS.register("arxiv", arxiv.render)
RENDERERS.register("wikipedia", wikipedia.render)
RENDERERS.register("stackexchange", stackexchange.render)
RENDERERS.register("qa", stackexchange.render_qa)  # not a SlimPajama domain: QA text for qa_mix


def iter_documents(world: World, domain: str, seed: int = 0) -> Iterator[str]:
    """Endless documents of ``domain``; the stream depends only on (world, domain, seed)."""
    render = RENDERERS.get(domain)
    rng = random.Random(f"docs/{world.size}/{world.seed}/{domain}/{seed}")
    pick = Picker(world, rng)
    while True:
        yield render(world, pick, rng)


def documents(world: World, domain: str, n: int, seed: int = 0) -> list[str]:
    """The first ``n`` documents of ``iter_documents(world, domain, seed)``."""
    stream = iter_documents(world, domain, seed)
    return [next(stream) for _ in range(n)]
