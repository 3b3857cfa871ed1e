"""Scheduled messages: what to tell a contact, and when (sending is a worker's job)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from crm.clients.postgres_client import Connection, savepoint
from crm.core import audit
from crm.core.exceptions import MessageExists
from crm.core.models.common import Ref
from crm.core.models.scheduled_message import MessageSchedule
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.errors import Conflict, InvalidStatusTransition, ValidationFailed

STATUSES = ("pending", "sending", "sent", "failed", "cancelled", "skipped")
KINDS = (
    "appointment_confirmation",
    "reminder",
    "follow_up",
    "reach_out",
    "invoice",
    "custom",
    "thank_you",
    "cancellation",
    "visit_answer",
)
CHANNELS = ("email", "sms")
_DEDUPE_CONSTRAINT = "scheduled_messages_user_id_dedupe_key_key"
INCLUDES = (
    base.audit_trail("message"),
    base.Include(
        "attempts",
        "SELECT message_id AS _parent, id, channel, outcome, detail, attempted_at "
        "FROM message_attempts WHERE message_id = ANY(%(ids)s) ORDER BY attempted_at, id",
    ),
    # The last time the worker held the message back for the business's quiet hours, and
    # until when: the page says "waits for quiet hours" while that is still its time.
    base.Include(
        "quiet_wait",
        "SELECT entity_id AS _parent, created_at, "
        "(changes->'scheduled_for'->>'new')::timestamptz AS until FROM audit_log "
        "WHERE entity_type = 'message' AND action = 'wait' AND entity_id = ANY(%(ids)s) "
        "ORDER BY created_at DESC, id DESC",
        one=True,
    ),
)


def _same_contact(row: dict[str, Any], contact_id: UUID, field: str, label: str) -> None:
    if row["contact_id"] != contact_id:
        raise ValidationFailed(
            f"That {label} belongs to a different contact.",
            details={"fields": [{"field": field, "message": "not this contact's"}]},
        )


def _duplicate(key: str, existing: dict[str, Any] | None) -> MessageExists:
    details: dict[str, Any] = {"dedupe_key": key}
    if existing is not None:
        details.update(message_id=str(existing["id"]), status=existing["status"])
    return MessageExists(
        f"A message with dedupe key {key!r} already exists; each key is used once.",
        details=details,
    )


@REGISTRY.action("message", "schedule", input=MessageSchedule)
def schedule(conn: Connection, data: MessageSchedule) -> dict[str, Any]:
    """Schedule a message to a contact, optionally about one of their tickets or invoices."""
    # Every parent share-locked, so a concurrent delete, cancel or void (which cancel pending
    # messages) either waits for this one or is seen by it.
    base.lock_parent(conn, "contacts", data.contact_id, label="contact")
    if data.ticket_id is not None:
        ticket = base.lock_parent(conn, "tickets", data.ticket_id, label="ticket")
        _same_contact(ticket, data.contact_id, "ticket_id", "ticket")
        if ticket["status"] in ("cancelled", "no_show"):
            # Cancelling a ticket cancels its pending messages; don't add new ones after.
            raise Conflict(
                f"This ticket is {ticket['status'].replace('_', ' ')}; it gets no more messages.",
                details={"ticket_status": ticket["status"]},
            )
    if data.invoice_id is not None:
        invoice = base.lock_parent(conn, "invoices", data.invoice_id, label="invoice")
        _same_contact(invoice, data.contact_id, "invoice_id", "invoice")
        if invoice["status"] == "void":
            # Voiding an invoice cancels its pending messages; don't add new ones after.
            raise Conflict(
                "This invoice is void; it gets no more messages.",
                details={"invoice_status": "void"},
            )
    if data.dedupe_key is not None:
        existing = conn.execute(
            "SELECT id, status FROM scheduled_messages WHERE dedupe_key = %s", (data.dedupe_key,)
        ).fetchone()
        if existing is not None:
            raise _duplicate(data.dedupe_key, existing)
    # A concurrent request may take the key between the check and the insert.
    key = data.dedupe_key
    taken = {_DEDUPE_CONSTRAINT: _duplicate(key, None)} if key is not None else {}
    with savepoint(conn, constraint_errors=taken):
        values = {**data.model_dump(), "requested": True}
        return base.insert_row(conn, "scheduled_messages", values, entity_type="message")


def cancel_pending(conn: Connection, column: str, parent_id: UUID) -> None:
    """Cancel (and audit) the pending messages about a ticket or an invoice that is going away:
    ``column`` is ``ticket_id`` or ``invoice_id``."""
    if column not in ("ticket_id", "invoice_id"):
        raise ValueError(f"messages are not cancelled by {column}")
    rows = conn.execute(
        sql.SQL(
            "UPDATE scheduled_messages SET status = 'cancelled' "
            "WHERE {} = %s AND status = 'pending' RETURNING id"
        ).format(sql.Identifier(column)),
        (parent_id,),
    ).fetchall()
    for row in rows:
        audit.record(
            conn,
            entity_type="message",
            entity_id=row["id"],
            action="cancel",
            changes={"status": {"old": "pending", "new": "cancelled"}},
        )


@REGISTRY.action("message", "cancel", input=Ref)
def cancel(conn: Connection, data: Ref) -> dict[str, Any]:
    """Stop a pending message from being sent."""
    message = base.load(conn, "scheduled_messages", data.id, label="message", lock=True)
    if message["status"] != "pending":
        raise InvalidStatusTransition(
            f"Only a pending message can be cancelled; this one is {message['status']}.",
            details={"from": message["status"], "to": "cancelled"},
        )
    return base.update_row(
        conn,
        "scheduled_messages",
        data.id,
        {"status": "cancelled"},
        label="message",
        entity_type="message",
        action="cancel",
    )


# -- reads -----------------------------------------------------------------------------------


@REGISTRY.data_type(
    "messages",
    filters={
        "status": "pending, sending, sent, failed, cancelled or skipped",
        "contact_id": "messages to this contact",
        "ticket_id": "messages about this ticket",
        "invoice_id": "messages about this invoice",
        "kind": ", ".join(KINDS[:-1]) + " or " + KINDS[-1],
        "channel": "email or sms",
        "from": "first local date (YYYY-MM-DD) in the business's timezone",
        "to": "last local date, inclusive",
    },
    includes=base.include_names(INCLUDES),
)
def load_messages(conn: Connection, query: DataQuery) -> Any:
    """Scheduled messages, in the order they go out."""
    if query.id is not None:
        row = base.load(conn, "scheduled_messages", query.id, label="message")
        return base.with_includes(conn, [row], query.include, INCLUDES)[0]
    for name, allowed in (("kind", KINDS), ("channel", CHANNELS)):
        if query.filters.get(name) and query.filters[name] not in allowed:
            raise ValidationFailed(
                f"Unknown message {name} {query.filters[name]!r}.",
                details={"fields": [{"field": name, "message": f"not a {name}"}]},
            )
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT * FROM scheduled_messages"),
        order=("scheduled_for", "id"),
        local_dates="scheduled_for",
        ids=("contact_id", "ticket_id", "invoice_id"),
        equals=("kind", "channel"),
        statuses=STATUSES,
        label="message",
    )
    return base.with_includes(conn, rows, query.include, INCLUDES)
