"""The roles a person can hold for a customer, as written in notes, and the key each gives
(``people.<role>``)."""

from __future__ import annotations

import re

from crm.core.extraction_rules.customer import _LANGUAGES

_I = re.IGNORECASE

ROLES = {
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
    "property mgr": "property_manager",
    "pm": "property_manager",
    "office manager": "office_manager",
    "office mgr": "office_manager",
    "store mgr": "manager",
    "building mgr": "building_manager",
    "bldg mgr": "building_manager",
    "community mgr": "manager",
    "cleaner": "cleaner",
    "airbnb cleaner": "cleaner",
    "house cleaner": "cleaner",
    "mother": "mother",
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
    "maintenance": "maintenance",
    "maintenance guy": "maintenance",
    "maintenance man": "maintenance",
    "handyman": "maintenance",
    "receptionist": "receptionist",
    "front desk": "receptionist",
    "bookkeeper": "bookkeeper",
    "daughter-in-law": "daughter_in_law",
    "son-in-law": "son_in_law",
    "mother-in-law": "mother_in_law",
    "father-in-law": "father_in_law",
    "dtr": "daughter",
    "secretary": "secretary",
    "church secretary": "secretary",
    "custodian": "custodian",
    "janitor": "custodian",
    "principal": "principal",
    "host": "owner",
    "carer": "carer",
    "caregiver": "carer",
    "facilities coordinator": "facilities_manager",
    "facilities supervisor": "facilities_manager",
    "facilities manager": "facilities_manager",
    "facilities mgr": "facilities_manager",
    "building manager": "building_manager",
    "bldg manager": "building_manager",
    "building engineer": "building_engineer",
    "bldg engineer": "building_engineer",
    "security guard": "security",
    "treasurer": "treasurer",
    "board president": "board_president",
    "board pres": "board_president",
    "deacon": "deacon",
    "owner's rep": "owner_rep",
    "fleet manager": "fleet_manager",
    "fleet mgr": "fleet_manager",
    "site contact": "contact",
    "boss": "manager",
    "nanny": "nanny",
    "cleaning lady": "housekeeper",
    "brother-in-law": "brother_in_law",
    "sister-in-law": "sister_in_law",
    "community manager": "manager",
    "asst mgr": "assistant_manager",
    "assistant manager": "assistant_manager",
    "hoa contact": "hoa_contact",
    "hoa president": "hoa_contact",
    "director": "director",
    "executive director": "director",
    "grandma": "grandmother",
    "grandmother": "grandmother",
    "grandpa": "grandfather",
    "grandfather": "grandfather",
    "executive assistant": "executive_assistant",
}


# -- how a role and a name are said together ------------------------------------------

