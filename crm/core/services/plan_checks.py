"""Service plans, the checks: the rule and the parents an input names, the visit a scoped
change starts from, what a change alters, and overlaps (crm/core/services/plan_service.py)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from crm.clients.postgres_client import Connection
from crm.core.exceptions import PlanOverlaps
from crm.core.models.plan import PlanFields, PlanUpdate
from crm.core.plan_rules import Rule, RuleError, normalise
from crm.core.services import base, plan_visits, ticket_service
from crm.errors import Conflict, ValidationFailed
from crm.utils.timezone import business_today
from crm.utils.user_context import get_current_user


def business_day() -> date:
    return business_today(get_current_user().timezone)


def checked_rule(
    text: str, start_date: date, data: PlanFields, plan: dict[str, Any] | None
) -> Rule:
    """The rule checked (RuleError → 422 on the rrule field)."""
    fields = data.model_fields_set
    until = data.until if "until" in fields or plan is None else plan["until_date"]
    count = data.count if "count" in fields or plan is None else plan["max_count"]
    start_time = data.start_time if "start_time" in fields or plan is None else plan["start_time"]
    try:
        return normalise(
            text, start_date=start_date, start_time=start_time, until=until, count=count
        )
    except RuleError as exc:
        raise ValidationFailed(
            str(exc), details={"fields": [{"field": "rrule", "message": str(exc)}]}
        ) from exc


def check_parents(conn: Connection, contact_id: UUID, data: PlanFields) -> None:
    if "address_id" in data.model_fields_set and data.address_id is not None:
        address = base.lock_parent(conn, "addresses", data.address_id, label="address")
        if address["contact_id"] != contact_id:
            raise ValidationFailed(
                "That address belongs to a different contact.",
                details={"fields": [{"field": "address_id", "message": "not this contact's"}]},
            )
    for staff_id in dict.fromkeys(data.staff_ids if "staff_ids" in data.model_fields_set else []):
        base.lock_parent(conn, "staff", staff_id, label="staff member")
    for line in data.lines if "lines" in data.model_fields_set else []:
        if line.service_id is not None:
            service = base.lock_parent(conn, "services", line.service_id, label="service")
            if service["retired_at"] is not None:
                raise ValidationFailed(f"{service['name']} is retired; pick a current service.")
        elif not line.description or line.unit_price_cents is None:
            raise ValidationFailed("A line without a service needs a description and a price.")


def refuse_overlaps(conn: Connection, plan_id: UUID, confirm: bool, today: date) -> list[Any]:
    found = plan_visits.overlaps(conn, plan_id, today)
    if found and not confirm:
        raise PlanOverlaps(details={"visits": found})
    return found


def primary_address(conn: Connection, contact_id: UUID) -> UUID | None:
    row = conn.execute(
        "SELECT id FROM addresses WHERE contact_id = %s AND is_primary FOR KEY SHARE",
        (contact_id,),
    ).fetchone()
    return row["id"] if row else None


def get(conn: Connection, plan_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    return base.load(conn, "plans", plan_id, label="plan", lock=lock)


def changed(data: PlanUpdate, plan: dict[str, Any], rule: Rule) -> dict[str, Any]:
    """The plan columns this update changes."""
    fields = data.model_fields_set
    values: dict[str, Any] = {}
    simple = ("address_id", "title", "duration_minutes", "crew_note", "start_time")
    for name in simple:
        if name in fields and getattr(data, name) != plan[name]:
            values[name] = getattr(data, name)
    if "staff_ids" in fields and list(dict.fromkeys(data.staff_ids)) != list(plan["staff_ids"]):
        values["staff_ids"] = list(dict.fromkeys(data.staff_ids))
    if "lines" in fields:
        lines = plan_visits.store_lines(data.lines)
        if lines.obj != plan["lines"]:
            values["lines"] = lines
    if "skip_dates" in fields and sorted(set(data.skip_dates)) != list(plan["skip_dates"]):
        values["skip_dates"] = sorted(set(data.skip_dates))
    for name, value in (
        ("rrule", rule.text),
        ("start_date", rule.start_date),
        ("until_date", rule.until),
        ("max_count", rule.count),
    ):
        if value != plan[name]:
            values[name] = value
    return values


def visit_of(conn: Connection, plan: dict[str, Any], ticket_id: UUID | None) -> dict[str, Any]:
    if ticket_id is None:
        raise ValidationFailed(
            "Say which visit: ticket_id is needed for 'this' and 'following'.",
            details={"fields": [{"field": "ticket_id", "message": "required"}]},
        )
    visit = ticket_service.get(conn, ticket_id, lock=True)
    if visit["plan_id"] != plan["id"]:
        raise ValidationFailed(
            "That visit is not one of this plan's.",
            details={"fields": [{"field": "ticket_id", "message": "not this plan's"}]},
        )
    if visit["status"] != "scheduled":
        raise Conflict(
            f"That visit is {visit['status'].replace('_', ' ')}; only a scheduled one changes."
        )
    return visit
