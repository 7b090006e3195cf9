"""The seeded world: determinism, ground truth, and the truth of what its documents state."""

from __future__ import annotations

import re
import time

import pytest

from benchmark.core.errors import SftcastError
from benchmark.produce.world import DOMAINS, PERSON_ATTRIBUTES, World
from benchmark.produce.world.documents import documents
from benchmark.produce.world.templates import PERSON_TEMPLATES
from benchmark.produce.world.wikipedia import passages


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate("micro", seed=0)


def test_generation_is_fast_deterministic_and_seed_dependent():
    start = time.perf_counter()
    a = World.generate("micro", seed=3)
    assert time.perf_counter() - start < 1.0
    b = World.generate("micro", seed=3)
    assert a.people == b.people and a.places == b.places and a.objects == b.objects
    assert list(a.facts()) == list(b.facts())
    assert documents(a, "books", 3, seed=1) == documents(b, "books", 3, seed=1)
    assert a.people != World.generate("micro", seed=4).people
    assert documents(a, "c4", 3, seed=1) != documents(a, "c4", 3, seed=2)


def test_sizes_scale():
    assert 20 <= len(World.generate("micro").people) <= 50
    assert len(World.generate("tiny").people) == 100
    with pytest.raises(SftcastError, match="unknown world size"):
        World.generate("huge")


def test_names_are_unique_and_candidates_hold_true_values(world):
    names = [e.name for e in [*world.people, *world.places, *world.organisations, *world.objects]]
    assert len(names) == len(set(names))
    facts = list(world.facts())
    assert len(facts) >= len(world.people) * len(PERSON_ATTRIBUTES)
    for subject, relation, value in facts:
        assert value in world.candidates(relation), (subject, relation, value)
        assert world.fact(subject, relation) == value
    for attr in PERSON_ATTRIBUTES:
        assert len(world.candidates(attr)) >= 4
    with pytest.raises(SftcastError):
        world.fact(world.people[0], "colour")


def test_objects_obey_every_rule(world):
    for rule in world.rules:
        for obj in world.objects:
            if rule.applies(obj):
                prop, value = rule.consequence
                assert world.fact(obj, prop) == value, (rule.text, obj)


def test_split_entities(world):
    train, held = world.split_entities(frac=0.5, seed=0)
    assert len(train) == len(world.people) // 2
    assert {p.name for p in train}.isdisjoint({p.name for p in held})
    assert len(train) + len(held) == len(world.people)
    assert world.split_entities(0.5, seed=0) == (train, held)
    assert world.split_entities(0.5, seed=1) != (train, held)


def test_qa_text_only_mentions_training_people(world):
    _, held = world.split_entities()
    text = "\n".join(documents(world, "qa", 30, seed=0) + documents(world, "stackexchange", 30, seed=0))
    assert not [p.name for p in held if p.name in text]
    assert "Question:" in text and "Q:" in text


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_renders_documents_of_varied_length(world, domain):
    docs = documents(world, domain, 40, seed=0)
    lengths = sorted(len(d.split()) for d in docs)
    assert lengths[0] > 0 and lengths[-1] >= 2 * lengths[len(lengths) // 4]
    assert len(set(docs)) == len(docs)


def test_unknown_domain_suggests_a_name(world):
    with pytest.raises(SftcastError, match="did you mean 'wikipedia'"):
        documents(world, "wikipedai", 1)


def _mention_pattern(strings) -> re.Pattern:
    alternatives = "|".join(re.escape(s) for s in sorted(set(strings), key=len, reverse=True))
    return re.compile(rf"(?<![\w])({alternatives})(?![\w])")


def _template_patterns(world):
    out = []
    for relation, templates in PERSON_TEMPLATES.items():
        values = "|".join(re.escape(v) for v in world.candidates(relation))
        for t in templates:
            rx = re.escape(t[0].upper() + t[1:]).replace(r"\{name\}", "(?P<name>.+?)", 1)
            rx = rx.replace(r"\{name\}", "(?P=name)").replace(r"\{value\}", f"(?P<value>{values})")
            out.append((relation, re.compile(rf"{rx}$")))
    return out


def test_every_fact_stated_in_wikipedia_is_true(world):
    people = {p.name: p for p in world.people}
    person_re = _mention_pattern(people)
    value_re = _mention_pattern([v for a in PERSON_ATTRIBUTES for v in world.candidates(a)])
    templates = _template_patterns(world)
    n_checked = n_strict = 0
    for doc in documents(world, "wikipedia", 300, seed=0):
        for sentence in re.split(r"(?<=\.)\s+|\n+", doc):
            mentioned = [people[m] for m in person_re.findall(sentence)]
            if not mentioned:
                continue
            n_checked += 1
            matched = [(rel, m) for rel, rx in templates if (m := rx.match(sentence)) and m["name"] in people]
            if matched:  # a templated fact: the stated value must be the true one for that relation
                n_strict += 1
                assert any(world.fact(m["name"], rel) == m["value"] for rel, m in matched), sentence
            allowed = {world.fact(p, a) for p in mentioned for a in PERSON_ATTRIBUTES}
            allowed |= {world.organisation(p.employer).city for p in mentioned}
            for value in value_re.findall(sentence):
                assert value in allowed, (sentence, value)
    assert n_checked > 500 and n_strict > 300


def test_wikipedia_passages_cover_every_entity(world):
    found = passages(world)
    ids = [p.id for p in found]
    assert len(ids) == len(set(ids))
    n_entities = len(world.people) + len(world.places) + len(world.organisations) + len(world.objects)
    assert len(found) == n_entities
    by_id = {p.id: p for p in found}
    for person in world.people:
        text = by_id[f"person/{person.id}"].text
        assert all(world.fact(person, a) in text for a in PERSON_ATTRIBUTES)
