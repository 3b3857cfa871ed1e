"""Preferences: the time of day and days the customer wants, how to contact them, long jobs."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import NEGATION, Hit, Note

_I = re.IGNORECASE

# -- preferences ---------------------------------------------------------------------------

_PREFER = r"(?:pref(?:ers|erred|s)?\.?|likes|wants|only|best)"
_WHICH_DAYS = r"(?:weekday\s+|weekend\s+|(?:mon|tues|wednes|thurs|fri|satur|sun)day\s+)?"
_TIME_OF_DAY = re.compile(
    rf"(?P<morning>\b{_PREFER}\s+(?:the\s+|in\s+the\s+)?{_WHICH_DAYS}(?:am|a\.m\.|mornings?"
    rf"|early)\b|\b(?:mornings?|am)\s+(?:only|pref(?:erred)?|best|is\s+best|are\s+best"
    rf"|if\s+(?:possible|we\s+can)|ideally|please|pls)\b|\bearly\s+(?:am|a\.m\.|mornings?)\b"
    rf"|\bbefore\s+(?:noon|lunch)\b)"
    rf"|(?P<afternoon>\b{_PREFER}\s+(?:the\s+|in\s+the\s+)?{_WHICH_DAYS}(?:pm|p\.m\.|afternoons?)\b"
    rf"|\b(?:afternoons?|pm)\s+(?:after\s+[0-9]{{1,2}}\s+)?(?:only|pref(?:erred)?|best|is\s+best|are\s+best)\b"
    rf"|\b(?:not|(?:don'?t|do\s+not|never)\s+(?:come|arrive|start|show\s+up))\s+(?:before|until)"
    rf"\s+(?:noon|lunch|midday)\b"
    rf"|\bafter\s+(?:noon|lunch)\b)"
    rf"|(?P<evening>\b{_PREFER}\s+(?:the\s+|in\s+the\s+)?evenings?\b"
    rf"|\bevenings?\s+(?:(?:appts?|appointments?)\s+)?(?:only|pref(?:erred)?|best)\b"
    rf")",
    _I,
)
# "scheduled on Tuesday mornings", "switch her to afternoons", "wants us to come in the morning".
_PART_WISHED = re.compile(
    r"\b(?:(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?s?|weekday)"
    r"\s+(?P<a>mornings?|afternoons?|evenings?)"
    r"(?=[^.;!?\n]{0,30}\b(?:only|best|pref\w*|works?|is\s+good)\b|\s*[.;!,]|\s*$"
    r"|\s+when\b)"
    r"|\b(?:switch|move|change)\s+(?:her|him|them|it|us)\s+to\s+(?P<b>mornings?|afternoons?|evenings?)"
    r"|\b(?:come|be\s+there|do\s+it|arrive|(?:it|them)\s+done)\s+in\s+the\s+(?P<c>morning|afternoon|evening)s?\b"
    # "She asked for mornings now"
    r"|\b(?:asked\s+for|wants|prefers|likes)\s+(?P<h>mornings|afternoons|evenings)\b"
    # "she wants us in the afternoon", "would like us to come in the afternoons"
    r"|\b(?:wants?|would\s+like|prefers?|likes?)\s+(?:us|you|the\s+crew)\s+(?:to\s+come\s+)?in\s+the\s+"
    r"(?P<g>mornings?|afternoons?|evenings?)\b"
    # "Tues am", "Mon pm": a day and its half in shorthand
    r"|\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?\s+(?P<f>am|pm)\b(?=\s*[.;,!]|\s*$)"
    r"|(?:days?|sat|sun|weekends?|weekdays?)\s*,\s*(?P<d>mornings?|afternoons?|evenings?)\b"
    r"|\b(?P<e>mornings?|afternoons?|evenings?)\s+(?:before\s+[0-9]{1,2}\s+|after\s+[0-9]{1,2}\s+)?"
    r"(?:are|is)\s+(?:best|better|good|great|ideal|preferred)\b",
    _I,
)
# "She wants the storefront done Friday afternoons after the last class".
_PART_WANTED = re.compile(
    r"\b(?:wants?|prefers?|likes?|asked\s+for|asks\s+for|requested)\b[^.;!?\n]{0,40}?"
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|weekday)s?\s+(?P<part>mornings?|afternoons?|evenings?)\b",
    _I,
)
NOT_A_TIME = re.compile(
    r"\s*(?:weeks?|days?|months?|years?|hrs?|hours?|mins?|minutes?|visits?|times?|windows?)\b",
    _I,
)


_MEAL = re.compile(r"\b(?:before|after)\s+(?:noon|lunch)\b", _I)
_WISH = re.compile(
    r"\b(?:wants?|prefers?|pref|likes?|better|best|only|please|pls|needs?|has\s+to|must|asks?"
    r"|asked|always|never|ok|fine|don'?t|do\s+not|not|until|till)\b"
    r"|\b(?:time|times|hours|window)\s*:",  # a form's field: "Time: before noon"
    _I,
)


# "Don't schedule Sundays or Wednesday evenings": the times to avoid, not the ones wished.
_NOT_THEN = re.compile(
    r"\b(?:don'?t|do\s+not|never|can'?t|cannot|won'?t|no)\s+(?:book|schedule|come|appointments?)\b",
    _I,
)


def time_of_day(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_PART_WISHED):
        part = next(g for g in m.groups() if g).lower().rstrip("s")
        part = {"am": "morning", "pm": "afternoon"}.get(part, part)
        before = note.clause_before(m.start())
        if (
            not note.negated(m.start(), 20)
            and not _BUSY.search(before)
            and not _NOT_THEN.search(before)
        ):
            hits.append(Hit("preferences.time_of_day", part, *m.span(), 0.7))
    for m in note.finditer(_PART_WANTED):
        if not note.negated(m.start(), 20):
            part = m.group("part").lower().rstrip("s")
            hits.append(Hit("preferences.time_of_day", part, m.start("part"), m.end(), 0.7))
    for m in note.finditer(_TIME_OF_DAY):
        if note.negated(m.start(), 20) or NOT_A_TIME.match(note.text, m.end()):
            continue
        if _MEAL.search(m.group()) and not _WISH.search(
            note.text, *note.sentence_window(m.start(), m.end())
        ):
            continue  # "came back after lunch": the visit, not a wish
        hits.append(Hit("preferences.time_of_day", m.lastgroup, m.start(), m.end(), 0.8))
    return hits


_DAY_NAMES = (
    ("monday", r"mon(?:day)?s?"),
    ("tuesday", r"tue(?:s(?:day)?)?s?"),
    ("wednesday", r"wed(?:nesday)?s?"),
    ("thursday", r"thu(?:r(?:s(?:day)?)?)?s?"),
    ("friday", r"fri(?:day)?s?"),
    ("saturday", r"sat(?:urday)?s?"),
    ("sunday", r"sun(?:day)?s?"),
)
_WEEKDAYS = [d for d, _ in _DAY_NAMES[:5]]
_DAY_STEM = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?s?"
DAY_TOKEN = (
    rf"(?:weekdays?|weekends?|wke?nds?|m-f|m-th|{_DAY_STEM}\s*-\s*{_DAY_STEM}|"
    + "|".join(p for _, p in _DAY_NAMES)
    + r")(?![\w-])"
)
_DAY_LIST = re.compile(rf"\b{DAY_TOKEN}(?:\s*(?:,|/|&|\+|\bor\b|\band\b)\s*{DAY_TOKEN}){{0,6}}", _I)
_DAY_CUE_BEFORE = re.compile(
    r"\b(?:only|prefers?|pref'?d?\.?|preferred|likes|wants|best|every(?:\s+other)?"
    r"|(?:do|come|clean|service)\s+(?:it|them|the\s+\w+)|(?:schedule|book)\s+(?:us|them|her|him)"
    r"|best\s+days?(?:\s+(?:are|is))?:?|(?:us|come|here|you)(?=\s+on\b)|book(?:\s+on)?(?:\s+a)?"
    r")\s+"
    r"(?:(?:us\s+to|we|you|to)\s+come\s+)?(?:on\s+)?$",
    _I,
)
_DAY_CUE_AFTER = re.compile(
    r"\s*(?:only|works?\s+best|are\s+best|is\s+best|best|preferred|pref|(?:are|is)\s+(?:good"
    r"|fine|ok|okay|better)|work\s+(?:best|better|well|for\s+(?:her|him|them))"
    r"|,?\s*(?:mornings?|afternoons?|evenings?|am|pm)(?!\s+(?:off|busy|closed))"
    r"|\s+(?:ok|okay|fine|good)(?=\s*[.,;!]|\s*$)"
    r"|\s*(?:[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm)\s+)?standing\s+(?:appt|appointment|slot)"
    r"|\s+(?:before|b4)\s+[0-9]{1,2}(?::[0-9]{2})?(?:\s*(?:am|pm))?)\b",
    _I,
)
# "Tuesdays before 8am", "on Sundays": a plural day name is a habit (unless it is work or away).
_PART_OF_DAY = re.compile(r",?\s*(?:mornings?|afternoons?|evenings?|am|pm)$", _I)
_NO_GOOD = re.compile(r"\s+(?:are|is)\s+(?:no\s+good|bad|out|not\s+good|a\s+no)\b", _I)
_ORDINAL = re.compile(r"\b(?:first|1st|second|2nd|third|3rd|fourth|4th|last)\s+$", _I)
_HABIT_DAY = re.compile(r"(?:mon|tues|wednes|thurs|fri|satur|sun)days\b", _I)
_BUSY = re.compile(
    r"\b(?:works?|working|busy|closed|away|off|gone|out|runs?|come\s+on|comes\s+on|pickup|trash"
    r"|garbage|sprinklers?|clear|driveway|parking|recycling|bins?)\b",
    _I,
)
_DAY_EXCLUDE = re.compile(r"\b(?:not|no|never|nothing|except|but|besides)\b|n't\b", _I)


def days_in(text: str) -> list[str]:
    days: set[str] = set()
    for token in re.findall(DAY_TOKEN, text, _I):
        token = token.lower()
        if token.startswith("weekday") or token in ("m-f",):
            days.update(_WEEKDAYS)
        elif token in ("m-th",):
            days.update(_WEEKDAYS[:4])
        elif "-" in token:  # "mon-wed": every day from one to the other
            ends = [days_in(part) for part in token.split("-", 1)]
            order = [d for d, _ in _DAY_NAMES]
            if all(len(end) == 1 for end in ends):
                first, last = order.index(ends[0][0]), order.index(ends[1][0])
                days.update(order[first : last + 1] if first <= last else [])
        elif token.startswith(("weekend", "wknd", "wkend")):
            days.update(("saturday", "sunday"))
        else:
            days.update(day for day, pattern in _DAY_NAMES if re.fullmatch(pattern, token))
    return sorted(days)


def wished_not_avoided(hits: list[Hit]) -> list[Hit]:
    """A day the note says to avoid is not also a day wished for ("mows on Saturdays so don't
    book Saturdays")."""
    avoided = {
        day
        for h in hits
        if h.key == "schedule.unavailable_days" and isinstance(h.value, str)
        for day in h.value.split(", ")
    }
    return [
        h for h in hits if not (h.key == "preferences.days" and avoided and set(h.value) <= avoided)
    ]


# "wkly, Fri", "wkly Mon b4 11": the day said right after how often.
_FREQUENCY_DAY = re.compile(
    rf"\b(?:wkly|weekly|every\s+week|every\s+[0-9]\s+(?:weeks|wks))\s*,?\s+(?P<days>{DAY_TOKEN})",
    _I,
)


def days(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_FREQUENCY_DAY):
        said = days_in(m.group("days"))
        if said:
            hits.append(Hit("preferences.days", said, *m.span(), 0.75))
    for m in note.finditer(_DAY_LIST):
        before = note.clause_before(m.start(), 25)
        cue_before = _DAY_CUE_BEFORE.search(before)
        cue_after = _DAY_CUE_AFTER.match(note.text, m.end())
        habit = _HABIT_DAY.match(m.group()) is not None and not _BUSY.search(before)
        # "mo. 1st Sat": the day of a monthly visit is the day wished (and "monthly" too)
        monthly = _ORDINAL.search(before) is not None
        if not (cue_before or cue_after or habit or monthly) or _DAY_EXCLUDE.search(before):
            continue
        if _NO_GOOD.match(note.text, m.end()):
            continue  # "thursdays are no good"
        if (
            cue_after
            and not (cue_before or habit)
            and _PART_OF_DAY.match(cue_after.group())
            and NEGATION.search(note.text, *note.sentence_window(m.start(), m.end()))
        ):
            continue  # "runs Tue/Thu mornings so don't schedule then"
        days = days_in(m.group())
        if days:
            start = m.start() - len(before) + cue_before.start() if cue_before else m.start()
            end = cue_after.end() if cue_after else m.end()
            hits.append(Hit("preferences.days", days, start, end, 0.8))
    return hits


_CONTACT = re.compile(
    r"(?P<text>\b(?:texts?|txts?|sms|texting)\s+only\b|\bonly\s+(?:text|txt|sms)\b"
    r"|\bpref(?:ers|erred|s)?\.?\s+(?:a\s+)?(?:texts?|txts?|texting|sms)\b"
    r"|\b(?:texts?|txt)\s+(?:is|are)\s+best\b"
    r"|\b(?:text|txt)\s+(?:her|him|them|first|before|b4|ahead|instead)\b)"
    r"|(?P<call>\bpref(?:ers|erred|s)?\.?\s+(?:a\s+)?(?:phone\s+)?calls?\b"
    r"|\b(?:phone\s+)?calls?\s+only\b"
    r"|(?<!'ll\s)(?<!will\s)(?<!\bi\s)\bcall\s+(?:(?-i:[A-Z][a-z]+)\s+)?"
    r"(?:first(?!\s+thing)|ahead|before\s+(?:coming|you\s+come|we\s+come))\b"
    r"|\bcall\s+(?:the\s+)?(?:day|night)\s+before\b|\bcall\s+to\s+(?-i:[A-Z][a-z]+)\b"
    r"|\blandline\s+only\b"
    r"|\bcall\s+(?:her|him|them)\s+(?:first|before)\b|\bcall\s+(?:her|his|their)\s+cell\b)"
    r"|\b(?:contacted|reached)\s+(?:by|via)\s+(?P<email2>e-?mail)\b"
    r"|\b(?:contacted|reached)\s+(?:by|via)\s+(?P<text2>text)"
    r"|\bwants\s+texts\b|\b(?:contact|reach\s+(?:her|him|them))\s+(?:via|by)\s+(?P<text3>text)"
    r"|\blikes?\s+(?:a\s+)?texts?\b|\btext\s+(?:him|her|them\s+)?,?\s*(?:not|dont|don'?t)\s+call"
    r"|\b(?:text|txt)\s+(?:not|rather\s+than)\s+(?:a\s+)?call"
    r"|\b(?:always\s+)?(?P<call3>call|ring|phone)\s+(?:her|him|them)\s+the\s+(?:day|night)\s+before\b"
    r"|\b(?P<call4>ring|call)\s+(?:(?:wife|husband|son|daughter)\s+)?(?:her|him|them|[A-Z][a-z]+),?"
    r"\s+not\s+(?:him|her|them|(?-i:[A-Z][a-z]+))\b"
    r"|\b(?P<email3>e-?mail)\s+(?:is\s+)?(?:best|only|preferred)\b"
    r"|(?:'d|would)\s+like\s+a\s+(?P<call2>(?:phone\s+)?call)\b"
    r"|\bprefers?\s+(?:the\s+|a\s+)?(?P<text4>text)\s+messages?\b"
    r"|\b(?:wants|prefers)\s+(?:us\s+to\s+|you\s+to\s+)?(?P<text8>text|txt)\s+(?:instead\s+of|insted\s+of"
    r"|not|rather\s+than)\s+(?:a\s+)?call"
    r"|\bwants\s+(?:a\s+)?(?:phone\s+)?(?P<text5>text|txt|call)\b(?:\s+the\s+(?:day|night)\s+before)?(?:,?\s+not\s+a\s+\w+)?"
    r"|\b(?:scheduling|schedules|books)\s+(?:\w+\s+)?by\s+(?P<text6>text|e-?mail|phone)\b"
    r"|\b(?P<call5>call)\s+(?:him|her|them)\s+not\s+the\b|\bthe\s+one\s+to\s+(?P<call6>call|text)\b"
    r"|\banswers\s+(?P<text7>texts)\b"
    r"|\b(?P<first>call|text)\s*,?\s+(?:don'?t|do\s+not|not|never)\s+(?:text|call)\b"
    r"|\b(?P<fine>text|call|email)\s+is\s+(?:fine|best|ok|okay|good|better)\b"
    r"|\b(?P<call7>call)\s+(?:him|her|them)\s+for\s+(?:anything|everything|scheduling)\b"
    # "would prefer to receive an email rather than a phone call", "text me 30 minutes before"
    r"|\b(?:prefers?|would\s+prefer|rather)\s+(?:to\s+)?(?:receive\s+|get\s+)?(?:an?\s+)?"
    r"(?P<said9>e-?mail|text|phone\s+call|call)\s+(?:rather\s+than|instead\s+of|not)\b"
    r"|\b(?P<text9>text)\s+(?:me|us|her|him)\s+(?:[0-9]{1,2}\s+min\w*|an?\s+hour|the\s+day)\s+before\b"
    # "prefers to be called rather than texted", "asked to be reminded by text message",
    # "discussed with him directly by phone"
    r"|\bprefers?\s+to\s+be\s+(?P<said10>called|phoned|texted|e-?mailed)\b"
    r"|\b(?:reminded|notified|contacted|told)\s+by\s+(?P<said11>text|phone|e-?mail)(?:\s+messages?)?\b"
    r"|\bdiscussed\s+with\s+(?:him|her|them)\s+(?:directly\s+)?(?:by|over\s+the)\s+(?P<call9>phone)\b"
    r"|\b(?P<text10>text)\s+the\s+(?:daughter|son|husband|wife|owner|manager)\b"
    r"|\b(?P<call8>call)\s+the\s+(?:husband|wife|son|daughter|owner|manager)\b"
    r"|\b(?:send|e-?mail)\s+(?:the\s+)?invoices?\s+(?:by|via|to\s+her|to\s+him)\s*(?P<email4>e-?mail)\b"
    r"|(?P<email>\bpref(?:ers|erred|s)?\.?\s+e-?mail\b|\bonly\s+e-?mail\b"
    r"|\be-?mail\s+(?:only|preferred|is\s+best|her|him|them|receipts?|invoices?)\b)",
    _I,
)
# A clause that starts with an instruction to text: "Text mom to confirm", "txt b4 coming".
_TEXT_FIRST = re.compile(
    r"\s{0,3}(?P<cmd>(?:pls\s+|please\s+)?(?:text|txt))\b"
    r"(?!\s*(?:from|message|msg|said|says|was|is)\b)",
    _I,
)


def contact_method(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_CONTACT):
        if not note.negated(m.start(), 20):
            said = (m.group(m.lastgroup) if m.lastgroup else "text").lower()
            method = (
                "call"
                if "call" in said or "phone" in said
                else "email"
                if "mail" in said
                else "text"
                if "text" in said or "txt" in said or "sms" in said
                else (m.lastgroup or "text").rstrip("0123456789")
            )
            hits.append(Hit("preferences.contact_method", method, *m.span(), 0.8))
    for start in note.clause_starts:
        first = _TEXT_FIRST.match(note.text, start)
        if first and not _CONTACT.match(note.text, first.start("cmd")):
            hits.append(Hit("preferences.contact_method", "text", *first.span("cmd"), 0.7))
    return hits


_LONGER = re.compile(
    r"\b(?:takes?|taking)\s+(?:us\s+|me\s+)?(?:forever|ages|a\s+long\s+time|a\s+while)\b"
    r"|\b(?:always\s+)?(?:allow\s+(?:an\s+)?extra|add\s+(?:an\s+)?(?:extra)?)\s*"
    r"(?:[0-9]+\s*(?:min|mins|minutes|hrs?|hours)|hour|half\s+(?:an\s+)?hour|time)\b"
    r"|\b(?:takes?|took|ran|runs)\b[^.!?;\n]{0,30}?\blonger\s+than\s+(?:usual|normal|expected"
    r"|average|quoted)\b|\blonger\s+than\s+(?:usual|normal|expected|average|it\s+looks"
    r"|you'?d\s+think)\b"
    r"|\b(?:allow|budget|plan|schedule|block)\s+(?:for\s+)?(?:extra|more)\s+time\b"
    r"|\b(?:slow|long)\s+job\b|\btakes\s+all\s+day\b"
    r"|\btakes?\s+(?:me\s+|us\s+)?(?:way\s+|much\s+|a\s+lot\s+)?(?:longer|twice\s+as\s+long)\b"
    r"|\b(?:always|allways|usually|always\s+seems\s+to)\s+(?:takes?|runs?)\s+(?:way\s+|much\s+)?long(?:er)?\b"
    r"|\btakes?\s+(?:about\s+|like\s+|around\s+)?(?:an?\s+)?(?:extra\s+)?(?:hour|half\s+hour"
    r"|[0-9]+\s*(?:min|mins|minutes|hrs?|hours))\s+longer\b|\btakes\s+extra\s+time\b"
    r"|\bbudget\s+(?:an\s+)?extra\s+(?:[0-9]+\s*(?:min|mins|minutes|hrs?|hours)|hour|half\s+hour)\b"
    r"|\ballow\s+extra\s+time\b"
    r"|\bextra\s+(?:hour|[0-9]+\+?\s*(?:hrs?|hours))\s+(?:every|each)\s+(?:time|visit)\b"
    r"|\b[0-9]+\+?\s*(?:hrs?|hours?)\s+(?:extra|more\s+than\s+(?:normal|usual))"
    r"(?:\s+(?:every|each)\s+(?:time|visit))?",
    _I,
)


# "Took 4.5 hrs today, longer than normal bc of pollen": this visit, not the property.
_THIS_VISIT = re.compile(r"\b(?:today|this\s+time|this\s+visit|bc\s+of|because\s+of)\b", _I)
_ALWAYS = re.compile(r"\b(?:always|every\s+time|each\s+time|usually|allways)\b", _I)


# "she takes a while to get to the door": the customer is slow, not the job.
_SLOW_PERSON = re.compile(r"\s+to\s+(?:get\s+to|answer|come\s+to|reach|open|hear)\b", _I)


def duration(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_LONGER):
        if note.negated(m.start(), 20) or _SLOW_PERSON.match(note.text, m.end()):
            continue
        lo, hi = note.sentence_window(m.start(), m.end())
        if _THIS_VISIT.search(note.text, lo, hi) and not _ALWAYS.search(note.text, lo, hi):
            continue
        hits.append(Hit("duration.longer_than_usual", True, m.start(), m.end(), 0.8))
    return hits
