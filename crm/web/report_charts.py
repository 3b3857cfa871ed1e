"""Each report's charts, from its data (crm/web/charts.py draws; this says what to draw).

Every chart's description (the `<desc>` a screen reader reads) carries the figures that matter,
so the chart is never the only place they are.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from crm.web import charts, formats
from crm.web.report_tables import MODES, hours

Chart = tuple[str, Any]  # ("bars" | "hbars" | "heat", the chart's shape)


def _count(value: int) -> str:
    return f"{value:,}"


def _months(months: list[str]) -> list[str]:
    """Short month names; with the year when the range spans more than one."""
    years = {m[:4] for m in months}
    if len(years) == 1:
        return [date.fromisoformat(f"{m}-01").strftime("%b") for m in months]
    return [date.fromisoformat(f"{m}-01").strftime("%b %y") for m in months]


def _change(pct: float | None) -> str:
    return (
        "no figure a year earlier to compare" if pct is None else f"{pct:+.1f}% on a year earlier"
    )


def _revenue(data: dict[str, Any]) -> list[Chart]:
    months = data["months"]
    labels = _months([m["month"] for m in months])
    totals = data["totals"]
    out = []
    for key, title in (("invoiced", "Invoiced"), ("collected", "Collected")):
        desc = (
            f"{title} by month: {formats.money(totals[f'{key}_cents'])} in this range, "
            f"{_change(totals[f'{key}_change_pct'])} "
            f"({formats.money(totals[f'previous_{key}_cents'])})."
        )
        chart = charts.bars(
            f"chart-{key}",
            f"{title} by month",
            desc,
            labels,
            [
                ("This range", [m[f"{key}_cents"] for m in months]),
                ("A year earlier", [m[f"previous_{key}_cents"] for m in months]),
            ],
            formats.money,
            tick_fmt=charts.compact_money,
        )
        out.append(("bars", chart))
    return out


def _ranked(id: str, title: str, rows: list[dict[str, Any]], noun: str) -> Chart:
    top = rows[:12]
    desc = "; ".join(f"{r['name']}: {formats.money(r['revenue_cents'])}" for r in top[:5])
    desc = f"{title}. {desc or 'Nothing in this range'}." + (
        f" {len(rows)} {noun} in all." if len(rows) > 5 else ""
    )
    return (
        "hbars",
        charts.hbars(
            id, title, desc, [(r["name"], r["revenue_cents"]) for r in top], formats.money
        ),
    )


def _services(data: dict[str, Any]) -> list[Chart]:
    modes = [
        {**m, "name": MODES.get(m["pricing_mode"], m["pricing_mode"])}
        for m in data["pricing_modes"]
    ]
    return [
        _ranked("chart-services", "Revenue by service", data["services"], "services"),
        _ranked("chart-modes", "Revenue by pricing mode", modes, "pricing modes"),
    ]


def _areas(data: dict[str, Any]) -> list[Chart]:
    return [
        _ranked("chart-cities", "Revenue by city", data["cities"], "rows"),
        _ranked("chart-postal", "Revenue by postal code", data["postal_codes"], "rows"),
    ]


def _work(data: dict[str, Any]) -> list[Chart]:
    weeks = data["weeks"]
    done = sum(w["completed"] for w in weeks)
    busiest = max(weeks, key=lambda w: w["completed"]) if weeks else None
    desc = f"Jobs completed per week: {done:,} in all" + (
        f", the most ({busiest['completed']}) in the week of {busiest['week_start']:%b %-d}."
        if busiest and busiest["completed"]
        else "."
    )
    weekly = charts.bars(
        "chart-weeks",
        "Jobs completed per week",
        desc,
        [f"{w['week_start']:%b %-d}" for w in weeks],
        [("Completed", [w["completed"] for w in weeks])],
        _count,
    )
    worked, booked = data["hours"]["worked_minutes"], data["hours"]["scheduled_minutes"]
    clock = charts.hbars(
        "chart-hours",
        "Hours worked and booked",
        f"Clocked {hours(worked)} against {hours(booked)} booked.",
        [("Worked (clock)", worked), ("Booked", booked)],
        hours,
    )
    jobs = data["jobs"]
    length_rows = (
        [
            ("Average clocked", jobs["average_worked_minutes"]),
            ("Average estimate", jobs["average_estimate_minutes"]),
        ]
        if jobs["timed"]
        else []
    )
    length = charts.hbars(
        "chart-length",
        "Job length against the estimate",
        f"Over {jobs['timed']:,} jobs with clock time: "
        + (
            f"{hours(jobs['average_worked_minutes'])} clocked on average against "
            f"{hours(jobs['average_estimate_minutes'])} estimated."
            if jobs["timed"]
            else "none."
        ),
        length_rows,
        hours,
    )
    cells = {(c["weekday"], c["hour"]): c["jobs"] for c in data["heat"]}
    peak = max(data["heat"], key=lambda c: c["jobs"]) if data["heat"] else None
    heat = charts.heat(
        "chart-heat",
        "Busiest weekdays and hours",
        "Visits booked by weekday and start hour"
        + (
            f"; the busiest is {charts.WEEKDAYS[peak['weekday'] - 1]} at {peak['hour']}:00 "
            f"with {peak['jobs']}."
            if peak
            else "."
        ),
        cells,
    )
    return [("bars", weekly), ("hbars", clock), ("hbars", length), ("heat", heat)]


def _receivables(data: dict[str, Any]) -> list[Chart]:
    buckets = data["buckets"]
    desc = "Owed by the age of the invoice: " + "; ".join(
        f"{b['bucket']} days: {formats.money(b['balance_cents'])} ({b['count']})" for b in buckets
    )
    rows = [(f"{b['bucket']} days", b["balance_cents"]) for b in buckets]
    if not data["count"]:
        rows = []
    return [("hbars", charts.hbars("chart-age", "Owed, by age", desc + ".", rows, formats.money))]


def _customers(data: dict[str, Any]) -> list[Chart]:
    months = data["months"]
    new, back = sum(m["new"] for m in months), sum(m["returning"] for m in months)
    per_month = charts.bars(
        "chart-new",
        "New and returning customers",
        f"Customers with a visit, per month: {new:,} new and {back:,} returning in this range.",
        _months([m["month"] for m in months]),
        [("New", [m["new"] for m in months]), ("Returning", [m["returning"] for m in months])],
        _count,
        stacked=True,
    )
    top = [
        {"name": r["contact"]["display_name"], "revenue_cents": r["revenue_cents"]}
        for r in data["top"]
    ]
    return [
        ("bars", per_month),
        _ranked("chart-top", "Top customers by lifetime work", top, "customers"),
    ]


BUILDERS = {
    "revenue": _revenue,
    "services": _services,
    "areas": _areas,
    "work": _work,
    "receivables": _receivables,
    "customers": _customers,
}


def charts_of(name: str, data: dict[str, Any]) -> list[Chart]:
    return BUILDERS[name](data)
