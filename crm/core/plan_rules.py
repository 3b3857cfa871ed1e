"""Recurrence rules for service plans: RFC 5545 RRULE text in, local dates and plain words out.

A plan stores its rule as text (``FREQ=WEEKLY;INTERVAL=4;BYDAY=TU``) with its end as separate
fields (``until`` date, ``count``); python-dateutil expands it on the business's wall clock
(docs/plans.md). Two rules of our own on top of RFC 5545, both what an owner expects:
a monthly visit on the 29th to 31st falls on the last day of a shorter month (RFC 5545 would skip
that month), and the skip list removes single dates without changing the numbering.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr

FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
ALLOWED = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST")
DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last", -2: "2nd-to-last"}
# A rule that makes more visits than one a day over a year is not a window-cleaning plan.
MOST_PER_YEAR = 366
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


class RuleError(ValueError):
    """A rule this product cannot or should not expand; the message says what to fix."""


@dataclass(frozen=True)
class Rule:
    """A plan's schedule: the rule text and where it starts and ends (local wall clock)."""

    text: str
    start_date: date
    start_time: time
    until: date | None = None
    count: int | None = None
    skip: frozenset[date] = field(default_factory=frozenset)

    @property
    def parts(self) -> dict[str, str]:
        return parse(self.text)

    def _rrule(self, *, with_end: bool = True) -> rrule:
        parts = dict(self.parts)
        monthly_day = parts.get("FREQ") == "MONTHLY" and "BYDAY" not in parts
        day = parts.get("BYMONTHDAY")
        if monthly_day and "BYSETPOS" not in parts:
            # The 29th to 31st: the last day of a month too short for it (not skipped).
            wanted = int(day) if day and "," not in day else self.start_date.day
            if wanted >= 29:
                parts["BYMONTHDAY"] = f"{wanted},-1"
                parts["BYSETPOS"] = "1"
        if self.count is not None and with_end:
            parts["COUNT"] = str(self.count)
        elif self.until is not None and with_end:
            parts["UNTIL"] = self.until.strftime("%Y%m%dT235959")
        text = ";".join(f"{k}={v}" for k, v in parts.items())
        made = rrulestr(
            text, dtstart=datetime.combine(self._first_day(), self.start_time), cache=False
        )
        assert isinstance(made, rrule)
        return made

    def _first_day(self) -> date:
        """Where the rule counts from. "Every 4 weeks on Tuesday" started on a Sunday means
        the Tuesday two days later, not (as RFC 5545 counts weeks from the start's week) the
        one four weeks on: a weekly rule starts on its first chosen weekday from the start."""
        parts = self.parts
        days = [_BYDAY.match(d) for d in parts.get("BYDAY", "").split(",") if d]
        if parts.get("FREQ") != "WEEKLY" or not days or any(m is None or m[1] for m in days):
            return self.start_date
        wanted = {DAYS[m[2]] for m in days if m is not None}
        day = self.start_date
        while day.weekday() not in wanted:
            day += timedelta(days=1)
        return day

    def _set(self) -> rruleset:
        rules = rruleset(cache=False)
        if self.count is not None and self.skip:
            # A skipped date is not a visit: "10 visits" with one skipped still makes 10.
            rules.rrule(self._rrule(with_end=False))
            for day in self.skip:
                rules.exdate(datetime.combine(day, self.start_time))
            last = None
            for made, moment in enumerate(rules, start=1):
                last = moment
                if made == self.count:
                    break
            bounded = Rule(
                self.text, self.start_date, self.start_time, last.date() if last else None
            )
            rules = rruleset(cache=False)
            rules.rrule(bounded._rrule())
        else:
            rules.rrule(self._rrule())
        for day in self.skip:
            rules.exdate(datetime.combine(day, self.start_time))
        return rules

    def dates(self, first: date, last: date) -> list[date]:
        """The visits' local dates from ``first`` to ``last`` (both included), skips left out."""
        if last < first:
            return []
        low = datetime.combine(first, time.min)
        high = datetime.combine(last, time.max)
        return [moment.date() for moment in self._set().between(low, high, inc=True)]

    def number(self, day: date) -> int:
        """Which visit ``day`` is, counting from the first (skipped dates not counted)."""
        low = datetime.combine(self.start_date, time.min)
        high = datetime.combine(day, time.max)
        return len(self._set().between(low, high, inc=True))

    def total(self) -> int | None:
        """How many visits the plan makes in all; None when it has no end."""
        if self.count is None and self.until is None:
            return None
        return sum(1 for _ in self._set())

    def first_after(self, day: date) -> date | None:
        moment = self._set().after(datetime.combine(day, time.max))
        return moment.date() if moment else None


