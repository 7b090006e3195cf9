"""The seeded world: a small universe with ground truth, rendered as text in seven domains.

>>> from benchmark.produce.world import World
>>> world = World.generate("micro", seed=0)
>>> docs = documents(world, "wikipedia", n=3, seed=0)
"""

from benchmark.produce.world.documents import DOMAINS, documents, iter_documents
from benchmark.produce.world.entities import (
    PERSON_ATTRIBUTES,
    SIZES,
    Fact,
    Organisation,
    Person,
    Place,
    World,
)
from benchmark.produce.world.physics import PROPERTIES, PhysicalObject, Rule
from benchmark.produce.world.wikipedia import Passage

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
    "documents",
    "iter_documents",
]
