"""Getting in: gate and lockbox codes, keeping the gate closed, where to park."""

from __future__ import annotations

import re
from dataclasses import replace

from crm.core.extraction_rules.access_codes import _CODE, bare_code, gate_code, lockbox_code
from crm.core.extraction_rules.base import NEGATION, Hit, Note, tidy, without_dangling

_I = re.IGNORECASE

# -- access --------------------------------------------------------------------------------

_SHUT = r"(?:closed|shut|latched|locked)"
_GATE_CLOSED = re.compile(
    rf"\bgate\b[^.!?;\n]{{0,25}}?\b(?:kept|keep|stay|stays|remain|be)\s+{_SHUT}\b"
    rf"|\bkeep\s+(?:the\s+)?(?:\w+\s+)?gates?\s+{_SHUT}\b"
    rf"|\b(?:close|shut|latch|lock)\s+(?:the\s+)?(?:(?!to\b)\w+\s+)?gates?\b(?!\s*(?:code|cd))"
    rf"|\bgates?\s+(?:must\s+be\s+|to\s+be\s+|is\s+to\s+be\s+)?{_SHUT}\s+(?:always|at\s+all\s+times"
    rf"|every\s+time|behind\s+(?:you|us))\b"
    rf"|\bgate\b[^.!?;\n]{{0,40}}?\b(?:keep|close|shut|latch)\s+it\s+(?:{_SHUT}\b)?"
    rf"|\bgate\b[^!?;\n]{{0,40}}?[.]\s+(?:keep|close|shut|latch)\s+it\s+{_SHUT}\b"
    # "Side yard is fenced and the latch sticks; close it all the way every time"
    rf"|\b(?:fenced|latch(?:es)?)\b[^!?\n]{{0,40}}?\b(?:close|shut)\s+it\s+(?:all\s+the\s+way|every\s+time"
    rf"|tight|behind\s+(?:you|us))"
    rf"|\b(?:bungee|tie|clip|wire|chain|keep|leave|make\s+sure)\s+(?:the\s+)?(?:\w+\s+)?gates?\s+"
    rf"(?:is\s+)?{_SHUT}\b",
    _I,
)
_GATE_OPEN = re.compile(
    r"\bgates?\s+(?:can|may|must|should|is\s+ok\s+to|ok\s+to|is\s+fine\s+to)"
    r"(?:\s+not|\s+never|n't)?\s+(?:stay|be\s+left|be|remain)\s+open\b"
    r"|\bleave\s+(?:the\s+)?(?:\w+\s+)?gates?\s+open\b"
    r"|\bgates?\s+(?:is\s+)?(?:ok|okay|fine)\s+to\s+(?:leave|stay|be\s+left)\s+open\b"
    r"|\bgates?\s+(?:can\s+be\s+)?left\s+open\s+(?:is\s+)?(?:ok|okay|fine)\b",
    _I,
)


_STAYS_LOCKED = re.compile(r"gates?\s+(?:stays|remains)\s+locked", _I)


def _after_but(said: str) -> str:
    """ "gate's just a latch no code but keep it shut": a "no" before "but" is about the code."""
    return re.split(r"\bbut\b", said, flags=_I)[-1]


def gate_closed(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_GATE_CLOSED):
        if _STAYS_LOCKED.fullmatch(m.group()):
            continue
        # "gate doesn't need to be closed": the negation sits inside the match.
        negation = note.negation_start(m.start(), 30)
        negated = negation is not None or NEGATION.search(_after_but(m.group())) is not None
        start = m.start() if negation is None else negation
        hits.append(Hit("access.gate_closed", not negated, start, m.end(), 0.85))
    for m in note.finditer(_GATE_OPEN):
        # "don't leave the gate open" / "gate must not be left open" ask for it closed.
        negation = note.negation_start(m.start(), 20)
        closed = negation is not None or NEGATION.search(_after_but(m.group())) is not None
        start = m.start() if negation is None else negation
        hits.append(Hit("access.gate_closed", closed, start, m.end(), 0.8))
    return hits


