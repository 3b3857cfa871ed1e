"""Service plans, the reads: a plan in plain words with its next visits, which visit of the
series a ticket is ("visit 7 of ∞"), and the ``plans`` data type (docs/plans.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core.plan_rules import describe
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base, plan_visits
from crm.utils.timezone import business_today
from crm.utils.user_context import get_current_user

STATUSES = ("active", "paused", "ended")


def rule_number(plan: dict[str, Any], occurrence: date) -> int:
    """Which visit of the whole series (across splits) the occurrence is."""
    return plan["first_number"] - 1 + plan_visits.rule_of(plan).number(occurrence)


def visit_label(plan: dict[str, Any], occurrence: date) -> str:
    """ "visit 7 of ∞", "visit 3 of 10"."""
    total = plan_visits.rule_of(plan).total()
    of = "∞" if total is None else str(plan["first_number"] - 1 + total)
    return f"visit {rule_number(plan, occurrence)} of {of}"


def shown(conn: Connection, plan: dict[str, Any]) -> dict[str, Any]:
    """A plan as the API returns it: the row, its rule in words and its next visits."""
    upcoming = conn.execute(
        "SELECT id, scheduled_start, plan_occurrence, plan_detached, status FROM tickets "
        "WHERE plan_id = %s AND status = 'scheduled' AND plan_occurrence >= %s "
        "ORDER BY plan_occurrence LIMIT 3",
        (plan["id"], business_today(get_current_user().timezone)),
    ).fetchall()
    return {**plan, "summary": describe(plan_visits.rule_of(plan)), "next_visits": upcoming}


@REGISTRY.data_type(
    "plans",
    filters={"contact_id": "this contact's plans", "status": "active, paused or ended"},
    includes=("visits", "audit_trail"),
)
def load_plans(conn: Connection, query: DataQuery) -> Any:
    """Service plans with their rule in plain words and next visits; ``visits``: every visit."""
    if query.id is not None:
        rows = [base.load(conn, "plans", query.id, label="plan")]
    else:
        rows = base.list_rows(
            conn,
            query,
            sql.SQL("SELECT * FROM plans"),
            order=("created_at DESC", "id"),
            ids=("contact_id",),
            statuses=STATUSES,
            label="plan",
        )
    plans = [shown(conn, row) for row in rows]
    if "visits" in query.include:
        for plan in plans:
            plan["visits"] = conn.execute(
                "SELECT * FROM tickets WHERE plan_id = %s ORDER BY plan_occurrence",
                (plan["id"],),
            ).fetchall()
    plans = base.with_includes(conn, plans, query.include, (base.audit_trail("plan"),))
    return plans[0] if query.id is not None else plans