_ROLES = ROLES
ROLE_KEYS = {k.replace("-", " "): v for k, v in _ROLES.items()}


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
    r"(?P<name>[A-Z][a-z'-]{1,20}(?:[ \t]+[A-Z][a-z'-]{1,20})?)\b"
)
# Role first ("manager Kelly", "our contact there is Denise"), or name first ("Kelly is the
# manager now", "Jerry (maintenance)"); run apart so one cannot swallow the other's role.
ROLE_FIRST = re.compile(
    rf"\b(?i:(?P<role>{_ROLE})(?:'s\s+name)?(?:\s+there|\s+here"
    rf"|\s+(?:on\s+(?:the\s+)?(?:right|left)|next\s+door|across\s+the\s+(?:street|road)"
    rf"|lives\s+(?:with|w/)\s*(?:them|her|him))"
    rf"|\s+(?:for|of|at)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?(?=\s+is\b)|\s+changed:?(?:\s+-+)?\s+now|\s+now"
    rf"|\s+is\s+named|\s+is\s+called"
    rf"|\s+still|\s*\((?:{_ROLE})\)|(?:,|\s+is)\s+(?:an?\s+)?[\w\s]{{0,25}}?\s+(?:named|called))?"
    rf"(?:\s+is(?:\s+(?:still|now))?|\s*[:(,=-]|\s+named|\s+called)?)\s*{_PERSON}"
)
# "we talk with Irene, she is the office manager": the name and its role said in one breath.
NAME_SHE_IS = re.compile(
    rf"{_PERSON}(?:\s+(?:at|of)\s+[^.!?\n]{{0,40}}?)?[,:;]?\s+(?i:(?:she|he)(?:'s|\s+is)\s+(?:now\s+|also\s+)?(?:the|our|their)\s+"
    rf"(?P<role>{_ROLE}))\b"
)
# "Cust is a realtor, Jenna Cho": the customer's trade, not someone in that role.
DESCRIBED = re.compile(r"\bis\s+(?:an?|also\s+an?)\s+$", _I)
# "the office manager her name is kristen": a name said outright may be written in lower case.
ROLE_NAME_SAID = re.compile(
    rf"\b(?P<role>{_ROLE}|tenant)\b[^.;!?\n]{{0,30}}?\b(?:(?:her|his|their)\s+)?name(?:'s|\s+is|\s*:)?"
    rf"\s+(?P<name>[A-Za-z][a-z'-]{{1,20}})\b",
    _I,
)
NAME_FIRST = re.compile(
    rf"(?<!\bby\s)(?<!\bat\s)(?<!\bfrom\s)(?<!\bwith\s)(?<!\bfor\s)"
    rf"(?!(?i:bill|invoice|charge|call|text|ask|tell|email|see|meet)\s+the\s)"
    rf"{_PERSON}(?:,\s*|\s+is\s+|,?\s+(?:she|he)\s+is\s+|\s+(?=the\s))(?i:(?:now\s+)?(?:(?:the|our|their|her|his"
    rf"|(?:mrs?|ms|mr|dr|mister)\.?\s+[a-z]{{2,20}}'s)\s+(?:new\s+)?|new\s+)"
    # "Gary, the park manager": a word for what is managed may come first
    rf"(?:(?:owner|customer|client|tenant|landlord|manager)'s\s+)?(?:(?:park|site|store|shop|plant"
    rf"|branch|center|centre|club|complex)\s+)??(?P<role>{_ROLE}))\b"
    rf"|{_PERSON.replace('name', 'name3')}\s*\((?i:(?:the\s+|her\s+|his\s+)?(?P<role3>{_ROLE}))"
    rf"(?:\s*,[^()\n]{{0,30}})?\)"
    rf"|{_PERSON.replace('name', 'name4')}\s*(?:=|,)\s*(?i:(?:the\s+)?(?P<role4>{_ROLE}))"
    # "Marisol Pena, Property Manager, Summit Stays": a signature, the company after the role;
    # "(Linda Ocampo, community manager)"
    rf"(?=\s*[.;!)]|\s*$|\s+(?i:of|at)\b|\s*,\s*[A-Z])"
    # "Rick from maintenance lets us in"
    rf"|{_PERSON.replace('name', 'name5')}\s+(?i:from)\s+"
    rf"(?i:(?:the\s+)?(?P<role5>maintenance|security|front\s+desk|reception))\b",
)
# A person's name starts with a capital: skipping every other position keeps long notes fast.
NAME_FIRST = re.compile(r"(?=[A-Z])(?:" + NAME_FIRST.pattern + ")", NAME_FIRST.flags)
CREW = re.compile(
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
AND_NAME = re.compile(rf"\s*(?:&|\+|,|\band\b)\s*{_PERSON}")
# "Ask for Brenda at reception", "talk to Gary": the person to deal with on site.
ASK_FOR = re.compile(
    rf"(?:^|[.;!,-]\s*|\n\s*)(?i:ask\s+for|talk\s+to|speak\s+(?:to|with)|deal\s+with|check\s+in\s+with"
    rf"|call|text|see)\s+{_PERSON}(?=\s+(?i:at|in|when|before|on\s+arrival|first)\b|\s*[.,;!(]|\s*$)",
)
# "Maya at the front desk does scheduling", "Dr. Amir Haddad owns it".
AT_DESK = re.compile(rf"{_PERSON}\s+(?i:at|on|runs)\s+(?i:the\s+)?(?i:front\s+desk|reception)\b")
OWNS = re.compile(
    rf"{_PERSON}\s+(?i:owns\s+(?:it|the\s+(?:place|business|building|shop|store|property"
    rf"|restaurant|practice|company)))\b"
)
# "dentist office (Dr. Shah)": the doctor named for the practice owns it.
PRACTICE = re.compile(
    r"\b(?:dental|dentist'?s?|doctor'?s|medical|vet|veterinary|law|chiropractic|optometr\w{0,4})"
    r"\s+(?:office|practice|clinic)\s*(?:\(\s*|[,-]\s*)(?P<title>(?:dr|doctor)\.?\s+)"
    # "Dr. Singh's practice" names the practice, not its owner.
    r"(?P<name>[A-Z][a-z-]{1,20})(?![\w'\u2019])",
    _I,
)
TRANSLATES = re.compile(
    rf"{_PERSON}\)?\s+(?i:translates|interprets|translating|speaks\s+(?:english\s+)?for\s+(?:her|him"
    rf"|them)|(?:talks|speaks)\s+for\s+(?:her|him|them)|does\s+(?:the\s+|all\s+the\s+)?(?:english"
    rf"|talking|translating)|handles\s+(?:the\s+)?(?:english|talking|translating))\b"
)
TRANSLATES = re.compile(r"(?=[A-Z])(?:" + TRANSLATES.pattern + ")", TRANSLATES.flags)
# "bring Tuan if possible he translates": the name a few words before.
TRANSLATES_AFTER = re.compile(
    rf"(?=[A-Z]){_PERSON}[^.;!?\n]{{0,25}}?,?\s+(?i:(?:he|she)\s+(?:translates|interprets"
    r"|can\s+translate))\b"
)
NOT_PEOPLE = re.compile(
    r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april"
    r"|may|june|july|august|september|october|november|december|spanish|english|venmo|zelle"
    r"|paypal|cash|check|invoice|mornings?|afternoons?|evenings?|weekends?|weekdays?|mom|dad"
    r"|office|ahead|back|first|before|team|crew|upstairs|downstairs|unit|facilities|maintenance"
    r"|security|reception|billing|accounting|made)s?$"
    rf"|^(?:{_LANGUAGES})$",
    _I,
)


STREET = re.compile(r"^(?:st|ave|rd|dr|ln|blvd|ct|way|road|street|lane|drive|avenue|court)$", _I)


# "Call Jerry (maintenance)": a capitalised verb that opens the sentence is not a first name.
LEADING_VERB = re.compile(r"^(?:call|text|ask|see|tell|email|contact|talk|met|meet)$", _I)


COUPLE = re.compile(
    r"\b(?i:(?:new\s+)?(?P<role>owners|landlords|tenants|renters)\s+(?:are|:)\s+(?:now\s+)?)"
    r"(?P<names>[A-Z][a-z'-]{1,20}\s+(?:and|&)\s+[A-Z][a-z'-]{1,20}(?:\s+[A-Z][a-z'-]{1,20})?)\b"
)


NAMED_BEFORE = re.compile(r"[A-Z][a-z'-]+\s*\(\s*$")
# A pasted email's sender: "From Beth Ruiz, Quarry Hill HOA secretary:".
SENDER = re.compile(
    rf"\b(?i:from)\s+{_PERSON},\s+(?:(?:the\s+)?[A-Z][\w'&]*\s+){{0,4}}(?i:(?P<role>{_ROLE}))\b\s*[:(\-]"
    # a signature: "— Marisol, Summit Stays property manager"
    rf"|[\u2014\u2013-][ \t]*{_PERSON.replace('name', 'name3')},[ \t]+(?:[A-Z][\w'&]*[ \t]+){{0,4}}"
    rf"(?i:(?P<role3>{_ROLE}))(?:,[ \t]*(?:[A-Z][\w'&]*[ \t]*){{1,4}})?[ \t]*(?:$|\n)"
)
# "Marisol Pena, Property Manager, ...": the role is the name's just before it.
ROLE_OF_NAME_BEFORE = re.compile(r"[A-Z][a-z'-]+,[ \t]*$")
