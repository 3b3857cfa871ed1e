"""The customer's age group (``demographic.age_group``): said outright ("elderly", "young family
with a toddler"), as an age or a decade ("she's 84", "in her nineties"), and not when the age is
a relative's, a helper's, a pet's or someone who moved out."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note
from crm.core.extraction_rules.pet_counts import BREEDS

_I = re.IGNORECASE

_TITLE = r"(?:mrs?|ms|miss|mister)\.?\s+[A-Za-z]{2,20}(?:\s+[A-Z][a-z]{1,20})?"
_AGE = re.compile(
    r"(?P<young_family>\byoung\s+(?:couple|family|families)\s+(?:with|w/)\s+(?:an?\s+|twin\s+"
    r"|two\s+|2\s+|little\s+|small\s+|young\s+)?(?:babies|baby|kids|children|toddlers?|newborn)\b"
    r"|\byoung\s+(?:family|families|kids|children|ones)\b|\b(?:small|little)"
    r"\s+(?:kids|children|ones)\b|\btoddlers?\b|\bnewborn\b"
    r"|(?<!\blike\s)(?<!\bare\s)\b(?:new|the|a|their|twin)\s+bab(?:y|ies)"
    r"\b(?!\s+(?:oil|wipes|powder|shampoo|steps?)\b)|\b(?:baby|kids)\s+naps?\b)"
    r"|(?P<elderly>\belderly\b|\b(?:older|old|very\s+old)\s+(?:lady|woman|man|gentleman|gent"
    r"|guy|couple|folks|fella|fellow|widow|widower)\b|\bfrail\b"
    r"|\b(?:she|he|lady|man|woman|gentleman|customer)(?:'s|\s+is)\s+(?:very\s+|quite\s+|pretty\s+|really\s+)?"
    r"old\b(?!\s+school))"
    r"|(?P<senior>\bseniors?(?:\s+citizens?)?\b(?!\s+(?:center|centre|living))|\bpensioners?\b)"
    r"|(?P<retired>\bretired\b|\bretirees?\b)"
    r"|(?P<young_adult>\byoung\s+(?:couple|guy|man|woman|lady|professionals?)\b"
    r"|\bcollege\s+(?:students?|kids)\b)"
    r"|(?P<middle_aged>\bmiddle[\s-]aged\b)"
    # "Mr. Novak (Frank, 81)"
    rf"|\b{_TITLE}\s*\(\s*[A-Z][a-z]+,\s*(?P<age5>[1-9][0-9])\s*\)"
    # a form's field: "Age: 92"
    r"|\bage\s*[:=]\s*(?P<age4>[1-9][0-9])\b"
    # "Parents are 90+": the customers a son or daughter looks after
    r"|\b(?:(?:her|his|their|the)\s+)?parents\s+(?:are|r)\s+(?:both\s+)?(?P<age3>[6-9][0-9])\b"
    r"|\bin\s+(?:her|his|their)\s+(?:late\s+|early\s+|mid[\s-]?)?(?P<decade>[2-9])0'?s\b"
    # "in her nineties", "a widow of eighty-seven"
    r"|\bin\s+(?:her|his|their)\s+(?:late\s+|early\s+|mid[\s-]?)?(?P<decade_word>sixties|seventies"
    r"|eighties|nineties)\b"
    r"|\b(?:widow|widower|woman|man|lady|gentleman)\s+of\s+(?P<age_word>sixty|seventy|eighty|ninety)"
    r"(?:[\s-]\w+)?\b"
    r"|\b(?:she|he)(?:'s|\s+is)\s+(?:about\s+|maybe\s+|around\s+|like\s+|probably\s+)?"
    r"(?P<age>[1-9][0-9])\b(?!\s*(?:min|%|ft|'|\$|windows?|screens?))"
    rf"|\b{_TITLE}(?:\s+is|\s*[,(]|\s+[-\u2013\u2014])\s*(?:who\s+is\s+)?(?:about\s+|around\s+|age\s+)?"
    r"(?P<age2>[1-9][0-9])\b(?!\s*(?:min|%|ft|'|\$|windows?|screens?|panel\w*|panes?|skylights?)"
    r"|\+?\s*(?:days?|weeks?|months?)\b)"
    r"(?!\s+(?:years?|yrs?)\s+(?:here|in|at|with|ago))",
    _I,
)


# "(Pete retired)", "Suzanne retired, new mgr is Tyler": someone else left the job.
_SOMEONE_RETIRED = re.compile(
    r"(?:\(\s*[A-Z][a-z]+|\b[A-Z][a-z]+\)?,?\s+(?:who\s+)?has|(?-i:\b[A-Z][a-z]+))\s+$"
)
_JOB = re.compile(r"\b(?:manager|mgr|contact|super|pastor|boss|office|supervisor)\b", _I)
# "Their caretaker, an older fellow named Hank": the age belongs to the helper just named.
_HELPER_BEFORE = re.compile(
    r"\b(?:caretaker|housekeeper|nanny|gardener|tenant|renter|neighbou?r|handyman|carer"
    r"|caregiver|helper|manager|contact)\b[^.;:!?]{0,6}$",
    _I,
)
_ANIMAL_BEFORE = re.compile(
    r"\b(?:dogs?|cats?|pups?|puppy|kitty|kitten|horses?|parrot|bird)\b(?![^.;!?]{0,60}"
    r"\b(?:owner|customer|cust|lady|woman|man|husband|wife|mr|mrs|ms)\b)",
    _I,
)
_ANIMALS = re.compile(rf"\b(?:dogs|cats|horses|(?:{BREEDS})s?)\b", _I)
_BOTH_BEFORE = re.compile(r"\b(?:both|they|both\s+dogs|both\s+cats)\s+(?:are|r)\s+$", _I)
_NEXT_DOOR = re.compile(r"\s+(?:\w+\s+){0,2}?(?:next\s+door|across\s+the\s+street)\b", _I)


_MOVED_OUT = re.compile(
    r"\s+(?:has\s+|had\s+)?(?:moved\s+(?:out|away)|left|passed(?:\s+away)?|died|is\s+gone)\b", _I
)


def _age_bracket(age: int) -> str | None:
    if age >= 80:  # labellers call 78 and 79 senior, 80 and over elderly
        return "elderly"
    if age >= 60:
        return "senior"
    if age >= 40:
        return "middle_aged"
    if age >= 18:
        return "young_adult"
    return None


def _someone_else(note: Note, m: re.Match[str]) -> bool:
    """The age word is about a relative, neighbour or helper, not the customer."""
    if note.someone_elses(m.start()) or _NEXT_DOOR.match(note.text, m.end()):
        return True
    if _HELPER_BEFORE.search(note.text, max(0, m.start() - 40), m.start()) is not None:
        return True
    # "Two Labradors live there; both are elderly": the animals are.
    if _BOTH_BEFORE.search(note.text, max(0, m.start() - 12), m.start()) and _ANIMALS.search(
        note.text, max(0, m.start() - 100), m.start()
    ):
        return True
    # "the cat is named whiskers and she is very old": the pronoun is the animal's.
    said = note.text[m.start() : m.start() + 4].lower()
    lo = note.sentence_window(m.start())[0]
    # "The Rosenbergs' dog, Duchess, a standard poodle, is elderly and deaf": the dog is.
    if re.search(r"\b(?:is|are)\s+$", note.text[max(lo, m.start() - 8) : m.start()]) and (
        _ANIMAL_BEFORE.search(note.text, max(lo, m.start() - 60), m.start())
        or _ANIMALS.search(note.text, max(lo, m.start() - 60), m.start())
    ):
        return True
    return said.startswith(("she", "he")) and bool(
        _ANIMAL_BEFORE.search(note.text, max(lo, m.start() - 60), m.start())
    )


def age_group(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_AGE):
        if note.negated(m.start(), 20):
            continue  # "not elderly" says nothing we can use
        if _someone_else(note, m) or _MOVED_OUT.match(note.text, m.end()):
            continue  # "the old man next door", "old guy moved out"
        kind = m.lastgroup or ""
        if kind == "retired":
            before = note.text[max(0, m.start() - 30) : m.start()]
            if _SOMEONE_RETIRED.search(before) and _JOB.search(
                note.text, *note.sentence_window(m.start(), m.end())
            ):
                continue
            if _SOMEONE_RETIRED.search(note.text, 0, m.start()) and before.rstrip().endswith("("):
                continue
        rank = 2
        if kind == "retired":
            group: str | None = "senior"
            rank = 1  # "retired couple in their 80s" is elderly, not just senior
        elif kind == "decade":
            group = _age_bracket(int(m.group("decade")) * 10)
        elif kind in ("decade_word", "age_word"):
            tens = {"six": 60, "seve": 70, "eigh": 80, "nine": 90}[m.group(kind).lower()[:4]]
            group = _age_bracket(tens)
        elif kind in ("age", "age2", "age3", "age4", "age5"):
            group = _age_bracket(int(m.group(kind)))
        else:
            group = kind
        if kind == "young_family":
            rank = 3  # "young couple with a baby" is a young family, not just young adults
        if group is not None:
            confidence = 0.6 if kind == "retired" else 0.8
            hits.append(Hit("demographic.age_group", group, m.start(), m.end(), confidence, rank))
    return hits
