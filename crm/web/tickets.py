"""Pages: tickets — the list, the create form, and the ticket page with its actions.

GET  /tickets                                list (``?status=``): in progress, upcoming, earlier
GET  /tickets/new                            create form; ``?start=YYYY-MM-DDTHH:MM`` (a calendar
                                             slot), ``?date=``, ``?contact_q=`` (search),
                                             ``?contact_id=`` prefill it
POST /tickets                                create (with an inline new contact and/or address,
                                             lines and staff) → 303 /tickets/{id}?notice=created
GET  /tickets/{id}                           the ticket
POST /tickets/{id}/clock-in, /clock-out      → 303 back with a notice
POST /tickets/{id}/cancel                    reason required (422 page without one)
POST /tickets/{id}/no-show
POST /tickets/{id}/lines                     add a line item
POST /tickets/{id}/lines/{line_id}/remove    take a line off

The close-out wizard (``/tickets/{id}/close…``) lives in crm/web/closeout.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from crm.api.actions import validation_details
from crm.core.models.contact import ContactCreate
from crm.core.models.ticket import TicketCreate
from crm.errors import AppError
from crm.utils.timezone import get_zone, to_business_time, utc_now
from crm.utils.user_context import get_current_user
from crm.web.common import Outcome, perform, read, redirect, render

router = APIRouter(include_in_schema=False)

STATUSES = {
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "No-show",
}
MODES = {"fixed": "fixed price", "flexible": "flexible price", "per_unit": "per unit"}
DETAIL_INCLUDES = "line_items,time_entries,notes,staff,contact,address,audit_trail"


# -- small parsers and formatters (the close-out pages use them too) -------------------------


def business_today() -> date:
    return utc_now().astimezone(get_zone(get_current_user().timezone)).date()


def parse_cents(text: str) -> int:
    """ "$1,234.5" → 123450; ValueError with a message for the page."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Type an amount like 150 or 149.99.") from None
    if not amount.is_finite() or amount < 0 or amount > 1_000_000:
        raise ValueError("Type an amount between 0 and 1,000,000.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Use at most two digits after the point.")
    return int(amount * 100)


def parse_quantity(text: str) -> Decimal:
    try:
        quantity = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError("Type a number like 1, 2 or 1.5.") from None
    if not quantity.is_finite() or quantity <= 0 or quantity > 100_000:
        raise ValueError("Type a number above 0.")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise ValueError("Use at most three digits after the point.")
    return quantity


def qty_text(value: Any) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def dollars(cents: Any) -> str:
    return f"{int(cents or 0) / 100:.2f}"


def address_text(address: dict[str, Any] | None) -> str:
    if not address:
        return ""
    parts = [address.get("line1"), address.get("line2"), address.get("city")]
    return ", ".join(p for p in parts if p)


def price_text(service: dict[str, Any]) -> str:
    """ "$3.50 per screen", "$150.00, flexible price" """
    price = f"${int(service['unit_price_cents']) / 100:,.2f}"
    mode = service["pricing_mode"]
    if mode == "per_unit":
        return f"{price} per {service['unit_label'] or 'unit'}"
    if mode == "product":
        return f"{price} each"
    return f"{price}, {MODES[mode]}"


def service_label(service: dict[str, Any]) -> str:
    """ "Screen cleaning — $3.50 per screen" """
    return f"{service['name']} — {price_text(service)}"


def phone_text(phone: str) -> str:
    """ "+12565551234" → "(256) 555-1234"; other numbers as stored."""
    match = re.fullmatch(r"\+1(\d{3})(\d{3})(\d{4})", phone or "")
    return f"({match[1]}) {match[2]}-{match[3]}" if match else phone


