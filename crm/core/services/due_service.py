"""Due for service: customers whose next visit is about due and who have nothing booked.

docs/plans.md ("Due for service"). The last completed visit plus the customer's usual interval
gives the due date. The interval comes from, in this order: their latest plan (its rule, even
when paused or ended), the reach-out planned at a close-out (the days from that visit to the
reach-out), or the median gap between their completed visits (two visit days at least). One
query reads every candidate with its history; the plan's rule is worded into days here.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from crm.clients.postgres_client import Connection
from crm.core.plan_rules import interval_days
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services.contact_service import display_name
from crm.core.services.plan_visits import rule_of
from crm.errors import NotFound, ValidationFailed
from crm.utils.timezone import business_today

DEFAULT_WEEKS = 4
MAX_WEEKS = 52
CITY_LENGTH = 200

# Every contact with a completed visit (or the one asked for): the last visit and its total, the
# median gap between visit days, the latest close-out reach-out's distance from its visit, the
# latest plan's rule, a pending reach-out and the next booked ticket. Dates are local: the last
# visit, the count and the median gap come from contact_visit_facts, the visits' local days from
# ticket_facts (both kept by triggers, 0018), so nothing here reads every visit. Each part is
# MATERIALIZED: computed once, never again per contact when the planner misjudges the rows
# (under RLS it expects one).
_PARTS = """
WITH last_visit AS MATERIALIZED (
    SELECT last_ticket_id AS id, contact_id, last_day AS day, visits, median_gap
    FROM contact_visit_facts
    WHERE %(only)s::uuid IS NULL OR contact_id = %(only)s::uuid
),
reach_out AS MATERIALIZED (
    SELECT DISTINCT ON (m.contact_id) m.contact_id,
           (m.scheduled_for AT TIME ZONE %(tz)s)::date - v.day AS days
    FROM scheduled_messages m
    JOIN ticket_facts v ON v.ticket_id = m.ticket_id AND v.status = 'completed'
    WHERE m.kind = 'reach_out' AND m.status <> 'cancelled'
      AND (m.scheduled_for AT TIME ZONE %(tz)s)::date > v.day
    ORDER BY m.contact_id, v.scheduled_start DESC, m.created_at DESC, m.id
),
latest_plan AS MATERIALIZED (
    SELECT DISTINCT ON (contact_id) contact_id, rrule, start_date, start_time, until_date,
           max_count, skip_dates
    FROM plans ORDER BY contact_id, created_at DESC, id DESC
),
booked AS MATERIALIZED (
    SELECT DISTINCT ON (contact_id) contact_id, id, scheduled_start
    FROM tickets WHERE status IN ('scheduled', 'in_progress')
    ORDER BY contact_id, scheduled_start, id
)"""

_CANDIDATES = f"""{_PARTS},
pending AS MATERIALIZED (
    SELECT DISTINCT ON (contact_id) contact_id, id, scheduled_for
    FROM scheduled_messages
    WHERE kind = 'reach_out' AND status IN ('pending', 'sending')
    ORDER BY contact_id, scheduled_for, id
)
SELECT c.id, c.first_name, c.last_name, c.company, c.phone, c.email,
       c.preferred_contact_method, c.email_opted_out_at IS NOT NULL AS unsubscribed,
       a.id AS address_id, a.line1, a.city,
       lv.id AS visit_id, lv.day AS visit_day, lv.visits,
       (SELECT coalesce(sum(li.total_cents), 0) FROM line_items li WHERE li.ticket_id = lv.id)
           AS visit_total_cents,
       lv.median_gap, r.days AS reach_out_days,
       p.rrule, p.start_date, p.start_time, p.until_date, p.max_count, p.skip_dates,
       pm.id AS pending_id, pm.scheduled_for AS pending_for,
       b.id AS booked_id, b.scheduled_start AS booked_start
FROM contacts c
LEFT JOIN last_visit lv ON lv.contact_id = c.id
LEFT JOIN reach_out r ON r.contact_id = c.id
LEFT JOIN latest_plan p ON p.contact_id = c.id
LEFT JOIN pending pm ON pm.contact_id = c.id
LEFT JOIN booked b ON b.contact_id = c.id
LEFT JOIN LATERAL (
    SELECT ad.id, ad.line1, ad.city FROM addresses ad WHERE ad.contact_id = c.id
    ORDER BY ad.is_primary DESC, ad.created_at, ad.id LIMIT 1
) a ON true
WHERE (%(only)s::uuid IS NOT NULL AND c.id = %(only)s::uuid)
   OR (%(only)s::uuid IS NULL AND lv.id IS NOT NULL AND b.id IS NULL
       AND c.preferred_contact_method <> 'none'
       AND (%(city)s::text IS NULL OR lower(a.city) = lower(%(city)s::text)))
"""  # noqa: S608 (constant fragments only; values are parameters)

# The same rule, only what the due date needs (the Customers report counts them, any city).
_DUE_DATES = f"""{_PARTS}
SELECT lv.id AS visit_id, lv.day AS visit_day, lv.median_gap, r.days AS reach_out_days,
       p.rrule, p.start_date, p.start_time, p.until_date, p.max_count, p.skip_dates
