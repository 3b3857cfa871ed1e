"""A plan's visits as real tickets: created ahead, kept in step with the plan, never twice.

docs/plans.md. ``generate`` creates the tickets for the plan's occurrences up to the horizon
(12 months) that do not exist yet — one INSERT … ON CONFLICT DO NOTHING per occurrence against
the unique (plan_id, plan_occurrence) of live tickets, with the plan row locked, so a second run
or a second worker creates nothing. ``apply`` brings the future visits in line with a changed
plan, leaving alone the ones changed on their own (detached), started, finished or past.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.common import Ref
from crm.core.models.ticket import LineItemAdd, TicketUpdate
from crm.core.plan_rules import Rule, local_start
from crm.core.services import (
    appointment_messages,
    line_item_service,
    ticket_overlaps,
    ticket_service,
)
from crm.utils.timezone import get_zone
from crm.utils.user_context import get_current_user

HORIZON_DAYS = 365


def rule_of(plan: dict[str, Any]) -> Rule:
    return Rule(
        plan["rrule"],
        plan["start_date"],
        plan["start_time"],
        plan["until_date"],
        plan["max_count"],
        frozenset(plan["skip_dates"] or ()),
    )


def horizon(today: date) -> date:
    return today + timedelta(days=HORIZON_DAYS)


def lock(conn: Connection, plan_id: UUID) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM plans WHERE id = %s FOR UPDATE", (plan_id,)).fetchone()


def generate(conn: Connection, plan: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """Create the missing visits from after what was generated (never before today) up to the
    horizon; the plan row must be locked. Returns the tickets created.

    What every visit shares is worked out once per plan (the staff still on the team, the
    services' current prices, whether the customer gets reminders); each visit is then a few
    INSERTs and one audit row naming its plan, staff and services."""
    if plan["status"] != "active":
        return []
    through = horizon(today)
    first = max(today, plan["start_date"])
    if plan["generated_through"] is not None:
        first = max(first, plan["generated_through"] + timedelta(days=1))
    days = rule_of(plan).dates(first, through)
    created = []
    if days:
        zone = get_zone(get_current_user().timezone)
        staff = _live_staff(conn, plan["staff_ids"])
        lines = _priced_lines(conn, plan["lines"])
        reminders = appointment_messages.plan_reminders(conn, plan["contact_id"])
        for day in days:
            ticket = _insert_visit(conn, plan, day, local_start(day, plan["start_time"], zone))
            if ticket is None:
                continue  # made by another run meanwhile
            _fill_visit(conn, ticket, staff, lines)
            if reminders is not None:
                appointment_messages.sync_reminders(conn, ticket, reminders)
            created.append(ticket)
    conn.execute("UPDATE plans SET generated_through = %s WHERE id = %s", (through, plan["id"]))
    return created


def _insert_visit(
    conn: Connection, plan: dict[str, Any], day: date, start: Any
) -> dict[str, Any] | None:
    return conn.execute(
        "INSERT INTO tickets (user_id, contact_id, address_id, title, scheduled_start, "
        "duration_minutes, plan_id, plan_occurrence) VALUES "
        "(current_setting('app.current_user_id')::uuid, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (plan_id, plan_occurrence) WHERE deleted_at IS NULL DO NOTHING "
        "RETURNING *",
        (
            plan["contact_id"],
            plan["address_id"],
            plan["title"],
            start,
            plan["duration_minutes"],
            plan["id"],
            day,
        ),
    ).fetchone()


def _fill_visit(
    conn: Connection,
    ticket: dict[str, Any],
    staff: list[UUID],
    lines: list[dict[str, Any]],
) -> None:
    """The visit's staff and services, and its audit row."""
    for staff_id in staff:
        conn.execute(
            "INSERT INTO ticket_staff (user_id, ticket_id, staff_id) "
            "VALUES (current_setting('app.current_user_id')::uuid, %s, %s)",
            (ticket["id"], staff_id),
        )
    for position, line in enumerate(lines):
        conn.execute(
            "INSERT INTO line_items (user_id, ticket_id, position, service_id, description, "
            "quantity, pricing_mode, unit_label, unit_price_cents) VALUES "
            "(current_setting('app.current_user_id')::uuid, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                ticket["id"],
                position,
                line["service_id"],
                line["description"],
                line["quantity"],
                line["pricing_mode"],
                line["unit_label"],
                line["unit_price_cents"],
            ),
        )
    audit.record(
        conn,
        entity_type="ticket",
        entity_id=ticket["id"],
        action="create",
        changes={
            "plan_id": {"old": None, "new": ticket["plan_id"]},
            "plan_occurrence": {"old": None, "new": ticket["plan_occurrence"]},
            "scheduled_start": {"old": None, "new": ticket["scheduled_start"]},
            "staff_ids": {"old": [], "new": [str(s) for s in staff]},
            "lines": {
                "old": [],
                "new": [f"{line['quantity']} x {line['description']}" for line in lines],
            },
        },
    )


