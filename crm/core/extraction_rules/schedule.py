"""The schedule (open family): frequency, seasons, time windows, days and months away."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import MONTHS, NUMBER_WORDS, Hit, Note, tidy
from crm.core.extraction_rules.preferences import DAY_TOKEN, NOT_A_TIME, days_in

_I = re.IGNORECASE

# -- frequency, seasons, time windows, days to avoid (open family) --------------------------

_FREQUENCY = re.compile(
    r"\b(?:weekly|wkly|bi-?weekly|every\s+other\s+week|monthly|mthly|bi-?monthly|every\s+other\s+month"
    r"|quarterly|annually|yearly|once\s+a\s+(?:year|month|week)|twice\s+a\s+(?:year|month)"
    r"|(?:two|three|four|2|3|4)\s+times\s+a\s+(?:year|yr)|semi-?annual(?:ly)?"
    r"|once\s+a\s+yr|twice\s+(?:a\s+)?(?:yr|year)|[0-9]\s*x\s*(?:/|a\s|per\s)?\s*(?:yr|year)"
    r"|[1-9]\s*x\s*(?:/|a\s|per\s)?\s*(?:mo|month)"
    r"|every\s+(?:[0-9]{1,2}|two|three|four|six|eight)\s+(?:weeks?|wks?|months?|mos?)"
    r"|fortnightly|qtrly|[0-9]\s*x\s+(?:a|per)\s+(?:year|yr)|bi-?annual(?:ly)?|(?:1st|2nd|3rd|4th|first|second|third|fourth|last)\s+(?:mon|tues|wednes"
    r"|thurs|fri|satur|sun)day\s+of\s+(?:each|every|the)\s+month"
    r"|(?<![0-9])(?:[0-9]{1,2}|two|three|four|five|six|seven|eight|ten|twelve)[\s-]*(?:wk|week)s?\s+"
    r"(?:rotation|list|route|plan|cycle|schedule)|every\s+quarter"
    r"|(?:every|each)[\s-]+[0-9]{1,2}[\s-]+(?:weeks?|wks?|months?|yrs?|years?)(?=[\s-]+(?:plan|schedule|rotation)|\b)"
    r"|every\s+(?:mon|tues?|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?(?=\s+(?:morning|afternoon"
    r"|evening|night|am|pm)s?\b|\s+(?:before|after)\b|\s*[.,;]|\s*$)"
    r"|q\s?[0-9]{1,2}\s?(?:mo|mos|m|wks?|w)|annual(?=\s+(?:spring|summer|fall|autumn|clean|service"
    r"|visit|wash))"
    r"|every\s+other\s+(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|tue|tues|wed|thu|thur|thurs|fri"
    r"|sat|sun)\b)"
    r"|every\s+(?:week|month|year)|(?:windows?|gutters?|screens?|cleaned|cleaning|washed|done|service)\s+every"
    r"\s+(?:spring|summer|fall|autumn|winter))\b",
    _I,
)
_SEASON = re.compile(
    r"\b(?:(?:spring|summer|fall|autumn|winter)(?:\s*(?:and|&|/|,|\+)\s*(?:spring|summer|fall"
    r"|autumn|winter))*\s+only|only\s+in\s+(?:the\s+)?(?:spring|summer|fall|autumn|winter)"
    r"|(?:before|after)\s+(?:christmas|thanksgiving|easter|the\s+holidays|memorial\s+day"
    r"|labor\s+day)|(?:spring|summer|fall|autumn|winter)\s*(?:and|&|\+)\s*(?:spring|summer|fall|autumn"
    r"|winter))\b"
    r"|\b(?:every|each)\s+(?:spring|summer|fall|autumn|winter)"
    r"(?:\s*(?:and|&|\+|/)\s*(?:spring|summer|fall|autumn|winter))?\b"
    r"|\b(?:(?:only|once|yearly|annually|every\s+year)\s+)?in\s+(?:the\s+)?"
    r"(?P<season>spring|summer|fall|autumn)\b(?=[^.;!?\n]{0,20}\b(?:when|before|after|while|\+|and))"
    r"|\bduring\s+the\s+(?P<season2>spring|summer|fall|autumn|winter)\b"
    r"|\bannual\s+(?P<season3>spring|summer|fall|autumn|winter)\b"
    r"|\b(?P<months>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}"
    r"\s*(?:and|&|\+|/)\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6})\b"
    r"(?=[^.;!?\n]{0,40}\b(?:every\s+year|each\s+year|only|clean|visits?|service|windows))"
    r"|\b(?:(?:(?:twice|once)\s+(?:a\s+)?|[12]\s*x\s*(?:/\s*|a\s+|per\s+))(?:yr|year),?\s+(?:in\s+)?"
    r"|every\s+)(?P<months2>(?:jan|feb|mar|apr|may|jun|jul|aug"
    r"|sep|sept|oct|nov|dec|easter|christmas)[a-z]{0,6}\s*(?:and|&|\+|/|,)\s*(?:jan|feb|mar|apr|may|jun|jul"
    r"|aug|sep|sept|oct|nov|dec|easter|christmas)[a-z]{0,6})\b"
    r"|\b(?P<stay2>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\s*(?:-|thru|through|to)"
    r"\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6})"
    r"(?=\s+only\b|,?\s+(?:wednesdays|mondays|tuesdays|thursdays|fridays|only))"
    r"|\bseason\s*(?:is|:)\s*(?P<stay3>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}"
    r"\s*(?:-|thru|through|to)\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6})\b"
    r"|\b(?P<season4>spring|summer|fall|autumn|winter)\s+(?:schedule|list|route|rotation)\b"
    r"|\b(?P<seasons>(?:spring|summer|fall|autumn)\s*(?:thru|through|to|-)\s*(?:spring|summer|fall|autumn"
    r"|winter))\b"
    r"|\b(?:once\s+a\s+|1\s*x\s*(?:/\s*|a\s+|per\s+))(?:year|yr),?\s+(?:in\s+)?(?P<month2>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct"
    r"|nov|dec)[a-z]{0,6})\b"
    r"|\b(?:here|home|around|in\s+town)\s+(?P<stay>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct"
    r"|nov|dec)[a-z]{0,6}(?:\s+[0-9]{1,2})?\s*(?:-|thru|through|to|until|till)\s*(?:mid-?)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6})\b"
    r"|\b(?:yearly|annually|once|every\s+year|only|every|each)\s+(?:in\s+)?(?P<month>"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6})\b",
    _I,
)
_MONTH_NAMES = {m[:3]: m for m in MONTHS}
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
    # "after they close at 6 p.m.", "ideally by 9"
    r"|\bafter\s+(?:they|we|the\s+\w+)\s+close\s+(?:at\s+)?[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?"
    r"|\b(?:ideally|preferably|latest)\s+by\s+[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?"
    r"|\bbefore\s+(?:the\s+\w+\s+|they\s+|it\s+|we\s+|she\s+|he\s+)?opens?\b(?!\s+(?:the|a|up|it)\b)(?:\s+(?:at\s+)?"
    r"[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)?)?"
    r"|\b(?:out|done|finished|gone|off\s+site)\s+by\s+(?:[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)"
    r"|[0-9]{1,2}(?::[0-9]{2})?(?!\s*(?:windows?|screens?|[a-z])))"
    r"|\b(?:allows?\s+work|work\s+hours|hours\s+are|only)\s+(?:from\s+)?[0-9]{1,2}(?::[0-9]{2})?"
    r"\s*(?:am)?\s*(?:-|to)\s*[0-9]{1,2}(?::[0-9]{2})?\s*(?:pm)?(?!\s*(?:windows?|screens?|hrs?"
    r"|hours|min))",
    _I,
)
_JOB_LOG = re.compile(
    r"\b(?:took|finished|arrived|started|job\s+done|all\s+done|crew\s*:|van\s+[0-9]|[0-9]+\s+jobs"
    r"|[0-9.]+\s*(?:hrs?|hours|min(?:ute)?s?))\b",
    _I,
)
_AWAY_WORDS = re.compile(r"\b(?:out\s+of\s+town|away|snowbirds?|gone|travel\w*)\b", re.IGNORECASE)
_PAID_SO = re.compile(
    r"\b(?:pays?|paid|paying|bill(?:ed)?|invoiced?)\b[^.;!?\n]{0,25},\s*$", re.IGNORECASE
)
_BILLING = re.compile(r"\b(?:bill(?:ed)?|invoiced?|pays?|paid|charge[sd]?)\s+$", _I)
_HAS_TIME = re.compile(r"[0-9]|hours|clos|open", _I)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)(?:[a-z]{0,6})\.?"
_AWAY_MONTHS = re.compile(
    rf"\b(?:snowbirds?|away|gone|out\s+of\s+(?:town|state)|travels?|traveling|in\s+florida)\b"
    rf"[^.;!?\n]{{0,25}}?\b(?P<months>{_MONTHS}\s*(?:-|thru|through|to|until|till)\s*{_MONTHS})",
    _I,
)
_AWAY = re.compile(
    rf"\b(?:not\s+(?:available|home|around)|unavailable|away|never(?:\s+schedule)?"
    rf"|no(?:\s+(?:work|svc|service|cleaning|appts?|appointments))?"
    rf"|nothing|not|avoid|can'?t\s+do|except"
    rf"|(?:don'?t|do\s+not|never|can'?t|cannot|won'?t|not)\s+(?:book|schedule|come)"
    rf"(?:\s+(?:her|him|them|us|anything|it))?)\s+(?:on\s+)?(?:a\s+)?(?P<days>{DAY_TOKEN}(?:\s*(?:,|/|&|\bor\b|\band\b)\s*{DAY_TOKEN})"
    rf"{{0,6}})"
    rf"|\b(?P<days2>{DAY_TOKEN})\s+(?:are|is)\s+(?:no\s+good|bad|out|not\s+good|a\s+no)\b",
    _I,
)


_NUMBER_WORDS = {"two": "2", "three": "3", "four": "4", "six": "6", "eight": "8"}
# One way to say each common frequency, so the same habit reads the same on every customer.
_SAME_FREQUENCY = (
    (re.compile(r"^(?:every\s+other\s+week|bi-?weekly|every\s+2\s+weeks)$"), "every 2 weeks"),
    (re.compile(r"^(?:every\s+other\s+month|bi-?monthly|every\s+2\s+months)$"), "every 2 months"),
    (re.compile(r"^(?:once\s+a\s+month|every\s+month|monthly)$"), "monthly"),
    (re.compile(r"^(?:once\s+a\s+week|every\s+week|weekly)$"), "weekly"),
    (
        re.compile(
            r"^(?:twice\s+a\s+year|2\s*x\s*(?:/|a|per)\s*year|semi-?annual(?:ly)?"
            r"|2\s+times\s+a\s+year)$"
        ),
        "twice a year",
    ),
    (re.compile(r"^(?:once\s+a\s+year|every\s+year|annually|yearly|annual)$"), "once a year"),
    (re.compile(r"^every\s+quarter$"), "quarterly"),
)


def _spelt_out(text: str) -> str:
    """ "every 3 mos" -> "every 3 months", "every other week" -> "every 2 weeks", "2x/yr" ->
    "twice a year": one spelling per frequency."""
    text = re.sub(r"\bmos?\b", "months", text)
    text = re.sub(r"\byrs\b", "years", text)
    text = re.sub(r"\b(?:yr|yrly)\b", "year", re.sub(r"\bwks?\b", "weeks", text))
    text = re.sub(r"\b(two|three|four|six|eight)\b", lambda m: _NUMBER_WORDS[m.group(1)], text)
    text = re.sub(r"\bqtrly\b", "quarterly", text)
    text = re.sub(r"\bwkly\b", "weekly", re.sub(r"\bmthly\b", "monthly", text))
    text = re.sub(r"^1\s*x\s*(?:/|a|per)\s*year$", "once a year", text)
    # "3x yr", "2x/mo", "twice yr": how many times a year or a month
    times = re.match(r"^([1-9])\s*x\s*(?:/|a\s|per\s)?\s*(year|month)s?$", text)
    if times is not None:
        n, unit = int(times.group(1)), times.group(2)
        text = f"{('once', 'twice')[n - 1] if n < 3 else f'{n} times'} a {unit}"
    text = re.sub(r"^twice\s+(?:a\s+)?year$", "twice a year", text)
    text = re.sub(r"^([3-9])\s*x\s+(?:a|per)\s+year$", r"\1 times a year", text)
    text = re.sub(r"^q\s?([0-9]{1,2})\s?(?:mos?|m)$", r"every \1 months", text)
    text = re.sub(
        r"^([0-9]{1,2})[\s-]*(?:wk|week)s?\s+(?:rotation|list|route|plan|cycle|schedule)$",
        r"every \1 weeks",
        text,
    )
    text = re.sub(r"^(?:every|each)[\s-]([0-9]{1,2})[\s-]", r"every \1 ", text)
    text = re.sub(r"^q\s?([0-9]{1,2})\s?(?:wks?|w)$", r"every \1 weeks", text)
    text = re.sub(r"^(every [0-9]+) (week|month)$", r"\1 \2s", text)
    for pattern, same in _SAME_FREQUENCY:
        if pattern.match(text):
            return same
    return text


def _hour(text: str) -> str:
    """A bare hour in a time window gets the half of the day it must mean ("after 3" is 3pm)."""

    def half(m: re.Match[str]) -> str:
        hour = int(m.group(1))
        return m.group(0) + ("am" if 7 <= hour <= 11 else "pm")

    return re.sub(r"\b(1[0-2]|[1-9])(?::[0-5][0-9])?\b(?!\s*(?:am|pm|a\.m|p\.m|:))", half, text)


# "don't come before 1pm", "not before 9": the window opens then.
_NOT_BEFORE = re.compile(
    r"\b(?:not|never|nothing|no\s+work|(?:don'?t|do\s+not|dont)\s+(?:come|arrive|start|show\s+up|knock"
    r"|ring|call)(?:\s+\w+){0,3})\s+$",
    _I,
)
# "every spring" is a schedule when the sentence is about the work, not "wasps every summer".
_WORK = re.compile(
    r"\b(?:do|does|done|clean\w*|wash\w*|windows?|gutters?|screens?|service|come|add|book"
    r"|schedule|want|wants|driveway|deck|fence|house|roof|agreed|plan|visit|check|cust|customer|repeat|regular|booked)\b",
    _I,
)
_OFFERED = re.compile(r"\b(?:quoted?|estimate[ds]?|would\s+be|let\s+us\s+know)\b", _I)


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


_WORK_FIRST = re.compile(
    r"^(?:windows?|gutters?|screens?|cleaned|cleaning|washed|done|service|do|them)\s+(?=every\b)"
)


def _said(key: str, m: re.Match[str]) -> str:
    """A frequency or season as one spelling: "every other week" -> "every 2 weeks", "every
    spring" -> "spring", "once in Nov" -> "november"."""
    if key == "schedule.frequency":
        said = _spelt_out(_WORK_FIRST.sub("", tidy(m.group())))
        # "every other Friday": every other week, on Fridays; "every Tues": weekly, on Tuesdays
        said = re.sub(
            r"^every (?:other|2) "
            r"((?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?)$",
            lambda d: f"every other week, {''.join(days_in(d.group(1))) or d.group(1)}",
            said,
        )
        return re.sub(r"^every ((?:mon|tue|wed|thu|fri|sat|sun)\w*)$", r"weekly, \1", said)
    groups = m.groupdict()
    month = groups.get("month") or groups.get("month2")
    if month:
        return _MONTH_NAMES.get(month[:3].lower(), month.lower())
    if groups.get("seasons"):
        return re.sub(r"\s*(?:thru|through|-)\s*", " to ", tidy(groups["seasons"]))
    for name in ("season", "season2", "season3", "season4"):
        if groups.get(name):
            return groups[name].lower()
    stay = groups.get("stay") or groups.get("stay2") or groups.get("stay3")
    if stay:
        return _month_range(tidy(stay))
    if groups.get("months2"):
        groups = {"months": groups["months2"]}
    if groups.get("months"):
        return " and ".join(
            _MONTH_NAMES.get(w[:3].lower(), w.lower())
            for w in re.split(r"\s*(?:and|&|\+|/)\s*", groups["months"], flags=re.I)
        )
    said = re.sub(r"^(?:every|each)\s+", "", tidy(m.group()))
    return re.sub(r"^only\s+in\s+(?:the\s+)?", "", said)  # "only in fall" is "fall"


