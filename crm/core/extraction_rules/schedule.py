"""The schedule (open family): frequency, seasons, time windows, days and months away."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import ACCEPTED, MONTHS, Hit, Note, tidy
from crm.core.extraction_rules.preferences import DAY_TOKEN, days_in
from crm.core.extraction_rules.time_windows import time_windows

_I = re.IGNORECASE

# -- frequency, seasons, time windows, days to avoid (open family) --------------------------

_FREQUENCY = re.compile(
    r"\b(?:bi-?wkly|weekly|wkly|bi-?weekly|every\s+other\s+week|monthly|mthly|bi-?monthly"
    r"|every\s+other\s+month"
    # a form's field: "Freq: annual"; a route sheet's "mo." and "1st Sat"
    r"|(?<=freq:\s)annual|(?<=frequency:\s)annual|(?<=,\s)mo\.(?=\s)"
    r"|(?<=freq:\s)[0-9]{1,2}\s*(?:wks?|weeks|mos?|months)\b"
    r"|(?:1st|2nd|3rd|4th|first|second|third|fourth|last)\s+(?:mon|tues?|wed|wednes|thu|thur|thurs|fri"
    r"|sat|satur|sun)(?:day)?(?!\s+of\s+(?:each|every|the)\s+month)(?=\b)"
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
    r"|labor\s+day)|(?:spring|summer|fall|autumn|winter)\s*(?:and|&|\+|/)\s*(?:spring|summer|fall|autumn"
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
    # "Freq: monthly Apr-Oct": the months of a frequency
    r"|(?<=monthly\s)(?P<stay4>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}"
    r"\s*(?:-|thru|through|to)\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6})\b"
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
_AWAY_WORDS = re.compile(r"\b(?:out\s+of\s+town|away|snowbirds?|gone|travel\w*)\b", re.IGNORECASE)
_PAID_SO = re.compile(
    r"\b(?:pays?|paid|paying|bill(?:ed)?|invoiced?)\b[^.;!?\n]{0,25},\s*$", re.IGNORECASE
)
_BILLING = re.compile(
    r"\b(?:bill(?:ed)?|invoiced?|pays?|paid|charge[sd]?)\s+(?:them|him|her|us\s+)?\s*$", _I
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)(?:[a-z]{0,6})\.?"
_AWAY_MONTHS = re.compile(
    rf"\b(?:snowbirds?|away|gone|out\s+of\s+(?:town|state)|travels?|traveling|in\s+florida)\b"
    rf"[^.;!?\n]{{0,25}}?\b(?P<months>{_MONTHS}\s*(?:-|thru|through|to|until|till)\s*{_MONTHS})",
    _I,
)
_HOLIDAYS = r"(?:thanksgiving|christmas|easter|new\s+year'?s?|memorial\s+day|labor\s+day)"
_WHEN = rf"(?:(?:late|early|mid)[\s-]+)?(?:{_MONTHS}|{_HOLIDAYS})"
# "winter visitors ... in residence from October through April", "Winter visitor, Nov-Mar",
# "winter visitors here from thanksgiving to easter": the months they are here.
_RESIDENT = re.compile(
    rf"\b(?:in\s+residence|winter\s+visitors?|snowbirds?|here|home)\b(?P<between>[^.;!?\n]{{0,40}}?)"
    rf"\bfrom\s+(?P<a>{_WHEN})\s*(?:-|thru|through|to|until|till)\s*(?:the\s+end\s+of\s+)?"
    rf"(?P<b>{_WHEN})\b"
    rf"|\bwinter\s+visitors?\s*[,:-]\s*(?P<a2>{_WHEN})\s*(?:-|thru|through|to)\s*(?P<b2>{_WHEN})\b",
    _I,
)


def _when(said: str) -> str:
    """ "late Oct" -> "late october", "thanksgiving" as said."""
    words = tidy(said).lower().replace("-", " ").split()
    return " ".join(_MONTH_NAMES.get(w[:3], w) for w in words)


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
    text = re.sub(r"^bi-?wkly$", "every 2 weeks", text)
    text = re.sub(r"^([0-9]{1,2})\s*(weeks|months)$", r"every \1 \2", text)  # "Freq: 6 wks"
    text = re.sub(r"^annual$", "once a year", re.sub(r"^mo\.$", "monthly", text))
    text = re.sub(
        r"^(?:1st|2nd|3rd|4th|first|second|third|fourth|last)\s+(?:mon|tue|wed|thu|fri|sat|sun)\w*$",
        "monthly",
        text,
    )
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


# "every spring" is a schedule when the sentence is about the work, not "wasps every summer".
_WORK = re.compile(
    r"\b(?:do|does|done|clean\w*|wash\w*|windows?|gutters?|screens?|service|come|add|book"
    r"|schedule|want|wants|driveway|deck|fence|house|roof|agreed|plan|visit|check|cust|customer|repeat|regular|booked)\b",
    _I,
)
_OFFERED = re.compile(r"\b(?:quoted?|estimate[ds]?|would\s+be|let\s+us\s+know)\b", _I)


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
    stay = groups.get("stay") or groups.get("stay2") or groups.get("stay3") or groups.get("stay4")
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
    said = re.sub(r"\s*/\s*", " and ", said)  # "spring/fall"
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
            and not (
                _OFFERED.search(note.text, *note.sentence_window(m.start(), m.end()))
                and not ACCEPTED.search(note.text)
            )
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
    hits += time_windows(note)
    for m in note.finditer(_AWAY_MONTHS):
        if re.search(
            r"\b(?:here|home|around|in\s+town)\s+$", note.text[: m.start("months")][-15:], _I
        ):
            continue  # "here Nov thru April": when they are here (a season), not away
        hits.append(Hit("schedule.away", _month_range(tidy(m.group("months"))), *m.span(), 0.7))
    if not any(h.key == "schedule.season" for h in hits):
        for m in note.finditer(_RESIDENT):
            if _AWAY_WORDS.search(m.group("between") or ""):
                continue  # "snowbirds, gone from May to October": away then
            a, b = (m.group("a") or m.group("a2")), (m.group("b") or m.group("b2"))
            hits.append(Hit("schedule.season", f"{_when(a)} to {_when(b)}", *m.span(), 0.7))
            break
    for m in note.finditer(_AWAY):
        said = m.group("days") or m.group("days2")
        days = days_in(said)
        value = ", ".join(days) if days else tidy(said)
        hits.append(Hit("schedule.unavailable_days", value, *m.span(), 0.7))
    return hits
