"""The job queue at a glance, for /api/health: live workers and jobs waiting past their time.

procrastinate's tables hold no tenant data (docs/messaging.md), so this reads them without a
business context.
"""

from __future__ import annotations

from typing import Any

from crm.clients.postgres_client import Database

# A worker that has not sent a heartbeat for this long is presumed gone.
HEARTBEAT_SECONDS = 60


def queue_status(db: Database) -> dict[str, Any]:
    with db.system() as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM procrastinate_workers "
            "        WHERE last_heartbeat > now() - make_interval(secs => %s)) AS workers, "
            "       count(*) AS due, "
            "       coalesce(extract(epoch FROM now() - min(coalesce(scheduled_at, e.at))), 0) "
            "           AS oldest_due_seconds "
            "FROM procrastinate_jobs j "
            "LEFT JOIN LATERAL (SELECT min(at) AS at FROM procrastinate_events "
            "                   WHERE job_id = j.id AND type = 'deferred') e ON true "
            "WHERE j.status = 'todo' AND coalesce(j.scheduled_at, e.at, now()) <= now()",
            (HEARTBEAT_SECONDS,),
        ).fetchone()
    assert row is not None
    status: dict[str, Any] = {
        "workers": int(row["workers"]),
        "due": int(row["due"]),
        "oldest_due_seconds": round(float(row["oldest_due_seconds"]), 1),
    }
    if status["workers"] == 0:
        status["warning"] = "no worker is running: customer messages are not being sent"
    elif status["oldest_due_seconds"] > 300:
        status["warning"] = "jobs are waiting more than 5 minutes: add workers"
    return status
