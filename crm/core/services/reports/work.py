"""The work itself: jobs per week, hours worked against booked, job length against the estimate,
cancellations and no-shows, and the busiest weekdays and hours (docs/reports.md, report_work)."""

from __future__ import annotations

from typing import Any

from crm.clients.postgres_client import Connection
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services.reports.period import RANGE_FILTERS, average, period_of, share_pct

IN_RANGE = "day >= %(start)s AND day < %(stop)s"

# Every ticket of the range (ticket_facts, 0018: local week, weekday and hour stored), counted
# by status, by week (completed) and by weekday and hour (not cancelled), in one pass.
_TICKETS = f"""
SELECT GROUPING(week_start) AS all_weeks, GROUPING(weekday) AS all_days,
       week_start, weekday, hour,
       count(*) AS booked,
       count(*) FILTER (WHERE status = 'completed') AS completed,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE status = 'no_show') AS no_show,
       coalesce(sum(duration_minutes) FILTER (WHERE status <> 'cancelled'), 0) AS scheduled,
       count(clock_seconds) FILTER (WHERE status = 'completed') AS timed,
       coalesce(sum(clock_seconds) FILTER (WHERE status = 'completed'), 0)::bigint
           AS job_seconds,
       coalesce(sum(duration_minutes) FILTER (
           WHERE status = 'completed' AND clock_seconds IS NOT NULL), 0)::bigint
           AS estimate_minutes
FROM ticket_facts
WHERE {IN_RANGE}
GROUP BY GROUPING SETS ((), (week_start), (weekday, hour))
"""  # noqa: S608 (constant fragments only; values are parameters)

# Clock time: all of it that started in the range.
_CLOCKED = """
SELECT coalesce(sum(extract(epoch FROM te.ended_at - te.started_at)), 0)::bigint
           AS worked_seconds
FROM time_entries te
WHERE te.ended_at IS NOT NULL
  AND te.started_at >= %(start)s::timestamp AT TIME ZONE %(tz)s
  AND te.started_at < %(stop)s::timestamp AT TIME ZONE %(tz)s
"""


@REGISTRY.data_type("report_work", filters=RANGE_FILTERS)
def load_work(conn: Connection, query: DataQuery) -> Any:
    """Jobs per week, hours worked vs booked, job length vs estimate, cancellations, busy hours."""
    period = period_of(query)
    rows = conn.execute(_TICKETS, period.params, prepare=False).fetchall()
    total = next(r for r in rows if r["all_weeks"] and r["all_days"])
    per_week = {r["week_start"]: int(r["completed"]) for r in rows if not r["all_weeks"]}
    clock = conn.execute(_CLOCKED, period.params, prepare=False).fetchone()
    assert clock is not None
    timed = int(total["timed"])
    booked, cancelled = int(total["booked"]), int(total["cancelled"])
    no_show = int(total["no_show"])
    return {
        **period.shown(),
        "weeks": [
            {"week_start": monday, "completed": per_week.get(monday, 0)}
            for monday in period.weeks()
        ],
        "hours": {
            "worked_minutes": average(int(clock["worked_seconds"]), 60),
            "scheduled_minutes": int(total["scheduled"]),
        },
        "jobs": {
            "completed": int(total["completed"]),
            "timed": timed,
            "average_worked_minutes": average(int(total["job_seconds"]), 60 * timed),
            "average_estimate_minutes": average(int(total["estimate_minutes"]), timed),
        },
        "rates": {
            "booked": booked,
            "cancelled": cancelled,
            "no_show": no_show,
            "cancelled_pct": share_pct(cancelled, booked),
            "no_show_pct": share_pct(no_show, booked),
        },
        "heat": sorted(
            (
                {
                    "weekday": r["weekday"],
                    "hour": r["hour"],
                    "jobs": int(r["booked"]) - int(r["cancelled"]),
                }
                for r in rows
                if r["all_weeks"] and not r["all_days"] and int(r["booked"]) > int(r["cancelled"])
            ),
            key=lambda cell: (cell["weekday"], cell["hour"]),
        ),
    }
