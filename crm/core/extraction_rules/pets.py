"""Pets: a dog or cat on site, its name and temperament, and the animal that is gone."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from crm.core.extraction_rules.base import (
    NAME,
    NAMED,
    NUMBER,
    Hit,
    Note,
    capitalised,
    name_value,
    parse_number,
)

_I = re.IGNORECASE

# -- pets ----------------------------------------------------------------------------------

_BREEDS = (
    r"labs?|labrador|retrievers?|rottweilers?|rotties?|pit\s?bulls?|pitties|german\s+shepherds?|husky"
    r"|huskies|poodles?|doodles?|goldendoodles?|labradoodles?|terriers?|chihuahuas?|beagles?"
    r"|dobermans?|dachshunds?|corgis?|schnauzers?|bulldogs?|mastiffs?|collies?|spaniels?"
    r"|yorkies?|pugs?|heelers?|goldens|aussies?|boxers?|greyhounds?"
    r"|malteses?|shih\s+tzus?|bernese|newfies?|great\s+pyrenees|cattle\s+dogs?|frenchies?"
    r"|staff(?:y|ies)|sausage\s+dogs?|springers?|whippets?|greyhounds?|collie\s+mix"
    r"|french\s+bulldogs?|pit\s+mix(?:es)?|(?:lab|pitbull|pit\s+bull|shepherd|terrier)\s+mix(?:es)?"
)
DOG_WORDS = rf"(?:dogs?|doggy|doggie|pups?|puppy|puppies|{_BREEDS})"
_DOG_WORDS = DOG_WORDS
_CAT_WORDS = r"(?:cats?|kitty|kitties|kittens?)"


@dataclass(frozen=True)
class _Animal:
    key_has: str
    key_name: str
    words: str


_DOG = _Animal("pets.has_dog", "pets.dog_name", _DOG_WORDS)
_CAT = _Animal("pets.has_cat", "pets.cat_name", _CAT_WORDS)


def _animal_patterns(words: str) -> dict[str, re.Pattern[str]]:
    return {
        "mention": re.compile(rf"\b{words}\b", _I),
        # "no dog(s)", "no more dog", "no longer has the dog", "don't have a dog anymore"
        "none": re.compile(
            rf"\b(?:no\s+(?:more\s+|longer\s+(?:any\s+|a\s+)?)?|(?:no\s+longer|don'?t|doesn'?t"
            rf"|do\s+not|does\s+not|didn'?t)\s+(?:have|has|own|owns)\s+(?:a\s+|the\s+|any\s+"
            rf"|their\s+|her\s+|his\s+)?|used\s+to\s+have\s+(?:a\s+|the\s+)?"
            rf"|(?:got\s+rid\s+of|gave\s+away|rehomed|re-homed)\s+(?:the\s+|their\s+|her\s+|his\s+)?)"
            rf"{words}\b",
            _I,
        ),
        # "dog passed away", "the cat died", "dog is gone", "dog was rehomed"
        "gone": re.compile(
            rf"\b{words}(?:'s\s+|\s+has\s+been\s+|\s+has\s+|\s+have\s+|\s+had\s+|\s+is\s+|\s+was\s+"
            rf"|\s+got\s+|\s+)(?:passed(?:\s+away)?"
            rf"|died|gone|put\s+down|put\s+to\s+sleep|rehomed|given\s+away|no\s+longer)\b",
            _I,
        ),
        "named": re.compile(rf"\b{words}(?:{NAMED}){NAME}", _I),
        # "Dog is Biscuit": only a word written as a name (not "dog is friendly").
        "is_name": re.compile(rf"\b{words}\s+is\s+(?=(?-i:[A-Z])){NAME}", _I),
        # a dictated note in lower case: "the dog is murphy he barks"
        "is_name_lower": re.compile(
            rf"\b{words}\s+is\s+{NAME}(?=\s+(?:he|she|and|but)\b|\s*[,.;]|\s*$)", _I
        ),
        # "the dog, Rocky, friendly" / "dog: Zeus" / "cat (Oreo)" / "dog (pitbull mix, Tank)"
        "apposition": re.compile(
            rf"\b{words}\s*(?:,|:|-|\()\s*(?:(?-i:[a-z]+(?:\s+[a-z]+)?),\s*)?{NAME}\s*(?=[,.;:!)\-]|$)",
            _I | re.MULTILINE,
        ),
        # "dog Biscuit (golden retriever)": a capitalised word right after the animal
        "bare": re.compile(
            rf"\b{words}\s+(?=(?-i:[A-Z][a-z]))(?!{words}\b){NAME}(?=\s*[(,.;:!-]|\s+[a-z]|\s*$)",
            _I | re.MULTILINE,
        ),
        # "dog in back - Biscuit, freindly", "2 dogs - Pepper + Salt"
        "gap": re.compile(
            rf"\b{words}(?:\s+(?-i:[a-z]+)){{0,2}}\s+-\s+(?=(?-i:[A-Z][a-z])){NAME}(?=\s*[,.;:!+&)]|\s+(?:and|\+|&)\s)",
            _I,
        ),
        # "his name is rocco", "Names are Oliver and Pip": said outright, after the animal
        "said": re.compile(
            rf"\b{words}\b[^?\n]{{0,80}}?\b(?:(?:(?:his|her|its|their|the)\s+)?names?\s+(?:is|are|:)\s*|named\s+){NAME}",
            _I,
        ),
    }


_PERSON_WORD = re.compile(
    r"\b(?:husband|wife|son|daughter|tenant|owner|manager|mgr|landlord|neighbou?r|guy|lady"
    r"|man|woman|tech|crew|contact|he\s+said|she\s+said)\b",
    _I,
)
_NAME_GONE = re.compile(
    rf"\b{NAME},?\s+(?:has\s+been\s+|had\s+to\s+be\s+|has\s+|is\s+|was\s+)?(?:passed(?:\s+away)?|died|gone|put\s+down"
    rf"|rehomed)\b",
    _I,
)
_DOG_RE = _animal_patterns(_DOG_WORDS)
_CAT_RE = _animal_patterns(_CAT_WORDS)


def _animal_rule(note: Note, animal: _Animal, patterns: dict[str, re.Pattern[str]]) -> list[Hit]:
    hits: list[Hit] = []
    consumed: list[tuple[int, int]] = []
    for kind in ("none", "gone"):
        for m in note.finditer(patterns[kind]):
            if not note.someone_elses(m.start()):
                hits.append(Hit(animal.key_has, False, m.start(), m.end(), 0.85))
                consumed.append(m.span())
    names: list[Hit] = []
    kinds = ("named", "apposition", "is_name", "bare", "gap", "said")
    for kind in (*kinds, "is_name_lower") if note.all_lower else kinds:
        for m in note.finditer(patterns[kind]):
            if note.someone_elses(m.start()) or note.negated(m.start()):
                continue
            word = m.group("name")
            # A bare apposition is only a name when written like one ("dog, Rocky,").
            if kind in ("apposition", "is_name", "bare", "gap") and not capitalised(word):
                continue
            if kind == "said":
                last = [
                    a.end()
                    for a in patterns["mention"].finditer(note.text, m.start(), m.start("name"))
                ]
                if _PERSON_WORD.search(note.text, last[-1] if last else m.start(), m.start("name")):
                    continue  # "the dog ... his wife's name is Carol"
            value = name_value(word)
            if value is None:
                continue
            names.append(Hit(animal.key_name, value, m.start(), m.end(), 0.9))
            hits.append(Hit(animal.key_has, True, m.start(), m.end(), 0.9))
    hits.extend(names)
    for m in note.finditer(patterns["mention"]):
        if any(s <= m.start() < e for s, e in consumed):
            continue
        if note.someone_elses(m.start()) or _THEIRS_AFTER.match(note.text, m.end()):
            continue
        if note.negated(m.start(), 25) and not _KEEP_IN.search(note.clause_before(m.start(), 25)):
            continue
        hits.append(Hit(animal.key_has, True, m.start(), m.end(), 0.75))
    # "Rex passed away" where Rex was named as this animal earlier in the note.
    known = {h.value.lower() for h in names}
    if known:
        for m in note.finditer(_NAME_GONE):
            if m.group("name").lower() in known:
                hits.append(Hit(animal.key_has, False, m.start(), m.end(), 0.8))
    return hits


# "the dog next door", "the dog across the street": not this household's.
_THEIRS_AFTER = re.compile(
    r"\s+(?:from\s+|of\s+)?(?:next\s+door|across\s+the\s+(?:street|road)|down\s+the\s+(?:street"
    r"|road)|(?:the\s+)?neighbou?rs?\b)",
    _I,
)
# "don't let the cat out": the negation is about the door, not the animal.
_KEEP_IN = re.compile(r"\b(?:don'?t|do\s+not|never)\s+(?:let|feed|pet|scare|touch|bother)\b", _I)
_NO_PETS = re.compile(r"\bno\s+(?:more\s+)?(?:pets|animals)\b|\bpets?\s*:\s*none\b", _I)


def no_pets(note: Note) -> list[Hit]:
    """ "no pets": neither a dog nor a cat (the resulting state, not a ``pets.none`` key)."""
    hits = []
    for m in note.finditer(_NO_PETS):
        hits.append(Hit("pets.has_dog", False, m.start(), m.end(), 0.8))
        hits.append(Hit("pets.has_cat", False, m.start(), m.end(), 0.8))
    return hits


def dog(note: Note) -> list[Hit]:
    return _animal_rule(note, _DOG, _DOG_RE)


def cat(note: Note) -> list[Hit]:
    return _animal_rule(note, _CAT, _CAT_RE)


_ANY_ANIMAL = re.compile(rf"\b(?:(?P<dog>{_DOG_WORDS})|(?P<cat>{_CAT_WORDS}))\b", _I)
_TEMPERAMENT = re.compile(
    r"\b(?:(?P<aggressive>aggressive|agg?ress?ive|mean(?=\s+(?:little\s+|old\s+|big\s+)?(?:"
    + _DOG_WORDS
    + r")\b)|vicious|dangerous|bit(?:es?|ing|er|ten)|attacks?"
    r"|territorial|unfriendly|beware\s+of\s+(?:the\s+)?dogs?)"
    r"|(?P<friendly>friendly|frendly|freindly|sweet|gentle|loves\s+people|good\s+with\s+people"
    r"|docile|mellow|a\s+sweetheart|wants\s+to\s+lick\s+everyone|loves\s+a\s+belly\s+rub"
    r"|harmless|wags?|fine\s+with\s+(?:us|people|strangers|everyone)|(?:both|is|are|he'?s|she'?s)\s+fine\b"
    r"|so\s+chill|chill|a\s+softie|good\s+(?:boy|girl|dog)|v\.?\s+friendly)"
    r"|(?P<nervous>nervous|skittish|scared|shy|anxious|timid|fearful))\b",
    _I,
)


def dog_temperament(note: Note) -> list[Hit]:
    """A temperament word describes the nearest animal before it in the sentence (or, with
    none before, the nearest after it in the same clause): "cat is super friendly" is not
    about the dog."""
    hits: list[Hit] = []
    animals = [(a.start(), a.end(), a.lastgroup == "dog") for a in note.finditer(_ANY_ANIMAL)]
    starts = [a[0] for a in animals]
    for m in note.finditer(_TEMPERAMENT):
        kind = m.lastgroup or ""
        if note.negated(m.start(), 25):
            continue
        if kind == "aggressive" and m.group().lower().startswith("beware"):
            animal_start, animal_end, is_dog = m.start(), m.end(), True
        else:
            s_start, s_end = note.sentence_window(m.start(), m.end())
            i = bisect_left(starts, m.start())  # animals[i] is the first after the word
            if i > 0 and animals[i - 1][0] >= s_start:
                animal_start, animal_end, is_dog = animals[i - 1]
            elif i < len(animals) and animals[i][1] <= min(note.clause(m.start())[1], s_end):
                animal_start, animal_end, is_dog = animals[i]
            else:
                continue
        if not is_dog or note.someone_elses(animal_start) or note.negated(animal_start, 25):
            continue
        start, end = min(animal_start, m.start()), max(animal_end, m.end())
        hits.append(Hit("pets.dog_temperament", kind, start, end, 0.8))
        if kind == "aggressive":
            hits.append(Hit("hazards.aggressive_dog", True, start, end, 0.85))
            hits.append(Hit("pets.has_dog", True, start, end, 0.85))
    return hits


_BREED = re.compile(
    rf"\b(?P<breed>golden\s+retrievers?|german\s+shepherds?|{_BREEDS}|great\s+danes?|shih\s+tzus?"
    r"|malamutes?|akitas?|cane\s+corsos?|heelers?|aussies?)\b",
    _I,
)
_BREED_NAMES = {
    "lab": "Labrador",
    "labrador": "Labrador",
    "frenchie": "French Bulldog",
    "staffy": "Staffordshire Bull Terrier",
    "staffie": "Staffordshire Bull Terrier",
    "sausage dog": "Dachshund",
    "springer": "Springer Spaniel",
    "french bulldog": "French Bulldog",
    "rottie": "Rottweiler",
    "pitty": "Pit Bull",
    "pittie": "Pit Bull",
    "pitbull": "Pit Bull",
    "aussie": "Australian Shepherd",
    "husky": "Husky",
    "golden": "Golden Retriever",
    "golden retriever": "Golden Retriever",
    "heeler": "Heeler",
}


# "2 dogs (pugs)", "three cats", "their two German Shepherds", "they have chickens".
_HOW_MANY = re.compile(
    rf"\b(?P<num>{NUMBER})\s+(?:(?:big|small|little|old|indoor|outdoor|rescue|friendly)\s+)?"
    rf"(?:(?P<dog>dogs|pups|puppies|(?:german\s+)?shepherds|labs|retrievers|pugs|huskies|terriers"
    rf"|poodles|doodles|beagles|chihuahuas|dachshunds|corgis)|(?P<cat>cats|kitties|kittens))\b",
    _I,
)
_OTHER_ANIMALS = re.compile(
    rf"\b(?:(?P<num>{NUMBER})\s+)?(?P<animal>chickens|hens|goats|horses|ponies|rabbits|bunnies"
    r"|ducks|geese|pigs|sheep|alpacas|llamas|parrots?|tortoises?|donkeys)\b",
    _I,
)


_THEIRS = re.compile(r"\b(?:have|has|got|keeps?|their|her|his|own|owns|raise|raises)\b", _I)


def how_many(note: Note) -> list[Hit]:
    """``pets.dog_count`` / ``pets.cat_count`` for two or more, and other animals on site
    (``pets.chickens``: true, or a count)."""
    hits = []
    for m in note.finditer(_HOW_MANY):
        number = parse_number(m.group("num"))
        if number is None or number < 2 or note.negated(m.start(), 15):
            continue
        if note.someone_elses(m.start()):
            continue
        key = "pets.dog_count" if m.group("dog") else "pets.cat_count"
        hits.append(Hit(key, {"count": number, "plus": False}, *m.span(), 0.75))
    for m in note.finditer(_OTHER_ANIMALS):
        if note.negated(m.start(), 15) or note.someone_elses(m.start()):
            continue
        if not _THEIRS.search(note.text, max(0, m.start() - 25), m.start()):
            continue  # "fence along the pasture (horses)": not said to be theirs
        animal = m.group("animal").lower()
        number = parse_number(m.group("num")) if m.group("num") else None
        counted = number is not None and number > 1
        value: bool | dict[str, object] = {"count": number, "plus": False} if counted else True
        hits.append(Hit(f"pets.{animal}", value, *m.span(), 0.65, rank=1 if counted else 0))
    return hits


def dog_breed(note: Note) -> list[Hit]:
    """``pets.dog_breed``: "Rottweiler named Bruno" (capitalised, singular)."""
    hits = []
    for m in note.finditer(_BREED):
        if note.negated(m.start(), 25) or note.someone_elses(m.start()):
            continue
        word = " ".join(m.group("breed").lower().split())
        word = "husky" if word == "huskies" else re.sub(r"(?<=[a-z])s$", "", word)
        value = _BREED_NAMES.get(word, " ".join(w.capitalize() for w in word.split()))
        hits.append(Hit("pets.dog_breed", value, m.start(), m.end(), 0.75))
    return hits
