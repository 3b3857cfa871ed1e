"""Pets: a dog or cat on site, its name and temperament, and the animal that is gone."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from crm.core.extraction_rules.base import (
    NAME,
    NAMED,
    Hit,
    Note,
    capitalised,
    name_value,
)
from crm.core.extraction_rules.pet_counts import BREEDS as _BREEDS

# Breeds and head counts live in pet_counts; re-exported here for the rule list.
from crm.core.extraction_rules.pet_counts import dog_breed as dog_breed
from crm.core.extraction_rules.pet_counts import how_many as how_many

_I = re.IGNORECASE

# -- pets ----------------------------------------------------------------------------------

DOG_WORDS = rf"(?:dogs?|doggy|doggie|pups?|puppy|puppies|{_BREEDS})"
_DOG_WORDS = DOG_WORDS
_CAT_WORDS = r"(?:cats?|kitty|kitties|kittens?)"


@dataclass(frozen=True)
class _Animal:
    kind: str  # "dog" or "cat", as the groups of _ANY_ANIMAL
    key_has: str
    key_name: str
    words: str


_DOG = _Animal("dog", "pets.has_dog", "pets.dog_name", _DOG_WORDS)
_CAT = _Animal("cat", "pets.has_cat", "pets.cat_name", _CAT_WORDS)


def _animal_patterns(words: str) -> dict[str, re.Pattern[str]]:
    return {
        "mention": re.compile(rf"\b{words}\b", _I),
        # "no dog(s)", "no more dog", "no longer has the dog", "don't have a dog anymore"
        "none": re.compile(
            rf"\b(?:no\s+(?:more\s+|longer\s+(?:any\s+|a\s+)?)?|(?:no\s+longer|no|don'?t|doesn'?t"
            rf"|do\s+not|does\s+not|didn'?t)\s+(?:even\s+|really\s+|actually\s+)?(?:have|has|own|owns)\s+"
            rf"(?:a\s+|the\s+|any\s+"
            rf"|their\s+|her\s+|his\s+)?|used\s+to\s+have\s+(?:a\s+|the\s+)?"
            rf"|(?:got\s+rid\s+of|gave\s+away|rehomed|re-homed)\s+(?:the\s+|their\s+|her\s+|his\s+)?)"
            rf"{words}\b"
            # a form: "Dog: none / Cat: 2"
            rf"|\b{words}\s*[:=?]\s*(?:none|no|nope|n/?a|0|nil|negative|neg)(?:\s+(?:now|anymore|any\s+more"
            rf"|currently))?(?=\s*(?:[/.,;|(]|$))"
            # radio talk: "Negative dog.", "Dog? Negative."
            rf"|\bnegative\s+{words}\b",
            _I,
        ),
        # "dog passed away", "the cat died", "dog is gone", "dog was rehomed"
        "gone": re.compile(
            rf"\b{words}(?:'s\s+|\s+has\s+been\s+|\s+has\s+|\s+have\s+|\s+had\s+|\s+is\s+|\s+was\s+"
            rf"|\s+got\s+|\s+)(?:passed(?:\s+away)?"
            rf"|died|die|dies|gone|put\s+down|put\s+to\s+sleep|rehomed|given\s+away|no\s+longer"
            # "the dog went to her sister's", "the cat went to live with the daughter"
            rf"|(?:both\s+|also\s+)?went\s+to\s+(?:live\s+with\s+)?(?:her|his|their|the|a)\s)"
            # "her cat smokey died": the name between
            rf"|\b{words}\s+(?:named\s+)?[A-Za-z][a-z'-]{{1,15}}\s+(?:has\s+|had\s+to\s+be\s+)?"
            rf"(?:passed(?:\s+away)?|died|was\s+put\s+down)\b",
            _I,
        ),
        "named": re.compile(rf"\b{words}(?:{NAMED}|\s+['\u2018\"](?=(?-i:[A-Z]))){NAME}", _I),
        # "Dog is Biscuit": only a word written as a name (not "dog is friendly").
        "is_name": re.compile(rf"\b{words}\s+is\s+(?=(?-i:[A-Z])){NAME}", _I),
        # a dictated note in lower case: "the dog is murphy he barks"
        "is_name_lower": re.compile(
            rf"\b{words}\s+is\s+{NAME}(?=\s+(?:he|she|and|but)\b|\s*[,.;]|\s*$)", _I
        ),
        # "the dog, Rocky, friendly" / "dog: Zeus" / "cat (Oreo)" / "dog (pitbull mix, Tank)"
        "apposition": re.compile(
            rf"\b{words}(?:\s*:\s*[0-9]{{1,2}})?(?:\s+(?-i:[a-z]{{2,10}}))?\s*(?:,|:|-|\()\s*"
            rf"(?:(?-i:[a-z]+(?:\s+[a-z]+)?),\s*)?"
            rf"{NAME}\s*(?=[,.;:!)(&+\-]|\s+and\s|$)",
            _I | re.MULTILINE,
        ),
        # "dog Biscuit (golden retriever)": a capitalised word right after the animal
        "bare": re.compile(
            rf"\b{words}\s+(?=(?-i:[A-Z][a-z]))(?!{words}\b){NAME}(?=\s*[(,.;:!=-]|\s+[a-z]|\s*$)",
            _I | re.MULTILINE,
        ),
        # "dog in back - Biscuit, freindly", "2 dogs - Pepper + Salt"
        "gap": re.compile(
            rf"\b{words}(?:\s+(?-i:[a-z]+)){{0,2}}\s+-\s+(?=(?-i:[A-Z][a-z])){NAME}(?=\s*[,.;:!+&)]|\s+(?:and|\+|&)\s)",
            _I,
        ),
        # "his name is rocco", "Names are Oliver and Pip": said outright, after the animal
        "said": re.compile(
            rf"\b{words}\b[^?\n]{{0,80}}?\b(?:(?:(?:his|her|its|their|the)\s+)?(?:names?\s+(?:is|are|was|:)"
            rf"|name'?s)\s*|named\s+|called\s+(?:it|him|her)\s+|(?-i:[Nn]ame)\s+(?=(?-i:[A-Z][a-z])))"
            rf"(?:(?:actually|really|just)\s+)?{NAME}",
            _I,
        ),
    }


_PERSON_WORD = re.compile(
    r"\b(?:husband|wife|son|daughter|tenant|owner|manager|mgr|landlord|neighbou?r|guy|lady"
    r"|man|woman|tech|crew|contact|he\s+said|she\s+said)\b",
    _I,
)
_NAME_GONE = re.compile(
    rf"\b{NAME}(?:,?\s+|\s*\(\s*)(?:(?:she|he)\s+)?(?:has\s+been\s+|had\s+to\s+be\s+|has\s+|is\s+|was\s+)?"
    rf"(?:passed(?:\s+away)?|died|gone|put\s+down|rehomed|went\s+to\s+live\s+with)\b",
    _I,
)
_DOG_RE = _animal_patterns(_DOG_WORDS)
# "2 german shepherds Duke + Bella", "two Pomeranians, Bonnie and Clyde": the breed, then names.
_DOG_RE["breeds_name"] = re.compile(
    rf"\b(?:{_BREEDS})(?:s|es)\b,?\s+(?:named\s+|called\s+)?(?=(?-i:[A-Z][a-z]))"
    rf"(?!(?i:{_DOG_WORDS}|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|only|inside|outside)\b)"
    rf"{NAME}",
    _I,
)
_DOG_RE["name_breed"] = re.compile(
    rf"(?<![A-Za-z.'])(?=(?-i:[A-Z][a-z]))(?!(?i:{_DOG_WORDS})\b){NAME}"
    rf"\s*(?:\(\s*|,\s*|\s+the\s+)(?:(?:an?|big|little|old|young|small|black|white|brown)\s+)?"
    rf"(?:{_BREEDS})(?:\s+mix)?\b",
    _I,
)
# "watch out for Bruno he nips", "Rocco bit the meter reader": a named dog that bites.
_NAMED_BITER = re.compile(
    rf"(?=(?-i:[A-Z][a-z])){NAME}\s*,?\s+(?:(?:he|she)\s+(?:will\s+|may\s+|might\s+)?)?"
    r"(?:nips|bites|growls|snaps|bit\s+(?:the|a|an|someone|somebody|me|him|her|my|our|their))\b",
    _I,
)
# "bungee the gate or the husky's gone": a warning, not a dog that has gone.
_OR_ELSE = re.compile(r"\bor\s+(?:else\s+)?(?:the\s+|her\s+|his\s+|their\s+)?$", _I)
# "Duchess has been rehomed": only an animal is rehomed or put down.
_PET_GONE = re.compile(
    rf"(?=(?-i:[A-Z][a-z])){NAME}\s+(?:has\s+been\s+|had\s+to\s+be\s+|was\s+|got\s+)"
    r"(?:rehomed|re-homed|put\s+down|put\s+to\s+sleep)\b",
    _I,
)
_TITLE_BEFORE = re.compile(
    r"\b(?:mrs?|ms|dr|miss|mister|owner|husband|wife|son|daughter|tenant|manager|landlord|called"
    r"|call|text|ask|tell|email|from|to|with)\.?\s+$",
    _I,
)
_CAT_RE = _animal_patterns(_CAT_WORDS)
_A_BREED = re.compile(rf"(?:{_BREEDS})s?", _I)


def _animal_rule(note: Note, animal: _Animal, patterns: dict[str, re.Pattern[str]]) -> list[Hit]:
    hits: list[Hit] = []
    if patterns["mention"].search(note.text) is None:
        return hits  # no such animal named at all: the other patterns cannot match
    consumed: list[tuple[int, int]] = []
    for kind in ("none", "gone"):
        for m in note.finditer(patterns[kind]):
            if kind == "gone" and _OR_ELSE.search(note.clause_before(m.start(), 20)):
                continue
            if not note.someone_elses(m.start()):
                hits.append(Hit(animal.key_has, False, m.start(), m.end(), 0.85))
                consumed.append(m.span())
    names: list[Hit] = []
    kinds = ("named", "apposition", "is_name", "bare", "gap", "said", "name_breed", "breeds_name")
    for kind in (*kinds, "is_name_lower") if note.all_lower else kinds:
        if kind not in patterns:
            continue
        for m in note.finditer(patterns[kind]):
            if note.someone_elses(m.start()):
                continue
            if note.negated(m.start()) and not _KEEP_IN.search(note.clause_before(m.start(), 25)):
                continue
            word = m.group("name")
            # A bare apposition is only a name when written like one ("dog, Rocky,").
            if kind in (
                "apposition",
                "is_name",
                "bare",
                "gap",
                "name_breed",
                "breeds_name",
            ) and not capitalised(word):
                continue
            if kind == "name_breed" and _CAPITAL_BEFORE.search(
                note.text, max(0, m.start() - 25), m.start()
            ):
                continue  # "Mary Smith, lab ...": a person's surname
            if kind == "name_breed" and _TITLE_BEFORE.search(
                note.text, max(0, m.start() - 12), m.start()
            ):
                continue
            if kind == "said":
                last = [
                    a.end()
                    for a in patterns["mention"].finditer(note.text, m.start(), m.start("name"))
                ]
                called = note.text[max(0, m.start("name") - 12) : m.start("name")].lower()
                if "called" not in called and _PERSON_WORD.search(
                    note.text, last[-1] if last else m.start(), m.start("name")
                ):
                    continue  # "the dog ... his wife's name is Carol"
                if any(
                    a.lastgroup != animal.kind
                    for a in _ANY_ANIMAL.finditer(
                        note.text, last[-1] if last else m.start(), m.start("name")
                    )
                ):
                    continue  # "The dog is gone. New cat, name Mochi": the cat's name
            value = name_value(word)
            if value is None or _A_BREED.fullmatch(word):
                continue  # "a dog (Rottweiler)": the breed, not a name
            names.append(Hit(animal.key_name, value, m.start(), m.end(), 0.9))
            hits.append(Hit(animal.key_has, True, m.start(), m.end(), 0.9))
    hits.extend(names)
    # "Rex passed away" where Rex was named as this animal earlier in the note.
    known = {h.value.lower() for h in names}
    if known:
        for m in note.finditer(_NAME_GONE):
            if m.group("name").lower() in known:
                hits.append(Hit(animal.key_has, False, m.start(), m.end(), 0.8))
    no_pets = [m.start() for m in note.finditer(_NO_PETS)]
    gone_at = min((h.start for h in hits if h.value is False), default=None)
    if no_pets and (gone_at is None or no_pets[0] < gone_at):
        gone_at = no_pets[0]
    for m in note.finditer(patterns["mention"]):
        if any(s <= m.start() < e for s, e in consumed):
            continue
        if (
            gone_at is not None
            and m.start() > gone_at
            and not _NEW_BEFORE.search(note.text, max(0, m.start() - 20), m.start())
        ):
            # "dog Rocky has been rehomed, so no need to ring about the dog", "No dog anymore.
            # Customer say dog die in summer": the animal said to be gone, mentioned again.
            continue
        if note.someone_elses(m.start(), m.end()) or _A_BUSINESS_AFTER.match(note.text, m.end()):
            continue
        if note.negated(m.start(), 25) and not _KEEP_IN.search(note.clause_before(m.start(), 25)):
            continue
        hits.append(Hit(animal.key_has, True, m.start(), m.end(), 0.75))
    return hits


_CAPITAL_BEFORE = re.compile(r"(?<![.!?:;]\s)(?<!^)\b(?-i:[A-Z][a-z]*)\.?\s+$")
# "no dog anymore ... they got a new puppy": an animal that came after the one that went.
_NEW_BEFORE = re.compile(
    r"\b(?:new|another|got\s+(?:a|an)|adopted\s+(?:a|an)|have\s+(?:a|an)\s+new)\s+(?:\w+\s+)?$", _I
)


# "Dog grooming shop", "cat cafe": a business for animals, not an animal on site.
_A_BUSINESS_AFTER = re.compile(
    r"\s+(?:grooming|groomers?|daycare|day\s+care|boarding|kennels?|training|trainers?|shop"
    r"|store|salon|spa|bakery|hotel|cafe|café|rescue|shelter|supply|supplies)\b",
    _I,
)
# "don't let the cat out": the negation is about the door, not the animal.
_KEEP_IN = re.compile(r"\b(?:don'?t|do\s+not|never)\s+(?:let|feed|pet|scare|touch|bother)\b", _I)
_NO_PETS = re.compile(
    r"\bno\s+(?:more\s+)?(?:pets|animals)\b|\bpets?\s*:\s*(?:none|no|n/?a)\b(?=\s*(?:now\b|[.;,|(]|$))",
    _I,
)


def no_pets(note: Note) -> list[Hit]:
    """ "no pets": neither a dog nor a cat (the resulting state, not a ``pets.none`` key)."""
    hits = []
    for m in note.finditer(_NO_PETS):
        hits.append(Hit("pets.has_dog", False, m.start(), m.end(), 0.8))
        hits.append(Hit("pets.has_cat", False, m.start(), m.end(), 0.8))
    return hits


def dog(note: Note) -> list[Hit]:
    return [*_animal_rule(note, _DOG, _DOG_RE), *_named_dog(note)]


def _named_dog(note: Note) -> list[Hit]:
    """A name said to bite or to have been rehomed is a dog's."""
    hits = []
    for m in note.finditer(_NAMED_BITER):
        value = name_value(m.group("name"))
        if value is None or note.negated(m.start(), 15) or note.someone_elses(m.start()):
            continue
        if _TITLE_BEFORE.search(note.text, max(0, m.start() - 12), m.start()):
            continue
        for key, found in (
            ("pets.has_dog", True),
            ("pets.dog_name", value),
            ("pets.dog_temperament", "aggressive"),
            ("hazards.aggressive_dog", True),
        ):
            hits.append(Hit(key, found, m.start(), m.end(), 0.8))
    if not _CAT_RE["mention"].search(note.text):
        for m in note.finditer(_PET_GONE):
            if name_value(m.group("name")) is not None:
                hits.append(Hit("pets.has_dog", False, m.start(), m.end(), 0.75))
    return hits


