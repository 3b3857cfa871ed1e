"""What one scheduled message says, to whom, and on which channel — decided when it is sent.

Read inside the business's own unit of work, so only its rows are visible. A message that
should not go out any more (the customer opted out, the appointment moved past it, the
ticket was cancelled) raises ``Skip`` with the reason the owner will see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crm.clients.postgres_client import Connection
from crm.core.models.common import format_money
from crm.core.services import public_links
from crm.core.services.appointment_messages import APPOINTMENT_KINDS, messaging_settings
from crm.core.services.contact_service import display_name
from crm.messaging import ics, templates
from crm.utils.phone import InvalidPhoneError, normalise_phone
from crm.utils.timezone import get_zone, utc_now

VISIT_LINK_DAYS_AFTER = 30
LONG_LINK_DAYS = 365


class Skip(Exception):
    """This message should not be sent; the reason is shown on the Messages page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Composed:
    channel: str  # "email" or "sms"
    to: str
    to_name: str
    subject: str
    text: str
    html: str
    sms: str
    reply_to: str
    sender_name: str
    unsubscribe_url: str = ""
    calendar: bytes | None = None
    calendar_method: str = ""


@dataclass(frozen=True)
class Channels:
    """How the worker can reach people: where links point, and whether SMS is configured."""

    base_url: str
    sms: bool
    link_domain: str


def compose(conn: Connection, message: dict[str, Any], channels: Channels) -> Composed:
    business = conn.execute("SELECT id, email, business_name, timezone FROM users").fetchone()
    assert business is not None
    settings = messaging_settings(conn)
    contact = conn.execute(
        "SELECT * FROM contacts WHERE id = %s", (message["contact_id"],)
    ).fetchone()
    if contact is None:
        raise Skip("the contact was deleted")
    ticket = _row(conn, "tickets", message["ticket_id"])
    invoice = _row(conn, "invoices", message["invoice_id"])
    kind = message["kind"]
    _still_wanted(kind, message, contact, ticket, invoice)
    reply_to = settings["reply_to"] or business["email"]
    variables = _variables(conn, business, settings, contact, ticket, invoice, message)
    links = _Links(conn, channels.base_url, business["timezone"])
    if ticket is not None and kind in APPOINTMENT_KINDS:
        variables["visit_link"] = links.visit(ticket)
    if kind == "reach_out":
        variables["book_link"] = links.make("book", contact_id=contact["id"])
    if invoice is not None:
        variables["invoice_link"] = links.make("invoice", invoice_id=invoice["id"])

    if message["audience"] == "business":
        if ticket is not None:  # the owner's own page for the visit, not the customer's link
            variables["visit_link"] = f"{channels.base_url.rstrip('/')}/tickets/{ticket['id']}"
        rendered = _render(conn, kind, message, variables, unsubscribe="")
        return Composed(
            channel="email",
            to=reply_to,
            to_name=business["business_name"],
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            sms="",
            reply_to=contact["email"],
            sender_name=business["business_name"],
        )

    channel, to = _channel(contact, channels.sms)
    unsubscribe = ""
    if kind not in templates.TRANSACTIONAL:
        if contact["email_opted_out_at"] is not None and channel == "email":
            raise Skip("the customer unsubscribed from these emails")
        if channel == "email":
            unsubscribe = links.make("unsubscribe", contact_id=contact["id"])
    rendered = _render(conn, kind, message, variables, unsubscribe=unsubscribe)
    calendar, method = None, ""
    if ticket is not None and kind in ("appointment_confirmation", "cancellation"):
        cancelled = kind == "cancellation"
        method = "CANCEL" if cancelled else "REQUEST"
        calendar = ics.invitation(
            _appointment(conn, ticket, business, reply_to, variables, channels, cancelled)
        )
    return Composed(
        channel=channel,
        to=to,
        to_name=display_name(contact),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        sms=rendered.sms,
        reply_to=reply_to,
        sender_name=business["business_name"],
        unsubscribe_url=unsubscribe,
        calendar=calendar,
        calendar_method=method,
    )


def _row(conn: Connection, table: str, row_id: Any) -> dict[str, Any] | None:
    if row_id is None:
        return None
    return conn.execute(f"SELECT * FROM {table} WHERE id = %s", (row_id,)).fetchone()  # noqa: S608


def _still_wanted(
    kind: str,
    message: dict[str, Any],
    contact: dict[str, Any],
    ticket: dict[str, Any] | None,
    invoice: dict[str, Any] | None,
) -> None:
    if message["audience"] == "business":
        return
    if contact["preferred_contact_method"] == "none" and not message["requested"]:
        raise Skip("the customer prefers not to be contacted")
    if kind in ("appointment_confirmation", "reminder", "follow_up"):
        if ticket is None:
            raise Skip("the ticket was deleted")
        if ticket["status"] != "scheduled":
            raise Skip(f"the ticket is {ticket['status'].replace('_', ' ')}")
        if ticket["scheduled_start"] <= utc_now():
            raise Skip("the appointment time has passed")
    if (
        kind == "follow_up"
        and ticket is not None
        and ticket["confirmation_status"] != "unconfirmed"
    ):
        raise Skip(f"the customer already answered ({ticket['confirmation_status']})")
    if kind == "invoice" and (invoice is None or invoice["status"] == "void"):
        raise Skip("the invoice was voided")


def _channel(contact: dict[str, Any], sms_on: bool) -> tuple[str, str]:
    phone = ""
    if sms_on and contact["phone"]:
        try:
            phone = normalise_phone(contact["phone"])
        except InvalidPhoneError:
            phone = ""
    if contact["preferred_contact_method"] == "sms" and phone:
        return "sms", phone
    if contact["email"]:
        return "email", contact["email"]
    if phone:
        return "sms", phone
    if contact["phone"] and not sms_on:
        raise Skip("the customer has no email address, and text messages are not set up")
    raise Skip("the customer has no email address or mobile number")


