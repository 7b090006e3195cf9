"""CBQA: closed-book questions about the world's entities, and the question sets RAG shares.

Four question sets mirror the paper's QA datasets; CBQA asks them with no passage, so a model
can answer only from what pre-training stored. People follow ``world.split_entities()``: SFT
trains on questions about the training half (whose QA text the corpus may mix into
pre-training) and tests on held-out people. Places and organisations are split the same way.

===============  =============================================================  ==============
subset           questions                                                      choices
===============  =============================================================  ==============
nq_open          one attribute of a person (4 paraphrases per fact)             the attribute's candidates
trivia_qa        one attribute of a city or an organisation (3 paraphrases)     the attribute's candidates
hotpot_qa        two hops: person -> city/employer/university -> its attribute  the final attribute's
2wikimultihopqa  two hops along other relations, and same-or-not comparisons     candidates, or yes/no
===============  =============================================================  ==============

Each item carries ``hops``: the ``[subject, relation, value]`` facts its answer follows from.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from benchmark.produce.tasks.base import Subset, TaskContext, dedupe, finish, register_subset, take_groups
from benchmark.produce.world.entities import PERSON_ATTRIBUTES
from benchmark.produce.world.templates import PERSON_QUESTIONS

if TYPE_CHECKING:
    from benchmark.produce.world import World

TASK = "cbqa"

PLACE_QUESTIONS: dict[str, tuple[str, ...]] = {
    "country": ("In which country is {name}?", "Which country does the city of {name} belong to?",
                "{name} is a city in which country?"),
    "river": ("Which river flows through {name}?", "On which river does {name} lie?",
              "What is the river of {name}?"),
    "population": ("What is the population of {name}?", "How many people live in {name}?",
                   "About how many inhabitants does {name} have?"),
}  # fmt: skip
ORGANISATION_QUESTIONS: dict[str, tuple[str, ...]] = {
    "city": ("Where is {name} based?", "In which city does {name} have its headquarters?",
             "Where is {name} located?"),
    "founded": ("When was {name} founded?", "In what year was {name} established?",
                "What is the founding year of {name}?"),
    "industry": ("What industry is {name} in?", "What is the business of {name}?",
                 "In which industry is {name} active?"),
}  # fmt: skip
# (first relation, second relation) -> paraphrases; the bridge entity is the first relation's value
BRIDGES: dict[tuple[str, str], tuple[str, ...]] = {
    ("birth_city", "country"): ("In which country is the city where {name} was born?",
                                "Which country is {name}'s hometown in?",
                                "In what country was {name} born?"),
    ("employer", "city"): ("In which city is the company that employs {name} based?",
                           "Where is the employer of {name} headquartered?",
                           "In which city does {name}'s employer have its headquarters?"),
    ("university", "founded"): ("When was the university {name} attended founded?",
                                "In what year was the alma mater of {name} established?",
                                "What is the founding year of the university where {name} studied?"),
}  # fmt: skip
COMPOSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("birth_city", "river"): ("Which river flows through the city where {name} was born?",
                              "On which river does {name}'s hometown lie?"),
    ("employer", "industry"): ("What industry is the employer of {name} in?",
                               "In which business is the company {name} works for?"),
    ("university", "city"): ("In which city is the university {name} attended?",
                             "Where is the alma mater of {name} located?"),
}  # fmt: skip
COMPARISONS: dict[str, tuple[str, ...]] = {
    "birth_city": ("Were {a} and {b} born in the same city?", "Do {a} and {b} share a hometown?"),
    "university": ("Did {a} and {b} study at the same university?", "Do {a} and {b} share an alma mater?"),
    "employer": ("Do {a} and {b} work for the same company?", "Are {a} and {b} employed by one company?"),
}  # fmt: skip
# second-hop relation -> the world's candidate pool for its value
POOLS = {"country": "country", "river": "river", "population": "population", "city": "city",
         "founded": "founded", "industry": "industry"}  # fmt: skip

Question = dict[str, Any]  # question, answer, choices, entity, entities, hops, kind


def _q(question: str, answer: str, choices: list[str], entities: list[str], hops: list[list[str]], kind: str):
    return {"question": question, "answer": answer, "choices": choices, "entity": entities[0],
            "entities": entities, "hops": hops, "kind": kind}  # fmt: skip


def questions_nq(ctx: TaskContext, split: str, rng: random.Random) -> list[Question]:
    world, groups = ctx.world, []
    for person in ctx.people[split]:
        for attr in PERSON_ATTRIBUTES:
            value, cands = world.fact(person, attr), world.candidates(attr)
            hops = [[person.name, attr, value]]
            groups.append([
                _q(t.format(name=person.name), value, cands, [person.name], hops, attr)
                for t in PERSON_QUESTIONS[attr]
            ])  # fmt: skip
    return take_groups(groups, ctx.sizes[split], rng)


def questions_trivia(ctx: TaskContext, split: str, rng: random.Random) -> list[Question]:
    world, groups = ctx.world, []
    for place in ctx.places[split]:
        for attr, templates in PLACE_QUESTIONS.items():
            value = world.fact(place, attr)
            groups.append([
                _q(t.format(name=place.name), value, world.candidates(POOLS[attr]), [place.name],
                   [[place.name, attr, value]], attr)
                for t in templates
            ])  # fmt: skip
    for org in ctx.organisations[split]:
        for attr, templates in ORGANISATION_QUESTIONS.items():
            if attr == "industry" and org.kind != "company":
                continue
            value = world.fact(org, attr)
            groups.append([
                _q(t.format(name=org.name), value, world.candidates(POOLS[attr]), [org.name],
                   [[org.name, attr, value]], attr)
                for t in templates
            ])  # fmt: skip
    return take_groups(groups, ctx.sizes[split], rng)


def _chains(
    ctx: TaskContext, split: str, table: dict[tuple[str, str], tuple[str, ...]]
) -> list[list[Question]]:
    world, groups = ctx.world, []
    for person in ctx.people[split]:
        for (first, second), templates in table.items():
            bridge = world.fact(person, first)
            value = world.fact(bridge, second)
            hops = [[person.name, first, bridge], [bridge, second, value]]
            cands = world.candidates(POOLS[second])
            groups.append([
                _q(t.format(name=person.name), value, cands, [person.name], hops, f"{first}>{second}")
                for t in templates
            ])  # fmt: skip
    return groups


def questions_hotpot(ctx: TaskContext, split: str, rng: random.Random) -> list[Question]:
    return take_groups(_chains(ctx, split, BRIDGES), ctx.sizes[split], rng)


def questions_2wiki(ctx: TaskContext, split: str, rng: random.Random) -> list[Question]:
    """Compositional chains (2/3 of the groups) and balanced same-or-not comparisons (1/3)."""
    world, people = ctx.world, ctx.people[split]
    chains = _chains(ctx, split, COMPOSITIONS)
    comparisons: list[list[Question]] = []
    n_pairs = max(1, len(chains) // 2)
    for attr, templates in COMPARISONS.items():
        same = [
            (a, b)
            for i, a in enumerate(people)
            for b in people[i + 1 :]
            if a.__dict__[attr] == b.__dict__[attr]
        ]
        differ = [
            (a, b)
            for i, a in enumerate(people)
            for b in people[i + 1 :]
            if a.__dict__[attr] != b.__dict__[attr]
        ]
        k = min(len(same), len(differ), max(1, n_pairs // len(COMPARISONS) // 2))
        for a, b in rng.sample(same, k) + rng.sample(differ, k):
            if rng.random() < 0.5:
                a, b = b, a
            va, vb = world.fact(a, attr), world.fact(b, attr)
            answer = "yes" if va == vb else "no"
            hops, kind = [[a.name, attr, va], [b.name, attr, vb]], f"same_{attr}"
            comparisons.append([
                _q(t.format(a=a.name, b=b.name), answer, ["yes", "no"], [a.name, b.name], hops, kind)
                for t in templates
            ])  # fmt: skip
    n = ctx.sizes[split]
    items = take_groups(chains, n - n // 3, rng) + take_groups(comparisons, n // 3, rng)
    rng.shuffle(items)
    return items


QUESTION_SETS: dict[str, Callable[[TaskContext, str, random.Random], list[Question]]] = {
    "nq_open": questions_nq,
    "trivia_qa": questions_trivia,
    "hotpot_qa": questions_hotpot,
    "2wikimultihopqa": questions_2wiki,
}


def verify_qa(record: dict[str, Any], world: World) -> bool:
    """Every hop holds in the world, and the answer follows from the hops."""
    hops = record["hops"]
    if not all(world.fact(s, r) == v for s, r, v in hops):
        return False
    if record["kind"].startswith("same_"):
        return record["answer"] == ("yes" if hops[0][2] == hops[1][2] else "no")
    chained = all(hops[i + 1][0] == hops[i][2] for i in range(len(hops) - 1))
    return chained and record["answer"] == hops[-1][2]


def question_prompt(question: str) -> str:
    """The closed-book prompt: the "Question: ...\\nAnswer:" format of the corpus's QA text."""
    return f"Question: {question}\nAnswer:"


def _closed_book(subset: str) -> Callable[[TaskContext, str, random.Random], list[dict[str, Any]]]:
    def build(ctx: TaskContext, split: str, rng: random.Random) -> list[dict[str, Any]]:
        items = []
        for q in QUESTION_SETS[subset](ctx, split, rng):
            question = q.pop("question")
            items.append({"prompt": question_prompt(question), "question": question, **q})
        return finish(TASK, subset, split, dedupe(items))

    return build


for _name in QUESTION_SETS:
    register_subset(Subset(TASK, _name, _name, _closed_book(_name), verify_qa, "closed-book " + _name))
