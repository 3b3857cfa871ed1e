"""The tables of each report, declared once: the page shows them under the charts and each is a
CSV download (docs/reports.md). A column knows how to read its value and what kind it is."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from crm.web import formats

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MODES = {
    "fixed": "Fixed price",
    "flexible": "Flexible price",
    "per_unit": "Per unit",
    "product": "Product",
}


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict[str, Any]], Any]
    kind: str = "text"  # text | money | count | pct | date | month | minutes
    csv: Callable[[dict[str, Any]], Any] | None = None  # the CSV's value, when not the shown one
    csv_name: str = ""  # the CSV's header, when the page's is too short to stand alone

    def shown(self, row: dict[str, Any]) -> str:
        """The cell as the page shows it."""
        value = self.value(row)
        if value is None:
            return "—"
        if self.kind == "money":
            return formats.money(value)
        if self.kind == "count":
            return f"{value:,}"
        if self.kind == "pct":
            return f"{value:+.1f}%" if self.header.startswith("Change") else f"{value:.1f}%"
        if self.kind == "date":
            return value.strftime("%b %-d, %Y") if isinstance(value, date) else str(value)
        if self.kind == "month":
            return month_label(value)
        if self.kind == "minutes":
            return hours(value)
        return str(value)

    def raw(self, row: dict[str, Any]) -> str:
        """The cell in the CSV: plain numbers (dollars with cents), ISO dates."""
        value = (self.csv or self.value)(row)
        if value is None:
            return ""
        if self.kind == "money":
            return formats.dollars(value)
        if self.kind == "date":
            return value.isoformat() if isinstance(value, date) else str(value)
        return str(value)

    @property
    def csv_header(self) -> str:
        header = self.csv_name or self.header
        if self.kind == "money":
            return f"{header} ($)"
        if self.kind == "minutes":
            return f"{header} (minutes)"
        return header

    @property
    def numeric(self) -> bool:
        return self.kind in {"money", "count", "pct", "minutes"}


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[dict[str, Any]], list[dict[str, Any]]]


def month_label(month: str) -> str:
    """ "2026-03" → "Mar 2026"."""
    return date.fromisoformat(f"{month}-01").strftime("%b %Y")


def hours(minutes: int) -> str:
    """95 → "1 h 35 min"; 60 → "1 h"; 40 → "40 min"."""
    whole, rest = divmod(int(minutes), 60)
    if whole and rest:
        return f"{whole:,} h {rest} min"
    return f"{whole:,} h" if whole else f"{rest} min"


def _contact(row: dict[str, Any]) -> str:
    name: str = row["contact"]["display_name"]
    return name


def _work_summary(data: dict[str, Any]) -> list[dict[str, Any]]:
    hours_, jobs, rates = data["hours"], data["jobs"], data["rates"]
    figures = (
        ("Hours worked", hours_["worked_minutes"], "minutes"),
        ("Hours booked", hours_["scheduled_minutes"], "minutes"),
        ("Jobs completed", jobs["completed"], "count"),
        ("Jobs with clock time", jobs["timed"], "count"),
        ("Average job (clocked)", jobs["average_worked_minutes"], "minutes"),
        ("Average estimate", jobs["average_estimate_minutes"], "minutes"),
        ("Visits booked", rates["booked"], "count"),
        ("Cancelled", rates["cancelled"], "count"),
        ("Cancellation rate", rates["cancelled_pct"], "pct"),
        ("No-shows", rates["no_show"], "count"),
        ("No-show rate", rates["no_show_pct"], "pct"),
    )
    return [{"figure": f, "value": v, "kind": k} for f, v, k in figures]


def _summary_value(row: dict[str, Any]) -> str:
    return Column("", lambda r: r["value"], row["kind"]).shown(row)


def _summary_figure(row: dict[str, Any]) -> str:
    """The CSV names the unit: "Hours worked (minutes)", "Cancellation rate (%)"."""
    unit = {"minutes": " (minutes)", "pct": " (%)"}.get(row["kind"], "")
    return f"{row['figure']}{unit}"


SERVICE_COLUMNS = (
    Column("Jobs", lambda r: r["jobs"], "count"),
    Column("Revenue", lambda r: r["revenue_cents"], "money"),
    Column("Average", lambda r: r["average_cents"], "money"),
)
AREA_COLUMNS = (
    Column("Jobs", lambda r: r["jobs"], "count"),
    Column("Revenue", lambda r: r["revenue_cents"], "money"),
)
WHO = Column("Customer", _contact)

TABLES: dict[str, tuple[Table, ...]] = {
    "revenue": (
        Table(
            "months",
            "By month",
            (
                Column("Month", lambda r: r["month"], "month"),
                Column("Invoiced", lambda r: r["invoiced_cents"], "money"),
                Column(
                    "Year before",
                    lambda r: r["previous_invoiced_cents"],
                    "money",
                    csv_name="Invoiced a year before",
                ),
                Column("Collected", lambda r: r["collected_cents"], "money"),
                Column(
                    "Year before",
                    lambda r: r["previous_collected_cents"],
                    "money",
                    csv_name="Collected a year before",
                ),
            ),
            lambda d: list(d["months"]),
        ),
    ),
    "services": (
        Table(
            "services",
            "By service",
            (
                Column("Service", lambda r: r["name"]),
                Column("Pricing", lambda r: MODES.get(r["pricing_mode"] or "")),
                *SERVICE_COLUMNS,
            ),
            lambda d: list(d["services"]),
        ),
        Table(
            "pricing_modes",
            "By pricing mode",
            (Column("Pricing", lambda r: MODES[r["pricing_mode"]]), *SERVICE_COLUMNS),
            lambda d: list(d["pricing_modes"]),
        ),
    ),
    "areas": (
        Table(
            "cities",
            "By city",
            (Column("City", lambda r: r["name"]), *AREA_COLUMNS),
            lambda d: list(d["cities"]),
        ),
        Table(
            "postal_codes",
            "By postal code",
            (Column("Postal code", lambda r: r["name"]), *AREA_COLUMNS),
            lambda d: list(d["postal_codes"]),
        ),
    ),
    "work": (
        Table(
            "summary",
            "Hours, jobs and visits",
            (
                Column("Figure", lambda r: r["figure"], csv=_summary_figure),
                Column("Value", _summary_value, csv=lambda r: r["value"]),
            ),
            _work_summary,
        ),
        Table(
            "weeks",
            "Jobs completed per week",
            (
                Column("Week of", lambda r: r["week_start"], "date"),
                Column("Completed", lambda r: r["completed"], "count"),
            ),
            lambda d: list(d["weeks"]),
        ),
        Table(
            "heat",
            "Visits by weekday and hour",
            (
                Column("Weekday", lambda r: WEEKDAYS[r["weekday"] - 1]),
                Column("Hour", lambda r: f"{r['hour']:02d}:00"),
                Column("Visits", lambda r: r["jobs"], "count"),
            ),
            lambda d: list(d["heat"]),
        ),
    ),
    "receivables": (
        Table(
            "buckets",
            "By age",
            (
                Column("Age (days)", lambda r: r["bucket"]),
                Column("Invoices", lambda r: r["count"], "count"),
                Column("Owed", lambda r: r["balance_cents"], "money"),
            ),
            lambda d: list(d["buckets"]),
        ),
        Table(
            "invoices",
            "Invoices owed",
            (
                Column("Invoice", lambda r: f"#{r['number']}"),
                WHO,
                Column("Invoiced", lambda r: r["issued_on"], "date"),
                Column("Due", lambda r: r["due_on"], "date"),
                Column("Days old", lambda r: r["age_days"], "count"),
                Column("Total", lambda r: r["total_cents"], "money"),
                Column("Paid", lambda r: r["paid_cents"], "money"),
                Column("Owed", lambda r: r["balance_cents"], "money"),
            ),
            lambda d: list(d["invoices"]),
        ),
    ),
    "customers": (
        Table(
            "months",
            "New and returning customers",
            (
                Column("Month", lambda r: r["month"], "month"),
                Column("New", lambda r: r["new"], "count"),
                Column("Returning", lambda r: r["returning"], "count"),
            ),
            lambda d: list(d["months"]),
        ),
        Table(
            "top",
            "Top customers by lifetime work",
            (
                WHO,
                Column("Visits", lambda r: r["visits"], "count"),
                Column("Last visit", lambda r: r["last_visit"], "date"),
                Column("Lifetime", lambda r: r["revenue_cents"], "money"),
            ),
            lambda d: list(d["top"]),
        ),
        Table(
            "lost",
            "Customers lost",
            (WHO, Column("Last visit", lambda r: r["last_visit"], "date")),
            lambda d: list(d["lost"]["customers"]),
        ),
    ),
}


def table_of(report: str, key: str) -> Table | None:
    return next((t for t in TABLES.get(report, ()) if t.key == key), None)


def to_csv(table: Table, data: dict[str, Any]) -> str:
    """The table as CSV (RFC 4180, CRLF), headers first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.csv_header for c in table.columns])
    for row in table.rows(data):
        writer.writerow([_safe(c.raw(row)) for c in table.columns])
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @ first) gets a leading quote,
    unless it is a plain number."""
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text