def _priced_lines(conn: Connection, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan's services as line values: a catalog service at today's price (a flexible one
    at the plan's), one retired or gone as a custom line at the plan's (or its last) price.
    The services are share-locked, as any line's service is."""
    priced = []
    for line in lines:
        service = None
        if line.get("service_id"):
            service = conn.execute(
                "SELECT * FROM services WHERE id = %s FOR KEY SHARE", (line["service_id"],)
            ).fetchone()
        price = line.get("unit_price_cents")
        if service is not None and service["retired_at"] is None:
            flexible = service["pricing_mode"] == "flexible"
            fixed = service["pricing_mode"] == "fixed"
            priced.append(
                {
                    "service_id": service["id"],
                    "description": line.get("description") or service["name"],
                    "quantity": Decimal(1) if fixed else Decimal(str(line.get("quantity", 1))),
                    "pricing_mode": service["pricing_mode"],
                    "unit_label": service["unit_label"],
                    "unit_price_cents": price
                    if flexible and price is not None
                    else service["unit_price_cents"],
                }
            )
            continue
        last = service["unit_price_cents"] if service is not None else 0
        priced.append(
            {
                "service_id": None,
                "description": line.get("description") or (service or {}).get("name", "Service"),
                "quantity": Decimal(str(line.get("quantity", 1))),
                "pricing_mode": "flexible",
                "unit_label": "",
                "unit_price_cents": price if price is not None else last,
            }
        )
    return priced


def _live_staff(conn: Connection, staff_ids: list[UUID]) -> list[UUID]:
    """The plan's staff still on the team (a deleted one is left off new visits)."""
    if not staff_ids:
        return []
    rows = conn.execute(
        "SELECT id FROM staff WHERE id = ANY(%s) FOR KEY SHARE", (list(staff_ids),)
    ).fetchall()
    live = {row["id"] for row in rows}
    return [s for s in staff_ids if s in live]


def add_lines(conn: Connection, ticket_id: UUID, lines: list[dict[str, Any]]) -> None:
    """The plan's services on an existing visit (a series edit), through the line action."""
    for line in _priced_lines(conn, lines):
        line_item_service.add_line_item(
            conn,
            LineItemAdd(
                ticket_id=ticket_id,
                service_id=line["service_id"],
                description=line["description"],
                quantity=line["quantity"],
                unit_price_cents=None
                if line["service_id"] and line["pricing_mode"] != "flexible"
                else line["unit_price_cents"],
            ),
        )


def future_visits(conn: Connection, plan_id: UUID, today: date) -> list[dict[str, Any]]:
    """The plan's visits from today on that a series edit may change: scheduled, not started,
    not changed on their own."""
    return conn.execute(
        "SELECT * FROM tickets WHERE plan_id = %s AND status = 'scheduled' "
        "AND NOT plan_detached AND plan_occurrence >= %s "
        "AND NOT EXISTS (SELECT 1 FROM time_entries e WHERE e.ticket_id = tickets.id) "
        "ORDER BY plan_occurrence FOR UPDATE",
        (plan_id, today),
    ).fetchall()


def _item_lines(conn: Connection, ticket_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT * FROM line_items WHERE ticket_id = %s AND kind = 'item' "
        "ORDER BY position, created_at",
        (ticket_id,),
    ).fetchall()


def _same_lines(current: list[dict[str, Any]], planned: list[dict[str, Any]]) -> bool:
    """Whether a visit still has the plan's services (nobody added or changed one on it)."""

    def key(service_id: Any, quantity: Any) -> tuple[str, str]:
        return (str(service_id or ""), format(float(quantity), "g"))

    return sorted(key(c["service_id"], c["quantity"]) for c in current) == sorted(
        key(p.get("service_id"), p.get("quantity", 1)) for p in planned
    )


def apply(
    conn: Connection, before: dict[str, Any], after: dict[str, Any], today: date
) -> dict[str, int]:
    """Bring the future visits of ``after`` (a plan just changed from ``before``) in line: a
    visit whose date the rule no longer gives is deleted, the others get the new time, length,
    address, title, staff and services (staff or services someone changed on that visit stay);
    then the dates the new rule adds are created."""
    zone = get_zone(get_current_user().timezone)
    wanted = (
        set(rule_of(after).dates(today, horizon(today))) if after["status"] == "active" else set()
    )
    counts = {"deleted": 0, "changed": 0, "created": 0}
    for visit in future_visits(conn, after["id"], today):
        if visit["plan_occurrence"] not in wanted:
            ticket_service.delete(conn, Ref(id=visit["id"]))
            counts["deleted"] += 1
            continue
        changes: dict[str, Any] = {}
        start = local_start(visit["plan_occurrence"], after["start_time"], zone)
        if start != visit["scheduled_start"]:
            changes["scheduled_start"] = start
        for field, column in (
            ("duration_minutes", "duration_minutes"),
            ("address_id", "address_id"),
            ("title", "title"),
        ):
            if after[column] != visit[field]:
                changes[field] = after[column]
        changed = bool(changes)
        if changes:
            ticket_service.change(conn, TicketUpdate(id=visit["id"], **changes), detach=False)
        if list(after["staff_ids"]) != list(before["staff_ids"]):
            current = [UUID(s) for s in ticket_service.staff_ids_of(conn, visit["id"])]
            if sorted(current) == sorted(_live_staff(conn, before["staff_ids"])):
                ticket_service.set_staff(conn, visit["id"], _live_staff(conn, after["staff_ids"]))
                audit.record(
                    conn,
                    entity_type="ticket",
                    entity_id=visit["id"],
                    action="assign_staff",
                    changes={
                        "staff_ids": {
                            "old": [str(s) for s in current],
                            "new": [str(s) for s in after["staff_ids"]],
                        }
                    },
                )
                changed = True
        if after["lines"] != before["lines"]:
            current_lines = _item_lines(conn, visit["id"])
            if _same_lines(current_lines, before["lines"]):
                for line in current_lines:
                    line_item_service.remove_line_item(conn, Ref(id=line["id"]))
                add_lines(conn, visit["id"], after["lines"])
                changed = True
        counts["changed"] += changed
    # The dates the new rule adds: generate again from today.
    conn.execute("UPDATE plans SET generated_through = NULL WHERE id = %s", (after["id"],))
    fresh = lock(conn, after["id"])
    assert fresh is not None
    counts["created"] = len(generate(conn, fresh, today))
    return counts


def overlaps(conn: Connection, plan_id: UUID, today: date) -> list[dict[str, Any]]:
    """The plan's future visits that overlap another live ticket of the same staff (of anyone,
    in a business without staff): each with what it overlaps."""
    found = []
    visits = conn.execute(
        "SELECT t.id, t.scheduled_start, t.duration_minutes, t.plan_occurrence, "
        "ARRAY(SELECT staff_id FROM ticket_staff s WHERE s.ticket_id = t.id) AS staff "
        "FROM tickets t WHERE t.plan_id = %s AND t.status = 'scheduled' "
        "AND t.plan_occurrence >= %s ORDER BY t.plan_occurrence",
        (plan_id, today),
    ).fetchall()
    for visit in visits:
        others = ticket_overlaps.overlapping(
            conn,
            start=visit["scheduled_start"],
            minutes=visit["duration_minutes"],
            staff_ids=visit["staff"],
            exclude_id=visit["id"],
        )
        if others:
            found.append(
                {
                    "ticket_id": str(visit["id"]),
                    "date": visit["plan_occurrence"].isoformat(),
                    "scheduled_start": visit["scheduled_start"].isoformat(),
                    "overlaps": [
                        {
                            "ticket_id": str(o["id"]),
                            "contact_name": o["contact_name"],
                            "scheduled_start": o["scheduled_start"].isoformat(),
                        }
                        for o in others
                    ],
                }
            )
    return found


def store_lines(lines: list[Any]) -> Jsonb:
    """Plan lines as stored: JSON with ids and quantities as text."""
    return Jsonb(
        [
            {
                "service_id": str(line.service_id) if line.service_id else None,
                "description": line.description,
                "quantity": format(line.quantity.normalize(), "f"),
                "unit_price_cents": line.unit_price_cents,
            }
            for line in lines
        ]
    )
