"""Objects with physical properties, and the simple rules those properties follow.

An object is a material and a noun ("iron kettle"). Every property but weight comes from the
material; weight is heavy only for a large object of a dense material. The rules state exactly
this, so a property never stated for an object can still be inferred from its material.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# property -> (positive value, negative value)
PROPERTIES: dict[str, tuple[str, str]] = {
    "weight": ("heavy", "light"),
    "hardness": ("hard", "soft"),
    "buoyancy": ("floats", "sinks"),
    "conductivity": ("conductive", "insulating"),
    "magnetism": ("magnetic", "non-magnetic"),
    "fragility": ("fragile", "sturdy"),
    "flammability": ("flammable", "non-flammable"),
}

# material -> (adjective, dense, hard, floats, conductive, magnetic, fragile, flammable)
MATERIALS: dict[str, tuple[str, bool, bool, bool, bool, bool, bool, bool]] = {
    "iron": ("iron", True, True, False, True, True, False, False),
    "steel": ("steel", True, True, False, True, True, False, False),
    "copper": ("copper", True, True, False, True, False, False, False),
    "stone": ("stone", True, True, False, False, False, False, False),
    "glass": ("glass", True, True, False, False, False, True, False),
    "porcelain": ("porcelain", True, True, False, False, False, True, False),
    "wood": ("wooden", True, True, True, False, False, False, True),
    "cork": ("cork", False, False, True, False, False, False, True),
    "rubber": ("rubber", False, False, True, False, False, False, True),
    "foam": ("foam", False, False, True, False, False, False, True),
    "wax": ("wax", False, False, True, False, False, False, True),
    "ice": ("ice", True, True, True, False, False, True, False),
    "plastic": ("plastic", False, True, True, False, False, False, True),
    "paper": ("paper", False, False, True, False, False, True, True),
}

# noun -> (size, materials it can be made of)
NOUNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "anvil": ("large", ("iron", "steel", "stone")),
    "kettle": ("large", ("iron", "steel", "copper", "porcelain", "plastic")),
    "bathtub": ("large", ("iron", "stone", "porcelain", "plastic", "wood")),
    "statue": ("large", ("stone", "copper", "wood", "wax", "ice", "glass")),
    "table": ("large", ("wood", "stone", "glass", "steel", "plastic")),
    "bench": ("large", ("wood", "stone", "iron", "plastic")),
    "barrel": ("large", ("wood", "steel", "plastic")),
    "door": ("large", ("wood", "steel", "glass")),
    "column": ("large", ("stone", "porcelain", "ice", "wood")),
    "sculpture": ("large", ("steel", "foam", "ice", "paper", "glass")),
    "chest": ("large", ("wood", "iron", "plastic")),
    "bell": ("large", ("copper", "glass", "iron")),
    "mattress": ("large", ("foam", "rubber")),
    "spoon": ("small", ("wood", "steel", "plastic", "copper", "porcelain")),
    "ball": ("small", ("rubber", "cork", "glass", "steel", "foam", "paper", "wax")),
    "cup": ("small", ("porcelain", "glass", "paper", "plastic", "copper", "wood")),
    "key": ("small", ("iron", "copper", "steel", "plastic")),
    "button": ("small", ("wood", "plastic", "copper", "glass")),
    "coin": ("small", ("copper", "steel", "plastic")),
    "bead": ("small", ("glass", "wood", "wax", "plastic", "stone")),
    "whistle": ("small", ("steel", "plastic", "wood", "copper")),
    "figurine": ("small", ("porcelain", "wax", "wood", "stone", "ice", "paper")),
    "stopper": ("small", ("cork", "rubber", "glass")),
    "nail": ("small", ("iron", "steel", "copper")),
    "comb": ("small", ("wood", "plastic", "steel")),
    "block": ("small", ("foam", "ice", "wood", "stone", "wax", "rubber")),
    "boat": ("small", ("paper", "wood", "cork", "foam")),
    "tile": ("small", ("stone", "porcelain", "glass", "cork", "rubber")),
}


@dataclass(frozen=True)
class PhysicalObject:
    """An everyday object; ``properties`` maps each name in ``PROPERTIES`` to its value."""

    id: int
    name: str
    noun: str
    material: str
    size: str
    properties: dict[str, str] = field(hash=False)


@dataclass(frozen=True)
class Rule:
    """If an object has every (attribute, value) in ``condition``, it has ``consequence``."""

    id: int
    condition: tuple[tuple[str, str], ...]
    consequence: tuple[str, str]
    text: str

    def applies(self, obj: PhysicalObject) -> bool:
        values = {"material": obj.material, "size": obj.size, **obj.properties}
        return all(values[attr] == value for attr, value in self.condition)


def material_properties(material: str, size: str) -> dict[str, str]:
    """The value of every property of a ``size`` object made of ``material``."""
    _, dense, *flags = MATERIALS[material]
    props = dict(zip(list(PROPERTIES)[1:], flags, strict=True))
    out = {"weight": PROPERTIES["weight"][0 if dense and size == "large" else 1]}
    out.update({name: PROPERTIES[name][0 if flag else 1] for name, flag in props.items()})
    return out


_PHRASES = {
    "floats": "floats in water",
    "sinks": "sinks in water",
    "conductive": "conducts electricity",
    "insulating": "does not conduct electricity",
    "flammable": "burns easily",
    "non-flammable": "does not burn",
}


def property_phrase(value: str) -> str:
    """A verb phrase stating a property value: "floats in water", "is heavy"."""
    return _PHRASES.get(value, f"is {value}")


def make_rules() -> list[Rule]:
    """One rule per (material, property) pair, plus the two weight rules."""
    rules: list[Rule] = []
    for material, (_, dense, *_) in MATERIALS.items():
        for prop, value in material_properties(material, "small").items():
            if prop == "weight":
                continue
            text = f"Every object made of {material} {property_phrase(value)}."
            rules.append(Rule(len(rules), (("material", material),), (prop, value), text))
        if dense:
            text = f"Every large object made of {material} is heavy."
            rules.append(
                Rule(len(rules), (("material", material), ("size", "large")), ("weight", "heavy"), text)
            )
        else:
            text = f"Every object made of {material} is light."
            rules.append(Rule(len(rules), (("material", material),), ("weight", "light"), text))
    rules.append(Rule(len(rules), (("size", "small"),), ("weight", "light"), "Every small object is light."))
    return rules


def make_objects(n: int, rng: random.Random) -> list[PhysicalObject]:
    """``n`` distinct objects (at most one per material and noun), in a seeded order."""
    combos = sorted((m, noun) for noun, (_, materials) in NOUNS.items() for m in materials)
    rng.shuffle(combos)
    objects = []
    for i, (material, noun) in enumerate(combos[:n]):
        size = NOUNS[noun][0]
        name = f"{MATERIALS[material][0]} {noun}"
        objects.append(PhysicalObject(i, name, noun, material, size, material_properties(material, size)))
    return objects
