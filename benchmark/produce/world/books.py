"""``books``: long narratives about people, the places they travel to, and the objects they handle.

Events respect the world's physics (a cork ball dropped in a river floats), and characters
recall their own biographies, so every narrative stays consistent with the ground truth.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from benchmark.produce.world import prose
from benchmark.produce.world.templates import person_sentence

if TYPE_CHECKING:
    from benchmark.produce.world.entities import Person, World
    from benchmark.produce.world.physics import PhysicalObject

_EVENTS = {
    "floats": "{name} dropped the {obj} into the river, and the {obj} floated away on the current.",
    "sinks": "{name} dropped the {obj} into the river, and the {obj} sank straight to the bottom.",
    "heavy": "{name} tried to lift the {obj}, but the {obj} was far too heavy to carry alone.",
    "light": "{name} picked up the {obj} with one hand; the {obj} was light.",
    "fragile": "{name} knocked the {obj} off the shelf, and the {obj} shattered on the floor.",
    "sturdy": "{name} knocked the {obj} off the shelf, but the {obj} was sturdy and did not break.",
    "flammable": "{name} held the {obj} too close to the fire, and the {obj} caught fire.",
    "non-flammable": "{name} left the {obj} by the fire, and the {obj} did not burn.",
    "conductive": "{name} touched the {obj} to the battery, and the lamp lit up, because the {obj} conducts.",
    "insulating": "{name} touched the {obj} to the battery, but the lamp stayed dark.",
    "magnetic": "{name} held a magnet near the {obj}, and the {obj} jumped to the magnet.",
    "non-magnetic": "{name} held a magnet near the {obj}, and nothing happened to the {obj}.",
    "hard": "{name} tapped the {obj} and it rang hard under the knuckles of {name}.",
    "soft": "{name} squeezed the {obj}, and the soft {obj} gave way.",
}
_MOODS = (
    "The morning was grey and quiet.",
    "Rain had fallen all night.",
    "The streets were busy.",
    "It was the first warm day of spring.",
    "A cold wind came down from the hills.",
    "Nobody spoke for a long while.",
    "The clock on the wall ticked slowly.",
)


def _scene(world: World, hero: Person, friend: Person, obj: PhysicalObject, rng: random.Random) -> str:
    place = world.place(rng.choice([hero.birth_city, world.organisation(hero.employer).city]))
    lines = [rng.choice(_MOODS), f"{hero.name} arrived in {place.name}, a city on the {place.river}."]
    value = obj.properties[rng.choice(list(obj.properties))]
    lines.append(_EVENTS[value].format(name=hero.name, obj=obj.name))
    attr = rng.choice(["birth_city", "university", "field", "employer", "hobby", "birth_date"])
    said = person_sentence(rng, friend.name, attr, getattr(friend, attr))
    lines.append(
        f'"Tell me about yourself," said {hero.name}. {friend.name} answered, and we learn that: {said}'
    )
    lines += prose.person_facts(world, hero, rng, k=rng.randint(1, 3))
    if rng.random() < 0.5:
        lines.append(prose.filler_sentence(rng))
    return " ".join(lines)


def render(world: World, pick: prose.Picker, rng: random.Random) -> str:
    """A chapter of 3 to 20 scenes following one person and a friend."""
    hero, friend = pick.person(), pick.person()
    if friend == hero:
        friend = pick.person()
    scenes = [_scene(world, hero, friend, pick.object(), rng) for _ in range(rng.randint(3, 20))]
    return f"Chapter {rng.randint(1, 30)}\n\n" + "\n\n".join(scenes)