def parse(text: str) -> dict[str, str]:
    """``FREQ=WEEKLY;BYDAY=TU`` → {"FREQ": "WEEKLY", "BYDAY": "TU"}; RuleError on nonsense."""
    cleaned = text.strip().upper()
    cleaned = cleaned[6:] if cleaned.startswith("RRULE:") else cleaned
    parts: dict[str, str] = {}
    for piece in filter(None, cleaned.split(";")):
        name, sep, value = piece.partition("=")
        name, value = name.strip(), value.strip().replace(" ", "")
        if not sep or not value:
            raise RuleError(f"{piece!r} is not NAME=VALUE.")
        if name in parts:
            raise RuleError(f"{name} is given twice.")
        parts[name] = value
    return parts


def normalise(
    text: str, *, start_date: date, start_time: time, until: date | None, count: int | None
) -> Rule:
    """The rule in canonical form, checked: known parts only, an end given once, and at least
    one visit. UNTIL and COUNT in the text move to ``until`` / ``count``."""
    parts = parse(text)
    unknown = sorted(set(parts) - set(ALLOWED) - {"UNTIL", "COUNT"})
    if unknown:
        raise RuleError(
            f"{', '.join(unknown)} can't be used in a plan's rule; a plan's time of day is "
            "its start time. Use FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS."
        )
    if parts.get("FREQ") not in FREQS:
        raise RuleError("FREQ must be WEEKLY, MONTHLY, YEARLY or DAILY.")
    if "UNTIL" in parts:
        if until is not None or count is not None:
            raise RuleError("Give the end once: UNTIL in the rule or the until/count field.")
        until = _until_date(parts.pop("UNTIL"))
    if "COUNT" in parts:
        if until is not None or count is not None:
            raise RuleError("Give the end once: COUNT in the rule or the until/count field.")
        count = _int(parts.pop("COUNT"), "COUNT", 1, 1000)
    if until is not None and count is not None:
        raise RuleError("A plan ends on a date or after a number of visits, not both.")
    if until is not None and until < start_date:
        raise RuleError("The plan ends before it starts.")
    _int(parts.get("INTERVAL", "1"), "INTERVAL", 1, 99)
    for day in filter(None, parts.get("BYDAY", "").split(",")):
        match = _BYDAY.match(day)
        if not match or (match[1] and not 1 <= abs(int(match[1])) <= 5):
            raise RuleError(f"BYDAY {day!r}: use MO…SU, optionally with 1 to 5 or -1 (2TU).")
    for number in filter(None, parts.get("BYMONTHDAY", "").split(",")):
        if not 1 <= abs(_int(number, "BYMONTHDAY", -31, 31)) <= 31:
            raise RuleError("BYMONTHDAY is a day of the month, 1 to 31 or -1 for the last.")
    for number in filter(None, parts.get("BYMONTH", "").split(",")):
        _int(number, "BYMONTH", 1, 12)
    for number in filter(None, parts.get("BYSETPOS", "").split(",")):
        if _int(number, "BYSETPOS", -5, 5) == 0:
            raise RuleError("BYSETPOS is 1 to 5 or -1 to -5.")
    order = [name for name in ALLOWED if name in parts]
    rule = Rule(
        ";".join(f"{name}={parts[name]}" for name in order),
        start_date,
        start_time,
        until,
        count,
    )
    try:
        first = rule._rrule().after(datetime.combine(start_date, time.min), inc=True)
        year = rule.dates(start_date, start_date + timedelta(days=365))
    except (ValueError, TypeError) as exc:
        raise RuleError(f"The rule can't be read: {exc}.") from exc
    if first is None:
        raise RuleError("This rule never makes a visit; check the days and months.")
    if len(year) > MOST_PER_YEAR:
        raise RuleError("That is more than one visit a day.")
    return rule


