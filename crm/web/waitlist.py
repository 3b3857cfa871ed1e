"""Pages: the waitlist — who wants a visit sooner, and booking them into a freed slot.

GET  /waitlist                     open entries (expired ones apart); ``?slot_start=&slot_minutes=``
                                   lists only those that fit that slot, best first, with Book
GET  /waitlist/new                 pick a contact (``?contact_q=`` searches), then the form
                                   (``?contact_id=``, as the contact page links it)
POST /waitlist                     add → 303 /waitlist?notice=created
GET  /waitlist/{id}/edit           the form, filled in
POST /waitlist/{id}                save → 303 /waitlist?notice=saved
POST /waitlist/{id}/remove         take it off → 303 /waitlist?notice=removed
POST /waitlist/{id}/book           ``scheduled_start`` (+ ``staff_ids``) → 303 to the new ticket
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.waitlist import WEEKDAY_NAMES, WaitlistCreate
from crm.dependencies import CurrentUser
from crm.errors import AppError
from crm.utils.timezone import business_today
from crm.web.common import NOTICES, Outcome, page, perform, read, redirect, render
from crm.web.forms import FormData, field_map, limits, parse_int, parse_quantity, summary
from crm.web.ticket_prefill import QUANTITY
from crm.web.waitlist_offers import fitting, service_names, wishes

router = APIRouter(include_in_schema=False)

DURATION = limits(WaitlistCreate, "duration_minutes")
NOTE = limits(WaitlistCreate, "note")
# The action's fields → the form's inputs.
NAMES = {"duration_minutes": "duration", "weekdays": "weekdays", "services": "services"}
PAGE_NOTICES = {**NOTICES, "removed": "Taken off the waitlist."}
WEEKDAYS = list(enumerate(WEEKDAY_NAMES, start=1))
DAY_VALUES = {str(number) for number, _ in WEEKDAYS}


def _worded(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = service_names(request)
    return [{**row, "wishes": wishes(row, names)} for row in rows]


def _list(
    request: Request,
    *,
    slot_start: str = "",
    slot_minutes: str = "",
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    slot = None
    if slot_start and slot_minutes:
        try:
            rows = fitting(request, _parse_start(slot_start), int(slot_minutes), 100)
            slot = {"start": slot_start, "minutes": slot_minutes}
        except (AppError, ValueError):
            rows = read(request, "waitlist", status="open", include="contact,address", limit=500)
    else:
        rows = read(request, "waitlist", status="open", include="contact,address", limit=500)
    entries = _worded(request, rows)
    return render(
        request,
        "waitlist/list.html",
        status=status,
        section="calendar",
        notices=PAGE_NOTICES,
        slot=slot,
        entries=[e for e in entries if not e["expired"]],
        expired=[e for e in entries if e["expired"]],
        error=error,
    )


def _parse_start(text: str) -> datetime:
    start = datetime.fromisoformat(text)
    if start.tzinfo is None:
        raise ValueError("no offset")
    return start


@router.get("/waitlist", response_class=HTMLResponse)
@page
def waitlist_page(request: Request, slot_start: str = "", slot_minutes: str = "") -> HTMLResponse:
    """The open entries, waiting longest first; or those that fit one slot, best first."""
    return _list(request, slot_start=slot_start, slot_minutes=slot_minutes)


# -- the form ----------------------------------------------------------------------------------


def _form(
    request: Request,
    user: Any,
    contact_id: str,
    values: dict[str, Any],
    *,
    entry: dict[str, Any] | None = None,
    contact_q: str = "",
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
) -> HTMLResponse:
    contact = None
    contacts: list[dict[str, Any]] = []
    if contact_id:
        try:
            contact = read(request, "contacts", id=contact_id, include="addresses")
        except (AppError, ValueError):
            contact = None
    if contact is None:
        contacts = read(request, "contacts", search=contact_q.strip() or None, limit=20)
    return render(
        request,
        "waitlist/form.html",
        status=status,
        section="calendar",
        entry=entry,
        contact=contact,
        contacts=contacts,
        contact_q=contact_q,
        services=read(request, "services") if contact else [],
        values=values,
        weekdays=WEEKDAYS,
        duration=DURATION,
        note_limit=NOTE.max_length,
        today=business_today(user.timezone),
        error=error,
        fields=fields or {},
    )


@router.get("/waitlist/new", response_class=HTMLResponse)
@page
def new_entry(
    request: Request, user: CurrentUser, contact_id: str = "", contact_q: str = ""
) -> HTMLResponse:
    """Add to the waitlist: find the contact, then say what, when and until when."""
    return _form(request, user, contact_id, {"weekdays": []}, contact_q=contact_q)


def _values(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as the form's inputs."""
    values: dict[str, Any] = {
        "address_id": str(entry["address_id"] or ""),
        "duration": str(entry["duration_minutes"]),
        "weekdays": [str(d) for d in entry["weekdays"]],
        "earliest_time": entry["earliest_time"] or "",
        "latest_time": entry["latest_time"] or "",
        "earliest_date": str(entry["earliest_date"]),
        "latest_date": str(entry["latest_date"]),
        "note": entry["note"],
    }
    for line in entry["services"]:
        values[f"qty-{line['service_id']}"] = line["quantity"]
    return values