_PARKING = re.compile(
    r"(?<!\bthe\s)(?<!\ba\s)(?<!office\s)(?<!business\s)(?<!industrial\s)(?<!trailer\s)"
    r"(?<!theme\s)(?<!car\s)\bpark(?:ing|ed)?\s+(?P<where>(?:in|on|at|behind|across|along|by|near"
    r"|out\s+front|in\s+front|street\s*side|in\s+back|on\s+the\s+street|(?:a)?round\s+(?:the\s+)?"
    r"back|down\s+the|up\s+the)\b(?:[^.,;!?()\n]{0,40}(?<=\w)(?!\w))?)"
    r"|\bparking\s*(?:is\s+|:\s*)(?P<spot>(?:the\s+|in\s+|on\s+|at\s+)?(?:[\w'-]+\s+){0,4}?"
    r"(?:spot|spots|bays?|lot|garage|street|road|driveway|drive|lane|alley|dock|zone|space|spaces)"
    r"\b(?:\s+(?:behind|by|next\s+to|near|on|in|at|off|of)\s+(?:the\s+)?[\w'-]+(?:\s+[\w'-]+)?)?"
    r"(?:\s+[a-z]?[0-9][\w-]{0,5}|\s+[a-z]\b)?)"
    r"|\b(?P<use>(?:use|pull\s+into|pull\s+in)\s+(?:the\s+|her\s+|his\s+|their\s+)?"
    r"(?:driveway|drive|lot|back\s+lot|visitor\s+(?:spots?|parking|bays?|spaces?)"
    r"|loading\s+(?:dock|zone|bay))(?:\s+(?:by|near|behind|next\s+to)\s+(?:the\s+)?[a-z]+)?"
    r"(?:\s+[0-9][\w-]{0,5}|\s+[a-z]\b)?)\b"
    r"|\b(?P<only>street|driveway|visitor|guest|lot)\s+parking\s+only\b",
    _I,
)
_LEVEL = re.compile(r"\blvl\b\.?", _I)


# "at the end of the lane", "on the left side of the drive": the spot itself ("end of the
# lane"); a lone word keeps its preposition ("on the street", "in back").
_LEAD = re.compile(r"^(?:at|in|on)\s+(?:the\s+(?=\S+\s+\S)|(?!the\s)(?=\S+\s+\S))", _I)


def _level(where: str) -> str:
    """ "lvl 2" spelt out as "level 2"."""
    return _LEAD.sub("", _LEVEL.sub("level", where))


_PARKING_STOP = re.compile(
    r"\s+(?:and|but|or|so|bc|b/c|because|not|if|when|unless)\b.*|\s+(?:is\s+)?(?:ok|okay|fine)\s*$",
    _I,
)


# "DO NOT PARK IN DRIVEWAY", "don't park by the horse barn": the spot to avoid.
_NO_PARK = re.compile(
    r"\b(?:do\s+not|don'?t|dont|never|no)\s+park(?:ing)?\s+(?P<where>(?:in|on|at|by|near|behind"
    r"|in\s+front\s+of|across)\s+[^.,;!?()\n-]{1,30})",
    _I,
)
_NOT_AFTER = re.compile(
    r"\s*,?\s+not\s+(?P<what>(?:(?:in|on|at|by|behind)\s+)?(?:the\s+|their\s+|her\s+|his\s+)?"
    r"(?!(?:up|down|too|here|there|yet|ok|okay)\b)[\w'-]+(?:\s+(?!(?:they|they'?ve|they'?re|we|he|she|it"
    r"|because|bc|since|as|so|and|but|or)\b)[\w'-]+){0,3})",
    _I,
)


def _not_there(note: Note, where: str, end: int) -> str:
    """ "on the street, not the driveway": the spot, and the one to avoid said right after."""
    avoid = _NOT_AFTER.match(note.text, end)
    if avoid:
        what = _PARKING_STOP.sub("", avoid.group("what")).strip()
        return f"{where}, not {tidy(what)}" if what else where
    return where


