"""Service plans: recurring visits for a customer (docs/plans.md).

A plan is a rule (plan_rules) with the visit's defaults; its visits are tickets (plan_visits)
created 12 months ahead and extended daily by the worker. Changing a plan applies to one
visit (``this``: the visit is detached), this and the ``following`` ones (the plan is split in
two at that visit) or ``all`` future visits; past, started and finished visits never change.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.common import Ref
from crm.core.models.plan import PlanCreate, PlanEnd, PlanSkip, PlanUpdate
from crm.core.models.ticket import AssignStaff, CancelTicket, TicketUpdate
from crm.core.plan_rules import local_start
from crm.core.registry import REGISTRY
from crm.core.services import base, line_item_service, plan_visits, ticket_service
from crm.core.services.plan_checks import (
    business_day,
    changed,
    check_parents,
    checked_rule,
    get,
    primary_address,
    refuse_overlaps,
    visit_of,
)
from crm.core.services.plan_reads import rule_number, shown
from crm.errors import Conflict, ValidationFailed
from crm.utils.timezone import get_zone
from crm.utils.user_context import get_current_user


@REGISTRY.action("plan", "create", input=PlanCreate)
def create(conn: Connection, data: PlanCreate) -> dict[str, Any]:
    """Start a service plan: its visits for the next 12 months are booked at once (reminders
    as for any visit, no confirmation request per visit). Refused with PLAN_OVERLAPS (nothing
    saved) when visits overlap another ticket of the same staff, unless confirm_overlaps."""
    base.lock_parent(conn, "contacts", data.contact_id, label="contact")
    check_parents(conn, data.contact_id, data)
    rule = checked_rule(data.rrule, data.start_date, data, None)
    address_id = data.address_id or primary_address(conn, data.contact_id)
    values = {
        "contact_id": data.contact_id,
        "address_id": address_id,
        "title": data.title,
        "rrule": rule.text,
        "start_date": data.start_date,
        "start_time": data.start_time,
        "duration_minutes": data.duration_minutes,
        "until_date": rule.until,
        "max_count": rule.count,
        "skip_dates": sorted(set(data.skip_dates)),
        "lines": plan_visits.store_lines(data.lines),
        "staff_ids": list(dict.fromkeys(data.staff_ids)),
        "crew_note": data.crew_note,
    }
    plan = base.insert_row(conn, "plans", values, entity_type="plan")
    today = business_day()
    created = plan_visits.generate(conn, plan, today)
    found = refuse_overlaps(conn, plan["id"], data.confirm_overlaps, today)
    return {**shown(conn, get(conn, plan["id"])), "created": len(created), "overlaps": found}


@REGISTRY.action("plan", "update", input=PlanUpdate)
def update(conn: Connection, data: PlanUpdate) -> dict[str, Any]:
    """Change a plan's visits: ``this`` one (it is detached from the plan), this and the
    ``following`` ones (the plan is split at ``ticket_id``) or ``all`` future visits."""
    plan = get(conn, data.id, lock=True)
    if plan["status"] == "ended" and data.scope != "this":
        raise Conflict("This plan has ended; start a new one.")
    check_parents(conn, plan["contact_id"], data)
    today = business_day()
    if data.scope == "all":
        return _update_all(conn, plan, data, today)
    visit = visit_of(conn, plan, data.ticket_id)
    if data.scope == "this":
        return _update_one(conn, plan, visit, data)
    if rule_number(plan, visit["plan_occurrence"]) == plan["first_number"]:
        return _update_all(conn, plan, data, today)  # from its first visit: the whole plan
    return _split(conn, plan, visit, data, today)


def _update_all(
    conn: Connection, plan: dict[str, Any], data: PlanUpdate, today: date
) -> dict[str, Any]:
    start_date = data.start_date or plan["start_date"]
    rule = checked_rule(data.rrule or plan["rrule"], start_date, data, plan)
    values = changed(data, plan, rule)
    if not values:
        return {**shown(conn, plan), "visits": {"deleted": 0, "changed": 0, "created": 0}}
    after = base.update_row(conn, "plans", plan["id"], values, label="plan", entity_type="plan")
    counts = plan_visits.apply(conn, plan, after, today)
    found = refuse_overlaps(conn, plan["id"], data.confirm_overlaps, today)
    return {**shown(conn, get(conn, plan["id"])), "visits": counts, "overlaps": found}


def _update_one(
    conn: Connection, plan: dict[str, Any], visit: dict[str, Any], data: PlanUpdate
) -> dict[str, Any]:
    """One visit changed on its own: a plain ticket change that detaches it."""
    fields = data.model_fields_set
    changes: dict[str, Any] = {}
    zone = get_zone(get_current_user().timezone)
    if {"start_date", "start_time"} & fields:
        local = visit["scheduled_start"].astimezone(zone)
        day = data.start_date or local.date()
        at = data.start_time if "start_time" in fields else local.time()
        changes["scheduled_start"] = local_start(day, at, zone)
    for name in ("duration_minutes", "address_id", "title"):
        if name in fields:
            changes[name] = getattr(data, name)
    if changes:
        ticket_service.update(conn, TicketUpdate(id=visit["id"], **changes))
    if "staff_ids" in fields:
        ticket_service.assign_staff(conn, AssignStaff(id=visit["id"], staff_ids=data.staff_ids))
    if "lines" in fields:
        # The plan's services are catalog lines; a custom line added by hand stays.
        for line in conn.execute(
            "SELECT id FROM line_items WHERE ticket_id = %s AND kind = 'item' "
            "AND service_id IS NOT NULL",
            (visit["id"],),
        ).fetchall():
            line_item_service.remove_line_item(conn, Ref(id=line["id"]))
        plan_visits.add_lines(conn, visit["id"], plan_visits.store_lines(data.lines).obj)
    if not ticket_service.get(conn, visit["id"])["plan_detached"]:
        base.update_row(
            conn,
            "tickets",
            visit["id"],
            {"plan_detached": True},
            label="ticket",
            entity_type="ticket",
        )
    found = refuse_overlaps(conn, plan["id"], data.confirm_overlaps, business_day())
    return {
        **shown(conn, plan),
        "ticket": ticket_service.get(conn, visit["id"]),
        "overlaps": found,
    }


def _split(
    conn: Connection, plan: dict[str, Any], visit: dict[str, Any], data: PlanUpdate, today: date
) -> dict[str, Any]:
    """This visit and the following: the plan ends the day before, a new plan (with the
    changes) starts at this visit and takes over its visits from there."""
    occurrence = visit["plan_occurrence"]
    number = rule_number(plan, occurrence)
    old_rule = plan_visits.rule_of(plan)
    remaining = None
    if plan["max_count"] is not None:
        remaining = max(1, plan["max_count"] - (old_rule.number(occurrence) - 1))
    base.update_row(
        conn,
        "plans",
        plan["id"],
        {"until_date": occurrence - timedelta(days=1), "max_count": None},
        label="plan",
        entity_type="plan",
    )
    start_date = data.start_date or occurrence
    fields = data.model_fields_set
    copy = {
        name: getattr(data, name) if name in fields else plan[name]
        for name in ("address_id", "title", "duration_minutes", "crew_note", "start_time")
    }
    rule_input = data.model_copy()
    if "count" not in fields and "until" not in fields:
        rule_input = data.model_copy(
            update={"count": remaining, "until": plan["until_date"] if remaining is None else None}
        )
        rule_input.model_fields_set.update({"count", "until"})
    rule = checked_rule(data.rrule or plan["rrule"], start_date, rule_input, plan)
    values = {
        "contact_id": plan["contact_id"],
        **copy,
        "rrule": rule.text,
        "start_date": start_date,
        "until_date": rule.until,
        "max_count": rule.count,
        "skip_dates": sorted(set(data.skip_dates))
        if "skip_dates" in fields
        else plan["skip_dates"],
        "lines": plan_visits.store_lines(data.lines) if "lines" in fields else Jsonb(plan["lines"]),
        "staff_ids": list(dict.fromkeys(data.staff_ids))
        if "staff_ids" in fields
        else plan["staff_ids"],
        "split_from": plan["id"],
        "first_number": number,
    }
    new = base.insert_row(conn, "plans", values, entity_type="plan")
    moved = conn.execute(
        "UPDATE tickets SET plan_id = %s WHERE plan_id = %s AND plan_occurrence >= %s "
        "AND status = 'scheduled' RETURNING id",
        (new["id"], plan["id"], occurrence),
    ).fetchall()
    for row in moved:
        audit.record(
            conn,
            entity_type="ticket",
            entity_id=row["id"],
            action="update",
            changes={"plan_id": {"old": plan["id"], "new": new["id"]}},
        )
    conn.execute(
        "UPDATE plans SET generated_through = %s WHERE id = %s",
        (plan["generated_through"], new["id"]),
    )
    before = {**plan, "id": new["id"]}
    after = get(conn, new["id"], lock=True)
    counts = plan_visits.apply(conn, before, after, today)
    found = refuse_overlaps(conn, new["id"], data.confirm_overlaps, today)
    return {
        **shown(conn, get(conn, new["id"])),
        "split_from": shown(conn, get(conn, plan["id"])),
        "visits": counts,
        "overlaps": found,
    }


@REGISTRY.action("plan", "skip", input=PlanSkip)
def skip(conn: Connection, data: PlanSkip) -> dict[str, Any]:
    """Skip one visit of a plan: it is cancelled with the reason (the customer is told as for
    any cancellation) and never made again; the plan carries on."""
    visit = ticket_service.get(conn, data.ticket_id, lock=True)
    if visit["plan_id"] is None:
        raise ValidationFailed(
            "That ticket is not a plan's visit; cancel it instead.",
            details={"fields": [{"field": "ticket_id", "message": "not a plan's visit"}]},
        )
    get(conn, visit["plan_id"], lock=True)
    if visit["status"] != "scheduled":
        raise Conflict(f"That visit is {visit['status'].replace('_', ' ')}; it can't be skipped.")
    return ticket_service.cancel(
        conn, CancelTicket(id=visit["id"], reason=f"Skipped: {data.reason}"[:500])
    )


@REGISTRY.action("plan", "pause", input=Ref)
def pause(conn: Connection, data: Ref) -> dict[str, Any]:
    """Stop making visits for now: the future visits that were not changed on their own are
    taken off the calendar (quietly: no cancellation messages); resume brings them back."""
    plan = get(conn, data.id, lock=True)
    if plan["status"] != "active":
        raise Conflict(f"This plan is {plan['status']}; only an active plan can be paused.")
    today = business_day()
    removed = 0
    for visit in plan_visits.future_visits(conn, plan["id"], today):
        ticket_service.delete(conn, Ref(id=visit["id"]))  # quiet: pending messages cancelled
        removed += 1
    after = base.update_row(
        conn,
        "plans",
        plan["id"],
        {"status": "paused", "generated_through": None},
        label="plan",
        entity_type="plan",
    )
    return {**shown(conn, after), "removed": removed}


@REGISTRY.action("plan", "resume", input=Ref)
def resume(conn: Connection, data: Ref) -> dict[str, Any]:
    """Make visits again from today, as the rule gives them."""
    plan = get(conn, data.id, lock=True)
    if plan["status"] != "paused":
        raise Conflict(f"This plan is {plan['status']}; only a paused plan can be resumed.")
    after = base.update_row(
        conn, "plans", plan["id"], {"status": "active"}, label="plan", entity_type="plan"
    )
    created = plan_visits.generate(conn, after, business_day())
    return {**shown(conn, get(conn, plan["id"])), "created": len(created)}


@REGISTRY.action("plan", "end", input=PlanEnd)
def end(conn: Connection, data: PlanEnd) -> dict[str, Any]:
    """End a plan: every future visit not yet started is cancelled (the customer is told, as
    for any cancellation, when messaging is on); past visits stay."""
    plan = get(conn, data.id, lock=True)
    if plan["status"] == "ended":
        raise Conflict("This plan has already ended.")
    today = business_day()
    rows = conn.execute(
        "SELECT id FROM tickets WHERE plan_id = %s AND status = 'scheduled' "
        "AND plan_occurrence >= %s ORDER BY plan_occurrence",
        (plan["id"], today),
    ).fetchall()
    reason = f"Plan ended{': ' + data.reason if data.reason else ''}"[:500]
    for row in rows:
        ticket_service.cancel(conn, CancelTicket(id=row["id"], reason=reason))
    until = max(plan["start_date"], today - timedelta(days=1))
    after = base.update_row(
        conn,
        "plans",
        plan["id"],
        {"status": "ended", "status_reason": data.reason, "until_date": until, "max_count": None},
        label="plan",
        entity_type="plan",
    )
    return {**shown(conn, after), "cancelled": len(rows)}
