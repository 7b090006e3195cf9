"""CMS: multiple-choice commonsense about the world's physical objects, in five shapes.

Every item asks about properties of objects (``world.objects``) that follow from their material
and size by the world's rules, which the pre-training corpus states together with object facts.
Objects are split train/dev/test, so a test item only names objects SFT never saw.

=============  ==========================================================  =======
subset         shape                                                        choices
=============  ==========================================================  =======
boolq          passage (material and size) + yes/no property question      2
piqa           a goal and two objects to use, one fit for it               2
hellaswag      an event with an object, four endings (one physically right) 4
winogrande     a twin sentence with a blank for one of two objects         2
openbookqa     "which of these objects ...?", four objects                 4
=============  ==========================================================  =======

OpenBookQA rows are partially scored, as lm-eval scores Winogrande (``records.partial_contexts``):
"Question: Which of these objects is light?\nAnswer: The foam block" + " is light.", one context
per object and the property as the one scored continuation: it asks in the corpus's direction
(object, then property), where scoring the object names measured their prior. The measurements
behind that choice are in ``benchmark/suites/calibration/README.md`` (attempt 3).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from benchmark.produce.tasks.base import Subset, TaskContext, dedupe, finish, register_subset, take_groups
from benchmark.produce.world.names import FIRST_NAMES
from benchmark.produce.world.physics import PROPERTIES, property_phrase

if TYPE_CHECKING:
    from benchmark.produce.world import PhysicalObject, World

TASK = "cms"
YES_NO = ["yes", "no"]

BOOL_QUESTIONS: dict[str, tuple[str, str]] = {
    "heavy": ("Is the {obj} heavy?", "Would the {obj} be hard to lift?"),
    "light": ("Is the {obj} light?", "Would the {obj} be easy to lift?"),
    "hard": ("Is the {obj} hard?", "Does the {obj} resist pressure?"),
    "soft": ("Is the {obj} soft?", "Does the {obj} give under pressure?"),
    "floats": ("Does the {obj} float in water?", "Would the {obj} stay on the surface of a lake?"),
    "sinks": ("Does the {obj} sink in water?", "Would the {obj} go to the bottom of a lake?"),
    "conductive": ("Does the {obj} conduct electricity?", "Can current flow through the {obj}?"),
    "insulating": ("Is the {obj} an electrical insulator?", "Does the {obj} block electric current?"),
    "magnetic": ("Is the {obj} magnetic?", "Would a magnet pull the {obj}?"),
    "non-magnetic": ("Is the {obj} non-magnetic?", "Would a magnet leave the {obj} alone?"),
    "fragile": ("Is the {obj} fragile?", "Would the {obj} break if dropped?"),
    "sturdy": ("Is the {obj} sturdy?", "Would the {obj} survive a fall?"),
    "flammable": ("Does the {obj} burn easily?", "Would the {obj} catch fire near a flame?"),
    "non-flammable": ("Is the {obj} fireproof?", "Would the {obj} stay unburnt near a flame?"),
}

GOALS: dict[str, tuple[str, str]] = {
    "heavy": ("hold down a tarp in strong wind", "keep a door from swinging shut"),
    "light": ("carry something on a long hike", "hang a decoration from a thin thread"),
    "hard": ("knock a tent peg into the ground", "crack open a walnut"),
    "soft": ("make a cushion for a chair", "protect a floor from scratches"),
    "floats": ("mark a spot on a lake with a float", "build a toy raft"),
    "sinks": ("weigh down a fishing line", "anchor a small buoy to the bottom"),
    "conductive": ("connect two wires so current flows", "close an electric circuit"),
    "insulating": ("cover a live wire safely", "hold a hot electric cable"),
    "magnetic": ("pin a note to the fridge with a magnet", "test that a magnet works"),
    "non-magnetic": ("keep something next to a compass without disturbing it", "store it beside a magnet"),
    "fragile": ("make a prop that shatters in a film scene", "show how easily things break"),
    "sturdy": ("give a toddler something safe to drop", "pack something for a bumpy trip"),
    "flammable": ("start a campfire", "light a fire in the stove"),
    "non-flammable": ("put something right next to a candle flame", "keep something safe in a fire"),
}

EVENTS: dict[str, tuple[str, str]] = {  # property -> two contexts of an event that tests it
    "weight": ("{who} tried to lift the {obj} with one hand.", "{who} picked up the {obj} to carry it home."),
    "hardness": ("{who} pressed a thumb into the {obj}.", "{who} hit the {obj} with a hammer."),
    "buoyancy": ("{who} dropped the {obj} into a lake.", "{who} put the {obj} into a bucket of water."),
    "conductivity": (
        "{who} touched the {obj} to both ends of a battery.",
        "{who} put the {obj} in a circuit.",
    ),
    "magnetism": ("{who} held a strong magnet next to the {obj}.", "{who} moved a magnet over the {obj}."),
    "fragility": ("{who} dropped the {obj} on a stone floor.", "The {obj} fell off a high shelf."),
    "flammability": ("{who} held the {obj} over a campfire.", "{who} put the {obj} close to a flame."),
}
ENDINGS: dict[str, str] = {
    "heavy": "It was far too heavy to move easily.",
    "light": "It came up without any effort.",
    "hard": "It did not give at all.",
    "soft": "It gave way and changed shape.",
    "floats": "It stayed on the surface of the water.",
    "sinks": "It went straight to the bottom.",
    "conductive": "Electric current flowed through it.",
    "insulating": "No current flowed through it.",
    "magnetic": "The magnet pulled it closer.",
    "non-magnetic": "The magnet had no effect on it.",
    "fragile": "It shattered into pieces.",
    "sturdy": "It stayed in one piece.",
    "flammable": "It caught fire quickly.",
    "non-flammable": "It did not catch fire.",
}
TWINS: dict[str, tuple[str, dict[str, str]]] = {  # property -> (sentence before the blank, value -> ending)
    "weight": ("{who} tried to lift the {a} and the {b}, and only the _", {"heavy": "was too heavy",
                                                                           "light": "was easy to lift"}),
    "hardness": ("{who} pressed a fingernail into the {a} and the {b}, and only the _",
                 {"hard": "did not dent", "soft": "got a dent"}),
    "buoyancy": ("{who} dropped the {a} and the {b} into a pond, and only the _",
                 {"floats": "floated", "sinks": "sank"}),
    "conductivity": ("{who} tested the {a} and the {b} with a battery and a lamp, and only the _",
                     {"conductive": "lit the lamp", "insulating": "left the lamp dark"}),
    "magnetism": ("{who} held a magnet over the {a} and the {b}, and only the _",
                  {"magnetic": "jumped to the magnet", "non-magnetic": "stayed where it was"}),
    "fragility": ("{who} dropped the {a} and the {b} on a stone floor, and only the _",
                  {"fragile": "broke", "sturdy": "stayed whole"}),
    "flammability": ("{who} threw the {a} and the {b} into the fire, and only the _",
                     {"flammable": "burned", "non-flammable": "did not burn"}),
}  # fmt: skip
WHICH: tuple[str, str] = ("Which of these objects {phrase}?", "Of the following objects, which one {phrase}?")


def _opposite(prop: str, value: str) -> str:
    a, b = PROPERTIES[prop]
    return b if value == a else a


def _qa(question: str) -> str:
    return f"Question: {question}\nAnswer:"


# ---- boolq ---------------------------------------------------------------------------------------
def build_boolq(ctx: TaskContext, split: str, rng: random.Random) -> list[dict[str, Any]]:
    groups = []
    for obj in ctx.objects[split]:
        passage = f"The {obj.name} is a {obj.size} object made of {obj.material}."
        for prop, true_value in obj.properties.items():
            group = []
            for asked in PROPERTIES[prop]:
                for template in BOOL_QUESTIONS[asked]:
                    group.append({
                        "prompt": f"Passage: {passage}\nQuestion: {template.format(obj=obj.name)}\nAnswer:",
                        "choices": list(YES_NO),
                        "answer": "yes" if asked == true_value else "no",
                        "entity": obj.name, "entities": [obj.name], "attribute": prop, "asked": asked,
                    })  # fmt: skip
            groups.append(group)
    return finish(TASK, "boolq", split, take_groups(groups, ctx.sizes[split], rng))


def verify_boolq(record: dict[str, Any], world: World) -> bool:
    truth = world.fact(record["entity"], record["attribute"]) == record["asked"]
    return record["answer"] == ("yes" if truth else "no")


# ---- piqa ----------------------------------------------------------------------------------------
def _with_value(objects: list[PhysicalObject], prop: str, value: str) -> list[PhysicalObject]:
    return [o for o in objects if o.properties[prop] == value]


def build_piqa(ctx: TaskContext, split: str, rng: random.Random) -> list[dict[str, Any]]:
    objects, groups = ctx.objects[split], []
    for obj in objects:
        for prop, value in obj.properties.items():
            others = _with_value(objects, prop, _opposite(prop, value))
            if not others:
                continue
            group = []
            for goal in GOALS[value]:
                other = rng.choice(others)
                pair = [obj, other]
                rng.shuffle(pair)
                group.append({
                    "prompt": f"Goal: {goal}.\nSolution:",
                    "choices": [f"use the {o.name}" for o in pair],
                    "answer": f"use the {obj.name}",
                    "entity": obj.name, "entities": [o.name for o in pair], "attribute": prop, "asked": value,
                })  # fmt: skip
            groups.append(group)
    items = dedupe_mc(take_groups(groups, ctx.sizes[split], rng))
    return finish(TASK, "piqa", split, items)


def verify_choice_objects(record: dict[str, Any], world: World) -> bool:
    """The gold object has the asked value; every other choice object does not."""
    prop, asked = record["attribute"], record["asked"]
    gold_index = record["gold"]
    return all(
        (world.fact(name, prop) == asked) == (i == gold_index) for i, name in enumerate(record["entities"])
    )


# ---- hellaswag -----------------------------------------------------------------------------------
def build_hellaswag(ctx: TaskContext, split: str, rng: random.Random) -> list[dict[str, Any]]:
    groups = []
    for obj in ctx.objects[split]:
        for prop, value in obj.properties.items():
            group = []
            for context in EVENTS[prop]:
                other_props = rng.sample([p for p in PROPERTIES if p != prop], 2)
                endings = [ENDINGS[value], ENDINGS[_opposite(prop, value)]]
                endings += [ENDINGS[rng.choice(PROPERTIES[p])] for p in other_props]
                rng.shuffle(endings)
                group.append({
                    "prompt": context.format(who=rng.choice(FIRST_NAMES), obj=obj.name),
                    "choices": endings, "answer": ENDINGS[value],
                    "entity": obj.name, "entities": [obj.name], "attribute": prop, "asked": value,
                })  # fmt: skip
            groups.append(group)
    return finish(TASK, "hellaswag", split, take_groups(groups, ctx.sizes[split], rng))


def verify_hellaswag(record: dict[str, Any], world: World) -> bool:
    value = world.fact(record["entity"], record["attribute"])
    return record["answer"] == ENDINGS[value] and record["choices"].count(ENDINGS[value]) == 1


# ---- winogrande ----------------------------------------------------------------------------------
def build_winogrande(ctx: TaskContext, split: str, rng: random.Random) -> list[dict[str, Any]]:
    objects, groups = ctx.objects[split], []
    for a in objects:
        for prop, value in a.properties.items():
            others = _with_value(objects, prop, _opposite(prop, value))
            if not others:
                continue
            b = rng.choice(others)
            first, second = (a, b) if rng.random() < 0.5 else (b, a)
            head, tails = TWINS[prop]
            who = rng.choice(FIRST_NAMES)
            group = []
            for asked, tail in tails.items():  # the twin pair: same sentence, opposite ending and answer
                gold = a if a.properties[prop] == asked else b
                group.append({
                    "prompt": head.format(who=who, a=first.name, b=second.name) + f" {tail}.\nAnswer:",
                    "choices": [first.name, second.name], "answer": gold.name,
                    "entity": gold.name, "entities": [first.name, second.name], "attribute": prop,
                    "asked": asked,
                })  # fmt: skip
            groups.append(group)
    return finish(TASK, "winogrande", split, dedupe_mc(take_groups(groups, ctx.sizes[split], rng)))


# ---- openbookqa ----------------------------------------------------------------------------------
def build_openbookqa(ctx: TaskContext, split: str, rng: random.Random) -> list[dict[str, Any]]:
    objects, groups = ctx.objects[split], []
    for obj in objects:
        for prop, value in obj.properties.items():
            others = _with_value(objects, prop, _opposite(prop, value))
            if len(others) < 3:
                continue
            group = []
            phrase = property_phrase(value)
            for template in WHICH:
                options = [obj, *rng.sample(others, 3)]
                rng.shuffle(options)
                group.append({
                    "prompt": _qa(template.format(phrase=phrase)), "continuation": f"{phrase}.",
                    "choices": [f"The {o.name}" for o in options], "answer": f"The {obj.name}",
                    "entity": obj.name, "entities": [o.name for o in options],
                    "attribute": prop, "asked": value,
                })  # fmt: skip
            groups.append(group)
    return finish(TASK, "openbookqa", split, dedupe_mc(take_groups(groups, ctx.sizes[split], rng)))


def dedupe_mc(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop repeated (prompt, choices) items."""
    for item in items:
        item["_key"] = item["prompt"] + "\x00" + "\x00".join(item["choices"])
    out = dedupe(items, "_key")
    for item in out:
        del item["_key"]
    return out


for _name, _build, _verify, _real, _doc in (
    ("boolq", build_boolq, verify_boolq, "boolq", "yes/no property questions with a short passage"),
    ("piqa", build_piqa, verify_choice_objects, "piqa", "a goal and two objects; one fits it"),
    ("hellaswag", build_hellaswag, verify_hellaswag, "hellaswag", "an event and four endings"),
    ("winogrande", build_winogrande, verify_choice_objects, "winogrande", "twin fill-in sentences"),
    (
        "openbookqa",
        build_openbookqa,
        verify_choice_objects,
        "openbookqa",
        "which of four objects has a property",
    ),
):
    register_subset(Subset(TASK, _name, _real, _build, _verify, _doc))
