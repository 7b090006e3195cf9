"""The seeded universe and its ground truth: people, places, organisations, objects, rules.

Every attribute value is drawn from a finite candidate set (``World.candidates``), so a task can
score a model over all candidate values. Generation depends only on ``(size, seed)``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from benchmark.core.errors import SftcastError
from benchmark.produce.world import names as N
from benchmark.produce.world.physics import PROPERTIES, PhysicalObject, Rule, make_objects, make_rules

if TYPE_CHECKING:
    pass

PERSON_ATTRIBUTES = ("birth_date", "birth_city", "university", "field", "employer", "hobby")
PLACE_ATTRIBUTES = ("country", "river", "population")
ORGANISATION_ATTRIBUTES = ("kind", "city", "founded", "industry")
OBJECT_ATTRIBUTES = ("material", "size", *PROPERTIES)


@dataclass(frozen=True)
class WorldSize:
    """How many of each entity a preset's world holds."""

    people: int
    countries: int
    cities: int
    universities: int
    companies: int
    fields: int
    hobbies: int
    dates: int
    objects: int


# tiny follows tiny_feasibility.md: 100 people were stored at ~30 paraphrased biographies each
# within 1.2M tokens; 300 people at 10 each were not.
SIZES: dict[str, WorldSize] = {
    "micro": WorldSize(24, 3, 8, 4, 6, 8, 8, 20, 20),
    "tiny": WorldSize(100, 5, 20, 8, 16, 16, 16, 60, 60),
    "small": WorldSize(1_000, 10, 60, 20, 60, 30, 30, 300, 119),
    "paper1b": WorldSize(10_000, 20, 200, 50, 200, 30, 30, 1_000, 119),
}


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    birth_date: str
    birth_city: str
    university: str
    field: str
    employer: str
    hobby: str


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    country: str
    river: str
    population: str


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    kind: str  # "university" or "company"
    city: str
    founded: str
    industry: str


class Fact(NamedTuple):
    subject: str
    relation: str
    value: str


Entity = Person | Place | Organisation | PhysicalObject


