"""Sentence-level building blocks shared by the domain renderers: true facts and neutral filler."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from benchmark.produce.world.entities import PERSON_ATTRIBUTES
from benchmark.produce.world.physics import PhysicalObject, property_phrase
from benchmark.produce.world.templates import (
    OBJECT_TEMPLATES,
    ORGANISATION_TEMPLATES,
    PLACE_TEMPLATES,
    person_sentence,
)

if TYPE_CHECKING:
    from benchmark.produce.world.entities import Organisation, Person, Place, World


class Picker:
    """Cycles through each kind of entity in seeded, reshuffled rounds, so coverage stays even."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        train, _ = world.split_entities()
        self._groups = {
            "person": world.people,
            "train_person": train,
            "place": world.places,
            "organisation": world.organisations,
            "object": world.objects,
        }
        self._queues: dict[str, list] = {k: [] for k in self._groups}

    def _next(self, kind: str):
        queue = self._queues[kind]
        if not queue:
            queue.extend(self._groups[kind])
            self.rng.shuffle(queue)
        return queue.pop()

    def person(self) -> Person:
        return self._next("person")

    def train_person(self) -> Person:
        """A person from the training half of ``world.split_entities()`` (defaults)."""
        return self._next("train_person")

    def place(self) -> Place:
        return self._next("place")

    def organisation(self) -> Organisation:
        return self._next("organisation")

    def object(self) -> PhysicalObject:
        return self._next("object")


def person_facts(
    world: World, person: Person, rng: random.Random, k: int | None = None, repeats: int = 1
) -> list[str]:
    """``k`` of the person's attributes (all by default), each paraphrased ``repeats`` times, shuffled."""
    attrs = rng.sample(PERSON_ATTRIBUTES, k if k is not None else len(PERSON_ATTRIBUTES))
    sentences = [
        person_sentence(rng, person.name, a, world.fact(person, a)) for a in attrs for _ in range(repeats)
    ]
    rng.shuffle(sentences)
    return sentences


def place_facts(place: Place, rng: random.Random) -> list[str]:
    out = [
        rng.choice(PLACE_TEMPLATES[a]).format(name=place.name, value=getattr(place, a))
        for a in PLACE_TEMPLATES
    ]
    rng.shuffle(out)
    return out


def organisation_facts(org: Organisation, rng: random.Random) -> list[str]:
    attrs = ["city", "founded"] + (["industry"] if org.kind == "company" else [])
    out = [rng.choice(ORGANISATION_TEMPLATES[a]).format(name=org.name, value=getattr(org, a)) for a in attrs]
    rng.shuffle(out)
    return out


def object_facts(obj: PhysicalObject, rng: random.Random, k: int | None = None) -> list[str]:
    """Sentences stating ``k`` of the object's properties (all by default)."""
    props = rng.sample(list(obj.properties), k if k is not None else len(obj.properties))
    out = [
        _cap(rng.choice(OBJECT_TEMPLATES).format(name=obj.name, phrase=property_phrase(obj.properties[p])))
        for p in props
    ]
    rng.shuffle(out)
    return out


_SUBJECTS = (
    "The weather",
    "The morning train",
    "Our new website",
    "The local market",
    "This recipe",
    "The old bridge",
    "Every summer festival",
    "The evening news",
    "A good pair of shoes",
    "The community garden",
    "The new library",
    "Fresh bread",
    "The annual report",
    "The bus route",
)
_PREDICATES = (
    "was better than expected",
    "changed a lot this year",
    "is worth a visit",
    "keeps getting more popular",
    "needs a little patience",
    "starts early on Mondays",
    "surprised many readers",
    "will be updated soon",
    "is easy to overlook",
    "makes a big difference",
    "is open to everyone",
    "gets busy in the afternoon",
)
_TAILS = (
    "",
    "",
    " for most people",
    " in our opinion",
    " this season",
    " according to many visitors",
    " as always",
    " once again",
)


def filler_sentence(rng: random.Random) -> str:
    """A neutral sentence that names no entity of the world."""
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_PREDICATES)}{rng.choice(_TAILS)}."


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
