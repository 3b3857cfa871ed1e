"""The plan form in plain words ↔ the plan's RFC 5545 rule and fields (docs/plans.md).

The form never shows RRULE text for the four kinds it offers: "every N weeks on weekdays",
"every N months on day D", "every N months on the Nth weekday" and "chosen months of the year
on the Nth weekday". ``rrule_of`` turns the chosen kind's inputs into the rule; ``form_of``
turns a stored rule back into those inputs for editing. A rule the kinds can't say (made
through the API) comes back as kind ``custom`` with its text, so it can still be edited.
Each kind has its own input names, so switching kinds never loses what was typed.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from crm.core.models.plan import PlanFields
from crm.core.plan_rules import MONTH_NAMES, RuleError, parse
from crm.web.forms import Limits, limits, parse_date, parse_int
from crm.web.service_picker import picked_services

KINDS = {
    "weekly": "Every few weeks, on chosen weekdays",
    "monthly_day": "Every few months, on a day of the month",
    "monthly_nth": "Every few months, on the 1st, 2nd… weekday",
    "yearly": "In chosen months of the year",
    "custom": "A rule typed as RFC 5545 text",
}
WEEKDAYS = (
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
)
NTHS = (("1", "1st"), ("2", "2nd"), ("3", "3rd"), ("4", "4th"), ("-1", "last"))
MONTHS = tuple((str(number), name) for number, name in enumerate(MONTH_NAMES, start=1))
MONTH_DAYS = (*((str(d), str(d)) for d in range(1, 32)), ("-1", "the last day"))
ENDS = {"never": "Never", "on": "On a date", "after": "After a number of visits"}
DURATION = limits(PlanFields, "duration_minutes")
COUNT = limits(PlanFields, "count")
_INTERVAL = Limits(low=Decimal(1), high=Decimal(99))  # plan_rules: INTERVAL 1 to 99
_SIMPLE_BYDAY = re.compile(r"^(-1|[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
# The plan's fields (plan.create / plan.update) → the form's inputs, for refusals.
FIELD_INPUTS = {
    "rrule": "repeat",
    "start_date": "start_date",
    "start_time": "start_time",
    "duration_minutes": "duration",
    "until": "until",
    "count": "count",
    "skip_dates": "skip_dates",
    "crew_note": "crew_note",
    "title": "title",
    "address_id": "address_id",
    "staff_ids": "staff_ids",
}


# -- the rule ----------------------------------------------------------------------------------


def _interval(values: dict[str, Any], name: str, fields: dict[str, str]) -> str:
    """ ";INTERVAL=n" (nothing for 1), or a message on ``name``."""
    try:
        every = parse_int(
            str(values.get(name, "") or "1"),
            limits=_INTERVAL,
            message="Type how often, a whole number {span}.",
        )
    except ValueError as exc:
        fields[name] = str(exc)
        return ""
    return "" if every == 1 else f";INTERVAL={every}"


def _choice(
    values: dict[str, Any], name: str, allowed: Any, fields: dict[str, str], says: str
) -> str:
    value = str(values.get(name, ""))
    if value not in {key for key, _ in allowed}:
        fields[name] = says
        return ""
    return value


def _picked(values: dict[str, Any], name: str, allowed: Any) -> list[str]:
    """The checked boxes of ``name`` that are real choices, in the choices' order."""
    chosen = values.get(name) or []
    chosen = [chosen] if isinstance(chosen, str) else chosen
    return [key for key, _ in allowed if key in chosen]


