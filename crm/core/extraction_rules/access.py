"""Getting in: gate and lockbox codes, keeping the gate closed, where to park."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import NEGATION, Hit, Note, tidy

_I = re.IGNORECASE

# -- access --------------------------------------------------------------------------------

_CODE = r"(?P<code>[#*]?[0-9]{3,8}[#*]?)(?![0-9]|-[0-9]|\s*(?:am|pm|a\.m|p\.m)\b|:[0-9])"
_GATE_CODE = re.compile(
    rf"\b(?:(?:gate|keypad|entry)\s*(?:code|cd|combo|pin|#)|\bgate(?=\s*[:#-]?\s*[0-9]{{3}})"
    rf"|combo(?:\s+lock)?\s+(?:is|:)|(?:garage|door|side|back|front)\s+keypad"
    rf"|code\s+(?:for|to|of)\s+(?:the\s+)?(?:\w+\s+)?(?:gate|door|entrance)|keypad)"
    rf"[^.!?\n\d$]{{0,20}}?{_CODE}",
    _I,
)
_LOCKBOX_CODE = re.compile(rf"\block\s*-?\s*box\b[^.!?\n\d$]{{0,25}}?{_CODE}", _I)


def _code_value(code: str) -> str:
    return code[1:] if code.startswith("#") else code


def gate_code(note: Note) -> list[Hit]:
    return [
        Hit("access.gate_code", _code_value(m.group("code")), m.start(), m.end(), 0.9)
        for m in note.finditer(_GATE_CODE)
        if not note.negated(m.start(), 15)
    ]


def lockbox_code(note: Note) -> list[Hit]:
    return [
        Hit("access.lockbox_code", _code_value(m.group("code")), m.start(), m.end(), 0.9)
        for m in note.finditer(_LOCKBOX_CODE)
    ]


_SHUT = r"(?:closed|shut|latched|locked)"
_GATE_CLOSED = re.compile(
    rf"\bgate\b[^.!?;\n]{{0,25}}?\b(?:kept|keep|stay|stays|remain|be)\s+{_SHUT}\b"
    rf"|\bkeep\s+(?:the\s+)?(?:\w+\s+)?gates?\s+{_SHUT}\b"
    rf"|\b(?:close|shut|latch|lock)\s+(?:the\s+)?(?:(?!to\b)\w+\s+)?gates?\b(?!\s*(?:code|cd))",
    _I,
)
_GATE_OPEN = re.compile(
    r"\bgates?\s+(?:can|may|must|should|is\s+ok\s+to|ok\s+to|is\s+fine\s+to)"
    r"(?:\s+not|\s+never|n't)?\s+(?:stay|be\s+left|be|remain)\s+open\b"
    r"|\bleave\s+(?:the\s+)?(?:\w+\s+)?gates?\s+open\b",
    _I,
)


def gate_closed(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_GATE_CLOSED):
        # "gate doesn't need to be closed": the negation sits inside the match.
        negation = note.negation_start(m.start(), 30)
        negated = negation is not None or NEGATION.search(m.group()) is not None
        start = m.start() if negation is None else negation
        hits.append(Hit("access.gate_closed", not negated, start, m.end(), 0.85))
    for m in note.finditer(_GATE_OPEN):
        # "don't leave the gate open" / "gate must not be left open" ask for it closed.
        negation = note.negation_start(m.start(), 20)
        closed = negation is not None or NEGATION.search(m.group()) is not None
        start = m.start() if negation is None else negation
        hits.append(Hit("access.gate_closed", closed, start, m.end(), 0.8))
    return hits


_PARKING = re.compile(
    r"(?<!the\s)(?<!a\s)\bpark(?:ing|ed)?\s+(?P<where>(?:in|on|at|behind|across|along|by|near"
    r"|out\s+front|in\s+front|street\s*side|in\s+back|on\s+the\s+street)\b[^.,;!?()\n]{0,40})"
    r"|\b(?P<use>(?:use|pull\s+into|pull\s+in)\s+(?:the\s+|her\s+|his\s+|their\s+)?"
    r"(?:driveway|drive|lot|back\s+lot|visitor\s+(?:spots?|parking)|loading\s+(?:dock|zone)))\b",
    _I,
)
_PARKING_STOP = re.compile(r"\s+(?:and|but|or|so|bc|b/c|because|not|if|when|unless)\b.*", _I)


def parking(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_PARKING):
        if note.negated(m.start(), 20):
            continue  # "don't park on the grass" says where not to park
        if m.group("use"):
            hits.append(Hit("access.parking", tidy(m.group("use")), *m.span(), 0.65))
            continue
        where = _PARKING_STOP.sub("", m.group("where")).strip()
        if where:
            end = m.start("where") + len(where)
            hits.append(Hit("access.parking", where, m.start(), end, 0.7))
    return hits


# -- other ways in (open family) ----------------------------------------------------------

_KEY_PLACE = re.compile(
    r"\b(?:(?:spare\s+|house\s+|door\s+|hide-?a-?)?key\s*(?:is\s+|are\s+)?(?:kept\s+|hidden\s+"
    r"|left\s+|[:-]\s*)?(?:under|in|behind|inside|on\s+top\s+of|above|with)\b[^.;!?\n]{2,40})",
    _I,
)
# "Neighbor Bob has a key", "Grandson Eli mows the lawn and has a key".
_HAS_KEY = re.compile(
    r"\b(?P<who>(?i:neighbou?r)(?:\s+[A-Z][a-z]+)?|(?:(?i:grandson|granddaughter|son|daughter"
    r"|brother|sister|niece|nephew|super|manager)\s+)?[A-Z][a-z]+)\b(?:\s+next\s+door)?"
    r"[^.;!?\n]{0,30}?\bhas\s+(?:a|the|an?\s+extra|a\s+spare)\s+key\b"
)
# Checking in with someone on arrival is how you get in: the typed ``access.instructions``.
_CHECK_IN = re.compile(
    r"\b(?:check\s+in|sign\s+in|stop)\s+(?:at|with)\s+(?:the\s+)?(?:security(?:\s+desk)?"
    r"|(?:front\s+)?desk|lobby|reception|(?:front\s+)?office|w/\s*security)\b[^.;!?\n,]{0,25}"
    r"|\b(?:must|have\s+to|need\s+to)\s+sign\s+in\s+(?:w/|with)\s*security\b"
    r"|\bknock\s+(?:loud(?:ly)?|hard)\b[^.;!?\n]{0,30}"
    r"|\bbe\s+patient\s+at\s+the\s+door\b[^.;!?\n]{0,30}",
    _I,
)
_GUARD_GATE = re.compile(
    r"\b(?:check\s+in|sign\s+in|stop)\s+(?:at|with)\s+(?:the\s+)?(?:guard(?:\s+(?:gate|house|shack))?"
    r"|gatehouse)\b"
    r"|\bguard(?:ed)?\s+gate\b(?:\s*(?:[:,-]|on\s+[\w ]{2,20}[,-])\s*[^.;!?\n]{2,60})?"
    r"|\bgated\s+community\b"
    r"|\bguard\s+(?:at|in)\s+(?:the\s+)?(?:front\s+|main\s+)?(?:entrance|gate|booth|shack)\b",
    _I,
)
_OTHER_WAYS = {
    thing: re.compile(pattern, _I)
    for thing, pattern in {
        "meeting_point": r"\bmeets?\s+(?:us|you|the\s+crew)\s+(?:at|in|by)\s+(?:the\s+)?"
        r"[^.;!?\n,]{2,30}",
        "unlock": r"\bunlocks?\s+(?:the\s+)?(?:\w+\s+)?(?:hatch|door|gate|roof|room|access)\b",
        "badge": r"\b(?:access\s+badge|key\s*card|key\s+fob|fob|swipe\s+card|badge)\b",
        "gate": r"\bgate\s+(?:sticks|is\s+sticky|is\s+stuck|jams|is\s+tricky|latch\s+is\s+\w+)"
        r"[^.;!?\n]{0,30}",
    }.items()
}
_DOORBELL = re.compile(
    r"\b(?:ring|knock)\s+(?:the\s+)?(?:bell|doorbell|twice)\b[^.;!?\n]{0,20}", _I
)
_ALARM = re.compile(r"\balarm\s+(?:code|system|is\s+on|goes|panel)\b[^.;!?\n]{0,30}", _I)
_ALARM_CODE = re.compile(
    rf"\balarm\b[^!?\n]{{0,60}}?\b(?:access\s+|alarm\s+|disarm\s+)?code\s*(?:is\s+|:\s*)?{_CODE}"
    rf"|\b(?:disarm|alarm)\s+(?:code\s+)?(?:is\s+)?{_CODE.replace('code', 'code2')}",
    _I,
)
_CHANGED_CODE = re.compile(
    r"\b(?P<what>gate|lock\s*-?\s*box|keypad|door|garage)\s+code\s+(?:changed|is\s+now|now)\b"
    r"(?:\s+(?:from\s+)?[0-9]{3,8}\s*(?:->|=>|>|to|\u2192)\s*|[^.!?\n\d]{0,15}?)(?P<code>[0-9]{3,8})\b",
    _I,
)


def _phrase_hits(note: Note, key: str, pattern: re.Pattern[str]) -> list[Hit]:
    return [
        Hit(key, tidy(m.group()), m.start(), m.end(), 0.65)
        for m in note.finditer(pattern)
        if not note.negated(m.start(), 15) and tidy(m.group())
    ]


def other_access(note: Note) -> list[Hit]:
    """``access.key_location``, ``access.guard_gate``, ``access.doorbell``, ``access.alarm``;
    and a changed code outranks the old one ("code changed to 0415 (was 3321)")."""
    hits = _phrase_hits(note, "access.key_location", _KEY_PLACE)
    hits += _phrase_hits(note, "access.guard_gate", _GUARD_GATE)
    hits += _phrase_hits(note, "access.doorbell", _DOORBELL)
    hits += _phrase_hits(note, "access.instructions", _CHECK_IN)
    hits += _phrase_hits(note, "access.alarm", _ALARM)
    for thing, pattern in _OTHER_WAYS.items():
        hits += _phrase_hits(note, f"access.{thing}", pattern)
    for m in note.finditer(_HAS_KEY):
        if not note.negated(m.start(), 15):
            who = " ".join(m.group("who").lower().split())
            hits.append(Hit("access.key_location", f"{who} has a key", *m.span(), 0.65))
    for m in note.finditer(_ALARM_CODE):
        code = m.group("code") or m.group("code2")
        hits.append(Hit("access.alarm_code", code, m.start(), m.end(), 0.8))
    for m in note.finditer(_CHANGED_CODE):
        key = "access.lockbox_code" if "box" in m.group("what").lower() else "access.gate_code"
        hits.append(Hit(key, m.group("code"), m.start(), m.end(), 0.9, rank=3))
    return hits