def parking(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_PARKING):
        if note.negated(m.start(), 20):
            continue  # "don't park on the grass" says where not to park
        if m.group("use"):
            if note.someone_elses(m.start()):
                continue  # "Neighbor (Gary) lets us use his driveway": a favour, see _LET_IN
            value = _not_there(note, tidy(m.group("use")), m.end())
            hits.append(Hit("access.parking", value, *m.span(), 0.65))
            continue
        if m.group("only"):  # "Street parking only"
            said = m.group("only").lower()
            value = "on the street" if said == "street" else f"{said} parking only"
            hits.append(Hit("access.parking", value, *m.span(), 0.65))
            continue
        if m.group("spot"):
            value = _not_there(note, _level(tidy(m.group("spot"))), m.end())
            hits.append(Hit("access.parking", value, *m.span(), 0.65))
            continue
        where = _PARKING_STOP.sub("", m.group("where")).strip()
        if where:
            end = m.start("where") + len(where)
            hits.append(
                Hit("access.parking", _not_there(note, _level(where), end), m.start(), end, 0.7)
            )
    for m in note.finditer(_NO_PARK):
        avoid = f"not {_level(tidy(_PARKING_STOP.sub('', m.group('where'))))}"
        free = [i for i, h in enumerate(hits) if ", not " not in str(h.value)]
        if free:  # alone, "don't park on the grass" says nothing of where to park
            hit = hits[free[0]]
            start, end = hit.start, hit.end
            if abs(m.start() - hit.start) <= 80:  # both said together: both are the evidence
                start, end = min(start, m.start()), max(end, m.end())
            hits[free[0]] = replace(hit, value=f"{hit.value}, {avoid}", start=start, end=end)
    return hits


# -- other ways in (open family) ----------------------------------------------------------

