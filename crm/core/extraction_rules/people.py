"""The people: the customer's age group, the spouse and the tenant by name."""

from __future__ import annotations

import re

from crm.core.extraction_rules.age_group import age_group as age_group
from crm.core.extraction_rules.base import (
    NAME,
    NAMED,
    TITLE_BEFORE,
    Hit,
    Note,
    capitalised,
    name_value,
    titled,
)
from crm.core.extraction_rules.people_roles import (
    AND_NAME,
    ASK_FOR,
    AT_DESK,
    COUPLE,
    CREW,
    DESCRIBED,
    LEADING_VERB,
    NAME_FIRST,
    NAME_SHE_IS,
    NAMED_BEFORE,
    NOT_PEOPLE,
    OWNS,
    PRACTICE,
    ROLE_FIRST,
    ROLE_KEYS,
    ROLE_NAME_SAID,
    ROLE_OF_NAME_BEFORE,
    SENDER,
    STREET,
    TRANSLATES,
    TRANSLATES_AFTER,
)

_I = re.IGNORECASE

_SPOUSES = (
    r"(?:husband|husbnd|hubby|wife|missus|spouse|partner|boyfriend|girlfriend|fiance|fiancee)"
)
_SPOUSE = re.compile(
    rf"(?<!ex-)(?<!ex\s)(?<!my\s)\b{_SPOUSES}"
    rf"(?P<form>{NAMED}|'?s\s+name\s+it'?s\s+|'?s\s+name\s*[:(]?\s*|\s+name\s+|\s+is\s+|\s*[:(,-]\s*"
    # "Wife of customer name Anita"
    rf"|\s+of\s+(?:the\s+)?(?:customer|client|owner|homeowner)(?:\s+name(?:d|\s+is)?|\s+is|\s*[:,-])?\s+"
    rf"|\s+){NAME}"
    rf"|\b(?=(?-i:[A-Z])){NAME.replace('name', 'name3')}\s*\((?:the\s+|her\s+|his\s+)?{_SPOUSES}\)",
    _I,
)
# "his wife handles all this, her name is Deb": the name said a few words after the spouse.
_SPOUSE_SAID = re.compile(
    rf"\b{_SPOUSES}\b(?P<form>[^.;!?\n]{{0,40}}?\b(?:her|his)\s+name(?:'s|\s+is|\s+was)\s+){NAME}",
    _I,
)
# "tenant is a young guy named Luis", "tenant moved out. new one is Priya".
_TENANT_MORE = re.compile(
    # "renting the main house to a nurse named kathy"
    rf"\brent(?:ing|s|ed)\s+(?:out\s+)?(?:the\s+|their\s+|her\s+|his\s+)?(?:\w+\s+)?(?:house|home|unit"
    rf"|place|casita|apartment|apt|condo)\s+to\s+(?:an?\s+)?(?:\w+\s+){{0,2}}?(?P<form3>named|called)\s+"
    rf"{NAME.replace('name', 'name3')}"
    # "new tenant at 44 mission is a guy named derek"
    rf"|\b(?:tenant|renter)(?:\s+(?:at|in|on)\s+[\w#' -]{{1,20}}?)?(?:\s+is\s+an?\s+[\w ]{{0,25}}?"
    rf"|\s*,\s+(?:an?\s+|the\s+)?(?:\w+\s+){{0,2}}?(?:guy|gal|lady|woman|man|fella"
    rf"|girl|student|couple))(?P<form>\s+(?:named|called)\s+){NAME}"
    rf"|\b(?:tenant|renter)\s+moved\s+out\b[^!?\n]{{0,30}}?\bnew\s+one(?P<form2>\s+is\s+|,\s*)"
    rf"{NAME.replace('name', 'name2')}",
    _I,
)
_TENANT = re.compile(
    rf"\b(?:tenant|renter)\s+(?:at|of|in|on)\s+(?:the\s+)?[\w#'-]+(?:\s+[\w#'-]+){{0,3}}?"
    rf"(?P<form4>\s+is\s+|\s*[,:(]\s*|\s+[-\u2013\u2014]\s+|\s*[.,;]?\s+(?:her|his|their)\s+name"
    rf"(?:'s|\s+is|\s*:)\s*)(?P<title>(?:mrs?|ms|dr)\.?\s+)?{NAME.replace('name', 'name4')}"
    rf"|\b(?:tenant|tenent|renter)(?P<form>\s+moved\s+in,?\s+(?:her\s+|his\s+)?name(?:'s|\s+is)\s+"
    rf"|{NAMED}|'?s\s+name\s*:?\s*|\s+is\s+|\s*[:(,=-]\s*|\s+){NAME}"
    rf"|\b(?=(?-i:[A-Z]))(?!(?i:new|old|former|current|the|our)\b)"
    rf"{NAME.replace('name', 'name2')}"
    rf"(?:,\s*(?:is\s+)?(?:the\s+|our\s+)?|\s+(?:is\s+)?(?:the|our)\s+)"
    rf"(?:tenant|renter)\b(?!\s+(?:pays|is|has|will|does|said|says|wants|moved|left|lets|keeps)\b|\s+(?-i:[A-Z]))"
    rf"|\b(?=(?-i:[A-Z])){NAME.replace('name', 'name3')}\s*\((?:the\s+)?(?:tenant|renter)\)",
    _I,
)


