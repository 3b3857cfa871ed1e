"""Pages: a new ticket — the form, and creating it with its contact, address and lines at once.

GET  /tickets/new   the form; ``?start=YYYY-MM-DDTHH:MM`` (a calendar slot), ``?date=``,
                    ``?contact_q=`` (search), ``?contact_id=``, ``?again=<ticket id>`` (book
                    that visit again) prefill it (crm/web/ticket_prefill.py)
GET  /tickets/new/customer  the contact list and the chosen contact's addresses as an HTML
                    fragment (``?contact_q=&contact_id=``): ticket_new.js searches without a reload
POST /tickets       create → 303 /tickets/{id}?notice=created. A new contact and address typed
                    into the form, the ticket and every line are one unit of work: if any part
                    is refused, nothing is saved and the form comes back with what was typed
                    and the message next to the part that was refused. ``intent=search`` or
                    ``pick`` (the Search and Show addresses buttons without JavaScript) only
                    re-render the form with everything typed; a visit that overlaps another for
                    the same people, or on a day far from today (crm/web/far_dates.py), comes
                    back with a warning (409) until ``intent=anyway``, which saves it (with a
                    note on the ticket naming the clashes, if any).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.dispatch import Batch
from crm.core.models.contact import ContactCreate
from crm.core.models.ticket import TicketCreate
from crm.core.services import ticket_overlaps
from crm.dependencies import CurrentUser
from crm.errors import AppError
from crm.utils.timezone import get_zone
from crm.web.common import Outcome, page, perform_all, read, redirect, render
from crm.web.far_dates import ANYWAY, far_date
from crm.web.formats import local
from crm.web.forms import (
    FormData,
    field_map,
    parse_int,
    problems,
)
from crm.web.service_picker import picked_services
from crm.web.ticket_prefill import DURATION, again, defaults, fill_duration

router = APIRouter(include_in_schema=False)

# The ticket's input fields → the form's inputs.
TICKET_FIELDS = {
    "scheduled_start": "time",
    "duration_minutes": "duration",
    "staff_ids": "staff",
    "is_price_estimated": "estimated",
}
NEW_CONTACT = ("first_name", "last_name", "phone")
NEW_ADDRESS = ("line1", "city")
# One line of the new ticket: the service it is for, and the line_item.add input.
Line = tuple[dict[str, Any], dict[str, Any]]


# -- the form --------------------------------------------------------------------------------


def _customer(request: Request, values: dict[str, Any], contact_q: str) -> dict[str, Any]:
    """The contacts to pick from (a search's matches, or the newest) and the one picked."""
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
    # An address picked for another contact (the pick changed) falls back to the primary one.
    known = {str(a["id"]) for a in chosen["addresses"]} if chosen else set()
    if values.get("address_id") not in known | {"new"}:
        values["address_id"] = ""
    return {"contact_q": contact_q, "contacts": contacts, "chosen": chosen}


def _form(
    request: Request,
    values: dict[str, Any],
    *,
    services: list[dict[str, Any]] | None = None,
    contact_q: str = "",
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
    overlaps: list[dict[str, Any]] | None = None,
    far: str = "",
    booking_again: dict[str, Any] | None = None,
) -> HTMLResponse:
    services = read(request, "services") if services is None else services
    fill_duration(values, services)
    return render(
        request,
        "tickets/new.html",
        status=status,
        section="tickets",
        values=values,
        staff_ids=values.get("staff_ids", []),
        **_customer(request, values, contact_q.strip()),
        services=services,
        staff=read(request, "staff"),
        duration=DURATION,
        error=error,
        fields=fields or {},
        overlaps=overlaps or [],
        far_date=far,
        booking_again=booking_again,
    )


@router.get("/tickets/new", response_class=HTMLResponse)
@page
def new_ticket(
    request: Request,
    user: CurrentUser,
    start: str | None = None,
    on: str | None = Query(None, alias="date"),
    contact_q: str = "",
    contact_id: str = "",
    again_id: str = Query("", alias="again"),
) -> HTMLResponse:
    """The create form, prefilled from a calendar slot, a date or a ticket to book again."""
    if again_id:
        values, booking = again(request, again_id, user.timezone)
        return _form(request, values, booking_again=booking)
    values = {**defaults(start, on, user.timezone), "contact_id": contact_id}
    return _form(request, values, contact_q=contact_q)


@router.get("/tickets/new/customer", response_class=HTMLResponse)
@page
def customer_fragment(
    request: Request, contact_q: str = "", contact_id: str = "", address_id: str = ""
) -> HTMLResponse:
    """The contact list and the chosen contact's addresses, for a search without a reload."""
    values: dict[str, Any] = {"contact_id": contact_id, "address_id": address_id}
    context = {"values": values, "fields": {}, **_customer(request, values, contact_q.strip())}
    template = request.app.state.templates.get_template("tickets/new.html")
    parts = [
        f'<div id="{part}">' + "".join(template.blocks[name](template.new_context(context)))
        for name, part in (
            ("contact_list", "contact-list-part"),
            ("addresses", "contact-addresses-part"),
        )
    ]
    return HTMLResponse("</div>".join(parts) + "</div>")


# -- reading and checking what was typed -----------------------------------------------------


def _picked(request: Request, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The services the form offers, and any it picked that was retired since it was shown."""
    rows: list[dict[str, Any]] = read(request, "services", limit=1000, include_retired="true")
    return [s for s in rows if s["retired_at"] is None or values.get(f"qty-{s['id']}")]


def _parse(
    values: dict[str, Any], services: list[dict[str, Any]], timezone: str
) -> tuple[dict[str, Any], list[Line], dict[str, str]]:
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
        ticket["scheduled_start"] = datetime.combine(day, at, tzinfo=get_zone(timezone))
    try:
        ticket["duration_minutes"] = parse_int(
            values.get("duration", ""),
            limits=DURATION,
            message="Type how long the visit takes, {span} minutes.",
        )
    except ValueError as exc:
        fields["duration"] = str(exc)
    lines: list[Line] = picked_services(values, services, fields)
    return ticket, lines, fields


def _check(values: dict[str, Any], ticket: dict[str, Any], fields: dict[str, str]) -> None:
    """The contact and address part of the form, and the ticket's own fields, checked."""
    new_contact = {k: values.get(k, "") for k in NEW_CONTACT}
    if not values.get("contact_id") and not any(new_contact.values()):
        fields["contact_id"] = "Pick a contact, or type a new contact's name below."
    elif not values.get("contact_id"):
        for key, message in problems(ContactCreate, new_contact).items():
            fields.setdefault(key if key in NEW_CONTACT else "first_name", _contact(message))
    if values.get("address_id") == "new" and not values.get("line1"):
        fields["line1"] = "Type the street address, or pick one of the contact's addresses."
    named = problems(TicketCreate, {**ticket, "contact_id": uuid4()})
    for key, message in field_map(named, TICKET_FIELDS).items():
        fields.setdefault(key, message)


def _contact(message: str) -> str:
    if "needs a first name" in message:
        return "Type the new contact's first or last name."
    return message


# -- creating it, all or nothing -------------------------------------------------------------


def _create(
    batch: Batch, values: dict[str, Any], ticket: dict[str, Any], lines: list[Line], note: str
) -> Any:
    """The new contact, the new address, the ticket, its lines and the overlap note, if any,
    in one unit of work."""
    contact_id = values.get("contact_id")
    address_id = values.get("address_id") if contact_id else None
    if not contact_id:
        new_contact = {k: values.get(k, "") for k in NEW_CONTACT}
        contact_id = batch.run("contact", "create", new_contact, label="contact")["id"]
    if values.get("line1"):  # a typed street wins over the pre-picked address
        place = {"contact_id": contact_id, **{k: values.get(k, "") for k in NEW_ADDRESS}}
        address_id = batch.run("address", "create", place, label="address")["id"]
    data = {**ticket, "contact_id": contact_id, "address_id": _address(address_id)}
    made = batch.run("ticket", "create", data, label="ticket")
    for index, (_, line) in enumerate(lines):
        batch.run("line_item", "add", {"ticket_id": made["id"], **line}, label=f"lines.{index}")
    if note:
        batch.run("note", "create", {"ticket_id": made["id"], "body": note}, label="ticket")
    return made


def _address(address_id: Any) -> Any:
    return None if address_id in (None, "", "new") else address_id


def _inputs(fields: dict[str, str], lines: list[Line]) -> dict[str, str]:
    """A refusal's fields (``lines.1.quantity``, ``contact.phone``) → the form's inputs."""
    out: dict[str, str] = {}
    for name, message in fields.items():
        part, _, rest = name.partition(".")
        head = rest.split(".")[0]
        key = ""
        if part == "contact":
            key = head if head in NEW_CONTACT else "first_name"
        elif part == "address":
            key = head if head in NEW_ADDRESS else "line1"
        elif part == "ticket":
            key = TICKET_FIELDS.get(head, head)
        elif part == "lines" and head.isdigit() and int(head) < len(lines):
            service = lines[int(head)][0]
            price = name.endswith("unit_price_cents") and service["pricing_mode"] == "flexible"
            key = f"{'price' if price else 'qty'}-{service['id']}"
        if key:
            out.setdefault(key, message)
    return out


def _refusal(outcome: Outcome, lines: list[Line]) -> str:
    """The message at the top: nothing was saved, and which part was refused."""
    reason = outcome.error or ""
    for name, message in outcome.fields.items():
        part, _, rest = name.partition(".")
        index = rest.split(".")[0]
        if part == "lines" and index.isdigit() and int(index) < len(lines):
            reason = f"The line for {lines[int(index)][0]['name']} was refused: {message}"
            break
    return f"The ticket was not created and nothing was saved. {reason}"


def _overlaps(request: Request, user: Any, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """The live tickets this visit would overlap for the same people (a read, no lock)."""
    db = request.app.state.resources.db
    with db.read_only(user.user_id) as conn:
        return ticket_overlaps.overlapping(
            conn,
            start=ticket["scheduled_start"],
            minutes=ticket["duration_minutes"],
            staff_ids=[UUID(str(s)) for s in ticket["staff_ids"]],
        )


def overlap_note(overlaps: list[dict[str, Any]]) -> str:
    """The note a ticket saved anyway keeps: which visits it overlapped when it was booked."""
    visits = "; ".join(
        f"{o['contact_name'] or 'A visit'}, {local(o['scheduled_start'])}"
        f" to {local(o['scheduled_end'], '%-I:%M %p')}"
        + (f" ({', '.join(o['staff_names'])})" if o["staff_names"] else "")
        for o in overlaps
    )
    return f"Saved anyway, overlapping: {visits}."


@router.post("/tickets", response_class=HTMLResponse)
def create_ticket(request: Request, form: FormData, user: CurrentUser) -> Response:
    """Create a ticket, with the contact and address typed into the form, all or nothing."""
    values: dict[str, Any] = {k: v.strip() for k, v in form.items()}
    values["staff_ids"] = form.getlist("staff_ids")
    intent = values.pop("intent", "")
    services = _picked(request, values)
    if intent in ("search", "pick"):  # without JavaScript: find or pick, keeping every field
        if intent == "search":
            values["contact_id"] = values["address_id"] = ""
        return _form(request, values, services=services, contact_q=values.get("contact_q", ""))
    fill_duration(values, services)
    ticket, lines, fields = _parse(values, services, user.timezone)
    _check(values, ticket, fields)
    if fields:
        error = "The ticket was not created. Please fix the highlighted fields."
        return _form(request, values, services=services, status=422, error=error, fields=fields)
    overlaps = _overlaps(request, user, ticket)
    far = far_date(ticket["scheduled_start"].date(), timezone=user.timezone, subject="The day")
    if (overlaps or far) and intent != ANYWAY:
        error = "The ticket was not created yet: " + (
            "it overlaps another visit for the same people. Change the time or the staff, "
            if overlaps
            else "check the day. Change it, "
        )
        return _form(
            request,
            values,
            services=services,
            status=409,
            error=error + "or save it anyway.",
            overlaps=overlaps,
            far=far,
        )
    note = overlap_note(overlaps) if overlaps else ""
    outcome = perform_all(request, lambda batch: _create(batch, values, ticket, lines, note))
    if not outcome.ok:
        return _form(
            request,
            values,
            services=services,
            status=outcome.status,
            error=_refusal(outcome, lines),
            fields=_inputs(outcome.fields, lines),
        )
    notice = "redacted" if outcome.redacted else "created"
    return redirect(f"/tickets/{outcome.result['id']}", notice)