class World:
    """A seeded universe; build one with ``World.generate(size, seed)``.

    >>> world = World.generate("micro", seed=0)
    >>> person = world.people[0]
    >>> world.fact(person, "birth_city") in world.candidates("birth_city")
    True
    """

    def __init__(
        self,
        size: str,
        seed: int,
        people: list[Person],
        places: list[Place],
        organisations: list[Organisation],
        objects: list[PhysicalObject],
        rules: list[Rule],
        pools: dict[str, list[str]],
    ) -> None:
        self.size, self.seed = size, seed
        self.people, self.places, self.organisations = people, places, organisations
        self.objects, self.rules = objects, rules
        self._pools = pools
        self._by_name: dict[str, Entity] = {e.name: e for e in [*people, *places, *organisations, *objects]}

    # ---- generation -------------------------------------------------------------------------
    @classmethod
    def generate(cls, size: str = "tiny", seed: int = 0) -> World:
        """Generate the world of preset ``size`` (micro, tiny, small, paper1b) for ``seed``."""
        if size not in SIZES:
            raise SftcastError(f"unknown world size {size!r} (known: {', '.join(SIZES)})")
        spec = SIZES[size]
        rng = random.Random(f"world/{size}/{seed}")
        maker = N.NameMaker(rng)
        maker.used.update(
            w.lower()
            for pool in (N.FIRST_NAMES, N.FIELDS, N.HOBBIES, N.INDUSTRIES, N.COMPANY_SUFFIXES, N.MONTHS)
            for w in pool
        )
        countries = [maker.word("country") for _ in range(spec.countries)]
        rivers = [maker.word("river") for _ in range(max(2, spec.cities // 3))]
        populations = sorted({f"{rng.randrange(20, 2000) * 1000:,}" for _ in range(spec.cities)})
        places = [
            Place(i, maker.word("city"), rng.choice(countries), rng.choice(rivers), rng.choice(populations))
            for i in range(spec.cities)
        ]
        cities = [p.name for p in places]
        orgs = []
        for i in range(spec.universities):
            name = rng.choice(N.UNIVERSITY_PATTERNS).format(maker.word("word"))
            orgs.append(
                Organisation(
                    i, name, "university", rng.choice(cities), str(rng.randrange(1600, 1960)), "education"
                )
            )
        industries = list(N.INDUSTRIES)
        for i in range(spec.companies):
            name = f"{maker.word('word')} {rng.choice(N.COMPANY_SUFFIXES)}"
            orgs.append(
                Organisation(
                    spec.universities + i,
                    name,
                    "company",
                    rng.choice(cities),
                    str(rng.randrange(1850, 2010)),
                    rng.choice(industries),
                )
            )
        dates = set()
        while len(dates) < spec.dates:
            dates.add(f"{rng.choice(N.MONTHS)} {rng.randrange(1, 29)}, {rng.randrange(1930, 2000)}")
        pools = {
            "birth_date": sorted(dates),
            "birth_city": cities,
            "university": [o.name for o in orgs if o.kind == "university"],
            "field": rng.sample(N.FIELDS, spec.fields),
            "employer": [o.name for o in orgs if o.kind == "company"],
            "hobby": rng.sample(N.HOBBIES, spec.hobbies),
        }
        people, full_names = [], set()
        while len(people) < spec.people:
            name = f"{rng.choice(N.FIRST_NAMES)} {maker.word('surname')}"
            if name in full_names:  # pragma: no cover - surnames are unique already
                continue
            full_names.add(name)
            values = {attr: rng.choice(pool) for attr, pool in pools.items()}
            people.append(Person(len(people), name, **values))
        pools.update(
            country=countries,
            river=rivers,
            population=populations,
            city=cities,
            kind=["company", "university"],
            founded=sorted({o.founded for o in orgs}),
            industry=sorted({o.industry for o in orgs}),
        )
        objects = make_objects(spec.objects, rng)
        pools.update(material=sorted({o.material for o in objects}), size=["large", "small"])
        pools.update({prop: list(values) for prop, values in PROPERTIES.items()})
        return cls(size, seed, people, places, orgs, objects, make_rules(), pools)

    # ---- ground truth -----------------------------------------------------------------------
    def entity(self, name: str) -> Entity:
        """The person, place, organisation or object called ``name``."""
        try:
            return self._by_name[name]
        except KeyError:
            raise SftcastError(f"no entity named {name!r} in this world") from None

    def fact(self, subject: Entity | str, attribute: str) -> str:
        """The true value of ``attribute`` for ``subject`` (an entity or its name)."""
        entity = self.entity(subject) if isinstance(subject, str) else subject
        if isinstance(entity, PhysicalObject):
            if attribute in entity.properties:
                return entity.properties[attribute]
            if attribute in ("material", "size"):
                return getattr(entity, attribute)
        elif attribute in _ATTRIBUTES[type(entity)]:
            return getattr(entity, attribute)
        raise SftcastError(f"{type(entity).__name__} {entity.name!r} has no attribute {attribute!r}")

    def facts(self) -> Iterator[Fact]:
        """Every (subject, relation, value) triple of the world, people first."""
        for group in (self.people, self.places, self.organisations, self.objects):
            for entity in group:
                for attribute in _ATTRIBUTES[type(entity)]:
                    yield Fact(entity.name, attribute, self.fact(entity, attribute))

    def candidates(self, attribute: str) -> list[str]:
        """All values ``attribute`` can take in this world (the true value is always among them)."""
        if attribute not in self._pools:
            raise SftcastError(f"unknown attribute {attribute!r} (known: {', '.join(self._pools)})")
        return list(self._pools[attribute])

    def split_entities(self, frac: float = 0.5, seed: int = 0) -> tuple[list[Person], list[Person]]:
        """Split the people into (train, held-out); ``frac`` of them, rounded, go to train."""
        if not 0.0 <= frac <= 1.0:
            raise SftcastError(f"frac must lie in [0, 1], got {frac}")
        people = list(self.people)
        random.Random(f"split/{self.seed}/{seed}").shuffle(people)
        k = round(frac * len(people))
        return sorted(people[:k], key=_id), sorted(people[k:], key=_id)

    def organisation(self, name: str) -> Organisation:
        entity = self.entity(name)
        assert isinstance(entity, Organisation)
        return entity

    def place(self, name: str) -> Place:
        entity = self.entity(name)
        assert isinstance(entity, Place)
        return entity

    def __repr__(self) -> str:
        return (
            f"World(size={self.size!r}, seed={self.seed}, people={len(self.people)}, "
            f"places={len(self.places)}, organisations={len(self.organisations)}, "
            f"objects={len(self.objects)}, rules={len(self.rules)})"
        )


_ATTRIBUTES: dict[type, tuple[str, ...]] = {
    Person: PERSON_ATTRIBUTES,
    Place: PLACE_ATTRIBUTES,
    Organisation: ORGANISATION_ATTRIBUTES,
    PhysicalObject: OBJECT_ATTRIBUTES,
}


def _id(entity: Person) -> int:
    return entity.id