def _month_range(text: str) -> str:
    """ "mar-nov" -> "march to november", "nov thru april" -> "november to april"."""
    ends = re.split(r"\s*(?:-|thru|through|until|till|to)\s*", text, maxsplit=1)
    return " to ".join(_MONTH_NAMES.get(end[:3], end) for end in ends)


def schedule_details(note: Note) -> list[Hit]:
    """``schedule.frequency``, ``schedule.season``, ``schedule.time_window``,
    ``schedule.unavailable_days``."""
    hits: list[Hit] = []
    for key, pattern in (("schedule.frequency", _FREQUENCY), ("schedule.season", _SEASON)):
        found = []
        for m in note.finditer(pattern):
            if key == "schedule.frequency" and _PAID_SO.search(
                note.text, max(0, m.start() - 40), m.start()
            ):
                # "Mike pays by check, quarterly": how often they pay, not how often we come
                hits.append(Hit("payment.terms", _spelt_out(tidy(m.group())), *m.span(), 0.6))
            else:
                found.append(m)
        found = [
            m
            for m in found
            if not note.negated(m.start(), 10)
            and not _BILLING.search(note.clause_before(m.start()))
            and not _OFFERED.search(note.text, *note.sentence_window(m.start(), m.end()))
            and not (
                re.match(r"every\s+year", m.group(), _I)
                and _AWAY_WORDS.search(note.text, *note.sentence_window(m.start(), m.end()))
            )
            and not (
                re.match(r"(?:every|each)\s", m.group(), _I)
                and key == "schedule.season"
                and not _WORK.search(note.text, *note.sentence_window(m.start(), m.end()))
            )
        ]
        if found:
            value = ", ".join(dict.fromkeys(_said(key, m) for m in found))
            hits.append(Hit(key, value[:120], found[0].start(), found[-1].end(), 0.7))
    for m in note.finditer(_TIME_WINDOW):
        if _JOB_LOG.search(note.text, *note.sentence_window(m.start(), m.end())):
            continue  # "90 minutes, done by 3": when this visit ended
        if _DONE_BY.match(m.group()) and not _NEEDED.search(note.clause_before(m.start(), 30)):
            continue  # "Storefronts done by 1." is when this visit ended, not a window
        if _HAS_TIME.search(m.group()) and not NOT_A_TIME.match(note.text, m.end()):
            value = re.sub(r"\b([ap])\.m\b\.?", r"\1m", tidy(m.group()))
            value = re.sub(r"\b([0-9]{1,2}):00\b", r"\1", value)
            value = re.sub(r"([0-9])\s+(am|pm)\b", r"\1\2", value)
            value = _hour(re.sub(r"^b4\b", "before", value))
            if _LOGGED.fullmatch(m.group().strip()):
                continue  # "8:05-10:50. 2 men.": when this visit ran, to the minute
            value = re.sub(r"^not\s+before\b", "after", value)  # "not before 9" opens at 9
            value = re.sub(r"^after\s+(?:they|we|the\s+\w+)\s+close\s+(?:at\s+)?", "after ", value)
            value = re.sub(r"^(?:ideally|preferably|latest)\s+by\b", "by", value)
            if _NOT_BEFORE.search(note.text, max(0, m.start() - 25), m.start()) or (
                value.startswith("before") and _NO_WORK.search(note.clause_before(m.start(), 40))
            ):
                value = re.sub(r"^(?:not\s+)?before\b", "after", value)
            hits.append(Hit("schedule.time_window", value, *m.span(), 0.7))
    for m in note.finditer(_NEITHER):
        # "no work before 8am or after 6pm": the window between
        said = f"between {_hour(m.group('a'))} and {_hour(m.group('b'))}"
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
        a, b = (_hour(t) for t in said.split("|"))
        hits.append(Hit("schedule.time_window", f"between {a} and {b}", *m.span(), 0.7, rank=1))
    for m in note.finditer(_WORD_HOUR):
        hour = str(_HOURS.index(m.group("h").lower()) + 1)
        half = (m.group("half") or "").lower().replace(".", "")
        said = f"{m.group('w').lower()} {_hour(hour + half)}"
        hits.append(Hit("schedule.time_window", said, *m.span(), 0.65))
    for m in note.finditer(_ASLEEP):
        hits.append(Hit("schedule.time_window", f"after {_hour(m.group('h'))}", *m.span(), 0.65))
    for m in note.finditer(_CLOCK):
        if not _JOB_LOG.search(
            note.text, *note.sentence_window(m.start(), m.end())
        ) and not _LOGGED.fullmatch(m.group().strip()):
            hits.append(Hit("schedule.time_window", tidy(m.group()), *m.span(), 0.65))
    for m in note.finditer(_AWAY_MONTHS):
        if re.search(
            r"\b(?:here|home|around|in\s+town)\s+$", note.text[: m.start("months")][-15:], _I
        ):
            continue  # "here Nov thru April": when they are here (a season), not away
        hits.append(Hit("schedule.away", _month_range(tidy(m.group("months"))), *m.span(), 0.7))
    for m in note.finditer(_AWAY):
        said = m.group("days") or m.group("days2")
        days = days_in(said)
        value = ", ".join(days) if days else tidy(said)
        hits.append(Hit("schedule.unavailable_days", value, *m.span(), 0.7))
    return hits