# A form's fields: "Contact: ...", "Age: 92", "Pay: check".
_FIELD = re.compile(r"(?:^|[|.;]\s*)[A-Z][a-z]+(?:\s+[a-z]+)?\s*:")


# A dictated note capitalises only "I" and the first word of a sentence ("the husband greg").
_CAPITAL = re.compile(r"\b[A-Z][\w']*")


def _dictated(note: Note) -> bool:
    if note.all_lower:
        return True
    if not re.match(r"\W*[a-z]", note.raw) and not re.search(r"[.!?]\s+[a-z]", note.raw):
        return False  # sentences start with capitals: names would too
    for m in _CAPITAL.finditer(note.raw):
        before = note.raw[max(0, m.start() - 3) : m.start()].rstrip()
        if m.group() not in ("I", "I'm", "I've", "I'll", "I'd") and before[-1:] not in ".!?\n":
            return False
    return True


_SURNAME = re.compile(r"[ \t]+([A-Z][a-z'-]{1,20})\b")
_FIRST_BEFORE = re.compile(r"\b([A-Z][a-z'-]{1,20})[ \t]+$")
_NOT_FIRST = frozenset(
    ("please", "the", "this", "our", "their", "her", "his", "new", "old", "and", "now", "also")
)


def _a_first_name(word: str) -> bool:
    return (
        word.lower() not in _NOT_FIRST
        and name_value(word) is not None
        and not NOT_PEOPLE.match(word)
        and not LEADING_VERB.match(word)
    )


def _person(note: Note, key: str, pattern: re.Pattern[str]) -> list[Hit]:
    hits = []
    for m in note.finditer(pattern):
        groups = m.groupdict()
        word = next((groups[g] for g in ("name", "name2", "name3", "name4") if groups.get(g)), "")
        form = (
            (
                groups.get("form")
                or groups.get("form2")
                or groups.get("form3")
                or groups.get("form4")
                or ""
            )
            .strip()
            .lower()
        )
        named = "name" in form or "call" in form
        # "husband Bob", "wife is Linda": only a word written as a name ("tenant is moving").
        if not named and (
            not (capitalised(word) or _dictated(note)) or word.lower().endswith("ing")
        ):
            continue
        explicit = named or form.startswith(("is", ":"))
        value = name_value(word)
        if value is None or note.negated(m.start(), 15):
            continue
        end = m.end()
        first = _FIRST_BEFORE.search(note.text, max(0, m.start() - 22), m.start())
        if groups.get("name2") and first is not None and _a_first_name(first.group(1)):
            value = f"{first.group(1)} {value}"  # "Chidi Obi is the tenant"
        surname = _SURNAME.match(note.text, end)
        if (
            surname is not None
            and name_value(surname.group(1))
            and not NOT_PEOPLE.match(surname.group(1))
        ):
            value, end = f"{value} {surname.group(1)}", surname.end()
        elif groups.get("title"):  # "Dr. Lee": a bare surname keeps its title
            value = f"{groups['title'].strip().capitalize()} {value}"
        hits.append(Hit(key, value, m.start(), end, 0.85 if explicit else 0.75))
    return hits


_BOTH_SPOUSES = re.compile(
    r"\b(?:wife|missus)\b[^\n]{0,80}?\b(?:husband|hubby)\b|\b(?:husband|hubby)"
    r"\b[^\n]{0,80}?\b(?:wife|missus)\b",
    _I,
)
_KIN = ("daughter", "son", "sister", "brother", "niece", "nephew", "granddaughter", "grandson")


# In a customer's own words pasted into the note ("my partner Felix asks..."), "my" is theirs.
_MY_SPOUSE = re.compile(rf"\bmy\s+{_SPOUSES}(?P<form>\s*,?\s+)(?=(?-i:[A-Z])){NAME}", _I)


_OPEN_QUOTE = re.compile(r"(?<![A-Za-z])'(?!(?:em|til|cause|bout|n)\b)(?=[A-Za-z])")
_CLOSE_QUOTE = re.compile(r"(?<=[A-Za-z.!?])'(?![A-Za-z])")


