"""Contacts: the people and companies a business serves, and the search that finds them."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core.exceptions import ContactHasDependencies
from crm.core.models.common import Ref
from crm.core.models.contact import ContactCreate, ContactUpdate
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.errors import NotFound, ValidationFailed

COLUMNS = sql.SQL(
    "c.id, c.first_name, c.last_name, c.company, c.email, c.phone, "
    "c.preferred_contact_method, c.preferred_time_of_day, c.source, c.external_id, "
    "c.referred_by_id, c.email_opted_out_at, c.created_at, c.updated_at"
)


def display_name(row: dict[str, Any]) -> str:
    person = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)
    return person or row.get("company") or ""


def get(conn: Connection, contact_id: UUID) -> dict[str, Any]:
    row = conn.execute(
        sql.SQL("SELECT {} FROM contacts c WHERE c.id = %s").format(COLUMNS), (contact_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"No contact with id {contact_id}.")
    return _with_name(row)


def _with_name(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "display_name": display_name(row)}


@REGISTRY.action("contact", "create", input=ContactCreate)
def create(conn: Connection, data: ContactCreate) -> dict[str, Any]:
    """Create a contact (a person or company you serve)."""
    if data.referred_by_id is not None:
        base.lock_parent(conn, "contacts", data.referred_by_id, label="contact")
    row = base.insert_row(conn, "contacts", data.model_dump(), entity_type="contact")
    return get(conn, row["id"])


@REGISTRY.action("contact", "update", input=ContactUpdate)
def update(conn: Connection, data: ContactUpdate) -> dict[str, Any]:
    """Change a contact's details; only the fields sent are changed."""
    get(conn, data.id)
    values = base.changed_fields(data)
    if values.get("referred_by_id") is not None:
        if values["referred_by_id"] == data.id:
            raise ValidationFailed("A contact cannot refer themselves.")
        base.lock_parent(conn, "contacts", values["referred_by_id"], label="contact")
    base.update_row(conn, "contacts", data.id, values, label="contact", entity_type="contact")
    return get(conn, data.id)


@REGISTRY.action("contact", "delete", input=Ref)
def delete(conn: Connection, data: Ref) -> dict[str, Any]:
    """Delete a contact that has no open tickets and no unpaid invoices; their service plans
    end."""
    # Locked before the check: a ticket or invoice being created for this contact right now
    # holds a share lock on it (base.lock_parent), so we wait for it and then count it.
    base.load(conn, "contacts", data.id, label="contact", lock=True)
    blockers = conn.execute(
        "SELECT "
        "(SELECT count(*) FROM tickets WHERE contact_id = %(id)s "
        " AND status IN ('scheduled', 'in_progress')) AS open_tickets, "
        "(SELECT count(*) FROM invoices WHERE contact_id = %(id)s "
        " AND status IN ('draft', 'sent', 'partial')) AS unpaid_invoices",
        {"id": data.id},
    ).fetchone()
    assert blockers is not None
    if blockers["open_tickets"] or blockers["unpaid_invoices"]:
        raise ContactHasDependencies(details=dict(blockers))
    conn.execute(
        "UPDATE scheduled_messages SET status = 'cancelled' "
        "WHERE contact_id = %s AND status = 'pending'",
        (data.id,),
    )
    # A plan with no visits booked (paused, say) must never make one for a deleted customer.
    for plan in conn.execute(
        "SELECT id FROM plans WHERE contact_id = %s AND status <> 'ended'", (data.id,)
    ).fetchall():
        base.update_row(
            conn,
            "plans",
            plan["id"],
            {"status": "ended", "status_reason": "the customer was deleted"},
            label="plan",
            entity_type="plan",
        )
    return base.soft_delete(conn, "contacts", data.id, label="contact", entity_type="contact")


@REGISTRY.action("contact", "resubscribe", input=Ref)
def resubscribe(conn: Connection, data: Ref) -> dict[str, Any]:
    """Send emails to a contact who unsubscribed again (they asked you to); nothing to do if
    they never unsubscribed."""
    base.update_row(
        conn,
        "contacts",
        data.id,
        {"email_opted_out_at": None},
        label="contact",
        entity_type="contact",
        action="resubscribe",
    )
    return get(conn, data.id)


