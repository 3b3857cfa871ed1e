"""Reopening a cancelled or no-show ticket: back on the calendar, usually at a new time, and
the customer asked to confirm again (docs/messaging.md)."""

from __future__ import annotations

from typing import Any

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.ticket import ReopenTicket
from crm.core.registry import REGISTRY
from crm.core.services import appointment_messages, base
from crm.errors import InvalidStatusTransition
from crm.utils.timezone import utc_now


@REGISTRY.action("ticket", "reopen", input=ReopenTicket)
def reopen(conn: Connection, data: ReopenTicket) -> dict[str, Any]:
    """Put a cancelled or no-show ticket back on the calendar, at a new time if given."""
    ticket = base.load(conn, "tickets", data.id, label="ticket", lock=True)
    if ticket["status"] not in ("cancelled", "no_show"):
        raise InvalidStatusTransition(
            f"Only a cancelled or no-show ticket can be reopened; this one is "
            f"{ticket['status'].replace('_', ' ')}.",
            details={"from": ticket["status"], "to": "scheduled"},
        )
    start = data.scheduled_start or ticket["scheduled_start"]
    conn.execute(
        "UPDATE tickets SET status = 'scheduled', cancel_reason = '', scheduled_start = %s, "
        "confirmation_status = 'unconfirmed', confirmation_note = '', "
        "confirmation_answered_at = NULL, ics_sequence = ics_sequence + 1 WHERE id = %s",
        (start, data.id),
    )
    changes: dict[str, Any] = {
        "status": {"old": ticket["status"], "new": "scheduled"},
        "cancel_reason": {"old": ticket["cancel_reason"], "new": ""},
    }
    if start != ticket["scheduled_start"]:
        changes["scheduled_start"] = {"old": ticket["scheduled_start"], "new": start}
    audit.record(conn, entity_type="ticket", entity_id=data.id, action="reopen", changes=changes)
    reopened = base.load(conn, "tickets", data.id, label="ticket")
    if start > utc_now():
        appointment_messages.booked(conn, reopened)
    return reopened
