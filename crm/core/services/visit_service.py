"""What a customer does through a public link — see a visit and answer it, stop emails, ask to
be booked, read an invoice (DESIGN.md §11). The owner's calendar feed is calendar_feed_service.

Every function runs inside the business's own unit of work, opened by ``opened`` from the token
alone, with the customer as the actor (``customer:<contact id>``) so the audit trail says who
acted. Nothing here ever sees another business's rows: the link names the business, RLS does
the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, LiteralString
from uuid import UUID

from pydantic import Field, ValidationError

from crm.clients.postgres_client import Connection, Database
from crm.core import audit
from crm.core.dispatch import validation_details
from crm.core.models.common import Input, Text, format_money
from crm.core.services import base, invoice_service, public_links, ticket_service
from crm.core.services.appointment_messages import messaging_settings
from crm.core.services.contact_service import display_name
from crm.core.services.message_content import ANSWERS as ANSWER_WORDS
from crm.core.services.message_content import format_clock, format_day
from crm.errors import NotFound, ValidationFailed
from crm.utils.phone import InvalidPhoneError, normalise_phone
from crm.utils.timezone import utc_now
from crm.utils.user_context import UserContext, user_context

MAX_NOTE = 1000
# What each button on the visit page sets the ticket's confirmation to.
ANSWERS = {"confirm": "confirmed", "decline": "declined", "reschedule": "reschedule_requested"}
# What the customer's invoice page shows of the invoice row.
INVOICE_FIELDS = (
    "number",
    "status",
    "tax_rate_bp",
    "subtotal_cents",
    "tax_cents",
    "total_cents",
    "paid_cents",
    "balance_cents",
)
INVOICE_STATUS = {
    "draft": "Not sent yet",
    "sent": "Due",
    "partial": "Partly paid",
    "paid": "Paid",
    "void": "Cancelled (void)",
}


class LinkNotFound(NotFound):
    """Unknown, expired, revoked, for another page, or its visit or invoice is gone: the same
    answer for every reason, so a link tells a stranger nothing."""

    code = "LINK_NOT_FOUND"
    default_message = (
        "This link doesn't work any more. It may have expired, or a newer one was sent. "
        "Please contact the business that sent it."
    )


class CustomerNote(Input):
    """What a customer may type on a public page: a reason, or the days and times that suit."""

    note: Text = Field("", max_length=MAX_NOTE)


def clean_note(note: str) -> str:
    """The note as stored (trimmed, Windows line breaks made plain), or ValidationFailed."""
    try:
        value = CustomerNote.model_validate({"note": note}).note
    except ValidationError as exc:
        raise ValidationFailed(details=validation_details(exc)) from None
    return value.replace("\r\n", "\n").replace("\r", "\n")


# -- opening a link --------------------------------------------------------------------------


@contextmanager
def opened(
    db: Database, token: str, purpose: str, *, write: bool = False
) -> Iterator[tuple[Connection, dict[str, Any]]]:
    """The link's business's unit of work (read-only unless ``write``), acting as its customer;
    yields the connection and the link with its ``business`` and ``contact_id``."""
    found = public_links.find(db, token, purpose)
    if found is None:
        raise LinkNotFound()
    user_id, link_id = found
    unit = db.unit_of_work if write else db.read_only
    with unit(user_id) as conn:
        link = _link(conn, link_id)
        who = f"customer:{link['contact_id']}" if link["contact_id"] else f"link:{link_id}"
        with user_context(UserContext(user_id, link["business"]["timezone"], actor=who)):
            yield conn, link


def _link(conn: Connection, link_id: UUID) -> dict[str, Any]:
    link = _row(conn, "SELECT * FROM public_links WHERE id = %s", link_id)
    business = _row(
        conn,
        "SELECT id, business_name, timezone, email FROM users WHERE is_active AND id = %s",
        link["user_id"],
    )
    contact_id = link["contact_id"]
    # Soft-deleted rows are hidden by RLS: a link to a deleted visit or invoice is dead too.
    if link["ticket_id"] is not None:
        contact_id = _row(conn, "SELECT contact_id FROM tickets WHERE id = %s", link["ticket_id"])[
            "contact_id"
        ]
    elif link["invoice_id"] is not None:
        contact_id = _row(
            conn, "SELECT contact_id FROM invoices WHERE id = %s", link["invoice_id"]
        )["contact_id"]
    if contact_id is not None:
        _row(conn, "SELECT id FROM contacts WHERE id = %s", contact_id)
    return {**link, "business": business, "contact_id": contact_id}


def _row(conn: Connection, query: LiteralString, row_id: UUID) -> dict[str, Any]:
    row = conn.execute(query, (row_id,)).fetchone()
    if row is None:
        raise LinkNotFound()
    return row


def _business(conn: Connection, link: dict[str, Any]) -> dict[str, str]:
    """The business as a customer's page shows it: its name and a phone to call."""
    phone = messaging_settings(conn)["business_phone"]
    try:
        dial = normalise_phone(phone)
    except InvalidPhoneError:
        dial = re.sub(r"[^\d+]", "", phone)
    return {
        "business_name": link["business"]["business_name"],
        "business_phone": phone,
        "phone_href": dial,
    }


