"""Word pools and a pronounceable-name generator for the seeded world.

Every entity name in a world is unique and no name's words clash with another's, so a name
found in a text identifies exactly one entity.
"""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Ada", "Alan", "Alma", "Amos", "Anna", "Arlo", "Asha", "Bea", "Boris", "Carla", "Cyril", "Dana",
    "Dario", "Della", "Edgar", "Edith", "Elio", "Elsa", "Emil", "Erin", "Ezra", "Fay", "Felix", "Flora",
    "Gideon", "Greta", "Hana", "Hugo", "Ida", "Igor", "Ines", "Ivan", "Jada", "Jonas", "Jude", "Kai",
    "Kira", "Lars", "Lena", "Leon", "Lila", "Luca", "Mara", "Milo", "Mina", "Nadia", "Nico", "Nora",
    "Olga", "Omar", "Otto", "Pablo", "Petra", "Quinn", "Rafael", "Rosa", "Rufus", "Sami", "Selma",
    "Silas", "Sonia", "Tariq", "Tess", "Theo", "Uma", "Vera", "Victor", "Wanda", "Xavier", "Yara",
    "Yusuf", "Zelda", "Zoran", "Agnes", "Basil", "Clara", "Dmitri", "Elena", "Farid", "Gemma", "Hector",
    "Irma", "Jasper", "Karim", "Lucia", "Magnus", "Nell", "Oscar", "Priya", "Ronan", "Stella", "Tobias",
    "Ursula", "Viktor", "Willa", "Yosef", "Aurora", "Bruno", "Celia", "Dorian", "Esme", "Fabian",
)  # fmt: skip

FIELDS = (
    "physics", "chemistry", "biology", "mathematics", "history", "economics", "linguistics",
    "philosophy", "geology", "medicine", "law", "architecture", "sociology", "psychology", "botany",
    "statistics", "engineering", "literature", "anthropology", "music theory", "computer science",
    "agriculture", "oceanography", "zoology", "geography", "political science", "archaeology",
    "ecology", "genetics", "nursing",
)  # fmt: skip

HOBBIES = (
    "chess", "sailing", "painting", "gardening", "birdwatching", "pottery", "fishing", "cycling",
    "hiking", "knitting", "photography", "rowing", "archery", "fencing", "juggling", "origami",
    "baking", "climbing", "calligraphy", "stargazing", "swimming", "skiing", "running", "woodcarving",
    "beekeeping", "embroidery", "kayaking", "skating", "dancing", "singing",
)  # fmt: skip

INDUSTRIES = (
    "software", "shipping", "textiles", "banking", "publishing", "mining", "aviation", "brewing",
    "pharmaceuticals", "telecommunications", "insurance", "robotics", "furniture", "tourism", "glassware",
)  # fmt: skip

COMPANY_SUFFIXES = ("Systems", "Industries", "Works", "Group", "Labs", "Holdings", "Partners", "Company")
UNIVERSITY_PATTERNS = ("{} University", "{} Institute of Technology", "{} College", "University of {}")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip

_ONSETS = (
    "b", "br", "c", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pr", "r", "s", "st",
    "t", "tr", "v", "w", "z", "th", "sh", "cl", "fl",
)  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "y")
_CODAS = ("", "", "n", "r", "l", "s", "rn", "nd", "ck", "ll", "m", "x")
_ENDINGS = {
    "surname": ("son", "ley", "ford", "man", "ton", "wick", "berg", "ner", "ski", "ova", "elli", ""),
    "city": ("ton", "burg", "ford", "field", "haven", "mouth", "port", "stead", "ville", "dale", "mar"),
    "country": ("ia", "land", "ary", "istan", "ea", "ora"),
    "river": ("", "e", "a", "wyn", "ent"),
    "word": ("", "a", "on", "ex", "is", "o"),
}


class NameMaker:
    """Draws unique pronounceable names; the ``used`` set is shared across all entity kinds."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def word(self, kind: str) -> str:
        """A new capitalised word of ``kind`` (surname, city, country, river, word) never drawn before."""
        for _ in range(10_000):
            n_syllables = self.rng.choice((1, 2, 2))
            stem = "".join(
                self.rng.choice(_ONSETS) + self.rng.choice(_VOWELS) + self.rng.choice(_CODAS)
                for _ in range(n_syllables)
            )
            name = (stem + self.rng.choice(_ENDINGS[kind])).capitalize()
            if 4 <= len(name) <= 10 and name.lower() not in self.used:
                self.used.add(name.lower())
                return name
        raise RuntimeError(f"ran out of unique {kind} names")  # pragma: no cover
