"""The people: the customer's age group, the spouse and the tenant by name."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import NAME, NAMED, Hit, Note, capitalised, name_value
from crm.core.extraction_rules.customer import _LANGUAGES
from crm.core.extraction_rules.customer import age_group as age_group
from crm.core.extraction_rules.people_roles import ROLES

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
    rf"\b(?:tenant|renter)(?:\s+is\s+an?\s+[\w ]{{0,25}}?"
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
    rf"(?:tenant|renter)\b(?!\s+(?:pays|is|has|will|does|said|says|wants|moved|left|lets|keeps)\b)"
    rf"|\b(?=(?-i:[A-Z])){NAME.replace('name', 'name3')}\s*\((?:the\s+)?(?:tenant|renter)\)",
    _I,
)


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
_TITLE_BEFORE = re.compile(r"\b(mrs|mr|ms|dr|mister|miss)\.?\s+$", _I)
_TITLES = {"mr": "Mr.", "mister": "Mr.", "mrs": "Mrs.", "ms": "Ms.", "miss": "Ms.", "dr": "Dr."}
_FIRST_BEFORE = re.compile(r"\b([A-Z][a-z'-]{1,20})[ \t]+$")
_NOT_FIRST = frozenset(
    ("please", "the", "this", "our", "their", "her", "his", "new", "old", "and", "now", "also")
)


def _a_first_name(word: str) -> bool:
    return (
        word.lower() not in _NOT_FIRST
        and name_value(word) is not None
        and not _NOT_PEOPLE.match(word)
        and not _LEADING_VERB.match(word)
    )


def _person(note: Note, key: str, pattern: re.Pattern[str]) -> list[Hit]:
    hits = []
    for m in note.finditer(pattern):
        groups = m.groupdict()
        word = next((groups[g] for g in ("name", "name2", "name3", "name4") if groups.get(g)), "")
        form = (
            (groups.get("form") or groups.get("form2") or groups.get("form4") or "").strip().lower()
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
            and not _NOT_PEOPLE.match(surname.group(1))
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
        *(h for h in _person(note, "people.spouse_name", _MY_SPOUSE) if _quoted(note, h.start)),
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

_ROLES = ROLES
_ROLE_KEYS = {k.replace("-", " "): v for k, v in _ROLES.items()}


def _role_pattern(roles: dict[str, str]) -> str:
    """The roles as one alternation, grouped by first letter so a miss fails fast; longest
    first within a letter ("office manager" before "office")."""
    by_letter: dict[str, list[str]] = {}
    for role in sorted(roles, key=len, reverse=True):
        rest = re.escape(role[1:]).replace(r"\ ", r"\s+").replace(r"\-", r"[\s-]")
        by_letter.setdefault(role[0], []).append(rest)
    return "|".join(f"{letter}(?:{'|'.join(rests)})" for letter, rests in by_letter.items())


_ROLE = _role_pattern(_ROLES)
# A name is one or two capitalised words: "Kelly", "Dana Ruiz", "Mr Patel".
_PERSON = (
    rf"(?:(?i:mr|mrs|ms|dr|mister|miss|rev(?:erend)?|fr)\.?\s+)?(?!(?i:{_ROLE})\b)"
    r"(?P<name>[A-Z][a-z'-]{1,20}(?:\s+[A-Z][a-z'-]{1,20})?)\b"
)
# Role first ("manager Kelly", "our contact there is Denise"), or name first ("Kelly is the
# manager now", "Jerry (maintenance)"); run apart so one cannot swallow the other's role.
_ROLE_FIRST = re.compile(
    rf"\b(?i:(?P<role>{_ROLE})(?:'s\s+name)?(?:\s+there|\s+here"
    rf"|\s+(?:on\s+(?:the\s+)?(?:right|left)|next\s+door|across\s+the\s+(?:street|road)"
    rf"|lives\s+(?:with|w/)\s*(?:them|her|him))"
    rf"|\s+(?:for|of|at)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?(?=\s+is\b)|\s+changed:?(?:\s+-+)?\s+now|\s+now"
    rf"|\s+is\s+named|\s+is\s+called"
    rf"|\s+still|\s*\((?:{_ROLE})\)|(?:,|\s+is)\s+(?:an?\s+)?[\w\s]{{0,25}}?\s+(?:named|called))?"
    rf"(?:\s+is(?:\s+(?:still|now))?|\s*[:(,=-]|\s+named|\s+called)?)\s*{_PERSON}"
)
# "we talk with Irene, she is the office manager": the name and its role said in one breath.
_NAME_SHE_IS = re.compile(
    rf"{_PERSON}(?:\s+(?:at|of)\s+[^.!?\n]{{0,40}}?)?[,:;]?\s+(?i:(?:she|he)(?:'s|\s+is)\s+(?:now\s+|also\s+)?(?:the|our|their)\s+"
    rf"(?P<role>{_ROLE}))\b"
)
# "Cust is a realtor, Jenna Cho": the customer's trade, not someone in that role.
_DESCRIBED = re.compile(r"\bis\s+(?:an?|also\s+an?)\s+$", _I)
# "the office manager her name is kristen": a name said outright may be written in lower case.
_ROLE_NAME_SAID = re.compile(
    rf"\b(?P<role>{_ROLE}|tenant)\b[^.;!?\n]{{0,30}}?\b(?:(?:her|his|their)\s+)?name(?:'s|\s+is|\s*:)?"
    rf"\s+(?P<name>[A-Za-z][a-z'-]{{1,20}})\b",
    _I,
)
_NAME_FIRST = re.compile(
    rf"(?<!\bby\s)(?<!\bat\s)(?<!\bfrom\s)(?<!\bwith\s)(?<!\bfor\s)"
    rf"(?!(?i:bill|invoice|charge|call|text|ask|tell|email|see|meet)\s+the\s)"
    rf"{_PERSON}(?:,\s*|\s+is\s+|,?\s+(?:she|he)\s+is\s+|\s+(?=the\s))(?i:(?:now\s+)?(?:(?:the|our|their|her|his"
    rf"|(?:mrs?|ms|mr|dr|mister)\.?\s+[a-z]{{2,20}}'s)\s+(?:new\s+)?|new\s+)"
    rf"(?:(?:owner|customer|client|tenant|landlord|manager)'s\s+)?(?P<role>{_ROLE}))\b"
    rf"|{_PERSON.replace('name', 'name3')}\s*\((?i:(?:the\s+|her\s+|his\s+)?(?P<role3>{_ROLE}))"
    rf"(?:\s*,[^()\n]{{0,30}})?\)"
    rf"|{_PERSON.replace('name', 'name4')}\s*(?:=|,)\s*(?i:(?:the\s+)?(?P<role4>{_ROLE}))"
    rf"(?=\s*[.;!]|\s*$|\s+(?i:of|at)\b)",
)
# A person's name starts with a capital: skipping every other position keeps long notes fast.
_NAME_FIRST = re.compile(r"(?=[A-Z])(?:" + _NAME_FIRST.pattern + ")", _NAME_FIRST.flags)
_CREW = re.compile(
    rf"\b(?i:ask\s+for|asked\s+for|asks\s+for|requests?|requested|wants|only\s+wants|prefers|likes)\s+"
    rf"{_PERSON}(?='s\s+(?i:crew|team)|\s+(?i:again|every|each|back|to\s+do|on\s+(?:the\s+)?crew|for\s+(?:all|every"
    rf"|future|each|the\s+next))|\s*[.,;!]|\s*$)"
    rf"|\b(?i:(?:preferred|fav(?:ou?rite)?|usual|regular)\s+(?:tech|technician|crew|guy|cleaner|worker)s?"
    rf"(?:\s+is|\s*[:=-])?)\s*{_PERSON.replace('name', 'name2')}"
    rf"|\b(?i:same\s+(?:guys?|crew|techs?|team|people)(?:\s+as\s+(?:last\s+time|before)"
    rf"|\s+(?:every|each)\s+(?:time|visit))?)\s*"
    rf"[(:,-]?\s*{_PERSON.replace('name', 'name3')}",
)
# "Jose & Mike", "(Dmitri and Paul)": a second person asked for in the same breath.
_AND_NAME = re.compile(rf"\s*(?:&|\+|,|\band\b)\s*{_PERSON}")
# "Ask for Brenda at reception", "talk to Gary": the person to deal with on site.
_ASK_FOR = re.compile(
    rf"(?:^|[.;!,-]\s*|\n\s*)(?i:ask\s+for|talk\s+to|speak\s+(?:to|with)|deal\s+with|check\s+in\s+with"
    rf"|call|text|see)\s+{_PERSON}(?=\s+(?i:at|in|when|before|on\s+arrival|first)\b|\s*[.,;!(]|\s*$)",
)
# "Maya at the front desk does scheduling", "Dr. Amir Haddad owns it".
_AT_DESK = re.compile(rf"{_PERSON}\s+(?i:at|on|runs)\s+(?i:the\s+)?(?i:front\s+desk|reception)\b")
_OWNS = re.compile(
    rf"{_PERSON}\s+(?i:owns\s+(?:it|the\s+(?:place|business|building|shop|store|property"
    rf"|restaurant|practice|company)))\b"
)
# "dentist office (Dr. Shah)": the doctor named for the practice owns it.
_PRACTICE = re.compile(
    r"\b(?:dental|dentist'?s?|doctor'?s|medical|vet|veterinary|law|chiropractic|optometr\w{0,4})"
    r"\s+(?:office|practice|clinic)\s*(?:\(\s*|[,-]\s*)(?P<title>(?:dr|doctor)\.?\s+)"
    # "Dr. Singh's practice" names the practice, not its owner.
    r"(?P<name>[A-Z][a-z-]{1,20})(?![\w'\u2019])",
    _I,
)
_TRANSLATES = re.compile(
    rf"{_PERSON}\)?\s+(?i:translates|interprets|translating|speaks\s+(?:english\s+)?for\s+(?:her|him"
    rf"|them)|(?:talks|speaks)\s+for\s+(?:her|him|them)|does\s+(?:the\s+|all\s+the\s+)?(?:english"
    rf"|talking|translating)|handles\s+(?:the\s+)?(?:english|talking|translating))\b"
)
_TRANSLATES = re.compile(r"(?=[A-Z])(?:" + _TRANSLATES.pattern + ")", _TRANSLATES.flags)
# "bring Tuan if possible he translates": the name a few words before.
_TRANSLATES_AFTER = re.compile(
    rf"(?=[A-Z]){_PERSON}[^.;!?\n]{{0,25}}?,?\s+(?i:(?:he|she)\s+(?:translates|interprets"
    r"|can\s+translate))\b"
)
_NOT_PEOPLE = re.compile(
    r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april"
    r"|may|june|july|august|september|october|november|december|spanish|english|venmo|zelle"
    r"|paypal|cash|check|invoice|mornings?|afternoons?|evenings?|weekends?|weekdays?|mom|dad"
    r"|office|ahead|back|first|before|team|crew|upstairs|downstairs|unit)s?$"
    rf"|^(?:{_LANGUAGES})$",
    _I,
)


_STREET = re.compile(r"^(?:st|ave|rd|dr|ln|blvd|ct|way|road|street|lane|drive|avenue|court)$", _I)


# "Call Jerry (maintenance)": a capitalised verb that opens the sentence is not a first name.
_LEADING_VERB = re.compile(r"^(?:call|text|ask|see|tell|email|contact|talk|met|meet)$", _I)


def _person_value(text: str) -> str | None:
    words = text.split()
    if len(words) == 2 and _LEADING_VERB.match(words[0]):
        words = words[1:]
    if not words or _NOT_PEOPLE.match(words[0]) or name_value(words[0]) is None:
        return None
    if len(words) == 2 and _STREET.match(words[1]):
        return None  # "(landlord, Maple St)": a street, not a person
    return " ".join(words) if len(words) == 1 or name_value(words[1]) else words[0]


# A neighbour asking for a price is a sales lead, not someone in the customer's life.
_LEAD = re.compile(
    r"\b(?:quotes?|estimates?|price|pricing|business\s+card|gave\s+(?:him|her)\s+a\s+card)\b", _I
)


# "The new owners are Jamal and Keisha Wright": a couple in one role, said together.
_COUPLE = re.compile(
    r"\b(?i:(?:new\s+)?(?P<role>owners|landlords|tenants|renters)\s+(?:are|:)\s+(?:now\s+)?)"
    r"(?P<names>[A-Z][a-z'-]{1,20}\s+(?:and|&)\s+[A-Z][a-z'-]{1,20}(?:\s+[A-Z][a-z'-]{1,20})?)\b"
)


_NAMED_BEFORE = re.compile(r"[A-Z][a-z'-]+\s*\(\s*$")
# A pasted email's sender: "From Beth Ruiz, Quarry Hill HOA secretary:".
_SENDER = re.compile(
    rf"\b(?i:from)\s+{_PERSON},\s+(?:(?:the\s+)?[A-Z][\w'&]*\s+){{0,4}}(?i:(?P<role>{_ROLE}))\b\s*[:(\-]"
)


def couples(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_COUPLE):
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
        *note.finditer(_SENDER),
        *note.finditer(_ROLE_FIRST),
        *note.finditer(_NAME_FIRST),
        *note.finditer(_ROLE_NAME_SAID),
        *note.finditer(_NAME_SHE_IS),
    ]
    for m in found:
        if m.re is _NAME_SHE_IS and m.group("role").lower() == "boss":
            continue  # "his missus is Siobhan, she's the boss really"
        if m.re is _ROLE_FIRST and _DESCRIBED.search(note.text, max(0, m.start() - 12), m.start()):
            continue
        if m.re is _ROLE_FIRST and _NAMED_BEFORE.search(
            note.text, max(0, m.start() - 30), m.start()
        ):
            continue  # "Greg Pham (owner, Pham's Pho)": the name before the bracket has the role
        groups = m.groupdict()
        said = groups.get("role") or groups.get("role3") or groups.get("role4") or ""
        role = _ROLE_KEYS.get(" ".join(said.lower().replace("-", " ").split()))
        person = _person_value(
            groups.get("name") or groups.get("name3") or groups.get("name4") or ""
        )
        said_as = next((g for g in ("name", "name3", "name4") if groups.get(g)), None)
        title = said_as and _TITLE_BEFORE.search(
            note.text, max(0, m.start(said_as) - 9), m.start(said_as)
        )
        if person is not None and " " not in person and title:
            # "the landlord, Mr. Vickers": a bare surname keeps its title
            person = f"{_TITLES[title.group(1).lower()]} {person}"
        end = m.end()
        surname = _SURNAME.match(note.text, end) if m.re is _ROLE_NAME_SAID else None
        if person is not None and surname is not None and not _NOT_PEOPLE.match(surname.group(1)):
            # "whose name is Simone Achterberg"
            person, end = f"{person} {surname.group(1)}", surname.end()
        if said.lower() == "tenant" and person is not None:
            hits.append(Hit("people.tenant_name", person, m.start(), end, 0.75))
            continue
        if role is None or person is None or note.negated(m.start(), 15):
            continue
        if _FORMER.search(note.text, max(0, m.start() - 12), m.start()) or _LEFT.match(
            note.text, end
        ):
            continue  # "old manager Patty is gone", "the previous manager, Mr. Hale"
        if role == "neighbor" and _LEAD.search(note.text, *note.sentence_window(m.start())):
            continue
        hits.append(Hit(f"people.{role}", person, m.start(), end, 0.75))
    crew = [m for m in note.finditer(_CREW) if not note.negated(m.start(), 15)]
    for m in crew:
        person = _person_value(m.group("name") or m.group("name2") or m.group("name3"))
        if person is not None:
            hits.append(Hit("people.preferred_crew", person, m.start(), m.end(), 0.7))
            other = _AND_NAME.match(note.text, m.end())
            second = _person_value(other.group("name")) if other else None
            if other and second and second != person:
                hits.append(Hit("people.preferred_crew_2", second, m.start(), other.end(), 0.65))
    taken = [(h.start, h.end) for h in hits]
    for m in note.finditer(_ASK_FOR):
        person = _person_value(m.group("name"))
        if person is not None and not any(s <= m.start("name") < e for s, e in taken):
            hits.append(Hit("people.contact", person, m.start("name"), m.end(), 0.65))
    for pattern, role, cue in ((_AT_DESK, "receptionist", "desk"), (_OWNS, "owner", "owns")):
        if cue not in note.text.lower() and not (
            cue == "desk" and "reception" in note.text.lower()
        ):
            continue  # a cheap look before the scan
        for m in note.finditer(pattern):
            person = _person_value(m.group("name"))
            if person is not None and not note.negated(m.start(), 15):
                hits.append(Hit(f"people.{role}", person, m.start(), m.end(), 0.7))
    if "dr" in note.text.lower() or "doctor" in note.text.lower():
        for m in note.finditer(_PRACTICE):
            person = _person_value(m.group("name"))
            if person is not None and not note.negated(m.start(), 15):
                hits.append(Hit("people.owner", f"Dr. {person}", m.start("title"), m.end(), 0.7))
    said = "translat" in note.text.lower() or "interpret" in note.text.lower()
    for m in (*note.finditer(_TRANSLATES), *(note.finditer(_TRANSLATES_AFTER) if said else ())):
        person = _person_value(m.group("name"))
        if person is not None:
            hits.append(Hit("people.translator", person, m.start(), m.end(), 0.75))
    return hits