def field_map(fields: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    """Action field names (``staff_ids.0``) → the page's input names."""
    out: dict[str, str] = {}
    for name, message in fields.items():
        head = name.split(".")[0]
        out.setdefault(names.get(head, head), message)
    return out


def conflict_status(outcome: Outcome) -> int:
    return 422 if outcome.fields else 409


# -- list ------------------------------------------------------------------------------------


def _with_local(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tz = get_current_user().timezone
    for row in rows:
        row["local_start"] = to_business_time(row["scheduled_start"], tz)
    return rows


@router.get("/tickets", response_class=HTMLResponse)
def ticket_list(request: Request, status: str = "") -> HTMLResponse:
    """Every ticket, in progress and upcoming first; or only those with one status."""
    status = status if status in STATUSES else ""
    today = business_today()
    groups: list[tuple[str, list[dict[str, Any]]]]
    if status:
        rows = _with_local(read(request, "tickets", include="contact", limit=200, status=status))
        if status in ("scheduled", "in_progress"):
            rows.sort(key=lambda r: r["scheduled_start"])
        groups = [(STATUSES[status], rows)]
    else:
        now = _with_local(read(request, "tickets", include="contact", status="in_progress"))
        later = _with_local(
            read(request, "tickets", include="contact", limit=100, **{"from": today.isoformat()})
        )
        recent = _with_local(read(request, "tickets", include="contact", limit=150))
        earlier = [r for r in recent if r["local_start"].date() < today][:50]
        groups = [
            ("In progress", now),
            ("Upcoming", [r for r in later if r["status"] != "in_progress"]),
            ("Earlier", earlier),
        ]
    return render(
        request,
        "tickets/list.html",
        section="tickets",
        current=status,
        statuses=STATUSES,
        groups=[(title, rows) for title, rows in groups if rows],
    )


# -- create ----------------------------------------------------------------------------------


def _next_hour() -> datetime:
    local = utc_now().astimezone(get_zone(get_current_user().timezone))
    return local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _defaults(start: str | None, on: str | None) -> dict[str, str]:
    values = {"duration": "60", "date": "", "time": ""}
    try:
        if start:
            moment = datetime.fromisoformat(start)
            values["date"], values["time"] = moment.date().isoformat(), moment.strftime("%H:%M")
        elif on:
            values["date"], values["time"] = date.fromisoformat(on).isoformat(), "09:00"
    except ValueError:
        pass
    if not values["date"]:
        upcoming = _next_hour()
        values["date"], values["time"] = upcoming.date().isoformat(), upcoming.strftime("%H:%M")
    return values


def _form(
    request: Request,
    values: dict[str, Any],
    *,
    contact_q: str = "",
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
) -> HTMLResponse:
    contact_q = contact_q.strip()
    contacts: list[dict[str, Any]] = read(
        request, "contacts", search=contact_q or None, limit=20, include="addresses"
    )
    selected = values.get("contact_id", "")
    if contact_q and contacts and not selected:
        selected = values["contact_id"] = str(contacts[0]["id"])
    if selected and all(str(c["id"]) != selected for c in contacts):
        try:
            contacts.insert(0, read(request, "contacts", id=selected, include="addresses"))
        except (AppError, ValueError):
            selected = values["contact_id"] = ""
    chosen = next((c for c in contacts if str(c["id"]) == selected), None)
    services = read(request, "services")
    return render(
        request,
        "tickets/new.html",
        status=status,
        section="tickets",
        values=values,
        staff_ids=values.get("staff_ids", []),
        contact_q=contact_q,
        contacts=contacts,
        chosen=chosen,
        services=services,
        staff=read(request, "staff"),
        error=error,
        fields=fields or {},
        service_label=service_label,
        price_text=price_text,
        address_text=address_text,
        dollars=dollars,
    )


@router.get("/tickets/new", response_class=HTMLResponse)
def new_ticket(
    request: Request,
    start: str | None = None,
    on: str | None = Query(None, alias="date"),
    contact_q: str = "",
    contact_id: str = "",
) -> HTMLResponse:
    """The create form, prefilled from a calendar slot or a date."""
    values: dict[str, Any] = _defaults(start, on)
    values["contact_id"] = contact_id
    return _form(request, values, contact_q=contact_q)


def _parse_create(
    values: dict[str, Any], services: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """The ticket's input and its lines from the form, or per-field messages."""
    fields: dict[str, str] = {}
    ticket: dict[str, Any] = {
        "title": values.get("title", ""),
        "is_price_estimated": values.get("estimated") == "1",
        "staff_ids": values.get("staff_ids", []),
    }
    try:
        day = date.fromisoformat(values.get("date", ""))
    except ValueError:
        fields["date"] = "Pick the day of the visit."
    try:
        at = time.fromisoformat(values.get("time", ""))
    except ValueError:
        fields["time"] = "Pick the time the visit starts, like 9:00 AM."
    if "date" not in fields and "time" not in fields:
        zone = get_zone(get_current_user().timezone)
        ticket["scheduled_start"] = datetime.combine(day, at, tzinfo=zone)
    try:
        ticket["duration_minutes"] = int(values.get("duration", ""))
        if not 5 <= ticket["duration_minutes"] <= 1440:
            raise ValueError
    except ValueError:
        fields["duration"] = "Type how long the visit takes, 5 to 1440 minutes."
    lines: list[dict[str, Any]] = []
    for service in services:
        sid = str(service["id"])
        raw = values.get(f"qty-{sid}", "").strip()
        if not raw or raw == "0":
            continue
        line: dict[str, Any] = {"service_id": sid, "quantity": Decimal(1)}
        if service["pricing_mode"] != "fixed":
            try:
                line["quantity"] = parse_quantity(raw)
            except ValueError as exc:
                fields[f"qty-{sid}"] = str(exc)
        if service["pricing_mode"] == "flexible" and values.get(f"price-{sid}", "").strip():
            try:
                line["unit_price_cents"] = parse_cents(values[f"price-{sid}"])
            except ValueError as exc:
                fields[f"price-{sid}"] = str(exc)
        lines.append(line)
    return ticket, lines, fields


TICKET_FIELDS = {
    "scheduled_start": "time",
    "duration_minutes": "duration",
    "staff_ids": "staff",
    "is_price_estimated": "estimated",
}
NEW_CONTACT = ("first_name", "last_name", "phone")


def _check_create(values: dict[str, Any], ticket: dict[str, Any], fields: dict[str, str]) -> None:
    """The contact and address part of the form, and the ticket's own fields, checked."""
    new_contact = {k: values.get(k, "") for k in NEW_CONTACT}
    if not values.get("contact_id") and not any(new_contact.values()):
        fields["contact_id"] = "Pick a contact, or type a new contact's name below."
    elif not values.get("contact_id"):
        try:
            ContactCreate.model_validate(new_contact)
        except ValidationError as exc:
            for f in validation_details(exc)["fields"]:
                key = f["field"] if f["field"] in NEW_CONTACT else "first_name"
                fields.setdefault(key, _contact_message(f["message"]))
    if values.get("address_id") == "new" and not values.get("line1"):
        fields["line1"] = "Type the street address, or pick one of the contact's addresses."
    try:
        TicketCreate.model_validate({**ticket, "contact_id": uuid4()})
    except ValidationError as exc:
        names = {f["field"]: f["message"] for f in validation_details(exc)["fields"]}
        for key, message in field_map(names, TICKET_FIELDS).items():
            fields.setdefault(key, message)


@router.post("/tickets", response_class=HTMLResponse)
async def create_ticket(request: Request) -> Response:
    """Create a ticket; a new contact and address typed into the form are created first.

    Everything is checked before anything is written; if a later step still fails, the form
    comes back with what already exists picked (so a retry makes no duplicate contact).
    """
    form = await request.form()
    values: dict[str, Any] = {
        k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"
    }
    values["staff_ids"] = [v for v in form.getlist("staff_ids") if isinstance(v, str)]
    ticket, lines, fields = _parse_create(values, read(request, "services"))
    _check_create(values, ticket, fields)
    if fields:
        return _form(
            request,
            values,
            status=422,
            error="The ticket was not created. Please fix the highlighted fields.",
            fields=fields,
        )
    if not values.get("contact_id"):
        made = perform(request, "contact", "create", {k: values[k] for k in NEW_CONTACT})
        if not made.ok:
            return _form(request, values, status=422, error=made.error, fields=made.fields)
        values.update({k: "" for k in NEW_CONTACT}, contact_id=str(made.result["id"]))
        values["address_id"] = "new" if values.get("line1") else ""
    if values.get("line1"):  # a typed street wins over the pre-picked address
        place = perform(
            request,
            "address",
            "create",
            {
                "contact_id": values["contact_id"],
                "line1": values["line1"],
                "city": values.get("city", ""),
            },
        )
        if not place.ok:
            return _form(request, values, status=422, error=place.error, fields=place.fields)
        values.update(address_id=str(place.result["id"]), line1="", city="")
    made_ticket = perform(
        request,
        "ticket",
        "create",
        {
            **ticket,
            "contact_id": values["contact_id"],
            "address_id": values.get("address_id") if values.get("address_id") != "new" else None,
        },
    )
    if not made_ticket.ok:
        return _form(
            request,
            values,
            status=conflict_status(made_ticket),
            error=f"The ticket was not created: {made_ticket.error}",
            fields=field_map(made_ticket.fields, TICKET_FIELDS),
        )
    ticket_id = made_ticket.result["id"]
    for line in lines:
        perform(request, "line_item", "add", {"ticket_id": ticket_id, **line})
    return redirect(f"/tickets/{ticket_id}", "created")


def _contact_message(message: str) -> str:
    if "needs a first name" in message:
        return "Type the new contact's first or last name."
    return message.removeprefix("Value error, ")


# -- the ticket page -------------------------------------------------------------------------

ACTION_WORDS = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "clock_in": "Clocked in",
    "clock_out": "Clocked out",
    "in_progress": "Started",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "Marked as a no-show",
    "assign_staff": "Staff assigned",
    "close_out_preview": "Close-out reviewed",
}
FIELD_WORDS = {
    "status": "status",
    "scheduled_start": "time",
    "duration_minutes": "duration (minutes)",
    "title": "title",
    "cancel_reason": "reason",
    "worked_minutes": "minutes worked",
    "is_price_estimated": "price is an estimate",
    "confirmation_status": "confirmation",
    "address_id": "address",
    "staff_ids": "staff",
}


def _word(key: str, value: Any, staff_names: dict[str, str]) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "staff_ids" and isinstance(value, list):
        return ", ".join(staff_names.get(str(v), "a former staff member") for v in value) or "none"
    if key == "scheduled_start" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
            tz = get_current_user().timezone
            return to_business_time(moment, tz).strftime("%a %b %-d, %-I:%M %p")
        except ValueError:
            return value
    if key == "address_id":
        return "another address"
    return str(value).replace("_", " ") if key == "status" else str(value)


def describe_history(
    trail: list[dict[str, Any]], staff_names: dict[str, str]
) -> list[dict[str, Any]]:
    """Audit rows in words: what happened, when, and what changed."""
    events = []
    for row in trail:
        changes = row.get("changes") or {}
        words = []
        if row["action"] not in ("create", "clock_in", "clock_out", "close_out_preview"):
            for key, change in changes.items():
                if key not in FIELD_WORDS or not isinstance(change, dict):
                    continue
                old, new = (
                    _word(key, change.get("old"), staff_names),
                    _word(key, change.get("new"), staff_names),
                )
                words.append(f"{FIELD_WORDS[key]}: {old} → {new}")
        events.append(
            {
                "what": ACTION_WORDS.get(row["action"], row["action"].replace("_", " ").title()),
                "at": row["created_at"],
                "changes": words,
            }
        )
    return events


def _detail(
    request: Request,
    ticket_id: UUID,
    *,
    status: int = 200,
    form: str = "",
    error: str | None = None,
    fields: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    ticket = read(request, "tickets", id=ticket_id, include=DETAIL_INCLUDES)
    for line in ticket["line_items"]:
        line["qty"] = qty_text(line["quantity"])
    editable = ticket["status"] in ("scheduled", "in_progress")
    invoice = None
    if ticket["status"] == "completed":
        invoices = read(request, "invoices", ticket_id=str(ticket_id))
        invoice = next((i for i in invoices if i["status"] != "void"), None)
    staff_names = {str(s["id"]): s["name"] for s in read(request, "staff", limit=500)}
    return render(
        request,
        "tickets/detail.html",
        status=status,
        section="tickets",
        ticket=ticket,
        status_label=STATUSES.get(ticket["status"], ticket["status"]),
        editable=editable,
        clock_running=any(e["ended_at"] is None for e in ticket["time_entries"]),
        services=read(request, "services") if editable else [],
        invoice=invoice,
        history=describe_history(ticket["audit_trail"], staff_names),
        address_text=address_text,
        service_label=service_label,
        phone_text=phone_text,
        form=form,
        error=error,
        fields=fields or {},
        values=values or {},
    )


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, ticket_id: UUID) -> HTMLResponse:
    """One ticket: who, where, when, the work and its history, and what can be done next."""
    return _detail(request, ticket_id)


def _act(
    request: Request,
    ticket_id: UUID,
    domain: str,
    action: str,
    data: dict[str, Any],
    *,
    notice: str,
    form: str,
    names: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    outcome = perform(request, domain, action, data)
    if outcome.ok:
        return redirect(f"/tickets/{ticket_id}", "redacted" if outcome.redacted else notice)
    return _detail(
        request,
        ticket_id,
        status=conflict_status(outcome),
        form=form,
        error=outcome.error,
        fields=field_map(outcome.fields, names or {}),
        values=values,
    )


@router.post("/tickets/{ticket_id}/clock-in", response_class=HTMLResponse)
def clock_in(request: Request, ticket_id: UUID) -> Response:
    return _act(
        request,
        ticket_id,
        "ticket",
        "clock_in",
        {"id": ticket_id},
        notice="clocked_in",
        form="clock",
    )


@router.post("/tickets/{ticket_id}/clock-out", response_class=HTMLResponse)
def clock_out(request: Request, ticket_id: UUID) -> Response:
    return _act(
        request,
        ticket_id,
        "ticket",
        "clock_out",
        {"id": ticket_id},
        notice="clocked_out",
        form="clock",
    )


async def _form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


@router.post("/tickets/{ticket_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, ticket_id: UUID) -> Response:
    values = await _form_values(request)
    reason = values.get("reason", "").strip()
    if not reason:
        return _detail(
            request,
            ticket_id,
            status=422,
            form="cancel",
            error="The ticket was not cancelled: say why, so you can tell later what happened.",
            fields={"reason": "Type a reason, like “customer rescheduled” or “rained out”."},
            values=values,
        )
    return _act(
        request,
        ticket_id,
        "ticket",
        "cancel",
        {"id": ticket_id, "reason": reason},
        notice="cancelled",
        form="cancel",
        values=values,
    )


@router.post("/tickets/{ticket_id}/no-show", response_class=HTMLResponse)
async def no_show(request: Request, ticket_id: UUID) -> Response:
    values = await _form_values(request)
    return _act(
        request,
        ticket_id,
        "ticket",
        "mark_no_show",
        {"id": ticket_id, "reason": values.get("no_show_reason", "")},
        notice="saved",
        form="no_show",
        names={"reason": "no_show_reason"},
        values=values,
    )


LINE_FIELDS = {"unit_price_cents": "price", "description": "service_id"}


@router.post("/tickets/{ticket_id}/lines", response_class=HTMLResponse)
async def add_line(request: Request, ticket_id: UUID) -> Response:
    values = await _form_values(request)
    fields: dict[str, str] = {}
    data: dict[str, Any] = {"ticket_id": ticket_id}
    if not values.get("service_id"):
        fields["service_id"] = "Pick a service from the catalog."
    else:
        data["service_id"] = values["service_id"]
    try:
        data["quantity"] = parse_quantity(values.get("quantity", "") or "1")
    except ValueError as exc:
        fields["quantity"] = str(exc)
    if values.get("price", "").strip():
        try:
            data["unit_price_cents"] = parse_cents(values["price"])
        except ValueError as exc:
            fields["price"] = str(exc)
    if fields:
        return _detail(
            request,
            ticket_id,
            status=422,
            form="line",
            error="The line was not added. Please fix the highlighted fields.",
            fields=fields,
            values=values,
        )
    return _act(
        request,
        ticket_id,
        "line_item",
        "add",
        data,
        notice="saved",
        form="line",
        names=LINE_FIELDS,
        values=values,
    )


@router.post("/tickets/{ticket_id}/lines/{line_id}/remove", response_class=HTMLResponse)
def remove_line(request: Request, ticket_id: UUID, line_id: UUID) -> Response:
    return _act(
        request,
        ticket_id,
        "line_item",
        "remove",
        {"id": line_id},
        notice="deleted",
        form="lines",
    )