_KEY_PLACE = re.compile(
    r"\b(?:(?:spare\s+|house\s+|door\s+|hide-?a-?|garage\s+)?key\s*(?:for\s+(?:the\s+)?(?:garage|shed"
    r"|back\s+door|side\s+door|front\s+door|gate)\s+)?(?:is\s+|are\s+)?(?:kept\s+|hidden\s+"
    r"|left\s+|[:-]\s*)?(?:under|in(?!\s+case\b)|behind|inside(?=\s+(?:the|a|an)\b)|on\s+top\s+of"
    r"|above|with|w/)\s*(?<=[\s/])(?:[^.;!?\n,]|(?<=\bmr)\.|(?<=\bmrs)\.|(?<=\bms)\.|(?<=\bdr)\.){1,39}\w\b)",
    _I,
)
# "Neighbor Bob has a key", "caretaker Joan has a key", "Neighbor Jeanette at #12 has a key",
# "Concierge holds keys": someone who keeps a key, in the note's own words.
_KEEPER = (
    r"(?i:neighbou?r|caretaker|concierge|super(?:intendent)?|manager|landlord|doorman|porter"
    r"|housekeeper|nanny|cleaner|grandson|granddaughter|son|daughter|brother|sister|niece"
    r"|nephew|friend|tenant|maintenance(?:\s+guy)?|front\s+desk|security|office"
    r"|cleaning\s+(?:co|company|lady|crew|service)|cleaners?|property\s+manager|realtor)"
)
_HAS_KEY = re.compile(
    rf"\b(?P<who>{_KEEPER}(?:,?\s+(?:(?:Mrs?|Ms|Dr)\.?\s+)?(?!(?i:has|holds|keeps)\b)[A-Z][a-z]+"
    r"(?:\s+(?!(?i:has|holds|keeps)\b)[A-Z][a-z]+)?)?"
    r"|(?<![Nn]eighbour\s)(?<![Nn]eighbor\s)(?<![.,]\s)(?<!^)[A-Z][a-z]+(?=\s+(?:has|holds|keeps)\b)"
    # "Miguel has a key" at a sentence's start: a name, not "She" or "Owner"
    r"|(?:(?<=[.!?]\s)|^)(?!(?:He|She|They|It|This|That|Owner|Customer|Cust|Tenant|Nobody|Everyone"
    r"|Someone|We|I|You)\b)[A-Z][a-z]+(?=\s+(?:has|holds|keeps)\s+(?:a|the)\s+(?:spare\s+)?key))"
    r"(?P<where>\s+(?:next\s+door|(?:at|@)\s+(?:#\s?|no\.?\s?|number\s+)?[0-9]{1,4}))?"
    r"[^.;!?\n]{0,30}?,?\s+(?:(?:he|she|they)\s+)?"
    r"(?:(?:also|still|always)\s+)?(?P<verb>has|holds|keeps|will\s+have)\s+(?:a|the|an?\s+extra|a\s+spare"
    r"|spare)?\s*keys?\b(?:,\s*(?P<name>[A-Z][\w']+(?:\s+[A-Z][\w']+){0,2})(?=\s*[,.;]))?",
    re.MULTILINE,
)
# "Keys at the parking office booth", "Keys held in lockbox at the leasing office".
_KEYS_AT = re.compile(
    r"\b(?:spare\s+)?keys?\s+(?:are\s+|is\s+)?(?:held|kept|left)?\s*(?:at|with|(?P<from>from))\s+(?:the\s+)?"
    r"(?P<place>(?:[a-z]+\s+){0,3}?(?:office|desk|booth|reception|lobby|concierge|security"
    r"|front\s+desk|guard\s*house|neighbou?r)(?:\s+(?:desk|office|booth|house))?)\b"
    r"(?:\s+(?:by|at|near|on)\s+(?:the\s+)?[a-z]+)?"
    # a record's shorthand: "key @ bar", "Key: front desk"
    r"|\bkeys?\s*(?P<at>@|:)\s*(?:the\s+)?(?P<spot>(?:front\s+desk|bar|office|reception|desk|counter"
    r"|concierge|security|(?:leasing|front|main)\s+office))\b"
    # "key from Lupe at the nail salon"
    r"|\bkeys?\s+(?:is\s+|are\s+)?(?P<from2>from|with)\s+(?-i:[A-Z][a-z]+)\s+(?:at|in)\s+the\s+"
    r"(?:[a-z]+\s+){0,2}[a-z]+\b",
    _I,
)
# Checking in with someone on arrival is how you get in: the typed ``access.instructions``.
_CHECK_IN = re.compile(
    r"\b(?:check|ck|sign|signs|checks)\s+in(?:\s+and\s+out)?\s+(?:at|with|w/|@|in)\s*(?:the\s+)?"
    r"(?:(?:mall|building|bldg|site|lobby)\s+)?(?:security(?:\s+desk)?|(?:front\s+)?desk|lobby"
    r"(?:\s+kiosk)?|reception|(?:front\s+|site\s+|leasing\s+|main\s+)?office(?:\s+manager)?"
    r"|(?:office|site|building|property)\s+manager|concierge|the\s+super)\b"
    r"(?:(?!\s+(?:b4|before|when|if|and|then)\b)[^.;!?\n,]){0,25}"
    r"(?:\s+and\s+(?:get|grab|pick\s+up|collect)\s+(?:a\s+|the\s+|your\s+)?(?:visitor\s+"
    r"|guest\s+)?(?:badge|pass|key|fob|lanyard)s?\b)?"
    r"|\b(?:must|have\s+to|need\s+to)\s+sign\s+in\s+(?:w/|with)\s*security\b"
    r"|\bknock\s+(?:loud(?:ly)?|hard|firmly|firm)\b(?:\s+(?:on|at)\s+the\s+(?:\w+\s+)?door)?"
    r"(?:\s+and\s+wait\b)?"
    r"|\bbe\s+patient\s+at\s+the\s+door\b[^.;!?\n]{0,30}"
    r"|(?<!\ba\s)(?<!\bthe\s)\b(?:ring|knock)\s+(?:on\s+)?(?:the\s+)?(?:bell|doorbell|door|twice)(?:\s+twice)?"
    r"(?:\s+and\s+wait)?\b(?!\s+(?:camera|cam|app)\b)"
    r"|\baccess\s+(?:is\s+)?(?P<via>(?:via|through|thru)\s+(?:the\s+)?(?:[a-z]+\s+){0,2}?(?:door"
    r"|entrance|garage|side|back|lobby|stairs?|alley|lane|elevator|lift))\b"
    r"|\b(?:go|come|walk|get\s+in|enter)\s+(?:in\s+)?(?:a?round|through|thru|via)\s+(?:by\s+)?(?:the\s+)?"
    r"(?:[a-z]+\s+){0,2}?(?:gate|door|garage|side|back|entrance|path|yard|backyard)"
    r"(?:\s+(?:gate|door|entrance|yard))?\b"
    r"|\b(?:the\s+)?gate\s+is\s+(?:always\s+|usually\s+)?(?:left\s+)?unlocked\b",
    _I,
)
_GUARD_GATE = re.compile(
    r"\b(?:check\s+in|sign\s+in|stop)\s+(?:at|with)\s+(?:the\s+)?(?:guard(?:\s+(?:gate|house|shack))?"
    r"|gatehouse)\b"
    r"|\bguard(?:ed)?\s+gate\b(?:\s*(?:[:,-]|on\s+[\w ]{2,20}[,-])\s*[^.;!?\n]{2,60})?"
    r"|\bgated\s+community\b"
    r"|\b(?:guard\s+(?:at|in)\s+(?:the\s+)?(?:front\s+|main\s+)?(?:entrance|gate|booth|shack)"
    r"|guard\s*(?:shack|house|booth)|gatehouse)\b(?:\s*[,:-]\s*(?:tell|give|show|say)\b[^.;!?\n]{2,50})?",
    _I,
)
_OTHER_WAYS = {
    thing: re.compile(pattern, _I)
    for thing, pattern in {
        "unlock": r"\bunlocks?\s+(?:the\s+)?(?:\w+\s+)?(?:hatch|door|gate|roof|room|access)\b",
        "badge": r"\b(?:access\s+badge|key\s*card|key\s+fob|fob|swipe\s+card|badge)\b",
        "gate": r"\bgate\s+(?:sticks|is\s+sticky|is\s+stuck|jams|is\s+tricky|latch\s+is\s+\w+)"
        r"(?:[^.;!?\n]{0,30}(?<=\w)(?!\w))?",  # ends on a whole word
    }.items()
}
_ALARM = re.compile(
    r"\balarm\s+(?:code|system|is\s+on|goes|panel)\b(?:[^.;!?\n]{0,30}(?<=\w)(?!\w))?", _I
)
_ALARM_CODE = re.compile(
    rf"\balarm\b[^!?\n]{{0,60}}?\b(?:access\s+|alarm\s+|disarm\s+)?code"
    rf"(?:\s+(?:for|to|on|of)\s+(?:the\s+)?(?:[a-z]+\s+){{0,2}}?(?:door|panel|entrance|house|garage))?"
    rf"\s*(?:is\s+|:\s*)?{_CODE}"
    rf"|\b(?:disarm|alarm)\s*:?\s+(?:code\s*:?\s+)?(?:is\s+)?{_CODE.replace('code', 'code2')}",
    _I,
)
_CHANGED_CODE = re.compile(
    r"\b(?P<what>gate|lock\s*-?\s*box|keypad|door|garage)\s+code\s+(?:changed|is\s+now|now)\b"
    r"(?:\s+(?:from\s+)?[0-9]{3,8}\s*(?:->|=>|>|to|\u2192)\s*|[^.!?\n\d]{0,15}?)(?P<code>[0-9]{3,8})\b"
    # "the old gate code 4419 does not work anymore they changed it to 8806"
    r"|\bold\s+(?P<what2>gate|lock\s*-?\s*box|keypad|door|garage)\s+code\s+[0-9]{3,8}\b[^.!?\n\d]{0,50}?"
    r"\b(?:changed\s+(?:it\s+)?to|new\s+(?:one|code)\s+is|now\s+(?:it'?s|is))\s+(?P<code2>[0-9]{3,8})\b"
    # "gate code 3071 -> 3072", "lockbox combo change: before 3141, now 2718"
    r"|\b(?P<what3>gate|gc|lock\s*-?\s*box|keypad|door|garage)\s+(?:code|combo|combinaci\w+)?\s*"
    r"(?:chgd|changed|chg)?\s*[0-9]{3,8}"
    r"\s*(?:->|=>|\u2192)\s*(?:now\s+)?(?P<code3>[0-9]{3,8})\b"
    r"|\b(?P<what4>gate|lock\s*-?\s*box|keypad|door|garage)\b[^.!?\n]{0,40}?\b(?:was|before|old)\s*:?\s*"
    r"[0-9]{3,8}\s*[,;]?\s+(?:now|new(?:\s+(?:one|code))?(?:\s+is)?)\s*:?\s*(?P<code4>[0-9]{3,8})\b",
    _I,
)