def rrule_of(values: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The rule text for the chosen kind, or the messages for its inputs."""
    fields: dict[str, str] = {}
    kind = values.get("repeat", "")
    if kind == "weekly":
        every = _interval(values, "week_interval", fields)
        days = _picked(values, "weekdays", WEEKDAYS)
        if not days:
            fields["weekdays"] = "Tick at least one weekday."
        text = f"FREQ=WEEKLY{every};BYDAY={','.join(days)}"
    elif kind == "monthly_day":
        every = _interval(values, "month_interval", fields)
        day = _choice(values, "month_day", MONTH_DAYS, fields, "Pick the day of the month.")
        text = f"FREQ=MONTHLY{every};BYMONTHDAY={day}"
    elif kind == "monthly_nth":
        every = _interval(values, "nth_interval", fields)
        nth = _choice(values, "nth", NTHS, fields, "Pick which one: 1st, 2nd, 3rd, 4th or last.")
        day = _choice(values, "nth_weekday", WEEKDAYS, fields, "Pick the weekday.")
        text = f"FREQ=MONTHLY{every};BYDAY={nth}{day}"
    elif kind == "yearly":
        months = _picked(values, "months", MONTHS)
        if not months:
            fields["months"] = "Tick at least one month."
        nth = _choice(
            values, "year_nth", NTHS, fields, "Pick which one: 1st, 2nd, 3rd, 4th or last."
        )
        day = _choice(values, "year_weekday", WEEKDAYS, fields, "Pick the weekday.")
        text = f"FREQ=YEARLY;BYMONTH={','.join(months)};BYDAY={nth}{day}"
    elif kind == "custom":
        text = " ".join(str(values.get("rrule_text", "")).split())
        if not text:
            fields["rrule_text"] = "Type the rule, like FREQ=WEEKLY;INTERVAL=4;BYDAY=TU."
    else:
        fields["repeat"] = "Pick how the visits repeat."
        text = ""
    return ("" if fields else text), fields


def form_of(text: str, start_date: date) -> dict[str, Any]:
    """The form's inputs that say ``text`` (kind ``custom`` when no kind can say it)."""
    values = blank_rule(start_date)
    try:
        parts = parse(text)
    except RuleError:
        parts = {}
    freq = parts.pop("FREQ", "")
    every = parts.pop("INTERVAL", "1")
    parts.pop("WKST", None)
    byday = parts.pop("BYDAY", "")
    bymonthday = parts.pop("BYMONTHDAY", "")
    bymonth = parts.pop("BYMONTH", "")
    days = [_SIMPLE_BYDAY.match(d) for d in byday.split(",")] if byday else []
    plain_days = bool(days) and all(m and not m[1] for m in days)
    one_nth = len(days) == 1 and days[0] is not None and bool(days[0][1])
    if (
        not parts
        and freq == "WEEKLY"
        and not bymonthday
        and not bymonth
        and (plain_days or not byday)
    ):
        chosen = [m[2] for m in days if m] or [WEEKDAYS[start_date.weekday()][0]]
        return {**values, "repeat": "weekly", "week_interval": every, "weekdays": chosen}
    if not parts and freq == "MONTHLY" and not bymonth and not byday and "," not in bymonthday:
        day = bymonthday or str(start_date.day)
        return {**values, "repeat": "monthly_day", "month_interval": every, "month_day": day}
    if not parts and freq == "MONTHLY" and not bymonth and not bymonthday and one_nth:
        match = days[0]
        assert match is not None
        return {
            **values,
            "repeat": "monthly_nth",
            "nth_interval": every,
            "nth": match[1],
            "nth_weekday": match[2],
        }
    if not parts and freq == "YEARLY" and every == "1" and bymonth and one_nth and not bymonthday:
        match = days[0]
        assert match is not None
        months = [str(int(m)) for m in bymonth.split(",") if m.isdigit()]
        return {
            **values,
            "repeat": "yearly",
            "months": months,
            "year_nth": match[1],
            "year_weekday": match[2],
        }
    return {**values, "repeat": "custom", "rrule_text": text}


def blank_rule(start_date: date) -> dict[str, Any]:
    """Every kind's inputs, set to what fits a start on ``start_date`` (a Tuesday: Tuesdays)."""
    weekday = WEEKDAYS[start_date.weekday()][0]
    nth = str(min((start_date.day - 1) // 7 + 1, 4))
    return {
        "repeat": "weekly",
        "week_interval": "4",
        "weekdays": [weekday],
        "month_interval": "1",
        "month_day": str(start_date.day),
        "nth_interval": "1",
        "nth": nth,
        "nth_weekday": weekday,
        "months": [],
        "year_nth": "1",
        "year_weekday": weekday,
        "rrule_text": "",
    }


# -- the rest of the form ----------------------------------------------------------------------


def parse_time(text: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("Pick the time the visits start, like 9:00 AM.") from None


def parse_lines(
    values: dict[str, Any], services: list[dict[str, Any]], fields: dict[str, str]
) -> list[dict[str, Any]]:
    """The services ticked or given a quantity, as plan lines (crm/web/service_picker.py)."""
    return [line for _, line in picked_services(values, services, fields)]


def _skip_dates(text: str, fields: dict[str, str]) -> list[str]:
    days: list[str] = []
    for piece in re.split(r"[\s,;]+", text.strip()):
        if not piece:
            continue
        try:
            day = parse_date(piece)
        except ValueError:
            fields["skip_dates"] = f"“{piece[:20]}” is not a date: type dates like 2026-12-24."
            return []
        days.append(str(day))
    if len(days) > 400:
        fields["skip_dates"] = "At most 400 dates to skip."
    return days


def parse_plan(
    values: dict[str, Any], services: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """plan.create's input (without the contact) from the form, or the messages per input."""
    rule, fields = rrule_of(values)
    data: dict[str, Any] = {
        "rrule": rule,
        "title": str(values.get("title", "")),
        "crew_note": str(values.get("crew_note", "")),
        "staff_ids": list(values.get("staff_ids") or []),
        "lines": parse_lines(values, services, fields),
        "skip_dates": _skip_dates(str(values.get("skip_dates", "")), fields),
    }
    address = str(values.get("address_id", ""))
    if address:
        data["address_id"] = address
    try:
        start = parse_date(str(values.get("start_date", "")))
        if start is None:
            fields["start_date"] = "Pick the day the plan starts."
        data["start_date"] = str(first_weekday(values, start) if start else start)
    except ValueError as exc:
        fields["start_date"] = str(exc)
    try:
        data["start_time"] = parse_time(str(values.get("start_time", ""))).strftime("%H:%M")
    except ValueError as exc:
        fields["start_time"] = str(exc)
    try:
        data["duration_minutes"] = parse_int(
            str(values.get("duration", "")),
            limits=DURATION,
            message="Type how long a visit takes, {span} minutes.",
        )
    except ValueError as exc:
        fields["duration"] = str(exc)
    _end(values, data, fields)
    return data, fields


def first_weekday(values: dict[str, Any], start: date) -> date:
    """A weekly plan starts on its first chosen weekday on or after the day typed: RFC 5545
    counts "every 4 weeks" from the start's week, so a Sunday start of "every 4 weeks on
    Tuesday" would otherwise skip that week's Tuesday and begin four weeks later."""
    codes = _picked(values, "weekdays", WEEKDAYS)
    if values.get("repeat") != "weekly" or not codes:
        return start
    wanted = {index for index, (code, _) in enumerate(WEEKDAYS) if code in codes}
    day = start
    while day.weekday() not in wanted:
        day += timedelta(days=1)
    return day


def _end(values: dict[str, Any], data: dict[str, Any], fields: dict[str, str]) -> None:
    ends = values.get("ends", "never")
    if ends == "on":
        try:
            until = parse_date(str(values.get("until", "")))
            if until is None:
                fields["until"] = "Pick the last day a visit may fall on."
            data["until"] = str(until)
        except ValueError as exc:
            fields["until"] = str(exc)
    elif ends == "after":
        try:
            data["count"] = parse_int(
                str(values.get("count", "")),
                limits=COUNT,
                message="Type how many visits in all, {span}.",
            )
        except ValueError as exc:
            fields["count"] = str(exc)
    elif ends != "never":
        fields["ends"] = "Pick when the plan ends."


def inputs(refused: dict[str, str], lines: list[dict[str, Any]]) -> dict[str, str]:
    """A refusal's fields (``rrule``, ``lines.1.quantity``) → the form's inputs."""
    out: dict[str, str] = {}
    for name, message in refused.items():
        head, _, rest = name.partition(".")
        index = rest.split(".")[0]
        if head == "lines" and index.isdigit() and int(index) < len(lines):
            key = f"qty-{lines[int(index)]['service_id']}"
        else:
            key = FIELD_INPUTS.get(head, head)
        out.setdefault(key, message)
    return out


# -- filled in from a plan or a visit ----------------------------------------------------------


def _line_values(lines: list[dict[str, Any]], services: list[dict[str, Any]]) -> dict[str, str]:
    modes = {str(s["id"]): s["pricing_mode"] for s in services}
    out: dict[str, str] = {}
    for line in lines:
        sid = str(line.get("service_id") or "")
        if sid not in modes:
            continue
        quantity = Decimal(str(line.get("quantity") or 1)).normalize()
        out[f"qty-{sid}"] = "1" if modes[sid] == "fixed" else format(quantity, "f")
        if modes[sid] == "flexible" and line.get("unit_price_cents") is not None:
            out[f"price-{sid}"] = f"{Decimal(line['unit_price_cents']) / 100:.2f}"
    return out


def plan_values(plan: dict[str, Any], services: list[dict[str, Any]]) -> dict[str, Any]:
    """The form's inputs for a plan as it is (the change form)."""
    values: dict[str, Any] = {
        **form_of(plan["rrule"], plan["start_date"]),
        "address_id": str(plan["address_id"] or ""),
        "start_date": plan["start_date"].isoformat(),
        "start_time": plan["start_time"].strftime("%H:%M"),
        "duration": str(plan["duration_minutes"]),
        "duration_auto": "",
        "staff_ids": [str(s) for s in plan["staff_ids"]],
        "title": plan["title"],
        "crew_note": plan["crew_note"],
        "skip_dates": " ".join(d.isoformat() for d in plan["skip_dates"]),
        "ends": "after" if plan["max_count"] else "on" if plan["until_date"] else "never",
        "until": plan["until_date"].isoformat() if plan["until_date"] else "",
        "count": str(plan["max_count"] or ""),
        **_line_values(plan["lines"], services),
    }
    return values


def visit_values(
    ticket: dict[str, Any], local_start: Any, services: list[dict[str, Any]]
) -> dict[str, Any]:
    """The form's inputs to repeat a visit: its customer, address, services, staff, length,
    weekday and time, every 4 weeks from 4 weeks after it (so it is not booked twice)."""
    day = local_start.date()
    values = {
        **blank_rule(day),
        "contact_id": str(ticket["contact_id"]),
        "address_id": str(ticket["address_id"] or ""),
        "start_date": (day + timedelta(weeks=4)).isoformat(),
        "start_time": local_start.strftime("%H:%M"),
        "duration": str(ticket["duration_minutes"]),
        "duration_auto": "",
        "staff_ids": [str(s["id"]) for s in ticket["staff"]],
        "title": ticket["title"] or "",
        "ends": "never",
        **_line_values([li for li in ticket["line_items"] if li["kind"] == "item"], services),
    }
    return values
