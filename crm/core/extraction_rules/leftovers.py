"""Nothing silently dropped: a sentence that carries an instruction, a person, a measurement
or a hazard, and that no rule turned into a fact, becomes one low-confidence
``instructions.note`` with the sentence as its value, so the technician decides.

Sentences about the job itself ("Finished at 2:15", "paid $240", "back in 2 weeks") and about
someone or something that is gone ("her husband passed last year") are not notes.
"""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note

_I = re.IGNORECASE

_CARRIES = re.compile(
    r"\b(?:don'?t|do\s+not|never|always|please|pls|make\s+sure|be\s+sure|remember|careful"
    r"|avoid|must|need\s+to|needs\s+to|have\s+to|skip|only\s+use|use\s+(?:the|a|only)"
    r"|son|daughter|husband|wife|mom|mother|dad|father|manager|owner|tenant|landlord|neighbou?r"
    r"|grand\w+|brother|sister|boss|assistant|mr|mrs|ms|dr"
    r"|hazard|danger\w*|caution|watch\s+(?:out|for)|slippery|steep|loose|broken|rotten|wasps?"
    r"|bees?|hornets?|snakes?|wires?|electric\w*|sharp|nails?|icy|mold|bites?|aggressive)\b"
    r"|\b[0-9]+(?:\.[0-9]+)?\s*(?:ft|feet|foot|'|inch(?:es)?|sq|stor(?:y|ies)|panes?"
    r"|windows?|screens?|steps|stairs|meters?|yards?)(?![\w'])",
    _I,
)
# A report of this visit: what was done, when, what was paid or quoted, when we come back.
_THE_JOB = re.compile(
    r"^\s*(?:finished|done|completed|did|cleaned|washed|scrubbed|job|all\s+done|paid|tipped"
    r"|quoted|left|rained|rescheduled|arrived|started|came\s+back|back\s+(?:in|on|next)"
    r"|took|spent|total|invoice\s+(?:left|sent)|next\s+(?:visit|time)"
    r"|fwd?|fw|re)\b",  # an email's subject line: "FWD: 7 Steller Jay - owner request"
    _I,
)
# Narration of the visit anywhere in the sentence: who was home, what was said, used or given.
_NARRATED = re.compile(
    r"\b(?:tipped|wasn'?t\s+home|(?:no\s*one|nobody)\s+(?:was\s+)?home|was\s+visiting"
    r"|answered\s+the\s+door|let\s+us\s+in|met\s+us|gave\s+(?:us|her|him|them)"
    r"|(?:told\s+(?:her|him|them|the\s+\w+)|said|mentioned)(?!\s+(?:to|that|we|you)\b)"
    r"|we\s+(?:were|did|used|stayed|had)|used\s+(?:about\s+)?[0-9]|mixed|sprayed|rinsed"
    r"|brushed|washed|cleaned|today|this\s+(?:time|visit|month|week)|last\s+time|next\s+time|this\s+once"
    r"|waited|rained|windy|upsold|quoted|rescreened|repaired|replaced|reattached|charged|reported"
    r"|added\s+to|came\s+loose|called|emailed|texted|left\s+(?:a\s+)?voicemail|i\s+think"
    r"|(?:she|he)'?ll\s+ask|was\s+clear|i'?ve\s+been\s+doing|told\s+(?:the\s+)?(?:owner|cust\w*"
    r"|client|me)|informed|let\s+(?:me|us)\s+know|forgot|tomm?orr?ow|reschedul\w*"
    r"|(?:will|gonna|going\s+to)\s+call|showed\s+(?:her|him|them)|broken\s+seals?|fogged"
    r"|(?:same\s+)?as\s+(?:always|usual)|last\s+(?:yr|year|week|month|summer|spring|fall|winter)"
    r"|(?:days?|weeks?|months?|years?|yrs?)\s+ago|yesterday|again|thanks?|thx"
    r"|spoke\s+(?:with|to)|talked\s+(?:with|to)|(?:is|are)\s+calling|this\s+(?:morning|afternoon)"
    r"|customer(?:'s)?\s+name\s+is|\btip\b|call\s+me\s+back|question\s+about"
    r"|(?:was|were)\s+(?:very\s+|super\s+|really\s+|so\s+)?(?:understanding|happy|pleased|nice"
    r"|thrilled|upset|satisfied|grateful|home|there|out|away|late))\b",
    _I,
)
# "guards don't help", "the screens do not fit": a "don't" after its subject describes a thing,
# unless the subject does not want or like something ("she doesn't want water near the box").
_SUBJECT_BEFORE = re.compile(r"(?<![^\W\d_])([a-z]+)\s+$", _I)
_NOT_A_SUBJECT = frozenset(
    {"please", "pls", "so", "and", "but", "then", "just", "also", "to", "you", "u", "we"}
    | {"crew", "never", "always"}
)
_WANTS_AFTER = re.compile(r"\s*(?:want|like|allow|let|use|go|touch|step)\b", _I)
# Only who lives there ("Mom (Eleanor) lives there", "Grandma lives w/ them, Betty, 90s"): a
# household fact for the people rules, not a note.
_HOUSEHOLD = re.compile(
    r"^(?:[^.]|(?<=\b(?:mr|ms|dr))\.|(?<=\bmrs)\.){0,40}?\blives?\s+(?:there|here|alone|with|w/|upstairs|downstairs|next\s+door|in)\b",
    _I,
)
# A day or a clock time: "never those days", "always Mondays" are the schedule's.
_WHEN = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\b|\bweekends?\b|\bdays\b"
    r"|\b[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm|a|p)\b|\b[0-9]{1,2}\s*-\s*[0-9]{1,2}\b",
    _I,
)
_SCHEDULE_WORDS = re.compile(r"never|always|only|must|skip", _I)
_STILL_AN_INSTRUCTION = re.compile(
    r"\b(?:don'?t|do\s+not|never(?!\s+(?:came|went|showed|did|had|was|were|\w+ed)\b)|always|make\s+sure|be\s+sure|remember|must|be\s+careful"
    r"|careful\s+(?:with|of|around|on))\b",
    _I,
)
# Someone or something that is no longer there: nothing to keep.
_GONE = re.compile(
    r"\b(?:passed(?:\s+away)?|died|moved\s+(?:out|away)|is\s+gone|are\s+gone|was\s+let\s+go"
    r"|retired|no\s+longer\s+(?:here|lives|works)|late\s+(?:husband|wife|father|mother))\b",
    _I,
)
_MOST_NOTES = 3
# Too short to be worth a technician's look on its own ("careful", "per owner", "use the pole"),
# or a joke ("always has cookies lol").
_FEWEST_WORDS = 4
_JOKING = re.compile(r"\b(?:lol|lmao|haha+|jk|lowkey|ngl)\b", _I)