# "get a visitor badge", "need the badge from the office first": a step of checking in.
_FETCHED = re.compile(r"\b(?:get|grab|need|pick\s+up|collect|obtain)\s+(?:\w+\s+){0,2}$", _I)


def _phrase_hits(note: Note, key: str, pattern: re.Pattern[str]) -> list[Hit]:
    hits = []
    for m in note.finditer(pattern):
        value = without_dangling(tidy(m.group()))
        if value and not note.negated(m.start(), 15):
            hits.append(Hit(key, value, m.start(), m.end(), 0.65))
    return hits


# Someone who lets the crew in by a named door or meets them somewhere: "nanny can let us in
# through the side door", "Pastor Mike meets us at the side door" (a bare "Rosa lets us in" says
# who more than how); and the door to use: "use the back entrance off the alley", "back door
# left unlocked for us", "service entrance is off the alley".
_LET_IN = re.compile(
    r"\b(?:lets?|will\s+let|'ll\s+let)\s+(?:us|u|you|the\s+crew)\s+in\s+(?:through|thru|via|at"
    r"|by)\s+(?:the\s+)?(?:[a-z]+\s+)?(?:door|entrance|gate|garage)\b"
    r"|\blets?\s+(?:us|u|you|the\s+crew)\s+use\s+(?:his|her|their)\s+(?:driveway|drive|yard"
    r"|side\s+yard|gate)(?:\s+to\s+(?:reach|get\s+to|access)\s+(?:the\s+)?[a-z]+(?:\s+[a-z]+)?)?"
    r"|\b(?:[\w']+\s+){1,3}?(?:lets?|will\s+let)\s+(?:us|u|you|the\s+crew)\s+in\s+(?:at|by|around)\s+"
    r"[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm|a|p)\b"
    r"|\bmeets?\s+(?:us|u|you|the\s+crew)\s+(?:at|in|by|out\s+front\s+of)\s+(?:the\s+)?"
    r"[^.;!?\n,]{2,30}",
    _I,
)
_DOOR = (
    r"(?:back|side|rear|front|service|staff|garage|basement|kitchen|patio|back\s*yard|side\s+yard"
    r"|alley|delivery)\s+(?:door|dr|entrance|entry|gate)"
)
_USE_DOOR = re.compile(
    rf"\b(?:use|go\s+in|come\s+in|enter|go\s+through|come\s+through)\s+(?:through\s+|thru\s+)?"
    rf"(?:the\s+)?{_DOOR}\b(?:\s+(?:off|on|from|via)\s+(?:the\s+)?(?:alley|lane|street|parking"
    r"\s+lot|back|side))?(?:,?\s+not\s+the\s+(?:front|back|main)(?:\s+(?:door|entrance))?\b)?"
    rf"|\b{_DOOR}\s+(?:is\s+)?(?:off|around|via)\s+(?:the\s+)?(?:alley|lane|back|side|parking\s+lot)\b"
    rf"|\b{_DOOR}\s+(?:is\s+)?(?:left|kept|always|usually)\s+(?:left\s+)?unlocked\b"
    r"(?:\s+for\s+(?:us|you|u)\b)?",
    _I,
)
# "Garage is how we get in": the way in, said the other way round.
_HOW_IN = re.compile(
    r"\b(?:the\s+)?(?P<way>(?:[a-z]+\s+){0,2}?(?:garage|door|gate|entrance))\s+is\s+(?:how|the\s+way)"
    r"\s+(?:we|you|u|to)\s+(?:get|go|come)\s+in\b",
    _I,
)
_CK = re.compile(r"\bck\b|@|\s+(?:on|at)\s+the\s+(?:\w+\s+)?door\b(?=\s+and\s+wait)", _I)
_LATER = re.compile(r"\b(?:before|after|when|until|once|while)\b", _I)


