"""The seeded world: a small universe with ground truth, rendered as text in seven domains.

>>> from benchmark.world import World
>>> world = World.generate("micro", seed=0)
>>> docs = world.documents("wikipedia", n=3, seed=0)
"""

from benchmark.world.documents import DOMAINS, iter_documents
from benchmark.world.entities import (
    PERSON_ATTRIBUTES,
    SIZES,
    Fact,
    Organisation,
    Person,
    Place,
    World,
)
from benchmark.world.physics import PROPERTIES, PhysicalObject, Rule
from benchmark.world.wikipedia import Passage

__all__ = [
    "DOMAINS",
    "PERSON_ATTRIBUTES",
    "PROPERTIES",
    "SIZES",
    "Fact",
    "Organisation",
    "Passage",
    "Person",
    "PhysicalObject",
    "Place",
    "Rule",
    "World",
    "iter_documents",
]
