"""Time windows (``schedule.time_window``): when the crew may come, said every way a note says
it ("after 10am", "b4 7am", "between 11am checkout and 3pm checkin", "0900-1100 window", "not
before 9", "sleeps til 2"), and not the times a visit ran ("8:05-10:50", "done by 3")."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import NUMBER_WORDS, Hit, Note, tidy
from crm.core.extraction_rules.preferences import NOT_A_TIME

_I = re.IGNORECASE

_NEITHER = re.compile(
    r"\b(?:no|not|never)\b[^.;!?\n]{0,20}?\bbefore\s+(?P<a>[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)?)"
    r"\s+(?:or|and|nor)\s+after\s+(?P<b>[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)?)",
    re.IGNORECASE,
)
# A rental's turnover: "between 11am checkout and 3pm checkin", "checkout is 11 a.m. and the
# next check-in is at 4 p.m." -- the window between the guests.
_T = r"[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm|a\.m\.?|p\.m\.?)?"
_TURNOVER = re.compile(
    rf"\b(?P<a>{_T})\s+check[\s-]?out\b[^.;!?\n]{{0,20}}?\b(?P<b>{_T})\s+check[\s-]?in\b"
    rf"|\bcheck[\s-]?out\s+(?:is\s+)?(?:at\s+)?(?P<a2>{_T})[^.;!?\n]{{0,40}}?\bcheck[\s-]?in\s+"
    rf"(?:is\s+)?(?:at\s+)?(?P<b2>{_T})",
    re.IGNORECASE,
)
# Military time: "0900-1100 window", "before they open at 0930", "not before 0800".
_HHMM = r"(?:[01][0-9]|2[0-3])(?:00|15|30|45)"
_MILITARY = re.compile(
    rf"\b(?P<a>{_HHMM})\s*(?:-|to|\u2013)\s*(?P<b>{_HHMM})\b(?=\s*(?:window|hrs|hours|only|ok|pref\w*|best)\b)"
    rf"|\b(?P<w>before|after|not\s+before|no\s+earlier\s+than|b4)\s+(?:(?:they|we)\s+(?:open|close)\s+"
    rf"(?:at\s+)?)?(?P<t>{_HHMM})\b(?!\s*(?:sq|ft|\$|dollars))",
    re.IGNORECASE,
)


def _clock(hhmm: str) -> str:
    """ "0930" -> "9:30am", "1400" -> "2pm"."""
    hour, minute = int(hhmm[:2]), hhmm[2:]
    half = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{'' if minute == '00' else ':' + minute}{half}"


# "come after ten am": an hour in words.
_HOURS = NUMBER_WORDS[1:13]
_WORD_HOUR = re.compile(
    r"\b(?:come|arrive|be\s+there|start|show\s+up|us)\s+(?P<w>after|before)\s+(?P<h>"
    + "|".join(_HOURS)
    + r")\b\s*(?P<half>am|pm|a\.m\.|p\.m\.)?",
    _I,
)
# "before the store opens at seven in the morning", "before ten o'clock": an hour in words, said
# with o'clock or the part of the day.
_SAID_HOUR = re.compile(
    r"\b(?P<w>before|after|by)\s+(?:(?:the\s+\w+|they|she|he|it|we)\s+(?:opens?|closes?)\s+at\s+)?(?P<h>"
    + "|".join(_HOURS)
    + r")(?:(?P<clock>\s+o'?clock)|\s+in\s+the\s+(?P<part>morning|afternoon|evening))+",
    _I,
)
# "works nights and sleeps til 2": nobody before then.
_ASLEEP = re.compile(
    r"\bsleeps?\s+(?:in\s+)?(?:til|till|until)\s+(?P<h>[0-9]{1,2}(?:\s*(?:am|pm))?)\b", _I
)
_CLOCK = re.compile(
    r"\b(?:[01]?[0-9]|2[0-3]):[0-5][0-9]\s*(?:-|to|\u2013)\s*(?:[01]?[0-9]|2[0-3]):[0-5][0-9]\b"
)
_TIME_WINDOW = re.compile(
    r"\b(?:after|before|b4|not\s+before|not\s+after|between|no\s+earlier\s+than|no\s+later\s+than)\s+"
    r"(?:the\s+)?(?:[0-9]{1,2}(?::[0-9]{2})?\s*"
    r"(?:am|pm|a\.m\.|p\.m\.)?(?:\s*(?:and|-|to)\s*[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)?)?"
    r"|hours|close|closing|opening)(?![0-9])|\bafter\s+hours\b"
    # a field of a list: "Mon/Tue only; 8-11am; stay out of the flower beds"
    r"|(?<=[;:] )[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)?\s*[-\u2013]\s*[0-9]{1,2}(?::[0-9]{2})?"
    r"\s*(?:am|pm)(?=\s*[;.]|\s*$)"
    # "after they close at 6 p.m.", "ideally by 9"
    r"|\bafter\s+(?:they|we|the\s+\w+)\s+close\s+(?:at\s+)?[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?"
    r"|\b(?:ideally|preferably|latest)\s+by\s+[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?"
    r"|\bbefore\s+(?:the\s+\w+\s+|they\s+|it\s+|we\s+|she\s+|he\s+)?opens?\b(?!\s+(?:the|a|up|it)\b)(?:\s+(?:at\s+)?"
    r"[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)?)?"
    r"|\b(?:out|done|finished|gone|off\s+site)\s+by\s+(?:[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)"
    r"|[0-9]{1,2}(?::[0-9]{2})?(?!\s*(?:windows?|screens?|[a-z])))"
    r"|\b(?:allows?\s+work|work\s+hours|hours\s+are|only|time\s+window\s*:)\s+(?:from\s+)?[0-9]{1,2}"
    r"(?::[0-9]{2})?\s*(?:am|pm)?\s*(?:-|to|\u2013)\s*[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)?(?!\s*(?:windows?|screens?|hrs?"
    r"|hours|min))",
    _I,
)

_JOB_LOG = re.compile(
    r"\b(?:took|finished|arrived|started|job\s+done|all\s+done|crew\s*:|van\s+[0-9]|[0-9]+\s+jobs"
    r"|[0-9.]+\s*(?:hrs?|hours|min(?:ute)?s?))\b",
    _I,
)

_HAS_TIME = re.compile(r"[0-9]|hours|clos|open", _I)


def with_half_of_day(text: str) -> str:
    """A bare hour in a time window gets the half of the day it must mean ("after 3" is 3pm)."""

    def half(m: re.Match[str]) -> str:
        hour = int(m.group(1))
        return m.group(0) + ("am" if 7 <= hour <= 11 else "pm")

    return re.sub(r"\b(1[0-2]|[1-9])(?::[0-5][0-9])?\b(?!\s*(?:am|pm|a\.m|p\.m|:))", half, text)


# "don't come before 1pm", "not before 9": the window opens then.
_NOT_BEFORE = re.compile(
    r"\b(?:not|never|nothing|no\s+work|(?:don'?t|do\s+not|dont)\s+(?:come|arrive|start|show\s+up|knock"
    r"|ring|call|work)(?:\s+\w+){0,3})\s+$",
    _I,
)

# A clock range to the odd minute is when a visit ran, not a window anyone asked for.
_LOGGED = re.compile(
    r"[0-9]{1,2}:(?!00|15|30|45)[0-5][0-9]\s*-\s*[0-9]{1,2}:[0-5][0-9]"
    r"|[0-9]{1,2}:[0-5][0-9]\s*-\s*[0-9]{1,2}:(?!00|15|30|45)[0-5][0-9]"
)
_DONE_BY = re.compile(r"(?:done|finished|out)\s+by\b", _I)
# "has to be done by 3", "wants us out by noon": a wish, not a log.
_NEEDED = re.compile(
    r"\b(?:need|needs|has\s+to|have\s+to|must|want|wants|should|gotta|got\s+to|be|us|always)\s+$"
    r"|\b(?:need|needs|has\s+to|have\s+to|must|want|wants|should|gotta)\b",
    _I,
)
# "no work vehicles on the street before 7am": the window opens then.
_NO_WORK = re.compile(r"\b(?:no|not|never|nothing)\b", _I)


def time_windows(note: Note) -> list[Hit]:
    hits: list[Hit] = []
    for m in note.finditer(_TIME_WINDOW):
        if _JOB_LOG.search(note.text, *note.sentence_window(m.start(), m.end())):
            continue  # "90 minutes, done by 3": when this visit ended
        if _DONE_BY.match(m.group()) and not _NEEDED.search(note.clause_before(m.start(), 30)):
            continue  # "Storefronts done by 1." is when this visit ended, not a window
        if _HAS_TIME.search(m.group()) and not NOT_A_TIME.match(note.text, m.end()):
            value = re.sub(r"\b([ap])\.m\b\.?", r"\1m", tidy(m.group()))
            value = re.sub(r"\b([0-9]{1,2}):00\b", r"\1", value)
            value = re.sub(r"([0-9])\s+(am|pm)\b", r"\1\2", value)
            value = with_half_of_day(re.sub(r"^b4\b", "before", value))
            if _LOGGED.fullmatch(m.group().strip()):
                continue  # "8:05-10:50. 2 men.": when this visit ran, to the minute
            value = re.sub(r"^not\s+before\b", "after", value)  # "not before 9" opens at 9
            value = re.sub(r"^after\s+(?:they|we|the\s+\w+)\s+close\s+(?:at\s+)?", "after ", value)
            value = re.sub(r"^(?:ideally|preferably|latest)\s+by\b", "by", value)
            value = re.sub(r"^(?:time\s+window\s*:\s*|only\s+)(?=[0-9])", "", value)
            refused = _NOT_BEFORE.search(note.text, max(0, m.start() - 25), m.start())
            value = re.sub(r"^not\s+after\b", "before", value)  # "not after 4pm" ends at 4
            if value.startswith("after") and refused:
                value = "before" + value[len("after") :]  # "dont work after 5": done by then
            elif refused or (
                value.startswith("before") and _NO_WORK.search(note.clause_before(m.start(), 40))
            ):
                value = re.sub(r"^(?:not\s+)?before\b", "after", value)
            hits.append(Hit("schedule.time_window", value, *m.span(), 0.7))
    for m in note.finditer(_NEITHER):
        # "no work before 8am or after 6pm": the window between
        said = f"between {with_half_of_day(m.group('a'))} and {with_half_of_day(m.group('b'))}"
        hits.append(Hit("schedule.time_window", said, *m.span(), 0.7, rank=1))
    for m in note.finditer(_MILITARY):
        if m.group("a"):
            said = f"{_clock(m.group('a'))}-{_clock(m.group('b'))}"
        else:
            word = m.group("w").lower().replace("b4", "before")
            if word in ("not before", "no earlier than") or (
                word == "before" and _NO_WORK.search(note.clause_before(m.start(), 40))
            ):
                word = "after"  # "no work before 0800": the window opens then
            said = f"{word} {_clock(m.group('t'))}"
        hits.append(Hit("schedule.time_window", said, *m.span(), 0.7, rank=1))
    for m in note.finditer(_TURNOVER):
        a, b = (m.group("a") or m.group("a2")), (m.group("b") or m.group("b2"))
        said = re.sub(r"\s+", "", re.sub(r"([ap])\.m\.?", r"\1m", f"{a}|{b}", flags=re.I)).lower()
        a, b = (with_half_of_day(t) for t in said.split("|"))
        hits.append(Hit("schedule.time_window", f"between {a} and {b}", *m.span(), 0.7, rank=1))
    for m in note.finditer(_WORD_HOUR):
        hour = str(_HOURS.index(m.group("h").lower()) + 1)
        half = (m.group("half") or "").lower().replace(".", "")
        said = f"{m.group('w').lower()} {with_half_of_day(hour + half)}"
        hits.append(Hit("schedule.time_window", said, *m.span(), 0.65))
    for m in note.finditer(_SAID_HOUR):
        hour = str(_HOURS.index(m.group("h").lower()) + 1)
        part = (m.group("part") or "").lower()
        half = "am" if part == "morning" else "pm" if part else ""
        said = f"{m.group('w').lower()} {with_half_of_day(hour + half)}"
        hits.append(Hit("schedule.time_window", said, *m.span(), 0.65, rank=1))
    for m in note.finditer(_ASLEEP):
        hits.append(
            Hit("schedule.time_window", f"after {with_half_of_day(m.group('h'))}", *m.span(), 0.65)
        )
    for m in note.finditer(_CLOCK):
        if not _JOB_LOG.search(
            note.text, *note.sentence_window(m.start(), m.end())
        ) and not _LOGGED.fullmatch(m.group().strip()):
            hits.append(Hit("schedule.time_window", tidy(m.group()), *m.span(), 0.65))
    return hits