# -- the visit page --------------------------------------------------------------------------


def show(conn: Connection, link: dict[str, Any]) -> dict[str, Any]:
    """What the visit page shows: when, where, what, the price, and whether it can be answered."""
    ticket = ticket_service.get(conn, link["ticket_id"])
    timezone = link["business"]["timezone"]
    lines = conn.execute(
        "SELECT description, total_cents FROM line_items WHERE ticket_id = %s "
        "AND deleted_at IS NULL ORDER BY position, created_at",
        (ticket["id"],),
    ).fetchall()
    price = ""
    if lines:
        total = format_money(sum(int(line["total_cents"]) for line in lines))
        price = f"about {total}" if ticket["is_price_estimated"] else total
    services = [line["description"] for line in lines] or [t for t in [ticket["title"]] if t]
    return {
        **_business(conn, link),
        "date": format_day(ticket["scheduled_start"], timezone),
        "time": format_clock(ticket["scheduled_start"], timezone),
        "address": _address(conn, ticket["address_id"]),
        "services": services,
        "price": price,
        "status": ticket["status"],
        "confirmation_status": ticket["confirmation_status"],
        "confirmation_note": ticket["confirmation_note"],
        "closed": _closed(ticket),
    }


def _address(conn: Connection, address_id: UUID | None) -> str:
    if address_id is None:
        return ""
    row = conn.execute(
        "SELECT line1, line2, city, region, postal_code FROM addresses WHERE id = %s",
        (address_id,),
    ).fetchone()
    if row is None:
        return ""
    place = " ".join(p for p in (row["region"], row["postal_code"]) if p)
    return ", ".join(p for p in (row["line1"], row["line2"], row["city"], place) if p)


def _closed(ticket: dict[str, Any]) -> str:
    """Why the customer can no longer answer for this visit, or "" while they can."""
    status = ticket["status"]
    if status == "cancelled":
        return "This visit has been cancelled."
    if status == "completed":
        return "This visit is done. Thank you!"
    if status == "in_progress":
        return "This visit is under way."
    if status == "no_show" or ticket["scheduled_start"] <= utc_now():
        return "The time of this visit has passed."
    return ""


def answer(conn: Connection, link: dict[str, Any], *, answer: str, note: str) -> str:
    """Record the customer's answer and tell the business; returns the new confirmation status,
    "unchanged" for the same answer again, or "closed" when the visit can't be answered."""
    status = ANSWERS[answer]
    text = clean_note(note)
    ticket = ticket_service.get(conn, link["ticket_id"], lock=True)
    if ticket["confirmation_status"] == status and ticket["confirmation_note"] == text:
        return "unchanged"
    if _closed(ticket):
        return "closed"
    conn.execute(
        "UPDATE tickets SET confirmation_status = %s, confirmation_note = %s, "
        "confirmation_answered_at = now() WHERE id = %s",
        (status, text, ticket["id"]),
    )
    fields = ["confirmation_status", "confirmation_note"]
    after = {"confirmation_status": status, "confirmation_note": text}
    audit.record(
        conn,
        entity_type="ticket",
        entity_id=ticket["id"],
        action="update",
        changes=audit.diff(ticket, after, fields),
    )
    if status == "declined":
        reason = "Customer can't make it" + (f": {' '.join(text.split())}" if text else "")
        ticket_service.transition(conn, ticket, "cancelled", cancel_reason=reason)
    # After the cancel: cancelling a ticket cancels its pending messages.
    timezone = link["business"]["timezone"]
    name = _customer_name(conn, ticket["contact_id"])
    day = format_day(ticket["scheduled_start"], timezone)
    words = ANSWER_WORDS[status]
    body = f"{name} {words} for the visit on {day} at "
    body += format_clock(ticket["scheduled_start"], timezone) + "."
    if text:
        body += f"\n\nTheir message: {text}"
    _notify(
        conn,
        contact_id=ticket["contact_id"],
        ticket_id=ticket["id"],
        subject=f"{name} {words} ({day})",
        body=body,
        templated=True,
    )
    return status