FROM contacts c
JOIN last_visit lv ON lv.contact_id = c.id
LEFT JOIN reach_out r ON r.contact_id = c.id
LEFT JOIN latest_plan p ON p.contact_id = c.id
WHERE c.preferred_contact_method <> 'none'
  AND NOT EXISTS (SELECT 1 FROM booked b WHERE b.contact_id = c.id)
"""  # noqa: S608 (constant fragments only; values are parameters)


def _weeks(query: DataQuery) -> int:
    raw = query.filters.get("weeks", "")
    if not raw:
        return DEFAULT_WEEKS
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 2) or not 1 <= int(raw) <= MAX_WEEKS:
        raise ValidationFailed(
            f"Filter weeks must be a whole number of weeks from 1 to {MAX_WEEKS}.",
            details={"fields": [{"field": "weeks", "message": f"1 to {MAX_WEEKS}"}]},
        )
    return int(raw)


def _city(query: DataQuery) -> str | None:
    city = " ".join(query.filters.get("city", "").split())
    if len(city) > CITY_LENGTH:
        raise ValidationFailed(
            f"Filter city must be at most {CITY_LENGTH} characters.",
            details={"fields": [{"field": "city", "message": "too long"}]},
        )
    return city or None


def _interval(row: dict[str, Any]) -> tuple[int, str] | None:
    """The usual days between visits and where that comes from; None when nothing says."""
    if row["rrule"] is not None:
        return max(1, math.floor(interval_days(rule_of(row)) + 0.5)), "plan"
    if row["reach_out_days"] is not None:
        return int(row["reach_out_days"]), "reach_out"
    if row["median_gap"] is not None:
        return max(1, math.floor(row["median_gap"] + 0.5)), "history"
    return None


def _due_on(row: dict[str, Any]) -> date | None:
    interval = _interval(row) if row["visit_id"] is not None else None
    return row["visit_day"] + timedelta(days=interval[0]) if interval else None


def count_due(conn: Connection, timezone: str, weeks: int = DEFAULT_WEEKS) -> int:
    """How many customers load_due lists with no filters (due within ``weeks``, any city)."""
    until = business_today(timezone) + timedelta(weeks=weeks)
    rows = conn.execute(_DUE_DATES, {"tz": timezone, "only": None}, prepare=False).fetchall()
    return sum(1 for row in rows if (due := _due_on(row)) is not None and due <= until)


def _shape(row: dict[str, Any], today: date) -> dict[str, Any]:
    interval = _interval(row) if row["visit_id"] is not None else None
    due_on = _due_on(row)
    return {
        "id": row["id"],
        "contact": {
            "id": row["id"],
            "display_name": display_name(row),
            "phone": row["phone"],
            "email": row["email"],
            "address": (
                {"id": row["address_id"], "line1": row["line1"], "city": row["city"]}
                if row["address_id"] is not None
                else None
            ),
        },
        "last_visit": (
            {
                "id": row["visit_id"],
                "date": row["visit_day"],
                "total_cents": int(row["visit_total_cents"]),
            }
            if row["visit_id"] is not None
            else None
        ),
        "completed_visits": int(row["visits"] or 0),
        "interval_days": interval[0] if interval else None,
        "interval_source": interval[1] if interval else None,
        "due_on": due_on,
        "days_until_due": (due_on - today).days if due_on else None,
        "reach_out": (
            {"id": row["pending_id"], "scheduled_for": row["pending_for"]}
            if row["pending_id"] is not None
            else None
        ),
        "reach_out_pending": row["pending_id"] is not None,
        "unsubscribed": row["unsubscribed"],
        "do_not_contact": row["preferred_contact_method"] == "none",
        "booked": (
            {"id": row["booked_id"], "scheduled_start": row["booked_start"]}
            if row["booked_id"] is not None
            else None
        ),
    }


@REGISTRY.data_type(
    "due_for_service",
    filters={
        "weeks": f"due within this many weeks from today, overdue included "
        f"(1 to {MAX_WEEKS}, default {DEFAULT_WEEKS})",
        "city": "only customers whose primary address is in this city",
    },
)
def load_due(conn: Connection, query: DataQuery) -> Any:
    """Customers due for a visit with nothing booked, most overdue first (id=: one contact)."""
    weeks, city = _weeks(query), _city(query)
    today = business_today(query.timezone)
    params = {"tz": query.timezone, "only": query.id, "city": city}
    rows = conn.execute(_CANDIDATES, params, prepare=False).fetchall()
    if query.id is not None:
        if not rows:
            raise NotFound(f"No contact with id {query.id}.")
        return _shape(rows[0], today)
    until = today + timedelta(weeks=weeks)
    due = [
        shaped
        for shaped in (_shape(row, today) for row in rows)
        if shaped["due_on"] is not None and shaped["due_on"] <= until
    ]
    due.sort(key=lambda r: (r["due_on"], r["contact"]["display_name"].lower(), str(r["id"])))
    return due[: query.limit]
