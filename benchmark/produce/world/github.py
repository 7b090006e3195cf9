"""``github``: small Python programs followed by their real output.

Each program is generated as source text and then executed (with ``print`` captured), so the
output shown below it is what the program really prints.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from benchmark.produce.world import prose
from benchmark.produce.world.physics import MATERIALS, material_properties

if TYPE_CHECKING:
    from benchmark.produce.world.entities import World

_FUNCS = {
    "add": "def add(a, b):\n    return a + b\n",
    "mul": "def mul(a, b):\n    return a * b\n",
    "gcd": "def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n",
    "fib": "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
    "fact": "def fact(n):\n    out = 1\n    for i in range(2, n + 1):\n        out *= i\n    return out\n",
    "square_sum": "def square_sum(n):\n    return sum(i * i for i in range(1, n + 1))\n",
}
_ARITY = {"add": 2, "mul": 2, "gcd": 2, "fib": 1, "fact": 1, "square_sum": 1}
_RANGE = {"fib": (1, 25), "fact": (1, 10), "square_sum": (1, 30)}


def _arithmetic(world: World, pick: prose.Picker, rng: random.Random) -> str:
    name = rng.choice(list(_FUNCS))
    calls = []
    for _ in range(rng.randint(1, 4)):
        args = [rng.randint(*_RANGE.get(name, (2, 200))) for _ in range(_ARITY[name])]
        calls.append(f"print({name}({', '.join(map(str, args))}))")
    return _FUNCS[name] + "\n" + "\n".join(calls) + "\n"


def _materials(world: World, pick: prose.Picker, rng: random.Random) -> str:
    prop = rng.choice(["buoyancy", "conductivity", "magnetism", "fragility", "flammability", "hardness"])
    positive = sorted(
        m
        for m in MATERIALS
        if material_properties(m, "small")[prop]
        in ("floats", "conductive", "magnetic", "fragile", "flammable", "hard")
    )
    word = {
        "buoyancy": "floats",
        "conductivity": "conducts",
        "magnetism": "is_magnetic",
        "fragility": "is_fragile",
        "flammability": "burns",
        "hardness": "is_hard",
    }[prop]
    objects = [pick.object() for _ in range(rng.randint(2, 5))]
    items = ",\n".join(f'    "{o.name}": "{o.material}"' for o in objects)
    return (
        f"{word.upper()} = {positive!r}\n\n\n"
        f"def {word}(material):\n    return material in {word.upper()}\n\n\n"
        f"objects = {{\n{items},\n}}\nfor name, material in objects.items():\n"
        f"    print(name, {word}(material))\n"
    )


def _people(world: World, pick: prose.Picker, rng: random.Random) -> str:
    people = [pick.person() for _ in range(rng.randint(2, 6))]
    attrs = rng.sample(["birth_city", "university", "field", "employer", "hobby", "birth_date"], 2)
    rows = ",\n".join(
        "    {" + ", ".join([f'"name": "{p.name}"'] + [f'"{a}": "{getattr(p, a)}"' for a in attrs]) + "}"
        for p in people
    )
    key = attrs[0]
    return (
        f'people = [\n{rows},\n]\n\nfor person in sorted(people, key=lambda p: p["{key}"]):\n'
        f'    print(person["name"], "-", person["{key}"])\n'
    )


def _lists(world: World, pick: prose.Picker, rng: random.Random) -> str:
    xs = [rng.randint(0, 99) for _ in range(rng.randint(3, 9))]
    op = rng.choice(
        ["sorted(xs)", "max(xs)", "min(xs)", "sum(xs)", "xs[::-1]", "len(xs)", "[x * 2 for x in xs]"]
    )
    return f"xs = {xs}\nprint({op})\n"


_PROGRAMS = (_arithmetic, _materials, _people, _lists)


def _run(source: str) -> list[str]:
    lines: list[str] = []
    exec(compile(source, "<world>", "exec"), {"print": lambda *a: lines.append(" ".join(map(str, a)))})
    return lines


def render(world: World, pick: prose.Picker, rng: random.Random) -> str:
    """A file of one to four programs, each followed by its captured output as comments."""
    parts = [
        f"# {rng.choice(['utils', 'main', 'demo', 'scratch', 'lib'])}/{rng.choice(['a', 'b', 'tools'])}.py"
    ]
    for _ in range(rng.randint(1, 4)):
        source = rng.choice(_PROGRAMS)(world, pick, rng)
        output = "\n".join(f"# {line}" for line in _run(source))
        parts.append(f"{source}\n# Output:\n{output}")
    return "\n\n".join(parts)