# A voicemail written down word for word: "Hi this is Bob Chandler, my wife Suzie and I...".
_VOICEMAIL = re.compile(r"\s*(?:hi|hello|hey)\b[^.\n]{0,10}\b(?:this\s+is|it'?s)\b", _I)


def _quoted(note: Note, pos: int) -> bool:
    """Inside a customer's message pasted in quotes ("..." or '...')."""
    if note.text.count('"', 0, pos) % 2 == 1:
        return True
    opened = [m.start() for m in _OPEN_QUOTE.finditer(note.text, 0, pos)]
    return bool(opened) and _CLOSE_QUOTE.search(note.text, opened[-1], pos) is None


def spouse(note: Note) -> list[Hit]:
    hits = [
        *_person(note, "people.spouse_name", _SPOUSE),
        *_person(note, "people.spouse_name", _SPOUSE_SAID),
        *(
            h
            for h in _person(note, "people.spouse_name", _MY_SPOUSE)
            if _quoted(note, h.start) or _VOICEMAIL.match(note.text)
        ),
    ]
    if len({h.value for h in hits}) > 1 and _BOTH_SPOUSES.search(note.text):
        # "wife Elena speaks russian, husband Dmitri english": the first named is the spouse.
        first = min(hits, key=lambda h: h.start)
        hits = [
            Hit(h.key, h.value, h.start, h.end, h.confidence, 1) if h is first else h for h in hits
        ]
    # "Husband Bill passed away last yr", "her late husband Bill": not a spouse any more.
    hits = [
        h
        for h in hits
        if not _LEFT.match(note.text, h.end)
        and not _LATE.search(note.text, max(0, h.start - 12), h.start)
    ]
    if not hits:
        return hits
    # "his wife Ngozi, Mrs. Abara's daughter": the customer's child, not the customer's spouse.
    kin = {h.value for h in roles(note) if h.key.removeprefix("people.") in _KIN}
    return [h for h in hits if h.value not in kin]


# "Old tenant Jake is gone", "former tenant Jenny moved out": not the tenant any more.
_FORMER = re.compile(r"\b(?:old|former|previous|prior|last|ex)[\s-]*$", _I)
_LEFT = re.compile(
    r",?\s+(?:is\s+gone|has\s+left|left|moved\s+(?:out|away)|(?:has\s+|had\s+)?(?:passed|died)"
    r"|retired|is\s+no\s+longer)\b",
    _I,
)
_LATE = re.compile(r"\b(?:late|former|ex|deceased)[\s-]*$", _I)


def tenant(note: Note) -> list[Hit]:
    return [
        h
        for h in (
            *_person(note, "people.tenant_name", _TENANT),
            *_person(note, "people.tenant_name", _TENANT_MORE),
        )
        if not _FORMER.search(note.text, max(0, h.start - 12), h.start)
        and not _LEFT.match(note.text, h.end)
    ]


# -- people by role (open family) ----------------------------------------------------------


def _person_value(text: str) -> str | None:
    words = text.split()
    if len(words) == 2 and LEADING_VERB.match(words[0]):
        words = words[1:]
    if not words or NOT_PEOPLE.match(words[0]) or name_value(words[0]) is None:
        return None
    if len(words) == 2 and STREET.match(words[1]):
        return None  # "(landlord, Maple St)": a street, not a person
    return " ".join(words) if len(words) == 1 or name_value(words[1]) else words[0]


# A neighbour asking for a price is a sales lead, not someone in the customer's life.
_LEAD = re.compile(
    r"\b(?:quotes?|estimates?|price|pricing|business\s+card|gave\s+(?:him|her)\s+a\s+card)\b", _I
)


