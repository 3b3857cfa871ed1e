"""The work itself: jobs per week, hours worked against booked, job length against the estimate,
cancellations and no-shows, and the busiest weekdays and hours (docs/reports.md, report_work)."""

from __future__ import annotations

from typing import Any

from crm.clients.postgres_client import Connection
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services.reports.period import RANGE_FILTERS, average, period_of, share_pct

IN_RANGE = """t.scheduled_start >= %(start)s::timestamp AT TIME ZONE %(tz)s
      AND t.scheduled_start < %(stop)s::timestamp AT TIME ZONE %(tz)s"""

# Every ticket of the range, counted by status, by week (completed) and by weekday and hour
# (not cancelled), in one pass.
_TICKETS = f"""
WITH booked AS MATERIALIZED (
    SELECT t.status, t.duration_minutes, t.scheduled_start AT TIME ZONE %(tz)s AS local
    FROM tickets t WHERE {IN_RANGE}
)
SELECT GROUPING(date_trunc('week', local)) AS all_weeks,
       GROUPING(extract(isodow FROM local)) AS all_days,
       date_trunc('week', local)::date AS week_start,
       extract(isodow FROM local)::int AS weekday, extract(hour FROM local)::int AS hour,
       count(*) AS booked,
       count(*) FILTER (WHERE status = 'completed') AS completed,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE status = 'no_show') AS no_show,
       coalesce(sum(duration_minutes) FILTER (WHERE status <> 'cancelled'), 0) AS scheduled
FROM booked
GROUP BY GROUPING SETS ((), (date_trunc('week', local)),
                        (extract(isodow FROM local), extract(hour FROM local)))
"""  # noqa: S608 (constant fragments only; values are parameters)

# Clock time: all of it that started in the range, and per completed ticket of the range.
_CLOCKED = f"""
SELECT coalesce((
           SELECT sum(extract(epoch FROM te.ended_at - te.started_at))
           FROM time_entries te
           WHERE te.ended_at IS NOT NULL
             AND te.started_at >= %(start)s::timestamp AT TIME ZONE %(tz)s
             AND te.started_at < %(stop)s::timestamp AT TIME ZONE %(tz)s
       ), 0)::bigint AS worked_seconds,
       count(*) AS timed, coalesce(sum(per_job.seconds), 0)::bigint AS job_seconds,
       coalesce(sum(per_job.estimate), 0)::bigint AS estimate_minutes
FROM (
    SELECT round(sum(extract(epoch FROM te.ended_at - te.started_at))) AS seconds,
           min(t.duration_minutes) AS estimate
    FROM tickets t JOIN time_entries te ON te.ticket_id = t.id AND te.ended_at IS NOT NULL
    WHERE t.status = 'completed' AND {IN_RANGE}
    GROUP BY t.id
) AS per_job
"""  # noqa: S608 (constant fragments only; values are parameters)


@REGISTRY.data_type("report_work", filters=RANGE_FILTERS)
def load_work(conn: Connection, query: DataQuery) -> Any:
    """Jobs per week, hours worked vs booked, job length vs estimate, cancellations, busy hours."""
    period = period_of(query)
    rows = conn.execute(_TICKETS, period.params).fetchall()
    total = next(r for r in rows if r["all_weeks"] and r["all_days"])
    per_week = {r["week_start"]: int(r["completed"]) for r in rows if not r["all_weeks"]}
    clock = conn.execute(_CLOCKED, period.params).fetchone()
    assert clock is not None
    timed = int(clock["timed"])
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
            "average_worked_minutes": average(int(clock["job_seconds"]), 60 * timed),
            "average_estimate_minutes": average(int(clock["estimate_minutes"]), timed),
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
