"""``wikipedia``: encyclopedic biographies and articles, the world's knowledge source.

Biographies are most documents; each paraphrases a random subset of the person's attributes,
sometimes twice, in shuffled order, so lengths vary. ``passages`` gives one short canonical
passage per entity for a retriever.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmark.produce.world import prose
from benchmark.produce.world.entities import PERSON_ATTRIBUTES
from benchmark.produce.world.physics import property_phrase
from benchmark.produce.world.templates import PERSON_TEMPLATES

if TYPE_CHECKING:
    from benchmark.produce.world.entities import Person, World


@dataclass(frozen=True)
class Passage:
    """A retrievable passage: ``id`` is ``"<kind>/<entity id>"``, ``title`` the entity's name."""

    id: str
    title: str
    text: str


def render(world: World, pick: prose.Picker, rng: random.Random) -> str:
    """One article: a biography (60%), or an article on a city, organisation or object."""
    roll = rng.random()
    if roll < 0.6:
        return biography(world, pick.person(), rng)
    if roll < 0.75:
        return city_article(world, pick.place(), rng)
    if roll < 0.9:
        return organisation_article(world, pick.organisation(), rng)
    obj = pick.object()
    return f"{obj.name.capitalize()}\n\n" + " ".join(prose.object_facts(obj, rng))


def biography(world: World, person: Person, rng: random.Random) -> str:
    k = rng.randint(3, len(PERSON_ATTRIBUTES))
    sentences = prose.person_facts(world, person, rng, k=k, repeats=rng.choice((1, 1, 2)))
    paragraphs = [" ".join(sentences)]
    if rng.random() < 0.4:  # a linked fact about the employer or the birth city
        org = world.organisation(person.employer)
        paragraphs.append(f"{person.name} works for {org.name}, which is based in {org.city}.")
    if rng.random() < 0.3:
        paragraphs.append("See also: " + ", ".join(p.name for p in rng.sample(world.people, 3)) + ".")
    return f"{person.name}\n\n" + "\n\n".join(paragraphs)


def city_article(world: World, place, rng: random.Random) -> str:
    natives = [p.name for p in world.people if p.birth_city == place.name]
    text = " ".join(prose.place_facts(place, rng))
    if natives:
        shown = rng.sample(natives, min(len(natives), rng.randint(1, 6)))
        text += f" Notable people born in {place.name} include {', '.join(shown)}."
    return f"{place.name}\n\n{text}"


def organisation_article(world: World, org, rng: random.Random) -> str:
    text = " ".join(prose.organisation_facts(org, rng))
    attr = "university" if org.kind == "university" else "employer"
    members = [p.name for p in world.people if getattr(p, attr) == org.name]
    if members:
        shown = rng.sample(members, min(len(members), rng.randint(1, 5)))
        verb = "Alumni of" if attr == "university" else "People who work for"
        text += f" {verb} {org.name} include {', '.join(shown)}."
    return f"{org.name}\n\n{text}"


def passages(world: World) -> list[Passage]:
    """One canonical passage per person, place, organisation and object, in that order."""
    out = []
    for p in world.people:
        text = " ".join(
            PERSON_TEMPLATES[a][0].format(name=p.name, value=world.fact(p, a)) for a in PERSON_ATTRIBUTES
        )
        out.append(Passage(f"person/{p.id}", p.name, text))
    rng = random.Random(0)  # template choice only; passages stay fixed for a world
    for place in world.places:
        out.append(Passage(f"place/{place.id}", place.name, " ".join(sorted(prose.place_facts(place, rng)))))
    for org in world.organisations:
        out.append(
            Passage(f"organisation/{org.id}", org.name, " ".join(sorted(prose.organisation_facts(org, rng))))
        )
    for obj in world.objects:
        text = f"The {obj.name} is a {obj.size} object made of {obj.material}. " + " ".join(
            f"The {obj.name} {property_phrase(v)}." for v in obj.properties.values()
        )
        out.append(Passage(f"object/{obj.id}", obj.name, text))
    return out