def _until_date(value: str) -> date:
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        raise RuleError("UNTIL must be a date like 20271231.") from None


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise RuleError(f"{name} must be a whole number.") from None
    if not low <= number <= high:
        raise RuleError(f"{name} must be from {low} to {high}.")
    return number


def local_start(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``at`` on the business's wall clock: 9:00 stays 9:00 across daylight saving;
    a time the clocks skip (2:30 in the spring) becomes the first real one after."""
    aware = datetime.combine(day, at, tzinfo=zone)
    return aware.astimezone(ZoneInfo("UTC")).astimezone(zone)


# -- in words --------------------------------------------------------------------------------


def _list(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _day_words(value: str) -> list[str]:
    words = []
    for day in value.split(","):
        match = _BYDAY.match(day)
        if not match:
            continue
        name = DAY_NAMES[DAYS[match[2]]]
        position = int(match[1]) if match[1] else 0
        words.append(f"{ORDINALS.get(position, f'{position}th')} {name}" if position else name)
    return words


def _ordinal_day(number: int) -> str:
    if number < 0:
        return "last day" if number == -1 else f"{ORDINALS.get(number, str(number))} day"
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def describe(rule: Rule) -> str:
    """The rule in plain words: "Every 4 weeks on Tuesday at 9:00 AM", "Every year in April
    and October on the 1st Monday at 8:30 AM, 6 visits"."""
    parts = rule.parts
    freq, every = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}[freq]
    head = f"Every {unit}" if every == 1 else f"Every {every} {unit}s"
    if freq == "MONTHLY" and every == 3 and not parts.get("BYMONTH"):
        head = "Every 3 months"
    days = _day_words(parts.get("BYDAY", ""))
    if "BYSETPOS" in parts and days:
        position = int(parts["BYSETPOS"].split(",")[0])
        days = [f"{ORDINALS.get(position, f'{position}th')} {' or '.join(days)}"]
    month_days = [int(d) for d in filter(None, parts.get("BYMONTHDAY", "").split(","))]
    months = [MONTH_NAMES[int(m) - 1] for m in filter(None, parts.get("BYMONTH", "").split(","))]
    text = head
    if months:
        text += f" in {_list(months)}"
    if days:
        text += f" on {'the ' if any(d[0].isdigit() or d.startswith('last') for d in days) else ''}"
        text += _list(days)
    elif month_days:
        text += " on the " + _list([_ordinal_day(d) for d in month_days])
    elif freq == "WEEKLY":
        text += f" on {DAY_NAMES[rule.start_date.weekday()]}"
    elif freq == "MONTHLY":
        day = rule.start_date.day
        text += " on the " + ("last day" if day >= 29 else _ordinal_day(day))
    elif freq == "YEARLY":
        text += f" on {MONTH_NAMES[rule.start_date.month - 1]} {rule.start_date.day}"
    text += f" at {_clock(rule.start_time)}"
    if rule.count is not None:
        text += f", {rule.count} visit{'s' if rule.count != 1 else ''}"
    elif rule.until is not None:
        text += f", until {rule.until.strftime('%b')} {rule.until.day}, {rule.until.year}"
    return text


def _clock(at: time) -> str:
    hour = at.hour % 12 or 12
    return f"{hour}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


def interval_days(rule: Rule) -> float:
    """About how many days apart the visits are: what "due for service" expects between two."""
    visits = rule.dates(rule.start_date, rule.start_date + timedelta(days=730))
    if len(visits) >= 2:
        return (visits[-1] - visits[0]).days / (len(visits) - 1)
    parts = rule.parts
    every = int(parts.get("INTERVAL", "1"))
    return every * {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 30.44, "YEARLY": 365.25}[parts["FREQ"]]