def _described(text: str, start: int, end: int) -> bool:
    subject = _SUBJECT_BEFORE.search(text, max(0, start - 25), start)
    if subject is None or subject.group(1).lower() in _NOT_A_SUBJECT:
        return False
    return _WANTS_AFTER.match(text, end) is None


def _carried(text: str) -> bool:
    """Whether a word that makes a note is there, and not only a description or a schedule."""
    when = _WHEN.search(text) is not None
    for m in _CARRIES.finditer(text):
        word = m.group()
        # "gate's never locked", "front door never used": a description, not an instruction.
        if word.lower().startswith(("don", "do ", "never")) and _described(
            text, m.start(), m.end()
        ):
            continue
        if when and _SCHEDULE_WORDS.fullmatch(word):
            continue
        return True
    return False


# A heading that names the customer and the place: "Dr. and Mrs. Hsu, Cherry Hills Village."
# Possessive, so a long run of capitals cannot be split every way before failing.
_HEADING = re.compile(
    r"\s*(?:(?:mr|mrs|ms|dr|and|&)\.?\s+)*+(?:(?-i:[A-Z][\w'-]*+)[\s,.()-]*+){1,7}+", _I
)


def _not_a_note(text: str) -> bool:
    if _GONE.search(text) or _HOUSEHOLD.search(text) or _HEADING.fullmatch(text):
        return True
    job = _THE_JOB.match(text) or _NARRATED.search(text)
    return bool(job) and not _STILL_AN_INSTRUCTION.search(text)


def leftovers(note: Note, hits: list[Hit]) -> list[Hit]:
    """One ``instructions.note`` (then ``_2``, ``_3``) per sentence that carries a fact no
    rule found: the sentence itself, for the technician to decide on."""
    out: list[Hit] = []
    spans = sorted((h.start, h.end) for h in hits)
    for start, end in note.sentences():
        text = note.text[start:end]
        if not _carried(text) or any(s < end and e > start for s, e in spans):
            continue
        if note.someone_else_near(start, end) or _not_a_note(text):
            continue  # the neighbour's dog, the old man next door, the job itself
        if len(text.split()) < _FEWEST_WORDS or _JOKING.search(text):
            continue
        lead = len(text) - len(text.lstrip())
        tail = len(text) - len(text.rstrip(" ."))
        if note.raw[end - tail : end] != note.text[end - tail : end]:
            end -= tail  # "... use front |", "... 2)": the mark of a list's next item is not said
        # as written (an ALL CAPS note is read capitalised)
        value = " ".join(note.raw[start:end].split()).rstrip(".!? ")
        if len(value) > 120:
            value = value[:120].rsplit(" ", 1)[0]
        if not value:
            continue
        key = "instructions.note" if not out else f"instructions.note_{len(out) + 1}"
        out.append(Hit(key, value, start + lead, end, 0.3))
        if len(out) == _MOST_NOTES:
            break
    return out
