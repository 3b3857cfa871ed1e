"""Customers: new and returning per month, the best customers, the ones lost, and who is due
(docs/reports.md, report_customers)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from crm.clients.postgres_client import Connection
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services.contact_service import display_name
from crm.core.services.due_service import count_due
from crm.core.services.reports.period import RANGE_FILTERS, period_of

TOP = 20
LOST_MONTHS = 18

# Per month of the range: the customers with a completed visit on its days in the range
# (ticket_facts), and those of them whose first visit ever is one of those days
# (contact_visit_facts) -- new; the others are returning. Both 0018, the local day stored.
_MONTHS = """
SELECT 'seen' AS what, month, count(*) AS customers
FROM (
    SELECT DISTINCT contact_id, day - extract(day FROM day)::int + 1 AS month
    FROM ticket_facts
    WHERE status = 'completed' AND day >= %(start)s AND day < %(stop)s
) AS active
GROUP BY month
UNION ALL
SELECT 'new', first_day - extract(day FROM first_day)::int + 1, count(*)
FROM contact_visit_facts
WHERE first_day >= %(start)s AND first_day < %(stop)s
GROUP BY 2
"""

# Every customer's completed visits up to the range's end: the work's value, the count and the
# last day; one pass serves the best customers and the lost ones.
_LIFETIME = """
WITH per_customer AS MATERIALIZED (
    SELECT contact_id, count(*) AS visits, max(day) AS last_visit, sum(cents)::bigint AS cents
    FROM ticket_facts WHERE status = 'completed' AND day < %(stop)s
    GROUP BY contact_id
),
top AS (
    SELECT p.*, 'top' AS list FROM per_customer p
    ORDER BY p.cents DESC, p.last_visit DESC, p.contact_id LIMIT %(top)s
),
lost AS MATERIALIZED (
    SELECT p.*, 'lost' AS list FROM per_customer p
    WHERE p.last_visit < %(cutoff)s
      AND NOT EXISTS (
          SELECT 1 FROM ticket_facts b
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
    counted: dict[tuple[str, str], int] = {
        (r["what"], f"{r['month']:%Y-%m}"): int(r["customers"])
        for r in conn.execute(_MONTHS, period.params, prepare=False).fetchall()
    }
    cutoff = months_before(period.end, LOST_MONTHS)
    params = {**period.params, "top": TOP, "cutoff": cutoff}
    rows = conn.execute(_LIFETIME, params, prepare=False).fetchall()
    top = sorted(
        (r for r in rows if r["list"] == "top"),
        key=lambda r: (-int(r["cents"]), -r["last_visit"].toordinal(), str(r["contact_id"])),
    )
    lost = sorted(
        (r for r in rows if r["list"] == "lost"),
        key=lambda r: (-r["last_visit"].toordinal(), str(r["contact_id"])),
    )
    return {
        **period.shown(),
        "months": [
            {
                "month": month,
                "new": counted.get(("new", month), 0),
                "returning": counted.get(("seen", month), 0) - counted.get(("new", month), 0),
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
        "due_count": count_due(conn, query.timezone),
    }
