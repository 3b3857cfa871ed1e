"""Tickets (appointment = job): schedule, staff, status. The clock: ticket_clock.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.exceptions import InvoiceExists
from crm.core.models.common import Ref
from crm.core.models.ticket import (
    AssignStaff,
    CancelTicket,
    NoShow,
    TicketCreate,
    TicketUpdate,
)
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import appointment_messages, base, contact_service, message_service
from crm.errors import Conflict, InvalidStatusTransition, TicketImmutable, ValidationFailed
from crm.utils.timezone import get_zone, utc_now

STATUSES = ("scheduled", "in_progress", "completed", "cancelled", "no_show")
TRANSITIONS = {
    "scheduled": {"in_progress", "cancelled", "no_show"},
    "in_progress": {"completed", "cancelled"},
}


def get(conn: Connection, ticket_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    return base.load(conn, "tickets", ticket_id, label="ticket", lock=lock)


def ensure_editable(ticket: dict[str, Any]) -> None:
    """Refuse changes to a finished ticket (completed, cancelled or no-show)."""
    if ticket["status"] == "completed":
        raise TicketImmutable()
    if ticket["status"] in ("cancelled", "no_show"):
        raise Conflict(f"This ticket is {ticket['status'].replace('_', ' ')}; it can't be changed.")


def transition(conn: Connection, ticket: dict[str, Any], new: str, **extra: Any) -> dict[str, Any]:
    old = ticket["status"]
    if ticket["status"] == "completed":
        raise TicketImmutable()
    if new not in TRANSITIONS.get(old, set()):
        raise InvalidStatusTransition(
            f"A {old.replace('_', ' ')} ticket can't become {new.replace('_', ' ')}.",
            details={"from": old, "to": new},
        )
    assignments = [sql.SQL("status = %s")] + [
        sql.SQL("{} = %s").format(sql.Identifier(k)) for k in extra
    ]
    conn.execute(
        sql.SQL("UPDATE tickets SET {} WHERE id = %s").format(sql.SQL(", ").join(assignments)),
        (new, *extra.values(), ticket["id"]),
    )
    changes = {"status": {"old": old, "new": new}}
    changes.update({k: {"old": ticket.get(k), "new": v} for k, v in extra.items()})
    audit.record(conn, entity_type="ticket", entity_id=ticket["id"], action=new, changes=changes)
    if new in ("cancelled", "no_show"):
        message_service.cancel_pending(conn, "ticket_id", ticket["id"])
    if new in ("in_progress", "completed"):
        appointment_messages.started(conn, ticket)
    if new == "cancelled":
        appointment_messages.cancelled(conn, ticket)
    if new == "completed":
        appointment_messages.completed(conn, ticket)
    return get(conn, ticket["id"])


def _check_address(conn: Connection, address_id: UUID | None, contact_id: UUID) -> None:
    if address_id is None:
        return
    address = base.lock_parent(conn, "addresses", address_id, label="address")
    if address["contact_id"] != contact_id:
        raise ValidationFailed(
            "That address belongs to a different contact.",
            details={"fields": [{"field": "address_id", "message": "not this contact's"}]},
        )


def set_staff(conn: Connection, ticket_id: UUID, staff_ids: list[UUID]) -> list[str]:
    wanted = list(dict.fromkeys(staff_ids))
    for staff_id in wanted:
        base.lock_parent(conn, "staff", staff_id, label="staff member")
    conn.execute("DELETE FROM ticket_staff WHERE ticket_id = %s", (ticket_id,))
    for staff_id in wanted:
        conn.execute(
            "INSERT INTO ticket_staff (user_id, ticket_id, staff_id) "
            "VALUES (current_setting('app.current_user_id')::uuid, %s, %s)",
            (ticket_id, staff_id),
        )
    return [str(s) for s in wanted]


def stop_clock(conn: Connection, ticket_id: UUID) -> None:
    """End the running time entry, if any. Not before it started: this transaction may have
    begun (``now()``) while it waited for the clock-in to commit."""
    conn.execute(
        "UPDATE time_entries SET ended_at = greatest(started_at, now()) "
        "WHERE ticket_id = %s AND ended_at IS NULL",
        (ticket_id,),
    )


def staff_ids_of(conn: Connection, ticket_id: UUID) -> list[str]:
    rows = conn.execute(
        "SELECT staff_id FROM ticket_staff WHERE ticket_id = %s ORDER BY created_at, staff_id",
        (ticket_id,),
    ).fetchall()
    return [str(r["staff_id"]) for r in rows]


@REGISTRY.action("ticket", "create", input=TicketCreate)
def create(conn: Connection, data: TicketCreate) -> dict[str, Any]:
    """Schedule a ticket (appointment and job in one) for a contact."""
    base.lock_parent(conn, "contacts", data.contact_id, label="contact")
    address_id = data.address_id
    if address_id is None:
        # Locked like any parent; one deleted meanwhile is skipped (no address), not a 404.
        primary = conn.execute(
            "SELECT id FROM addresses WHERE contact_id = %s AND is_primary FOR KEY SHARE",
            (data.contact_id,),
        ).fetchone()
        address_id = primary["id"] if primary else None
    else:
        _check_address(conn, address_id, data.contact_id)
    values = data.model_dump(exclude={"staff_ids"})
    values["address_id"] = address_id
    row = base.insert_row(conn, "tickets", values, entity_type="ticket")
    if data.staff_ids:
        assigned = set_staff(conn, row["id"], data.staff_ids)
        audit.record(
            conn,
            entity_type="ticket",
            entity_id=row["id"],
            action="assign_staff",
            changes={"staff_ids": {"old": [], "new": assigned}},
        )
    appointment_messages.booked(conn, row)
    return get(conn, row["id"])


@REGISTRY.action("ticket", "update", input=TicketUpdate)
def update(conn: Connection, data: TicketUpdate) -> dict[str, Any]:
    """Reschedule or change a ticket that is not finished. A plan's visit changed on its own
    is detached from the plan: editing the series later leaves it as it is (docs/plans.md)."""
    return change(conn, data, detach=True)


def change(conn: Connection, data: TicketUpdate, *, detach: bool) -> dict[str, Any]:
    """``ticket.update``'s work; a plan edit applying to its visits passes ``detach=False``."""
    ticket = get(conn, data.id, lock=True)
    ensure_editable(ticket)
    values = base.changed_fields(data)
    if detach and values and ticket["plan_id"] and not ticket["plan_detached"]:
        values["plan_detached"] = True
    if "scheduled_start" in values and values["scheduled_start"] is None:
        raise ValidationFailed("scheduled_start can't be empty.")
    if "address_id" in values:
        _check_address(conn, values["address_id"], ticket["contact_id"])
    updated = base.update_row(
        conn, "tickets", data.id, values, label="ticket", entity_type="ticket"
    )
    if "scheduled_start" in values:
        appointment_messages.rescheduled(
            conn, ticket, updated, confirmed="confirmation_status" in values
        )
        return get(conn, data.id)
    return updated