# -- reads ---------------------------------------------------------------------------------


def include_contact(*, on: str) -> base.Include:
    """``include=contact`` for rows that point at a contact through ``on``; a deleted contact
    is None (tickets and invoices outlive it)."""
    return base.Include(
        "contact",
        sql.SQL("SELECT c.id AS _parent, {} FROM contacts c WHERE c.id = ANY(%(ids)s)").format(
            COLUMNS
        ),
        on=on,
        one=True,
        shape=_with_name,
    )


INCLUDES = (
    base.Include(
        "addresses",
        "SELECT contact_id AS _parent, * FROM addresses WHERE contact_id = ANY(%(ids)s) "
        "ORDER BY is_primary DESC, created_at",
    ),
    base.Include(
        "attributes",
        "SELECT contact_id AS _parent, * FROM attributes WHERE contact_id = ANY(%(ids)s) "
        "ORDER BY key",
    ),
    base.Include(
        "notes",
        "SELECT contact_id AS _parent, * FROM notes WHERE contact_id = ANY(%(ids)s) "
        "ORDER BY created_at DESC",
    ),
    base.Include(
        "tickets",
        "SELECT t.contact_id AS _parent, t.*, COALESCE((SELECT sum(total_cents) "
        "FROM line_items l WHERE l.ticket_id = t.id), 0)::bigint AS total_cents "
        "FROM tickets t WHERE t.contact_id = ANY(%(ids)s) ORDER BY t.scheduled_start DESC",
    ),
    base.Include(
        "messages",
        "SELECT contact_id AS _parent, * FROM scheduled_messages "
        "WHERE contact_id = ANY(%(ids)s) ORDER BY scheduled_for DESC",
    ),
    base.audit_trail("contact"),
)


@REGISTRY.data_type(
    "contacts",
    includes=base.include_names(INCLUDES),
    searchable=True,
)
def load_contacts(conn: Connection, query: DataQuery) -> Any:
    """Contacts, newest first; `search` finds them by anything you remember."""
    if query.id is not None:
        return base.with_includes(conn, [get(conn, query.id)], query.include, INCLUDES)[0]
    if query.search:
        rows = search(conn, query.search, limit=query.limit)
    else:
        rows = base.list_rows(
            conn,
            query,
            sql.SQL("SELECT {} FROM contacts c").format(COLUMNS),
            order=("c.created_at DESC", "c.id"),
        )
        rows = [_with_name(r) for r in rows]
    return base.with_includes(conn, rows, query.include, INCLUDES)


# -- search --------------------------------------------------------------------------------

# Name matches: trigram word similarity of 0.45, or — for one-word queries — a name word one
# edit away ("Smyth" for "Smith" scores only 0.33 on trigrams).
_NAME_SIMILARITY = 0.45


def search(conn: Connection, text: str, *, limit: int) -> list[dict[str, Any]]:
    """Full-text over the contact's document, trigram for typos, digits for phone numbers.

    Accents and case never matter, and street suffixes match either spelling (Ln, Lane).
    Every word must prefix-match a word of the document (names, company, email, phone,
    addresses, notes, attribute keys and values), or the query must be close to the name, or
    its digits (4+) must appear in the phone number; only when no word matched exactly, typos
    in any word of the document count too. Ranked by text rank, name, phone.
    The matching and the query's normalisation run in search_contacts() (migrations 0003,
    0008) so its indexes can be used; see docs/search.md.
    """
    phrase = " ".join(text.lower().split())[:200]
    if not phrase:
        return []
    digits = re.sub(r"\D", "", phrase)
    rows = conn.execute(
        sql.SQL(
            "SELECT {columns} FROM search_contacts(%s, %s, %s, %s::real, %s::integer) AS s "
            "JOIN contacts c ON c.id = s.id ORDER BY s.rank DESC, c.created_at DESC"
        ).format(columns=COLUMNS),
        (phrase, digits, " " not in phrase and len(phrase) >= 4, _NAME_SIMILARITY, limit),
    ).fetchall()
    return [_with_name(r) for r in rows]
