"""Keep every active plan's visits booked 12 months ahead (docs/plans.md).

Runs in the worker every hour (a day's extension is a day's new visits per plan): the
SECURITY DEFINER function ``plans_to_extend`` names the plans behind the horizon across
businesses, and each is extended in its own business's unit of work, under RLS, with the plan
row locked — two workers extending at once create nothing twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from crm.clients.postgres_client import Database
from crm.core.services import plan_visits
from crm.utils.timezone import business_today, utc_now
from crm.utils.user_context import UserContext, user_context

log = logging.getLogger("crm.worker")

BATCH = 200
# Plans a business's "today" may lag UTC by a day: extend what is more than a day behind.
SLACK_DAYS = 1


def extend_plans(db: Database, *, batch: int = BATCH, rounds: int = 50) -> dict[str, int]:
    """Extend every plan behind the horizon; returns how many plans and visits."""
    through = utc_now().date() + timedelta(days=plan_visits.HORIZON_DAYS - SLACK_DAYS)
    plans = visits = 0
    for _ in range(rounds):
        with db.system() as conn:
            rows = conn.execute(
                "SELECT user_id, plan_id FROM plans_to_extend(%s, %s)", (through, batch)
            ).fetchall()
        for row in rows:
            visits += extend_one(db, row["user_id"], row["plan_id"])
        plans += len(rows)
        if len(rows) < batch:
            break
    if visits:
        log.info("extended %d plan(s): %d new visit(s)", plans, visits)
    return {"plans": plans, "visits": visits}


def extend_one(db: Database, user_id: UUID, plan_id: UUID) -> int:
    with db.unit_of_work(user_id) as conn:
        row = conn.execute("SELECT timezone FROM users WHERE id = %s", (user_id,)).fetchone()
    if row is None:
        return 0
    user = UserContext(user_id, row["timezone"], actor="worker:plans")
    with user_context(user), db.unit_of_work(user_id) as conn:
        plan = plan_visits.lock(conn, plan_id)
        if plan is None:
            return 0
        return len(plan_visits.generate(conn, plan, business_today(user.timezone)))