class _Links:
    """Public links made while composing: each message carries its own fresh tokens."""

    def __init__(self, conn: Connection, base_url: str, timezone: str) -> None:
        self._conn = conn
        self._base_url = base_url

    def visit(self, ticket: dict[str, Any]) -> str:
        expires = ticket["scheduled_start"] + timedelta(days=VISIT_LINK_DAYS_AFTER)
        token = public_links.create(self._conn, "visit", expires_at=expires, ticket_id=ticket["id"])
        return public_links.url(self._base_url, "visit", token)

    def make(self, purpose: str, **objects: Any) -> str:
        expires = utc_now() + timedelta(days=LONG_LINK_DAYS)
        token = public_links.create(self._conn, purpose, expires_at=expires, **objects)
        return public_links.url(self._base_url, purpose, token)


def _template(conn: Connection, kind: str) -> templates.Template:
    row = conn.execute(
        "SELECT subject, body, sms FROM message_templates WHERE kind = %s", (kind,)
    ).fetchone()
    if row is None:
        return templates.DEFAULTS[kind]
    return templates.Template(subject=row["subject"], body=row["body"], sms=row["sms"])


def _render(
    conn: Connection,
    kind: str,
    message: dict[str, Any],
    variables: dict[str, str],
    *,
    unsubscribe: str,
) -> templates.Rendered:
    if not message["templated"]:
        return templates.render_literal(
            message["subject"], message["body"], variables, unsubscribe_link=unsubscribe
        )
    return templates.render(_template(conn, kind), variables, unsubscribe_link=unsubscribe)


def _local(value: datetime, timezone: str) -> datetime:
    return value.astimezone(get_zone(timezone))


def format_day(value: datetime, timezone: str) -> str:
    local = _local(value, timezone)
    return f"{local:%A, %B} {local.day}"


def format_clock(value: datetime, timezone: str) -> str:
    local = _local(value, timezone)
    return f"{local:%I:%M %p}".lstrip("0")


def _variables(
    conn: Connection,
    business: dict[str, Any],
    settings: dict[str, Any],
    contact: dict[str, Any],
    ticket: dict[str, Any] | None,
    invoice: dict[str, Any] | None,
    message: dict[str, Any],
) -> dict[str, str]:
    timezone = business["timezone"]
    values = {
        "business_name": business["business_name"],
        "business_phone": settings["business_phone"],
        "business_email": settings["reply_to"] or business["email"],
        "customer_name": display_name(contact),
        "customer_first_name": contact["first_name"] or display_name(contact),
    }
    if ticket is not None:
        start = ticket["scheduled_start"]
        values["appointment_date"] = format_day(start, timezone)
        values["appointment_time"] = format_clock(start, timezone)
        values["reminder_when"] = _when(start, timezone)
        values["reason"] = ticket["cancel_reason"] or ticket["confirmation_note"]
        values["answer"] = ANSWERS.get(ticket["confirmation_status"], "")
        if ticket["address_id"] is not None:
            address = conn.execute(
                "SELECT line1, line2, city, region, postal_code FROM addresses WHERE id = %s",
                (ticket["address_id"],),
            ).fetchone()
            if address is not None:
                parts = [address["line1"], address["line2"], address["city"]]
                values["address"] = ", ".join(p for p in parts if p)
        lines = conn.execute(
            "SELECT description, total_cents FROM line_items WHERE ticket_id = %s "
            "AND deleted_at IS NULL ORDER BY position, created_at",
            (ticket["id"],),
        ).fetchall()
        values["services"] = ", ".join(line["description"] for line in lines) or ticket["title"]
        if lines:
            total = format_money(sum(line["total_cents"] for line in lines))
            values["price"] = f"about {total}" if ticket["is_price_estimated"] else total
    if invoice is not None:
        values["invoice_number"] = str(invoice["number"])
        values["invoice_total"] = format_money(invoice["total_cents"])
        if invoice.get("due_on"):
            due = invoice["due_on"]
            values["invoice_due"] = f"{due:%A, %B} {due.day}"
    return values


ANSWERS = {
    "confirmed": "confirmed",
    "declined": "can't make it",
    "reschedule_requested": "asked to reschedule",
}


def _when(start: datetime, timezone: str) -> str:
    local = _local(start, timezone)
    now = _local(utc_now(), timezone)
    days = (local.date() - now.date()).days
    if days <= 0:
        hours = max(1, round((start - utc_now()).total_seconds() / 3600))
        return "today" if hours > 3 else f"in {hours} hour{'s' if hours != 1 else ''}"
    if days == 1:
        return "tomorrow"
    return f"on {local:%A}"


def _appointment(
    conn: Connection,
    ticket: dict[str, Any],
    business: dict[str, Any],
    reply_to: str,
    variables: dict[str, str],
    channels: Channels,
    cancelled: bool,
) -> ics.Appointment:
    start = ticket["scheduled_start"]
    return ics.Appointment(
        uid=ics.ticket_uid(ticket["id"], channels.link_domain),
        sequence=ticket["ics_sequence"],
        start=start,
        end=start + timedelta(minutes=ticket["duration_minutes"]),
        summary=f"{business['business_name']}: {variables.get('services') or 'appointment'}",
        location=variables.get("address", ""),
        description=variables.get("services", ""),
        url=variables.get("visit_link", ""),
        organizer_name=business["business_name"],
        organizer_email=reply_to,
        cancelled=cancelled,
        timezone=business["timezone"],
    )