def _instructions(note: Note) -> list[Hit]:
    """``access.instructions`` in the note's words, shorthand spelt out ("ck in @ front desk")."""
    hits = []
    for m in note.finditer(_CHECK_IN):
        if note.negated(m.start(), 15) or _LATER.search(note.clause_before(m.start(), 30)):
            continue  # "before we go round back": when, not how
        text = m.group("via") or m.group()
        value = _CK.sub(lambda c: {"ck": "check", "@": "at"}.get(c.group().lower(), ""), tidy(text))
        hits.append(Hit("access.instructions", value, m.start(), m.end(), 0.65))
    for m in note.finditer(_USE_DOOR):
        if not note.negated(m.start(), 15):
            hits.append(Hit("access.instructions", tidy(m.group()), *m.span(), 0.65))
    for m in note.finditer(_HOW_IN):
        if not note.negated(m.start(), 15):
            value = f"enter through the {tidy(m.group('way'))}"
            hits.append(Hit("access.instructions", value, *m.span(), 0.6))
    for m in note.finditer(_LET_IN):
        if note.negated(m.start(), 20):
            continue
        hits.append(Hit("access.instructions", tidy(m.group()), *m.span(), 0.6))
    return hits


def other_access(note: Note) -> list[Hit]:
    """``access.key_location``, ``access.guard_gate``, ``access.doorbell``, ``access.alarm``;
    and a changed code outranks the old one ("code changed to 0415 (was 3321)")."""
    hits = _phrase_hits(note, "access.key_location", _KEY_PLACE)
    hits += _phrase_hits(note, "access.guard_gate", _GUARD_GATE)
    hits += _instructions(note)
    hits += _phrase_hits(note, "access.alarm", _ALARM)
    for thing, pattern in _OTHER_WAYS.items():
        hits += [
            h
            for h in _phrase_hits(note, f"access.{thing}", pattern)
            if thing != "badge" or not _FETCHED.search(note.clause_before(h.start, 25))
        ]
    for m in note.finditer(_HAS_KEY):
        if not note.negated(m.start(), 15):
            who = " ".join((m.group("who") + (m.group("where") or "")).split())
            name = f" {m.group('name')}" if m.group("name") else ""
            # "neighbor Frank": who has the key, as the note names them ("Miguel" stays a name)
            keeper = re.match(_KEEPER, who) is not None
            value = f"{who[:1].lower() if keeper else who[:1]}{who[1:]}{name}"
            hits.append(Hit("access.key_location", value, *m.span(), 0.65))
    for m in note.finditer(_KEYS_AT):
        if not note.negated(m.start(), 15):
            value = (
                " ".join(m.group().split())  # "key from Lupe at the nail salon": her name as said
                if m.group("from2")
                else f"at the {tidy(m.group('spot'))}"
                if m.group("at")
                else tidy(
                    m.group() if m.group("from") else m.group()[m.start("place") - m.start() :]
                )
            )
            hits.append(Hit("access.key_location", value, *m.span(), 0.6))
    for m in note.finditer(_ALARM_CODE):
        code = (m.group("code") or m.group("code2")).replace(" ", "").replace("-", "")
        # "alarm code 5678" is the code; the alarm said with it is not a second fact
        hits = [h for h in hits if h.key != "access.alarm" or not m.start() <= h.start < m.end()]
        hits.append(Hit("access.alarm_code", code, m.start(), m.end(), 0.8))
    for m in note.finditer(_CHANGED_CODE):
        what = (m.group("what") or m.group("what2") or m.group("what3") or m.group("what4")).lower()
        key = "access.lockbox_code" if "box" in what else "access.gate_code"
        code = m.group("code") or m.group("code2") or m.group("code3") or m.group("code4")
        hits.append(Hit(key, code, m.start(), m.end(), 0.9, rank=3))
    return hits


__all__ = ["bare_code", "gate_closed", "gate_code", "lockbox_code", "other_access", "parking"]
