"""Invoices: a numbered snapshot of a ticket's lines (or free lines), sent, paid, or voided.

Status machine: draft -> sent -> partial -> paid, with payments moving an invoice along and
refunds or removed payments moving it back; a draft can be edited; void only from draft or
sent with nothing paid (refund or remove the payments first). Void invoices are final.
Lines are items or discounts (a fixed amount, or a percent of the items); a total never goes
below zero. Money is integer cents; no float ever touches an amount.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg import sql

from crm.clients.postgres_client import Connection, savepoint
from crm.core import audit
from crm.core.exceptions import InvoiceExists
from crm.core.models.common import Ref, format_money
from crm.core.models.invoice import (
    InvoiceFromTicket,
    InvoiceLineInput,
    InvoiceStandalone,
    InvoiceUpdate,
    VoidInvoice,
)
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import (
    base,
    contact_service,
    invoice_settings_service,
    message_service,
    ticket_service,
)
from crm.errors import Conflict, InvalidStatusTransition, NotFound, ValidationFailed
from crm.utils.timezone import business_today, utc_now
from crm.utils.user_context import get_current_user

STATUSES = ("draft", "sent", "partial", "paid", "void")

_SELECT = sql.SQL("SELECT *, total_cents - paid_cents AS balance_cents FROM invoices")


def get(conn: Connection, invoice_id: UUID) -> dict[str, Any]:
    """The invoice with its balance, or NotFound."""
    row = conn.execute(_SELECT + sql.SQL(" WHERE id = %s"), (invoice_id,)).fetchone()
    if row is None:
        raise NotFound(f"No invoice with id {invoice_id}.")
    return row


def _lock(conn: Connection, invoice_id: UUID) -> dict[str, Any]:
    return base.load(conn, "invoices", invoice_id, label="invoice", lock=True)


# -- arithmetic ------------------------------------------------------------------------------


def line_total_cents(quantity: Decimal, unit_price_cents: int) -> int:
    """quantity x price, rounded half up to a cent, as the database computes line items.

    Quantities have at most three decimal places, so thousandths are an exact integer.
    """
    thousandths = int(quantity * 1000)
    return (thousandths * unit_price_cents + 500) // 1000


def tax_cents(subtotal_cents: int, tax_rate_bp: int) -> int:
    """subtotal x rate (basis points), rounded half up: 1010 cents at 5% is 50.5 -> 51."""
    return (subtotal_cents * tax_rate_bp + 5000) // 10000


def priced_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each line with its total: items by quantity x price, a fixed discount as its (negative)
    price, a percent discount as that percent of the items, rounded half up.

    Refused when the discounts come to more than the items: a total never goes below zero.
    """
    items = sum(
        line_total_cents(line["quantity"], line["unit_price_cents"])
        for line in lines
        if line.get("kind", "item") == "item"
    )
    priced = []
    for line in lines:
        kind = line.get("kind", "item")
        percent = line.get("percent_bp")
        price = -tax_cents(items, percent) if kind == "discount" and percent else None
        price = line["unit_price_cents"] if price is None else price
        total = line_total_cents(line["quantity"], price) if kind == "item" else price
        priced.append(
            {
                "description": line["description"],
                "kind": kind,
                "quantity": line["quantity"],
                "unit_label": line.get("unit_label", ""),
                "unit_price_cents": price,
                "percent_bp": percent if kind == "discount" else None,
                "total_cents": total,
            }
        )
    subtotal = sum(line["total_cents"] for line in priced)
    if subtotal < 0:
        raise ValidationFailed(
            f"The discounts come to more than the lines ({format_money(items)}); "
            "a total never goes below zero.",
            details={"fields": [{"field": "lines", "message": "discounts above the lines"}]},
        )
    return priced


def _totals(lines: list[dict[str, Any]], tax_rate_bp: int) -> dict[str, int]:
    subtotal = sum(int(line["total_cents"]) for line in lines)
    tax = tax_cents(subtotal, tax_rate_bp)
    return {"subtotal_cents": subtotal, "tax_cents": tax, "total_cents": subtotal + tax}


def _input_lines(lines: list[InvoiceLineInput]) -> list[dict[str, Any]]:
    return priced_lines([line.model_dump() for line in lines])


# -- creation --------------------------------------------------------------------------------


def _allocate_number(conn: Connection) -> int:
    """The business's next invoice number (1, 2, ...), in the caller's transaction.

    The upsert locks the business's counter row until commit, so two creations never share
    a number, and a creation that rolls back takes its number back with it: no gaps. Callers
    allocate first, which also serialises invoice creation per business, so the
    one-invoice-per-ticket check that follows can't race.
    """
    row = conn.execute(
        "INSERT INTO invoice_counters (user_id) "
        "VALUES (current_setting('app.current_user_id')::uuid) "
        "ON CONFLICT (user_id) DO UPDATE SET next_number = invoice_counters.next_number + 1 "
        "RETURNING next_number"
    ).fetchone()
    assert row is not None
    return int(row["next_number"])