# "The new owners are Jamal and Keisha Wright": a couple in one role, said together.
def couples(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(COUPLE):
        if note.negated(m.start(), 15) or _FORMER.search(
            note.text, max(0, m.start() - 12), m.start()
        ):
            continue
        role = m.group("role").lower()
        key = "people.tenant_name" if role in ("tenants", "renters") else f"people.{role[:-1]}"
        names = " ".join(m.group("names").replace("&", "and").split())
        hits.append(Hit(key, names, m.start(), m.end(), 0.75))
    return hits


def roles(note: Note) -> list[Hit]:
    """``people.<role>`` = name: "manager Kelly", "Kelly is the manager now", "asked for Jose"."""
    hits: list[Hit] = couples(note)
    found = [
        *note.finditer(SENDER),
        *note.finditer(ROLE_FIRST),
        *note.finditer(NAME_FIRST),
        *note.finditer(ROLE_NAME_SAID),
        *note.finditer(NAME_SHE_IS),
    ]
    for m in found:
        if m.re is NAME_SHE_IS and m.group("role").lower() == "boss":
            continue  # "his missus is Siobhan, she's the boss really"
        if m.re is ROLE_FIRST and DESCRIBED.search(note.text, max(0, m.start() - 12), m.start()):
            continue
        if m.re is ROLE_FIRST and NAMED_BEFORE.search(note.text, max(0, m.start() - 30), m.start()):
            continue  # "Greg Pham (owner, Pham's Pho)": the name before the bracket has the role
        if (
            m.re is ROLE_FIRST
            and ROLE_OF_NAME_BEFORE.search(note.text, max(0, m.start() - 25), m.start())
            and note.text[max(0, m.start("name") - 3) : m.start("name")].rstrip().endswith(",")
        ):
            continue  # "Marisol Pena, Property Manager, Summit Stays": not "Summit"
        groups = m.groupdict()
        said = next((groups[g] for g in ("role", "role3", "role4", "role5") if groups.get(g)), "")
        role = ROLE_KEYS.get(" ".join(said.lower().replace("-", " ").split()))
        said_as = next((g for g in ("name", "name3", "name4", "name5") if groups.get(g)), None)
        person = _person_value(groups[said_as] if said_as else "")
        title = said_as and TITLE_BEFORE.search(
            note.text, max(0, m.start(said_as) - 9), m.start(said_as)
        )
        if person is not None and " " not in person and title:
            # "the landlord, Mr. Vickers": a bare surname keeps its title
            person = titled(title, person)
        end = m.end()
        surname = _SURNAME.match(note.text, end) if m.re is ROLE_NAME_SAID else None
        if person is not None and surname is not None and not NOT_PEOPLE.match(surname.group(1)):
            # "whose name is Simone Achterberg"
            person, end = f"{person} {surname.group(1)}", surname.end()
        if said.lower() == "tenant" and person is not None:
            hits.append(Hit("people.tenant_name", person, m.start(), end, 0.75))
            continue
        if role is None or person is None or note.negated(m.start(), 15):
            continue
        if (
            role == "contact"
            and not note.text[: m.start()].strip(" [(*=-#")
            and len(_FIELD.findall(note.text)) >= 2
        ):
            continue  # "Contact: Ms. Harriet Vance | Age: 92 | ...": a form names its customer
        if _FORMER.search(note.text, max(0, m.start() - 12), m.start()) or _LEFT.match(
            note.text, end
        ):
            continue  # "old manager Patty is gone", "the previous manager, Mr. Hale"
        if role == "neighbor" and _LEAD.search(note.text, *note.sentence_window(m.start())):
            continue
        hits.append(Hit(f"people.{role}", person, m.start(), end, 0.75))
    crew = [m for m in note.finditer(CREW) if not note.negated(m.start(), 15)]
    for m in crew:
        person = _person_value(m.group("name") or m.group("name2") or m.group("name3"))
        if person is not None:
            hits.append(Hit("people.preferred_crew", person, m.start(), m.end(), 0.7))
            other = AND_NAME.match(note.text, m.end())
            second = _person_value(other.group("name")) if other else None
            if other and second and second != person:
                hits.append(Hit("people.preferred_crew_2", second, m.start(), other.end(), 0.65))
    taken = [(h.start, h.end) for h in hits]
    for m in note.finditer(ASK_FOR):
        person = _person_value(m.group("name"))
        if person is not None and not any(s <= m.start("name") < e for s, e in taken):
            hits.append(Hit("people.contact", person, m.start("name"), m.end(), 0.65))
    for pattern, role, cue in ((AT_DESK, "receptionist", "desk"), (OWNS, "owner", "owns")):
        if cue not in note.text.lower() and not (
            cue == "desk" and "reception" in note.text.lower()
        ):
            continue  # a cheap look before the scan
        for m in note.finditer(pattern):
            person = _person_value(m.group("name"))
            if person is not None and not note.negated(m.start(), 15):
                hits.append(Hit(f"people.{role}", person, m.start(), m.end(), 0.7))
    if "dr" in note.text.lower() or "doctor" in note.text.lower():
        for m in note.finditer(PRACTICE):
            person = _person_value(m.group("name"))
            if person is not None and not note.negated(m.start(), 15):
                hits.append(Hit("people.owner", f"Dr. {person}", m.start("title"), m.end(), 0.7))
    said = "translat" in note.text.lower() or "interpret" in note.text.lower()
    for m in (*note.finditer(TRANSLATES), *(note.finditer(TRANSLATES_AFTER) if said else ())):
        person = _person_value(m.group("name"))
        if person is not None:
            hits.append(Hit("people.translator", person, m.start(), m.end(), 0.75))
    return hits