def cat(note: Note) -> list[Hit]:
    return _animal_rule(note, _CAT, _CAT_RE)


_ANY_ANIMAL = re.compile(rf"\b(?:(?P<dog>{_DOG_WORDS})|(?P<cat>{_CAT_WORDS}))\b", _I)
_TEMPERAMENT = re.compile(
    r"\b(?:(?P<aggressive>aggressive|agg?ress?ive|mean(?=\s+(?:little\s+|old\s+|big\s+)?(?:"
    + _DOG_WORDS
    + r")\b)|vicious|dangerous|bit(?:es?|ing|er|ten)|attacks?"
    r"|territorial|unfriendly|beware\s+of\s+(?:the\s+)?dogs?|nips|nippy|snappy|growls"
    r"|bit(?=\s+(?:the|a|an|someone|somebody|me|him|her|my|our|their)\b)"
    r"|(?<!\bi\s)mean(?=\s*[.!;]|\s*$))"
    r"|(?P<friendly>friendly|frendly|freindly|sweet|gentle|loves\s+people|good\s+with\s+people"
    r"|docile|mellow|a\s+sweetheart|wants\s+to\s+lick\s+everyone|loves\s+a\s+belly\s+rub"
    r"|harmless|wags?|fine\s+with\s+(?:us|people|strangers|everyone)|(?:both|is|are|he'?s|she'?s)\s+fine\b"
    r"|so\s+chill|chill|a\s+softie|good\s+(?:boy|girl|dog)|v\.?\s+friendly|sweetheart|sweetie"
    r"|(?:a|total|big)\s+baby|love\s*bug|big\s+soft(?:y|ie))"
    r"|(?P<nervous>nervous|skittish|scared|shy|anxious|timid|fearful))\b",
    _I,
)