@router.get("/waitlist/{entry_id}/edit", response_class=HTMLResponse)
@page
def edit_entry(request: Request, user: CurrentUser, entry_id: UUID) -> HTMLResponse:
    """Change an entry's wishes."""
    entry = read(request, "waitlist", id=entry_id)
    return _form(request, user, str(entry["contact_id"]), _values(entry), entry=entry)


def _parse(form: dict[str, str], weekdays: list[str], services: list[dict[str, Any]]) -> Any:
    """The form as the action's input, and the problems found reading it."""
    fields: dict[str, str] = {}
    lines = []
    for service in services:
        raw = form.get(f"qty-{service['id']}", "").strip()
        if not raw or raw == "0":
            continue
        if service["pricing_mode"] == "fixed":
            lines.append({"service_id": str(service["id"])})
            continue
        try:
            count = parse_quantity(raw, required=True, limits=QUANTITY)
        except ValueError as exc:
            fields[f"qty-{service['id']}"] = str(exc)
            continue
        lines.append({"service_id": str(service["id"]), "quantity": str(count)})
    data: dict[str, Any] = {
        "address_id": form.get("address_id") or None,
        "services": lines,
        "weekdays": [],
        "earliest_time": form.get("earliest_time") or None,
        "latest_time": form.get("latest_time") or None,
        "latest_date": form.get("latest_date", ""),
        "note": form.get("note", ""),
    }
    if form.get("earliest_date"):
        data["earliest_date"] = form["earliest_date"]
    if form.get("duration", "").strip():
        try:
            data["duration_minutes"] = parse_int(
                form["duration"], limits=DURATION, message="Enter the minutes as a whole number."
            )
        except ValueError as exc:
            fields["duration"] = str(exc)
    for day in weekdays:
        if day not in DAY_VALUES:
            fields["weekdays"] = "Pick days from the list."
            break
        data["weekdays"].append(int(day))
    if not lines and not fields:
        fields["services"] = "Pick at least one service."
    return data, fields


def _save(
    request: Request, user: Any, form: dict[str, str], weekdays: list[str], entry_id: UUID | None
) -> Response:
    contact_id = form.get("contact_id", "")
    entry = read(request, "waitlist", id=entry_id) if entry_id else None
    if entry is not None:
        contact_id = str(entry["contact_id"])
    data, fields = _parse(form, weekdays, read(request, "services"))
    values = {**form, "weekdays": weekdays}
    if not fields:
        if entry_id is None:
            outcome = perform(request, "waitlist", "create", {**data, "contact_id": contact_id})
        else:
            outcome = perform(request, "waitlist", "update", {**data, "id": entry_id})
        if outcome.ok:
            return redirect("/waitlist", "redacted" if outcome.redacted else "saved")
        fields = field_map(outcome.fields, NAMES)
        error = summary(fields, outcome.error)
        status = outcome.status
    else:
        error, status = summary(fields, None), 422
    return _form(
        request,
        user,
        contact_id,
        values,
        entry=entry,
        status=status,
        error=error,
        fields=fields,
    )


@router.post("/waitlist", response_class=HTMLResponse)
def create_entry(request: Request, user: CurrentUser, form: FormData) -> Response:
    return _save(request, user, form, form.getlist("weekdays"), None)


@router.post("/waitlist/{entry_id}", response_class=HTMLResponse)
def update_entry(request: Request, user: CurrentUser, entry_id: UUID, form: FormData) -> Response:
    return _save(request, user, form, form.getlist("weekdays"), entry_id)


def _refused(request: Request, outcome: Outcome) -> Response:
    return _list(request, status=outcome.status, error=outcome.error)


@router.post("/waitlist/{entry_id}/remove", response_class=HTMLResponse)
def remove_entry(request: Request, entry_id: UUID) -> Response:
    outcome = perform(request, "waitlist", "remove", {"id": entry_id})
    return redirect("/waitlist", "removed") if outcome.ok else _refused(request, outcome)


@router.post("/waitlist/{entry_id}/book", response_class=HTMLResponse)
def book_entry(request: Request, entry_id: UUID, form: FormData) -> Response:
    """One tap: the ticket at the slot's time, the entry closed; then the new ticket."""
    data = {
        "id": entry_id,
        "scheduled_start": form.get("scheduled_start", ""),
        "staff_ids": form.getlist("staff_ids"),
    }
    outcome = perform(request, "waitlist", "book", data)
    if not outcome.ok:
        return _refused(request, outcome)
    return redirect(f"/tickets/{outcome.result['ticket']['id']}", "created")