@REGISTRY.action("ticket", "assign_staff", input=AssignStaff)
def assign_staff(conn: Connection, data: AssignStaff) -> dict[str, Any]:
    """Set who works on a ticket (replaces the current assignment)."""
    ticket = get(conn, data.id, lock=True)
    ensure_editable(ticket)
    before = staff_ids_of(conn, data.id)
    after = set_staff(conn, data.id, data.staff_ids)
    if before != after and ticket["plan_id"] and not ticket["plan_detached"]:
        base.update_row(
            conn, "tickets", data.id, {"plan_detached": True}, label="ticket", entity_type="ticket"
        )
    if before != after:
        audit.record(
            conn,
            entity_type="ticket",
            entity_id=data.id,
            action="assign_staff",
            changes={"staff_ids": {"old": before, "new": after}},
        )
    return {**ticket, "staff_ids": after}


@REGISTRY.action("ticket", "cancel", input=CancelTicket)
def cancel(conn: Connection, data: CancelTicket) -> dict[str, Any]:
    """Cancel a ticket that has not been completed; its pending messages are cancelled too."""
    ticket = get(conn, data.id, lock=True)
    if ticket["status"] == "in_progress":
        stop_clock(conn, data.id)
    return transition(conn, ticket, "cancelled", cancel_reason=data.reason)


@REGISTRY.action("ticket", "mark_no_show", input=NoShow)
def mark_no_show(conn: Connection, data: NoShow) -> dict[str, Any]:
    """Record that the customer was not there for a scheduled ticket."""
    ticket = get(conn, data.id, lock=True)
    return transition(conn, ticket, "no_show", cancel_reason=data.reason)


@REGISTRY.action("ticket", "delete", input=Ref)
def delete(conn: Connection, data: Ref) -> dict[str, Any]:
    """Delete a ticket that is not completed (completed tickets are part of the record) and
    not billed (void its invoice first); its clock stops and its pending messages are cancelled.
    """
    # Locked before the checks: a line, note, message or invoice being added to it right now
    # holds a share lock on it (base.lock_parent), so we wait for it and then see it.
    ticket = get(conn, data.id, lock=True)
    if ticket["status"] == "completed":
        raise TicketImmutable()
    invoice = conn.execute(
        "SELECT id, number FROM invoices WHERE ticket_id = %s AND status <> 'void'", (data.id,)
    ).fetchone()
    if invoice is not None:
        raise InvoiceExists(
            f"This ticket is billed on invoice #{invoice['number']}; void it before deleting "
            "the ticket.",
            details={"invoice_id": str(invoice["id"]), "number": invoice["number"]},
        )
    stop_clock(conn, data.id)
    conn.execute("DELETE FROM closeout_drafts WHERE ticket_id = %s", (data.id,))
    message_service.cancel_pending(conn, "ticket_id", data.id)
    return base.soft_delete(conn, "tickets", data.id, label="ticket", entity_type="ticket")


