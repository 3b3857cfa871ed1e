"""The people: the customer's age group, the spouse and the tenant by name."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import NAME, NAMED, Hit, Note, capitalised, name_value, tidy

_I = re.IGNORECASE

# -- the customer --------------------------------------------------------------------------

_AGE = re.compile(
    r"(?P<elderly>\belderly\b|\b(?:older|old|very\s+old)\s+(?:lady|woman|man|gentleman|gent"
    r"|guy|couple|folks|fella|fellow|widow|widower)\b|\bfrail\b)"
    r"|(?P<senior>\bseniors?(?:\s+citizens?)?\b|\bpensioners?\b)"
    r"|(?P<retired>\bretired\b|\bretirees?\b)"
    r"|(?P<young_family>\byoung\s+(?:family|families|kids|children|ones)\b|\b(?:small|little)"
    r"\s+(?:kids|children|ones)\b|\btoddlers?\b|\bnewborn\b|\bnew\s+baby\b)"
    r"|(?P<young_adult>\byoung\s+(?:couple|guy|man|woman|lady|professionals?)\b"
    r"|\bcollege\s+(?:students?|kids)\b)"
    r"|(?P<middle_aged>\bmiddle[\s-]aged\b)"
    r"|\bin\s+(?:her|his|their)\s+(?:late\s+|early\s+|mid[\s-]?)?(?P<decade>[2-9])0'?s\b"
    r"|\b(?:she|he)(?:'s|\s+is)\s+(?:about\s+|maybe\s+|around\s+|like\s+|probably\s+)?"
    r"(?P<age>[1-9][0-9])\b(?!\s*(?:min|%|ft|'|\$|windows?|screens?))"
    r"|\b(?:mrs?|ms|miss)\.?\s+[A-Za-z]{2,20}\s+is\s+(?P<age2>[1-9][0-9])\b(?!\s*(?:min|%))",
    _I,
)


# "(Pete retired)": someone else left the job.
_SOMEONE_RETIRED = re.compile(r"\(\s*[A-Z][a-z]+\s+$")


def _age_bracket(age: int) -> str | None:
    if age >= 70:
        return "elderly"
    if age >= 60:
        return "senior"
    if age >= 40:
        return "middle_aged"
    if age >= 18:
        return "young_adult"
    return None


def age_group(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_AGE):
        if note.negated(m.start(), 20):
            continue  # "not elderly" says nothing we can use
        if note.someone_else_near(m.start(), m.end()):
            continue  # "the old man next door"
        kind = m.lastgroup or ""
        if kind == "retired" and _SOMEONE_RETIRED.search(note.text, 0, m.start()):
            continue
        rank = 2
        if kind == "retired":
            group: str | None = "senior"
            rank = 1  # "retired couple in their 80s" is elderly, not just senior
        elif kind == "decade":
            group = _age_bracket(int(m.group("decade")) * 10)
        elif kind in ("age", "age2"):
            group = _age_bracket(int(m.group(kind)))
        else:
            group = kind
        if group is not None:
            confidence = 0.6 if kind == "retired" else 0.8
            hits.append(Hit("demographic.age_group", group, m.start(), m.end(), confidence, rank))
    return hits


_SPOUSE = re.compile(
    rf"(?<!ex-)(?<!ex\s)(?<!my\s)\b(?:husband|hubby|wife|spouse|partner|boyfriend|girlfriend)"
    rf"(?P<form>{NAMED}|'?s\s+name\s*:?\s*|\s+is\s+|\s*[:(,-]\s*|\s+){NAME}",
    _I,
)
_TENANT = re.compile(
    rf"\b(?:tenant|tenent|renter)(?P<form>{NAMED}|'?s\s+name\s*:?\s*|\s+is\s+|\s*[:(,-]\s*"
    rf"|\s+){NAME}"
    rf"|\b(?=(?-i:[A-Z])){NAME.replace('name', 'name2')},?\s+(?:is\s+)?(?:the\s+|our\s+)?"
    rf"(?:tenant|renter)\b"
    rf"|\b(?=(?-i:[A-Z])){NAME.replace('name', 'name3')}\s*\((?:the\s+)?(?:tenant|renter)\)",
    _I,
)


def _person(note: Note, key: str, pattern: re.Pattern[str]) -> list[Hit]:
    hits = []
    for m in note.finditer(pattern):
        groups = m.groupdict()
        word = groups.get("name") or groups.get("name2") or groups.get("name3") or ""
        form = (groups.get("form") or "").strip().lower()
        named = "name" in form or "call" in form
        # "husband Bob", "wife is Linda": only a word written as a name ("tenant is moving").
        if not named and (not capitalised(word) or word.lower().endswith("ing")):
            continue
        explicit = named or form.startswith(("is", ":"))
        value = name_value(word)
        if value is None or note.negated(m.start(), 15):
            continue
        hits.append(Hit(key, value, m.start(), m.end(), 0.85 if explicit else 0.75))
    return hits


def spouse(note: Note) -> list[Hit]:
    return _person(note, "people.spouse_name", _SPOUSE)


def tenant(note: Note) -> list[Hit]:
    return _person(note, "people.tenant_name", _TENANT)


# -- people by role (open family) ----------------------------------------------------------

_ROLES = {
    "son": "son",
    "daughter": "daughter",
    "granddaughter": "granddaughter",
    "grandson": "grandson",
    "nephew": "nephew",
    "niece": "niece",
    "sister": "sister",
    "brother": "brother",
    "manager": "manager",
    "mgr": "manager",
    "store manager": "manager",
    "general manager": "manager",
    "gm": "manager",
    "property manager": "property_manager",
    "prop mgr": "property_manager",
    "pm": "property_manager",
    "office manager": "office_manager",
    "owner": "owner",
    "homeowner": "owner",
    "landlord": "landlord",
    "landlady": "landlord",
    "pastor": "pastor",
    "father": "pastor",
    "neighbor": "neighbor",
    "neighbour": "neighbor",
    "realtor": "realtor",
    "agent": "realtor",
    "caretaker": "caretaker",
    "housekeeper": "housekeeper",
    "assistant": "assistant",
    "superintendent": "superintendent",
    "super": "superintendent",
    "translator": "translator",
    "interpreter": "translator",
    "contact": "contact",
}
_ROLE = "|".join(
    sorted((re.escape(r).replace(r"\ ", r"\s+") for r in _ROLES), key=len, reverse=True)
)
# A name is one or two capitalised words: "Kelly", "Dana Ruiz", "Mr Patel".
_PERSON = r"(?:(?i:mr|mrs|ms|dr)\.?\s+)?(?P<name>[A-Z][a-z'-]{1,20}(?:\s+[A-Z][a-z'-]{1,20})?)\b"
_ROLE_NAME = re.compile(
    rf"\b(?i:(?P<role>{_ROLE})(?:'s\s+name)?(?:\s+is|\s*[:(,-]|\s+named|\s+called)?)\s*{_PERSON}"
    rf"|{_PERSON.replace('name', 'name2')}(?:,\s*|\s+is\s+)"
    rf"(?i:(?:now\s+)?(?:the|our|their|her|his)\s+(?P<role2>{_ROLE}))\b",
)
_CREW = re.compile(
    rf"\b(?i:asked\s+for|asks\s+for|requests?|requested|wants|only\s+wants|prefers|likes)\s+"
    rf"{_PERSON}(?=\s+(?i:again|every|each|back|to\s+do|on\s+(?:the\s+)?crew)|\s*[.,;!]|\s*$)",
)
_TRANSLATES = re.compile(rf"{_PERSON}\s+(?:translates|interprets|translating)\b")
_NOT_PEOPLE = re.compile(
    r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april"
    r"|may|june|july|august|september|october|november|december|spanish|english|venmo|zelle"
    r"|paypal|cash|check|invoice|mornings?|afternoons?|evenings?|weekends?|weekdays?)s?$",
    _I,
)


def _person_value(text: str) -> str | None:
    words = text.split()
    if not words or _NOT_PEOPLE.match(words[0]) or name_value(words[0]) is None:
        return None
    return " ".join(words) if len(words) == 1 or name_value(words[1]) else words[0]


def roles(note: Note) -> list[Hit]:
    """``people.<role>`` = name: "manager Kelly", "Kelly is the manager now", "asked for Jose"."""
    hits: list[Hit] = []
    for m in note.finditer(_ROLE_NAME):
        role = _ROLES.get(" ".join((m.group("role") or m.group("role2")).lower().split()))
        person = _person_value(m.group("name") or m.group("name2") or "")
        if role is None or person is None or note.negated(m.start(), 15):
            continue
        hits.append(Hit(f"people.{role}", person, m.start(), m.end(), 0.75))
    for m in note.finditer(_CREW):
        person = _person_value(m.group("name"))
        if person is not None and not note.negated(m.start(), 15):
            hits.append(Hit("people.preferred_crew", person, m.start(), m.end(), 0.7))
    for m in note.finditer(_TRANSLATES):
        person = _person_value(m.group("name"))
        if person is not None:
            hits.append(Hit("people.translator", person, m.start(), m.end(), 0.75))
    return hits


# -- language ------------------------------------------------------------------------------

_LANGUAGES = (
    r"spanish|vietnamese|chinese|mandarin|cantonese|korean|russian|portuguese|french|arabic"
    r"|polish|tagalog|hindi|japanese|german|italian|asl|sign\s+language|creole|haitian\s+creole"
    r"|ukrainian|farsi|persian|somali|hmong|greek|turkish|punjabi|urdu|gujarati|bengali"
)
_LANGUAGE = re.compile(rf"\b(?P<lang>{_LANGUAGES})\b", _I)
_LANGUAGE_CUE = re.compile(
    r"\b(?:speak\w*|english|translat\w*|interpret\w*|language|habla|fluent|native)\b", _I
)


def language(note: Note) -> list[Hit]:
    """``language.spoken``: a language named next to a cue about speaking it."""
    hits = []
    for m in note.finditer(_LANGUAGE):
        if m.group("lang").lower() == "english":
            continue
        lo, hi = note.sentence_window(m.start(), m.end())
        if _LANGUAGE_CUE.search(note.text, lo, hi) is None or note.negated(m.start(), 12):
            continue
        value = " ".join(w.capitalize() for w in m.group("lang").split())
        hits.append(Hit("language.spoken", value.replace("Asl", "ASL"), m.start(), m.end(), 0.8))
    return hits


# -- customer type -------------------------------------------------------------------------

_CUSTOMER_TYPE = re.compile(
    r"\b(?:commercial|storefront|store\s*front|restaurant|cafe|church|office\s+building"
    r"|(?:dental|doctor'?s|law|medical)\s+office|clinic|salon|gym|bank|school|daycare"
    r"|(?:air\s*bnb|vrbo|short[\s-]term|vacation)(?:\s+rental)?|rental\s+property"
    r"|apartment\s+complex|condo\s+(?:complex|building|association)|retail|warehouse"
    r"|car\s+dealership|dealership|hotel|motel)\b",
    _I,
)


def customer_type(note: Note) -> list[Hit]:
    """``customer.type``: every kind-of-customer word in the note, in order ("gym, commercial")."""
    found = [m for m in note.finditer(_CUSTOMER_TYPE) if not note.negated(m.start(), 15)]
    if not found:
        return []
    kinds = list(dict.fromkeys(tidy(m.group()).replace("air bnb", "airbnb") for m in found))
    return [Hit("customer.type", ", ".join(kinds), found[0].start(), found[0].end(), 0.7)]
