"""Notes on a contact or a ticket (a ticket's notes also belong to its contact)."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core.models.common import Ref
from crm.core.models.note import NoteCreate, NoteUpdate
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.errors import ValidationFailed


@REGISTRY.action("note", "create", input=NoteCreate)
def create(conn: Connection, data: NoteCreate) -> dict[str, Any]:
    """Write a note on a contact, or on a ticket (then it is on the ticket's contact too)."""
    values = data.model_dump()
    if data.ticket_id is not None:
        ticket = base.lock_parent(conn, "tickets", data.ticket_id, label="ticket")
        if data.contact_id is not None and data.contact_id != ticket["contact_id"]:
            raise ValidationFailed("That ticket belongs to a different contact.")
        values["contact_id"] = ticket["contact_id"]
    elif data.contact_id is None:
        raise ValidationFailed(
            "A note needs a contact_id or a ticket_id.",
            details={"fields": [{"field": "contact_id", "message": "required without ticket_id"}]},
        )
    # Both parents: a ticket's note is on its contact too (a deleted one takes no more notes).
    base.lock_parent(conn, "contacts", values["contact_id"], label="contact")
    return base.insert_row(conn, "notes", values, entity_type="note")


@REGISTRY.action("note", "update", input=NoteUpdate)
def update(conn: Connection, data: NoteUpdate) -> dict[str, Any]:
    """Change a note's text (not once its ticket is completed)."""
    return base.update_row(
        conn, "notes", data.id, {"body": data.body}, label="note", entity_type="note"
    )


@REGISTRY.action("note", "delete", input=Ref)
def delete(conn: Connection, data: Ref) -> dict[str, Any]:
    """Delete a note (not once its ticket is completed)."""
    return base.soft_delete(conn, "notes", data.id, label="note", entity_type="note")


@REGISTRY.data_type(
    "notes",
    filters={"contact_id": "notes of this contact", "ticket_id": "notes of this ticket"},
    includes=("audit_trail",),
)
def load_notes(conn: Connection, query: DataQuery) -> Any:
    """Notes, newest first."""
    if query.id is not None:
        return base.load_one(conn, "notes", query, label="note", entity_type="note")
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT * FROM notes"),
        order=("created_at DESC",),
        ids=("contact_id", "ticket_id"),
    )
    return base.with_includes(conn, rows, query.include, (base.audit_trail("note"),))
