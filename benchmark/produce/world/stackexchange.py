"""``stackexchange`` threads, and ``qa`` text (question-answer pairs) for mixing into pre-training.

Questions about people only ever concern the training half of ``world.split_entities()``
(default arguments), so QA text in pre-training never covers a held-out person.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from benchmark.produce.world import prose
from benchmark.produce.world.entities import PERSON_ATTRIBUTES
from benchmark.produce.world.physics import property_phrase
from benchmark.produce.world.templates import person_question, person_sentence

if TYPE_CHECKING:
    from benchmark.produce.world.entities import World

_QUESTION_PROPS = {
    "buoyancy": "Does the {obj} float in water?",
    "weight": "Is the {obj} heavy?",
    "conductivity": "Does the {obj} conduct electricity?",
    "fragility": "Is the {obj} fragile?",
    "magnetism": "Is the {obj} magnetic?",
    "flammability": "Does the {obj} burn easily?",
    "hardness": "Is the {obj} hard?",
}
_THANKS = ("Thanks, that answers it.", "Great, thank you!", "Makes sense now.", "Accepted.")


def _person_thread(world: World, pick: prose.Picker, rng: random.Random) -> tuple[str, list[str]]:
    person = pick.train_person()
    attr = rng.choice(PERSON_ATTRIBUTES)
    answers = [person_sentence(rng, person.name, attr, world.fact(person, attr))]
    if rng.random() < 0.5:
        extra = rng.choice([a for a in PERSON_ATTRIBUTES if a != attr])
        answers.append(f"Also, {person_sentence(rng, person.name, extra, world.fact(person, extra))}")
    return person_question(rng, person.name, attr), answers


def _object_thread(world: World, pick: prose.Picker, rng: random.Random) -> tuple[str, list[str]]:
    obj = pick.object()
    prop = rng.choice(list(_QUESTION_PROPS))
    value = obj.properties[prop]
    reasons = [r.text for r in world.rules if r.consequence == (prop, value) and r.applies(obj)]
    answer = f"The {obj.name} {property_phrase(value)}."
    if reasons:
        answer += f" The reason: {reasons[0]}"
    return _QUESTION_PROPS[prop].format(obj=obj.name), [answer]


def _arithmetic_thread(world: World, pick: prose.Picker, rng: random.Random) -> tuple[str, list[str]]:
    a, b = rng.randint(2, 999), rng.randint(2, 999)
    op, result = rng.choice([("+", a + b), ("-", a - b), ("*", a * b)])
    return f"What is {a} {op} {b}? My calculator seems broken.", [f"{a} {op} {b} = {result}."]


_THREADS = (_person_thread, _person_thread, _person_thread, _object_thread, _arithmetic_thread)


def render(world: World, pick: prose.Picker, rng: random.Random) -> str:
    """One to six question threads, each with one or more voted answers."""
    posts = []
    for _ in range(rng.randint(1, 6)):
        question, answers = rng.choice(_THREADS)(world, pick, rng)
        lines = [f"Q: {question}"]
        for answer in answers:
            lines.append(f"A ({rng.randint(0, 120)} votes): {answer}")
        if rng.random() < 0.3:
            lines.append(f"Comment: {rng.choice(_THANKS)}")
        posts.append("\n".join(lines))
    return "\n\n".join(posts)


def render_qa(world: World, pick: prose.Picker, rng: random.Random) -> str:
    """Four to twelve "Question: ... Answer: ..." pairs about training-half people."""
    pairs = []
    for _ in range(rng.randint(4, 12)):
        person = pick.train_person()
        attr = rng.choice(PERSON_ATTRIBUTES)
        pairs.append(
            f"Question: {person_question(rng, person.name, attr)}\nAnswer: {world.fact(person, attr)}"
        )
    return "\n\n".join(pairs)
