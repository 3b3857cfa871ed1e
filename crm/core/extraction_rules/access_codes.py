"""Codes that open the way in: gate, keypad and lockbox codes, and where the lockbox is."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, tidy

_I = re.IGNORECASE

# "5 5 0 1": a code read out digit by digit.
_CODE = (
    r"(?P<code>[#*]?[0-9]{3,8}[#*]?|[0-9](?:[ ][0-9]){3,7}|[0-9](?:-[0-9]){3,7})"
    r"(?![0-9]|-[0-9]|\s*(?:am|pm|a\.m|p\.m)\b|:[0-9])"
)
_GATE_CODE = re.compile(
    rf"\b(?:(?:gate|keypad|entry|garage(?:\s+door)?|(?:front\s+|back\s+|side\s+)?door|bldg|building"
    rf"(?:\s+entry)?)(?:\s*,\s*code"
    rf"|\s*(?:code|cd|combo|pin|#))|\bgate(?=\s*[:#-]?\s*[0-9]{{3}})|\bgate\s+(?:is\s+)?(?:still|now)(?=\s+[0-9]{{3}})"
    # shorthand "gc 4471", "gc same 3380"; "building entry 2468"
    rf"|\bgc(?:\s+(?:same|is|still|now))?(?=\s*[:#=]?\s*[0-9]{{3}})|\bbuilding\s+entry(?=\s+[0-9]{{3}})"
    rf"|combo(?:\s+lock)?\s+(?:is|:)|(?:garage|door|side|back|front)\s+keypad"
    rf"|code\s+(?:for|to|of)\s+(?:the\s+)?(?:\w+\s+)?(?:gate|door|entrance)|keypad"
    # "use the maintenance gate on Linwood Ct, code 8812"
    rf"|\bgate\s+(?:on|at|off)\s+[^.!?\n,\d]{{2,25}},\s*code)"
    rf"[^.!?\n\d$]{{0,20}}?{_CODE}"
    # "gate code for sunrise estates is 0415", "keypad on the back door is 5150"
    rf"|\b(?:gate\s+code|keypad)\s+(?:for|on|at|to)\s+(?:the\s+)?[a-z][^.!?\n\d$]{{1,30}}?\s+is\s+"
    rf"(?:now\s+)?{_CODE.replace('code', 'code2')}"
    # "The gate code was changed last week and is now 8190"
    rf"|\bgate\s+code\s+(?:was|has\s+been|got)\s+changed[^.!?\n\d$]{{0,30}}?\s+(?:is\s+now|now|to)\s+"
    rf"{_CODE.replace('code', 'code3')}",
    _I,
)
_LOCKBOX = r"\b(?:lock\s*-?\s*box|key\s*-?\s*safe|key\s*-?\s*box)\b"
# "lockbox 8821", "lockbox is on the garage side, code 0912", "Keysafe by the bins, code 2024".
_LOCKBOX_CODE = re.compile(rf"{_LOCKBOX}[^.!?\n\d$]{{0,60}}?{_CODE}", _I)
_LOCKBOX_PLACE = re.compile(
    rf"{_LOCKBOX}\s+(?:[0-9]{{3,8}}\s+)?(?:is\s+|are\s+)?(?:(?:moved|now)\s+(?:to\s+)?)?"
    r"(?:(?P<prep>on|at|by|in|under|behind|beside|next\s+to)\s+)?"
    r"(?P<place>(?:the\s+)?(?:[a-z]+\s+){0,3}?(?:side(?:\s+door)?|door|porch|gate|garage|bins?"
    r"|office|hose\s+(?:bib|reel)|spigot|fence|railing|rail|mailbox|meter|shed|steps|wall|post|entrance)"
    r"(?:\s+(?:side|door|gate|entrance)){0,2}(?:\s+(?:rail|railing|post|steps))?(?:\s+of\s+the\s+(?:house|garage|shed|porch|deck))?"
    r"(?:\s+(?:by|near|next\s+to|beside)\s+the\s+(?:[a-z]+\s+)?(?:door|gate|garage|porch|steps"
    r"|entrance))?)\b",
    _I,
)


# "Lockbox on the front door", "lockbox 3319 on the side gate", "lockbox on the meter" (no "is",
# no "moved to"): the usual spot, named in passing; "lockbox is on the hose bib" states it.
_PLAIN_DOOR = re.compile(
    rf"{_LOCKBOX}\s+(?:[0-9]{{3,8}}\s+)?on\s+(?:the\s+)?(?:(?:front|side|back|rear)\s+)?"
    r"(?:door|gate|meter)",
    _I,
)


def _code_value(code: str) -> str:
    code = code.replace(" ", "").replace("-", "")  # "1-9-9-0" is 1990
    return code[1:] if code.startswith("#") else code


# "gate code 1234" said outright, even after a lockbox: "lockbox by the gate, gate code 1234".
_NAMED_GATE = re.compile(r"\b(?:gate|keypad|entry)\s*(?:code|pin|combo|#)", _I)


def _lockbox_codes(note: Note) -> dict[int, str]:
    """Where each lockbox code starts, with the words from the lockbox to it."""
    return {
        m.start("code"): note.text[m.start() : m.start("code")]
        for m in note.finditer(_LOCKBOX_CODE)
    }


# "Alarm code for the side door is 4821": the alarm's code, not the door's.
_ALARM_BEFORE = re.compile(r"\b(?:alarm|disarm|security)\s+$", _I)
# "alarm panel inside front door, code 2207": the alarm's code, said after where its panel is.
_ALARM_NEAR = re.compile(r"\b(?:alarm|disarm)\s+panel\b", _I)


def _said_group(m: re.Match[str]) -> str:
    return next(g for g in ("code", "code2", "code3") if m.group(g))


def _said(m: re.Match[str]) -> str:
    return m.group(_said_group(m))


def gate_code(note: Note) -> list[Hit]:
    # "Lockbox by the garage, code 3904", "lockbox on side gate 2580": the lockbox's code, not
    # a gate's, unless a gate or keypad code is named between them.
    boxed = _lockbox_codes(note)
    hits = [
        Hit("access.gate_code", _code_value(_said(m)), m.start(), m.end(), 0.9)
        for m in note.finditer(_GATE_CODE)
        if not note.negated(m.start(), 15)
        and not _ALARM_BEFORE.search(note.text, max(0, m.start() - 12), m.start())
        and not _ALARM_NEAR.search(note.text, max(0, m.start() - 30), m.start())
        and (
            m.start(_said_group(m)) not in boxed
            or _NAMED_GATE.search(boxed[m.start(_said_group(m))])
        )
    ]
    return hits + bare_code(note) + spoken_code(note)


def lockbox_code(note: Note) -> list[Hit]:
    hits = [
        Hit("access.lockbox_code", _code_value(m.group("code")), m.start(), m.end(), 0.9)
        for m in note.finditer(_LOCKBOX_CODE)
    ]
    for m in note.finditer(_LOCKBOX_PLACE):
        place = tidy(m.group("place"))
        if _PLAIN_DOOR.fullmatch(m.group()):
            continue  # "lockbox on front door 8824": where lockboxes hang, said in passing
        if place and not note.negated(m.start(), 15):
            value = f"{m.group('prep').lower()} {place}" if m.group("prep") else place
            hits.append(Hit("access.lockbox_location", value, m.start(), m.end(), 0.65))
    return hits


# A code with no gate named: "the code is 7714 now", "code's 4471", "#4471 gets you in".
_BARE_CODE = re.compile(
    rf"\b(?:the\s+|entry\s+|access\s+)?code(?:'s|\s+is|\s*:|\s*=|\s+changed\s+to|\s+is\s+now"
    rf"|\s+now|\s+chg(?:d)?(?:\s+to)?)"
    rf"\s*(?:now\s+)?{_CODE}|(?<![\w#])#(?P<code2>[0-9]{{3,8}})\s+(?:gets|will\s+get|lets)\s+(?:you|us|u)\s+"
    rf"(?:in|into|thru|through)\b"
    rf"|\bcode\s+{_CODE.replace('code', 'code3')}\s+(?:on|for|at)\s+(?:the\s+)?(?:\w+\s+){{0,2}}?"
    rf"(?:(?:door|gate|entry)\s*(?:key)?pad|keypad)\b",
    _I,
)
# Codes that are not for the gate: the alarm's, the lockbox's, the wifi's, a zip or promo code.
_NOT_GATE = re.compile(
    r"\b(?:alarm|disarm|lock\s*-?\s*box|key\s*-?\s*safe|key\s*-?\s*box|wi-?fi|zip|promo|discount"
    r"|garage|monitor\w*|security\s+system|po|invoice)\b",
    _I,
)


# A code said aloud to a phone: "the gate coat is 5 for 9 0", "lockbox code 2 to 0 8",
# "alarm coat is 4 4 0 9" -- "coat" for code, "to" for 2, "for" for 4, "oh" for 0.
_SPOKEN_DIGITS = {
    **{str(d): str(d) for d in range(10)},
    **dict.fromkeys(("oh", "o", "zero"), "0"),
    **dict.fromkeys(("one", "won"), "1"),
    **dict.fromkeys(("two", "to", "too"), "2"),
    "three": "3",
    **dict.fromkeys(("four", "for", "fore"), "4"),
    "five": "5",
    "six": "6",
    "seven": "7",
    **dict.fromkeys(("eight", "ate"), "8"),
    "nine": "9",
}
_SPOKEN = (
    r"(?:[0-9]|oh|o|zero|one|won|two|to|too|three|four|for|fore|five|six|seven|eight|ate|nine)"
)
_SPOKEN_CODE = re.compile(
    rf"\b(?P<what>gate|lock\s*-?\s*box|alarm|garage|door|keypad)?\s*(?:code|coat|combo)\s+"
    rf"(?:(?:is|on\s+the\s+\w+\s+is)\s+)?(?:(?:still|now)\s+)?"
    rf"(?P<seq>{_SPOKEN}(?:\s+{_SPOKEN}){{3,7}}|{_SPOKEN}(?:-{_SPOKEN}){{3,7}})\b",
    _I,
)


def spoken_code(note: Note) -> list[Hit]:
    """A code dictated digit by digit, with the words a phone hears for some digits."""
    hits = []
    for m in note.finditer(_SPOKEN_CODE):
        tokens = m.group("seq").lower().replace("-", " ").split()
        spelt = "-" in m.group("seq")  # "one-nine-one-four": spelt out on purpose
        if (sum(t.isdigit() for t in tokens) < 2 and not spelt) or note.negated(m.start(), 15):
            continue  # "code for the side door": words, not a code
        what = (m.group("what") or "").lower()
        if not what:
            before = note.text[max(note.sentence(m.start())[0], m.start() - 40) : m.start()].lower()
            what = next((w for w in ("alarm", "lockbox", "lock box") if w in before), "gate")
        key = (
            "access.alarm_code"
            if "alarm" in what
            else "access.lockbox_code"
            if "box" in what
            else "access.gate_code"
        )
        code = "".join(_SPOKEN_DIGITS[t] for t in tokens)
        hits.append(Hit(key, code, m.start(), m.end(), 0.75))
    return hits


def bare_code(note: Note) -> list[Hit]:
    """``access.gate_code`` from a code stated without saying what it opens (a weaker reading
    than "gate code 4471": an explicit gate, lockbox or alarm code outranks it)."""
    hits = []
    for m in note.finditer(_BARE_CODE):
        # the sentence before too: "monitored alarm system. The access code is 9034"
        if _NOT_GATE.search(note.text, max(0, m.start() - 80), m.end()):
            continue
        if note.negated(m.start(), 15):
            continue
        code = _code_value(m.group("code") or m.group("code2") or m.group("code3"))
        rank = 3 if re.search(r"chang|chg", m.group(), _I) else -1
        hits.append(Hit("access.gate_code", code, m.start(), m.end(), 0.7, rank=rank))
    return hits