# -- reads -------------------------------------------------------------------------------------


def _clocked_minutes(entries: list[dict[str, Any]]) -> int:
    now = utc_now()
    seconds = sum(((e["ended_at"] or now) - e["started_at"]).total_seconds() for e in entries)
    return round(seconds / 60)


INCLUDES = (
    base.Include(
        "line_items",
        "SELECT ticket_id AS _parent, * FROM line_items WHERE ticket_id = ANY(%(ids)s) "
        "ORDER BY position, created_at",
        derive=lambda items: {"total_cents": sum(int(i["total_cents"]) for i in items)},
    ),
    base.Include(
        "time_entries",
        "SELECT ticket_id AS _parent, * FROM time_entries WHERE ticket_id = ANY(%(ids)s) "
        "ORDER BY started_at",
        derive=lambda entries: {"clocked_minutes": _clocked_minutes(entries)},
    ),
    base.Include(
        "notes",
        "SELECT ticket_id AS _parent, * FROM notes WHERE ticket_id = ANY(%(ids)s) "
        "ORDER BY created_at",
    ),
    base.Include(
        "staff",
        "SELECT ts.ticket_id AS _parent, s.* FROM ticket_staff ts "
        "JOIN staff s ON s.id = ts.staff_id WHERE ts.ticket_id = ANY(%(ids)s) ORDER BY s.name",
    ),
    contact_service.include_contact(on="contact_id"),
    base.Include(
        "address",
        "SELECT id AS _parent, * FROM addresses WHERE id = ANY(%(ids)s)",
        on="address_id",
        one=True,
    ),
    base.audit_trail("ticket"),
)


@REGISTRY.data_type(
    "tickets",
    filters={
        "from": "first local date (YYYY-MM-DD) in the business's timezone",
        "to": "last local date, inclusive",
        "status": "scheduled, in_progress, completed, cancelled or no_show",
        "contact_id": "this contact's tickets",
        "address_id": "the tickets at this address",
        "current": "true: the ticket whose clock runs, else the next one scheduled today",
    },
    includes=base.include_names(INCLUDES),
)
def load_tickets(conn: Connection, query: DataQuery) -> Any:
    """Tickets: newest first, or in time order for a date range."""
    if query.id is not None:
        return _one(conn, get(conn, query.id), query.include)
    if query.filters.get("current") == "true":
        current = _current(conn, query.timezone)
        return _one(conn, current, query.include) if current else None
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT * FROM tickets"),
        # A date range reads like a calendar (in time order); otherwise newest first.
        order=("scheduled_start", "id") if base.dated(query) else ("scheduled_start DESC", "id"),
        local_dates="scheduled_start",
        ids=("contact_id", "address_id"),
        statuses=STATUSES,
        label="ticket",
    )
    return base.with_includes(conn, rows, query.include, INCLUDES)


def _one(conn: Connection, ticket: dict[str, Any], include: frozenset[str]) -> dict[str, Any]:
    return base.with_includes(conn, [ticket], include, INCLUDES)[0]


def _current(conn: Connection, timezone: str) -> dict[str, Any] | None:
    """The ticket whose clock is running; else the next one scheduled today, not yet over."""
    zone = get_zone(timezone)
    now = utc_now()
    local_today = now.astimezone(zone).date()
    day_end = datetime.combine(local_today + timedelta(days=1), time.min, tzinfo=zone)
    row = conn.execute(
        "(SELECT *, 0 AS rank FROM tickets t WHERE status = 'in_progress' AND EXISTS "
        " (SELECT 1 FROM time_entries e WHERE e.ticket_id = t.id AND e.ended_at IS NULL) "
        " ORDER BY scheduled_start LIMIT 1) "
        "UNION ALL "
        "(SELECT *, 1 AS rank FROM tickets WHERE status = 'scheduled' "
        " AND scheduled_start + make_interval(mins => duration_minutes) >= %s "
        # The longest ticket is a day: this bound lets the index skip the past.
        " AND scheduled_start >= %s - interval '1440 minutes' "
        " AND scheduled_start < %s ORDER BY scheduled_start LIMIT 1) "
        "ORDER BY rank LIMIT 1",
        (now, now, day_end),
    ).fetchone()
    return {k: v for k, v in row.items() if k != "rank"} if row else None