_NOT_RIGHT_BEFORE = re.compile(
    r"\b(?:not|isn'?t|aren'?t|never)\s+(?:very\s+|that\s+|too\s+|so\s+|at\s+all\s+)?$", _I
)
_PRONOUN_BEFORE = re.compile(r"\b(?:he|she|hes|shes|he's|she's|he\s+is|she\s+is)\b", _I)


def dog_temperament(note: Note) -> list[Hit]:
    """A temperament word describes the nearest animal before it in the sentence (or, with
    none before, the nearest after it in the same clause): "cat is super friendly" is not
    about the dog."""
    hits: list[Hit] = []
    animals = [(a.start(), a.end(), a.lastgroup == "dog") for a in note.finditer(_ANY_ANIMAL)]
    starts = [a[0] for a in animals]
    for m in note.finditer(_TEMPERAMENT):
        kind = m.lastgroup or ""
        rank = 0
        if kind == "friendly" and _NOT_RIGHT_BEFORE.search(
            note.text, max(0, m.start() - 16), m.start()
        ):
            kind = "aggressive"  # "german shepherd NOT friendly"
        elif note.negated(m.start(), 25):
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
            elif (
                i > 0
                and animals[i - 1][0] >= m.start() - 120
                and (
                    _PRONOUN_BEFORE.search(note.text, max(s_start, m.start() - 30), m.start())
                    or len(note.text[s_start:s_end].split()) <= 2  # "Beagle Bo howls. harmless."
                )
                and not _PERSON_WORD.search(note.text, animals[i - 1][1], m.start())
            ):
                animal_start, animal_end, is_dog = animals[i - 1]  # "corgi. shes so friendly"
            else:
                continue
        if not is_dog or note.negated(animal_start, 25):
            continue
        if note.someone_elses(animal_start, animal_end):
            continue  # "the dog next door bit the ladder strap"
        start, end = min(animal_start, m.start()), max(animal_end, m.end())
        hits.append(Hit("pets.dog_temperament", kind, start, end, 0.8, rank))
        if kind == "aggressive":
            hits.append(Hit("hazards.aggressive_dog", True, start, end, 0.85))
            hits.append(Hit("pets.has_dog", True, start, end, 0.85))
    return hits