def _terms(conn: Connection, data: InvoiceFromTicket | InvoiceStandalone) -> dict[str, Any]:
    """Tax rate, due date and notes: as given, else the business's invoice settings."""
    settings = invoice_settings_service.current(conn)
    today = business_today(get_current_user().timezone)
    return {
        "tax_rate_bp": settings["tax_rate_bp"] if data.tax_rate_bp is None else data.tax_rate_bp,
        "due_on": data.due_on or today + timedelta(days=settings["due_days"]),
        "notes": settings["default_notes"] if data.notes is None else data.notes,
    }


def _insert_lines(conn: Connection, invoice_id: UUID, lines: list[dict[str, Any]]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO invoice_lines (user_id, invoice_id, description, kind, quantity, "
            "unit_label, unit_price_cents, percent_bp, total_cents, position) VALUES "
            "(current_setting('app.current_user_id')::uuid, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    invoice_id,
                    line["description"],
                    line.get("kind", "item"),
                    line["quantity"],
                    line["unit_label"],
                    line["unit_price_cents"],
                    line.get("percent_bp"),
                    line["total_cents"],
                    position,
                )
                for position, line in enumerate(lines)
            ],
        )


def _insert_invoice(
    conn: Connection, values: dict[str, Any], lines: list[dict[str, Any]]
) -> dict[str, Any]:
    """Insert the invoice and its lines; one audit row records both."""
    values = {**values, **_totals(lines, values["tax_rate_bp"])}
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in values)
    placeholders = sql.SQL(", ").join(sql.Placeholder() for _ in values)
    with savepoint(conn, constraint_errors={"invoices_one_per_ticket": InvoiceExists}):
        row = conn.execute(
            sql.SQL(
                "INSERT INTO invoices (user_id, {}) VALUES "
                "(current_setting('app.current_user_id')::uuid, {}) RETURNING id"
            ).format(columns, placeholders),
            tuple(values.values()),
        ).fetchone()
    assert row is not None
    _insert_lines(conn, row["id"], lines)
    changes = {k: {"old": None, "new": v} for k, v in values.items()}
    changes["lines"] = {"old": None, "new": lines}
    audit.record(conn, entity_type="invoice", entity_id=row["id"], action="create", changes=changes)
    return get(conn, row["id"])


@REGISTRY.action("invoice", "create_from_ticket", input=InvoiceFromTicket)
def create_from_ticket(conn: Connection, data: InvoiceFromTicket) -> dict[str, Any]:
    """Bill a ticket: a draft invoice with a snapshot of its line items (one per ticket); tax,
    due date and notes default to the business's invoice settings."""
    number = _allocate_number(conn)
    ticket = ticket_service.get(conn, data.ticket_id, lock=True)
    # The bill is the contact's too: a deleted contact takes no new invoice.
    base.lock_parent(conn, "contacts", ticket["contact_id"], label="contact")
    if ticket["status"] in ("cancelled", "no_show"):
        raise Conflict(
            f"This ticket is {ticket['status'].replace('_', ' ')}; there is nothing to invoice.",
            details={"ticket_status": ticket["status"]},
        )
    existing = conn.execute(
        "SELECT id, number FROM invoices WHERE ticket_id = %s AND status <> 'void'",
        (data.ticket_id,),
    ).fetchone()
    if existing is not None:
        raise InvoiceExists(
            f"This ticket already has invoice #{existing['number']}.",
            details={"invoice_id": str(existing["id"]), "number": existing["number"]},
        )
    lines = conn.execute(
        "SELECT description, kind, quantity, unit_label, unit_price_cents, percent_bp "
        "FROM line_items WHERE ticket_id = %s ORDER BY position, created_at, id",
        (data.ticket_id,),
    ).fetchall()
    if not lines:
        raise ValidationFailed(
            "This ticket has no line items; add what was done before invoicing it.",
            details={"fields": [{"field": "ticket_id", "message": "ticket has no line items"}]},
        )
    values = {
        "number": number,
        "contact_id": ticket["contact_id"],
        "ticket_id": ticket["id"],
        **_terms(conn, data),
    }
    return _insert_invoice(conn, values, priced_lines([dict(line) for line in lines]))


@REGISTRY.action("invoice", "create_standalone", input=InvoiceStandalone)
def create_standalone(conn: Connection, data: InvoiceStandalone) -> dict[str, Any]:
    """Bill a contact for lines you type in, without a ticket (a draft invoice)."""
    number = _allocate_number(conn)
    base.lock_parent(conn, "contacts", data.contact_id, label="contact")
    values = {"number": number, "contact_id": data.contact_id, "ticket_id": None}
    return _insert_invoice(conn, {**values, **_terms(conn, data)}, _input_lines(data.lines))


def _lines_of(conn: Connection, invoice_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT description, kind, quantity, unit_label, unit_price_cents, percent_bp, "
        "total_cents FROM invoice_lines WHERE invoice_id = %s ORDER BY position",
        (invoice_id,),
    ).fetchall()


