"""Customers: new and returning per month, the best customers, the ones lost, and who is due
(docs/reports.md, report_customers)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from crm.clients.postgres_client import Connection
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services.contact_service import display_name
from crm.core.services.due_service import load_due
from crm.core.services.reports.period import RANGE_FILTERS, period_of

TOP = 20
LOST_MONTHS = 18

# Per customer: the first completed visit ever, and the months of the range with one.
_MONTHS = """
WITH visits AS (
    SELECT t.contact_id, (t.scheduled_start AT TIME ZONE %(tz)s)::date AS day
    FROM tickets t WHERE t.status = 'completed'
),
seen AS (
    SELECT contact_id, min(day) AS first_day FROM visits GROUP BY contact_id
),
active AS (
    SELECT contact_id, to_char(day, 'YYYY-MM') AS month, min(day) AS day
    FROM visits WHERE day >= %(start)s AND day < %(stop)s
    GROUP BY contact_id, to_char(day, 'YYYY-MM')
)
SELECT a.month,
       count(*) FILTER (WHERE s.first_day = a.day) AS new,
       count(*) FILTER (WHERE s.first_day < a.day) AS returning
FROM active a JOIN seen s USING (contact_id)
GROUP BY a.month
"""

# Every customer's completed visits up to the range's end: the work's value, the count and the
# last day; one pass serves the best customers and the lost ones.
_LIFETIME = """
WITH visits AS MATERIALIZED (
    SELECT t.id, t.contact_id, t.scheduled_start FROM tickets t
    WHERE t.status = 'completed' AND t.scheduled_start < %(stop)s::timestamp AT TIME ZONE %(tz)s
),
per_customer AS MATERIALIZED (
    SELECT v.contact_id, count(*) AS visits,
           (max(v.scheduled_start) AT TIME ZONE %(tz)s)::date AS last_visit,
           coalesce(sum(value.cents), 0)::bigint AS cents
    FROM visits v
    LEFT JOIN LATERAL (
        SELECT sum(li.total_cents) AS cents FROM line_items li WHERE li.ticket_id = v.id
    ) value ON true
    GROUP BY v.contact_id
),
top AS (
    SELECT p.*, 'top' AS list FROM per_customer p
    ORDER BY p.cents DESC, p.last_visit DESC, p.contact_id LIMIT %(top)s
),
lost AS MATERIALIZED (
    SELECT p.*, 'lost' AS list FROM per_customer p
    WHERE p.last_visit < %(cutoff)s
      AND NOT EXISTS (
          SELECT 1 FROM tickets b
          WHERE b.contact_id = p.contact_id AND b.status IN ('scheduled', 'in_progress')
      )
)
SELECT x.list, x.contact_id, x.visits, x.last_visit, x.cents, c.first_name, c.last_name,
       c.company, (SELECT count(*) FROM lost) AS lost_count
FROM (SELECT * FROM top
      UNION ALL (SELECT * FROM lost ORDER BY last_visit DESC, contact_id LIMIT %(top)s)) x
JOIN contacts c ON c.id = x.contact_id
"""


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _who(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["contact_id"], "display_name": display_name(row)}


@REGISTRY.data_type("report_customers", filters=RANGE_FILTERS)
def load_customers(conn: Connection, query: DataQuery) -> Any:
    """New vs returning per month, the top 20 by lifetime work, customers lost, and due now."""
    period = period_of(query)
    per_month = {r["month"]: r for r in conn.execute(_MONTHS, period.params).fetchall()}
    cutoff = months_before(period.end, LOST_MONTHS)
    params = {**period.params, "top": TOP, "cutoff": cutoff}
    rows = conn.execute(_LIFETIME, params).fetchall()
    top = sorted(
        (r for r in rows if r["list"] == "top"),
        key=lambda r: (-int(r["cents"]), -r["last_visit"].toordinal(), str(r["contact_id"])),
    )
    lost = sorted(
        (r for r in rows if r["list"] == "lost"),
        key=lambda r: (-r["last_visit"].toordinal(), str(r["contact_id"])),
    )
    due = load_due(conn, DataQuery(timezone=query.timezone, limit=1_000_000))
    return {
        **period.shown(),
        "months": [
            {
                "month": month,
                "new": int(per_month[month]["new"]) if month in per_month else 0,
                "returning": int(per_month[month]["returning"]) if month in per_month else 0,
            }
            for month in period.months()
        ],
        "top": [
            {
                "contact": _who(r),
                "revenue_cents": int(r["cents"]),
                "visits": int(r["visits"]),
                "last_visit": r["last_visit"],
            }
            for r in top
        ],
        "lost": {
            "count": int(rows[0]["lost_count"]) if rows else 0,
            "cutoff": cutoff,
            "customers": [{"contact": _who(r), "last_visit": r["last_visit"]} for r in lost],
        },
        "due_count": len(due),
    }
