"""Reports on money: revenue by month against a year earlier, and what is owed by age.

docs/reports.md: invoiced counts on the local day an invoice went out, collected on the payment's
own day (refunds subtract, removed payments and tips stay out).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from crm.clients.postgres_client import Connection
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services.contact_service import display_name
from crm.core.services.reports.period import RANGE_FILTERS, Period, change_pct, period_of
from crm.utils.timezone import business_today

# An invoice counts on the day it was sent (created, if it was paid without being sent).
ISSUED = "coalesce(i.sent_at, i.created_at)"

# invoice_facts (0018): the invoices that count (sent, partial, paid), on their local day.
_INVOICED = """
SELECT to_char(day, 'YYYY-MM') AS month, sum(cents) AS cents
FROM invoice_facts WHERE day >= %(start)s AND day < %(stop)s
GROUP BY 1
"""

# Invoices are never deleted (a wrong one is voided, and outlives its contact), so every
# payment not removed counts; no join to its invoice.
_COLLECTED = """
SELECT to_char(p.paid_on, 'YYYY-MM') AS month, sum(p.amount_cents) AS cents,
       sum(p.tip_cents) AS tips
FROM payments p
WHERE p.removed_at IS NULL AND p.paid_on >= %(start)s AND p.paid_on < %(stop)s
GROUP BY 1
"""

_OWED = f"""
SELECT i.id, i.number, i.due_on, i.total_cents, i.paid_cents,
       ({ISSUED} AT TIME ZONE %(tz)s)::date AS issued_on,
       c.id AS contact_id, c.first_name, c.last_name, c.company, c.email
FROM invoices i JOIN contacts c ON c.id = i.contact_id
WHERE i.status IN ('sent', 'partial') AND i.total_cents > i.paid_cents
ORDER BY issued_on, i.number
"""  # noqa: S608 (constant fragments only; values are parameters)

BUCKETS = (("0-30", 30), ("31-60", 60), ("61-90", 90), ("90+", None))


def _monthly(conn: Connection, period: Period) -> dict[str, dict[str, int]]:
    """{month: {invoiced, collected, tips}} for the months with any money in the period."""
    months: dict[str, dict[str, int]] = {}
    for row in conn.execute(_INVOICED, period.params, prepare=False).fetchall():
        months.setdefault(row["month"], Counter())["invoiced"] = int(row["cents"])
    for row in conn.execute(_COLLECTED, period.params, prepare=False).fetchall():
        month = months.setdefault(row["month"], Counter())
        month["collected"], month["tips"] = int(row["cents"]), int(row["tips"])
    return months


def _next_year(month: str) -> str:
    return f"{int(month[:4]) + 1:04d}{month[4:]}"


@REGISTRY.data_type("report_revenue", filters=RANGE_FILTERS)
def load_revenue(conn: Connection, query: DataQuery) -> Any:
    """Invoiced and collected by month, against the same days a year earlier (cents)."""
    period = period_of(query)
    before = period.year_earlier()
    now, then = _monthly(conn, period), _monthly(conn, before)
    then = {_next_year(month): figures for month, figures in then.items()}
    months = [
        {
            "month": month,
            "invoiced_cents": now.get(month, {}).get("invoiced", 0),
            "collected_cents": now.get(month, {}).get("collected", 0),
            "previous_invoiced_cents": then.get(month, {}).get("invoiced", 0),
            "previous_collected_cents": then.get(month, {}).get("collected", 0),
        }
        for month in period.months()
    ]

    def total(figures: dict[str, dict[str, int]], key: str) -> int:
        return sum(month.get(key, 0) for month in figures.values())

    totals: dict[str, Any] = {
        "invoiced_cents": total(now, "invoiced"),
        "collected_cents": total(now, "collected"),
        "tips_cents": total(now, "tips"),
        "previous_invoiced_cents": total(then, "invoiced"),
        "previous_collected_cents": total(then, "collected"),
        "previous_tips_cents": total(then, "tips"),
    }
    totals["invoiced_change_pct"] = change_pct(
        totals["invoiced_cents"], totals["previous_invoiced_cents"]
    )
    totals["collected_change_pct"] = change_pct(
        totals["collected_cents"], totals["previous_collected_cents"]
    )
    return {
        **period.shown(),
        "compare_from": before.start,
        "compare_to": before.end,
        "months": months,
        "totals": totals,
    }


def bucket_of(age_days: int) -> str:
    for name, most in BUCKETS:
        if most is None or age_days <= most:
            return name
    raise AssertionError("unreachable")  # pragma: no cover


def _owed(row: dict[str, Any], today: date) -> dict[str, Any]:
    age = max(0, (today - row["issued_on"]).days)
    return {
        "id": row["id"],
        "number": row["number"],
        "contact": {
            "id": row["contact_id"],
            "display_name": display_name(row),
            "email": row["email"],
        },
        "issued_on": row["issued_on"],
        "due_on": row["due_on"],
        "age_days": age,
        "bucket": bucket_of(age),
        "total_cents": int(row["total_cents"]),
        "paid_cents": int(row["paid_cents"]),
        "balance_cents": int(row["total_cents"]) - int(row["paid_cents"]),
    }


@REGISTRY.data_type("report_receivables", filters=RANGE_FILTERS)
def load_receivables(conn: Connection, query: DataQuery) -> Any:
    """What customers owe today, by age of the invoice (0-30, 31-60, 61-90, 90+ days)."""
    period = period_of(query)  # checked like every report's, though what is owed is of today
    today = business_today(query.timezone)
    owed = [
        _owed(row, today)
        for row in conn.execute(_OWED, {"tz": query.timezone}, prepare=False).fetchall()
    ]
    buckets = [
        {
            "bucket": name,
            "count": sum(1 for o in owed if o["bucket"] == name),
            "balance_cents": sum(o["balance_cents"] for o in owed if o["bucket"] == name),
        }
        for name, _ in BUCKETS
    ]
    return {
        **period.shown(),
        "as_of": today,
        "buckets": buckets,
        "invoices": owed[: query.limit],
        "count": len(owed),
        "total_cents": sum(o["balance_cents"] for o in owed),
    }