@REGISTRY.action("invoice", "update", input=InvoiceUpdate)
def update(conn: Connection, data: InvoiceUpdate) -> dict[str, Any]:
    """Correct a draft: its lines (all replaced), tax rate, due date or notes; once it is
    sent or paid, it can only be voided and billed again."""
    invoice = _lock(conn, data.id)
    if invoice["status"] != "draft":
        raise Conflict(
            f"Only a draft invoice can be edited; this one is {invoice['status']}.",
            details={"status": invoice["status"]},
        )
    values: dict[str, Any] = {
        field: getattr(data, field)
        for field in ("tax_rate_bp", "due_on", "notes")
        if field in data.model_fields_set and getattr(data, field) is not None
    }
    old_lines = _lines_of(conn, data.id)
    lines = old_lines if data.lines is None else _input_lines(data.lines)
    context = None
    if data.lines is not None:
        conn.execute("DELETE FROM invoice_lines WHERE invoice_id = %s", (data.id,))
        _insert_lines(conn, data.id, lines)
        context = {"lines": {"old": old_lines, "new": lines}}
    rate = values.get("tax_rate_bp", invoice["tax_rate_bp"])
    values.update(_totals(lines, rate))
    changed = {k: v for k, v in values.items() if invoice.get(k) != v}
    return _apply(conn, invoice, changed, action="update", context=context)


# -- status ----------------------------------------------------------------------------------


def _apply(
    conn: Connection,
    invoice: dict[str, Any],
    values: dict[str, Any],
    *,
    action: str,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Update a locked invoice and audit the change (plus ``context``) in one row."""
    if values:
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(column)) for column in values
        )
        conn.execute(
            sql.SQL("UPDATE invoices SET {} WHERE id = %s").format(assignments),
            (*values.values(), invoice["id"]),
        )
    changes = {k: {"old": invoice.get(k), "new": v} for k, v in values.items()}
    changes.update(context or {})
    audit.record(
        conn, entity_type="invoice", entity_id=invoice["id"], action=action, changes=changes
    )
    return get(conn, invoice["id"])


@REGISTRY.action("invoice", "mark_sent", input=Ref)
def mark_sent(conn: Connection, data: Ref) -> dict[str, Any]:
    """Record that a draft invoice went to the customer; it can then only be paid or voided."""
    invoice = _lock(conn, data.id)
    if invoice["status"] != "draft":
        raise InvalidStatusTransition(
            f"Only a draft invoice can be marked sent; this one is {invoice['status']}.",
            details={"from": invoice["status"], "to": "sent"},
        )
    return _apply(conn, invoice, {"status": "sent", "sent_at": utc_now()}, action="sent")


@REGISTRY.action("invoice", "void", input=VoidInvoice)
def void(conn: Connection, data: VoidInvoice) -> dict[str, Any]:
    """Cancel a draft or sent invoice with nothing paid on it (refund or remove payments
    first); it keeps its number, and its pending messages are cancelled."""
    invoice = _lock(conn, data.id)
    if invoice["paid_cents"]:
        raise InvalidStatusTransition(
            f"{format_money(invoice['paid_cents'])} is paid on this invoice; refund or remove "
            "the payments first, then void it.",
            details={"from": invoice["status"], "to": "void", "paid_cents": invoice["paid_cents"]},
        )
    if invoice["status"] not in ("draft", "sent"):
        raise InvalidStatusTransition(
            f"Only a draft or sent invoice can be voided; this one is {invoice['status']}.",
            details={"from": invoice["status"], "to": "void"},
        )
    context = {"void_reason": {"old": None, "new": data.reason}} if data.reason else None
    message_service.cancel_pending(conn, "invoice_id", data.id)
    return _apply(
        conn, invoice, {"status": "void", "voided_at": utc_now()}, action="void", context=context
    )


# -- payments --------------------------------------------------------------------------------


# -- reads -----------------------------------------------------------------------------------


INCLUDES = (
    base.Include(
        "lines",
        "SELECT invoice_id AS _parent, * FROM invoice_lines WHERE invoice_id = ANY(%(ids)s) "
        "ORDER BY position",
    ),
    base.Include(
        "payments",
        "SELECT invoice_id AS _parent, * FROM payments WHERE invoice_id = ANY(%(ids)s) "
        "ORDER BY paid_on, created_at, id",
    ),
    # A contact can be deleted once its invoices are settled; the invoice outlives it.
    contact_service.include_contact(on="contact_id"),
    base.audit_trail("invoice"),
)


@REGISTRY.data_type(
    "invoices",
    filters={
        "status": "draft, sent, partial, paid or void",
        "contact_id": "this contact's invoices",
        "ticket_id": "the invoice of this ticket",
    },
    includes=base.include_names(INCLUDES),
)
def load_invoices(conn: Connection, query: DataQuery) -> Any:
    """Invoices, newest (highest number) first, each with its balance."""
    if query.id is not None:
        return base.with_includes(conn, [get(conn, query.id)], query.include, INCLUDES)[0]
    rows = base.list_rows(
        conn,
        query,
        _SELECT,
        order=("number DESC",),
        ids=("contact_id", "ticket_id"),
        statuses=STATUSES,
        label="invoice",
    )
    return base.with_includes(conn, rows, query.include, INCLUDES)
