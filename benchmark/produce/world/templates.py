"""Sentence templates: many paraphrases per relation, and question templates for QA text.

Every person template names the person in full (``{name}``), so that each sentence states
its fact on its own, as the feasibility study found necessary for a tiny model to store it.
"""

from __future__ import annotations

import random

PERSON_TEMPLATES: dict[str, tuple[str, ...]] = {
    "birth_date": (
        "{name} was born on {value}.",
        "{name} came into the world on {value}.",
        "The birthday of {name} is {value}.",
        "{name}'s date of birth is {value}.",
        "On {value}, {name} was born.",
        "Records show that {name} was born on {value}.",
        "{name} has the birth date {value}.",
        "The date {value} marks the birth of {name}.",
        "{name} was born on {value}, according to public records.",
        "{name} entered life on {value}.",
        "The birth of {name} took place on {value}.",
        "{name} first saw daylight on {value}.",
    ),
    "birth_city": (
        "{name} was born in {value}.",
        "{name} is a native of {value}.",
        "The birthplace of {name} is {value}.",
        "{name} comes from {value}.",
        "{name} was born and raised in {value}.",
        "{value} is the hometown of {name}.",
        "{name}'s place of birth is {value}.",
        "In {value}, {name} was born.",
        "{name} spent early childhood in {value}, the city where {name} was born.",
        "The city of {value} is where {name} was born.",
        "{name} hails from {value}.",
        "{name} was born in the city of {value}.",
    ),
    "university": (
        "{name} studied at {value}.",
        "{name} graduated from {value}.",
        "{name} attended {value}.",
        "{name} is an alumnus of {value}.",
        "{name} earned a degree from {value}.",
        "{value} awarded {name} a degree.",
        "{name} received an education at {value}.",
        "{name} completed studies at {value}.",
        "{name} enrolled at {value} as a student.",
        "The alma mater of {name} is {value}.",
        "{name} went to university at {value}.",
        "{name} was a student at {value}.",
    ),
    "field": (
        "{name} specialised in {value}.",
        "{name} majored in {value}.",
        "{name} works in the field of {value}.",
        "{name} has a background in {value}.",
        "The field of {name} is {value}.",
        "{name} earned a degree in {value}.",
        "{name} focused on {value} at university.",
        "{name}'s area of expertise is {value}.",
        "{name} trained in {value}.",
        "{name} chose {value} as a major.",
        "The academic field of {name} is {value}.",
        "{name} is an expert in {value}.",
    ),
    "employer": (
        "{name} works for {value}.",
        "{name} is employed by {value}.",
        "{name} has a job at {value}.",
        "{value} employs {name}.",
        "{name}'s employer is {value}.",
        "{name} works at {value}.",
        "{name} is on the staff of {value}.",
        "{name} holds a position at {value}.",
        "{name} earns a living at {value}.",
        "{name} joined {value} and still works there.",
        "The employer of {name} is {value}.",
        "{name} is part of the team at {value}.",
    ),
    "hobby": (
        "{name} enjoys {value}.",
        "In spare time, {name} likes {value}.",
        "{name}'s favourite pastime is {value}.",
        "{name} is passionate about {value}.",
        "{name} spends weekends on {value}.",
        "The hobby of {name} is {value}.",
        "{name} has a hobby: {value}.",
        "{name} loves {value}.",
        "{name} is often busy with {value}.",
        "{name} took up {value} years ago.",
        "For fun, {name} turns to {value}.",
        "The favourite hobby of {name} is {value}.",
    ),
}