def _customer_name(conn: Connection, contact_id: UUID) -> str:
    contact = conn.execute("SELECT * FROM contacts WHERE id = %s", (contact_id,)).fetchone()
    return display_name(contact) if contact else "A customer"


def _notify(
    conn: Connection,
    *,
    contact_id: UUID,
    ticket_id: UUID | None,
    subject: str,
    body: str,
    templated: bool,
) -> None:
    """Email the business now (the worker sends it to its reply-to address)."""
    values = {
        "kind": "visit_answer",
        "audience": "business",
        "channel": "email",
        "contact_id": contact_id,
        "ticket_id": ticket_id,
        "subject": subject,
        "body": body,
        "scheduled_for": utc_now(),
        "templated": templated,
        "requested": True,
    }
    base.insert_row(conn, "scheduled_messages", values, entity_type="message")


# -- unsubscribe and booking -----------------------------------------------------------------


def contact_page(conn: Connection, link: dict[str, Any]) -> dict[str, Any]:
    """The business and whether this customer still gets its emails (unsubscribe, booking)."""
    contact = conn.execute(
        "SELECT first_name, email_opted_out_at FROM contacts WHERE id = %s", (link["contact_id"],)
    ).fetchone()
    assert contact is not None
    return {
        **_business(conn, link),
        "first_name": contact["first_name"],
        "opted_out": contact["email_opted_out_at"] is not None,
    }


def unsubscribe(conn: Connection, link: dict[str, Any]) -> bool:
    """Stop the business's marketing emails to this customer; False if already stopped."""
    row = conn.execute(
        "UPDATE contacts SET email_opted_out_at = now() "
        "WHERE id = %s AND email_opted_out_at IS NULL RETURNING email_opted_out_at",
        (link["contact_id"],),
    ).fetchone()
    if row is None:
        return False
    audit.record(
        conn,
        entity_type="contact",
        entity_id=link["contact_id"],
        action="update",
        changes={"email_opted_out_at": {"old": None, "new": row["email_opted_out_at"]}},
    )
    return True


def book_request(conn: Connection, link: dict[str, Any], *, note: str) -> str:
    """Note the customer's wish to be booked and tell the business; "requested", or "unchanged"
    when the same request was made in the last day."""
    text = clean_note(note)
    contact = base.lock_parent(conn, "contacts", link["contact_id"], label="contact")
    body = f"Asked to book: {text}" if text else "Asked to book."
    again = conn.execute(
        "SELECT 1 FROM notes WHERE contact_id = %s AND ticket_id IS NULL AND body = %s "
        "AND created_at > now() - interval '1 day'",
        (contact["id"], body),
    ).fetchone()
    if again is not None:
        return "unchanged"
    base.insert_row(conn, "notes", {"contact_id": contact["id"], "body": body}, entity_type="note")
    name = display_name(contact) or "A customer"
    lines = [
        f"{name} would like to book a visit.",
        "",
        f"Days and times that suit: {text or 'not given'}",
        f"Phone: {contact['phone'] or 'none on file'}",
        f"Email: {contact['email'] or 'none on file'}",
    ]
    _notify(
        conn,
        contact_id=contact["id"],
        ticket_id=None,
        subject=f"{name} would like to book",
        body="\n".join(lines) + "\n",
        templated=False,
    )
    return "requested"


# -- invoice view ----------------------------------------------------------------------------


def invoice(conn: Connection, link: dict[str, Any]) -> dict[str, Any]:
    """The one invoice the link is for, as the customer sees it (read-only, no payment)."""
    row = invoice_service.get(conn, link["invoice_id"])
    lines = conn.execute(
        "SELECT description, quantity, unit_label, unit_price_cents, total_cents "
        "FROM invoice_lines WHERE invoice_id = %s ORDER BY position, id",
        (row["id"],),
    ).fetchall()
    timezone = link["business"]["timezone"]
    due = row["due_on"]
    return {
        **_business(conn, link),
        **{key: row[key] for key in INVOICE_FIELDS},
        "status_text": INVOICE_STATUS[row["status"]],
        "date": format_day(row["sent_at"] or row["created_at"], timezone),
        "due": f"{due:%A, %B} {due.day}" if due else "",
        "lines": lines,
    }