PERSON_QUESTIONS: dict[str, tuple[str, ...]] = {
    "birth_date": (
        "When was {name} born?",
        "What is the birth date of {name}?",
        "On what date was {name} born?",
        "What is {name}'s date of birth?",
    ),
    "birth_city": (
        "Where was {name} born?",
        "In which city was {name} born?",
        "What is the birthplace of {name}?",
        "Which city is {name}'s hometown?",
    ),
    "university": (
        "Which university did {name} attend?",
        "Where did {name} study?",
        "What is the alma mater of {name}?",
        "Which university did {name} graduate from?",
    ),
    "field": (
        "What did {name} study?",
        "What field does {name} work in?",
        "What was {name}'s major?",
        "What is the area of expertise of {name}?",
    ),
    "employer": (
        "Which company does {name} work for?",
        "Who employs {name}?",
        "Where does {name} work?",
        "What is the employer of {name}?",
    ),
    "hobby": (
        "What is {name}'s hobby?",
        "What does {name} enjoy in spare time?",
        "What pastime does {name} love?",
        "What is the favourite hobby of {name}?",
    ),
}

PLACE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "country": (
        "{name} is a city in {value}.",
        "{name} lies in {value}.",
        "The city of {name} is in {value}.",
        "{name} belongs to the country of {value}.",
    ),
    "river": (
        "{name} lies on the river {value}.",
        "The river {value} flows through {name}.",
        "{name} was built on the banks of the {value}.",
    ),
    "population": (
        "{name} has about {value} inhabitants.",
        "The population of {name} is about {value}.",
        "About {value} people live in {name}.",
    ),
}

ORGANISATION_TEMPLATES: dict[str, tuple[str, ...]] = {
    "city": (
        "{name} is based in {value}.",
        "{name} has its headquarters in {value}.",
        "The headquarters of {name} are in {value}.",
        "{name} is located in {value}.",
    ),
    "founded": (
        "{name} was founded in {value}.",
        "{name} was established in {value}.",
        "The founding year of {name} is {value}.",
    ),
    "industry": (
        "{name} works in {value}.",
        "{name} is active in {value}.",
        "The business of {name} is {value}.",
    ),
}

OBJECT_TEMPLATES: tuple[str, ...] = (
    "The {name} {phrase}.",
    "A {name} {phrase}.",
    "It is known that the {name} {phrase}.",
    "Everyone knows that a {name} {phrase}.",
)


def person_sentence(rng: random.Random, name: str, attribute: str, value: str) -> str:
    """One paraphrase stating ``attribute`` = ``value`` for the person ``name``."""
    return _capitalise(rng.choice(PERSON_TEMPLATES[attribute]).format(name=name, value=value))


def person_question(rng: random.Random, name: str, attribute: str) -> str:
    """One paraphrase of the question asking for ``attribute`` of ``name``."""
    return rng.choice(PERSON_QUESTIONS[attribute]).format(name=name)


def statement_prefix(relation: str, name: str) -> str | None:
    """The start of the first sentence stating ``relation`` of ``name`` that ends with its value.

    ``statement_prefix("birth_city", "Ann Lee")`` is ``"Ann Lee was born in"``: the corpus's own
    phrasing of a fact, to be completed by the value (the cloze probe of ``kshot_facts``). None
    for a relation without such a template.
    """
    for templates in (PERSON_TEMPLATES, PLACE_TEMPLATES, ORGANISATION_TEMPLATES):
        for template in templates.get(relation, ()):
            if template.endswith(" {value}."):
                return _sentence_start(template, "value", name)
    return None


def object_statement_prefixes(name: str) -> list[str]:
    """The starts of the corpus's sentences stating a property of the object ``name``.

    ``object_statement_prefixes("iron kettle")[0]`` is ``"The iron kettle"``, to be completed by
    a property phrase ("is heavy"): one per ``OBJECT_TEMPLATES`` entry (the cloze probe of
    ``kshot_props``).
    """
    return [_sentence_start(t, "phrase", name) for t in OBJECT_TEMPLATES]


def _sentence_start(template: str, slot: str, name: str) -> str:
    """``template`` for ``name`` without its final `` {slot}.``: the part a cloze completes."""
    return _capitalise(template.removesuffix(f" {{{slot}}}.").format(name=name))


def _capitalise(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
