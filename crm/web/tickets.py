"""Pages: tickets — the list, and the ticket page with its actions.

GET  /tickets                                list (``?status=``): in progress, upcoming, earlier
GET  /tickets/{id}                           the ticket
POST /tickets/{id}/clock-in, /clock-out      → 303 back with a notice (and which clock stopped)
POST /tickets/{id}/notes                     add a note before close-out
POST /tickets/{id}/cancel                    reason required (422 page without one)
POST /tickets/{id}/no-show
POST /tickets/{id}/lines                     add a line item
POST /tickets/{id}/lines/{line_id}/remove    take a line off

The new-ticket form (``/tickets/new``, ``POST /tickets``) lives in crm/web/tickets_new.py, the
close-out wizard (``/tickets/{id}/close…``) in crm/web/closeout.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.note import NoteCreate
from crm.core.models.ticket import LineItemAdd
from crm.core.vocabulary import is_property_fact
from crm.dependencies import CurrentUser
from crm.errors import NotFound
from crm.utils.timezone import business_today, to_business_time
from crm.web.common import NOTICES, Outcome, page, perform, read, redirect, render
from crm.web.contact_facts import group_attributes
from crm.web.formats import address_text
from crm.web.forms import FormData, field_map, limits, parse_cents, parse_quantity
from crm.web.plan_visit import for_ticket as plan_for_ticket
from crm.web.ticket_history import describe_history
from crm.web.waitlist_offers import for_ticket as waitlist_for_ticket

router = APIRouter(include_in_schema=False)

STATUSES = {
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "No-show",
}
DETAIL_INCLUDES = "line_items,time_entries,notes,staff,contact,address,audit_trail"
QUANTITY = limits(LineItemAdd, "quantity")
PRICE = limits(LineItemAdd, "unit_price_cents")
NOTE = limits(NoteCreate, "body")
PAGE_NOTICES = {
    **NOTICES,
    "clock_switched": "Clocked in. The clock on the other ticket was stopped.",
    "note_added": "Note added.",
}


def conflict_status(outcome: Outcome) -> int:
    """422 for something to correct in the form, 409 for a refusal by the ticket's state."""
    return 422 if outcome.fields else 409


# -- list ------------------------------------------------------------------------------------


def _with_local(rows: list[dict[str, Any]], timezone: str) -> list[dict[str, Any]]:
    for row in rows:
        row["local_start"] = to_business_time(row["scheduled_start"], timezone)
    return rows


@router.get("/tickets", response_class=HTMLResponse)
@page
def ticket_list(request: Request, user: CurrentUser, status: str = "") -> HTMLResponse:
    """Every ticket, in progress and upcoming first; or only those with one status."""
    status = status if status in STATUSES else ""
    today = business_today(user.timezone)
    tz = user.timezone
    groups: list[tuple[str, list[dict[str, Any]]]]
    if status:
        rows = read(request, "tickets", include="contact", limit=200, status=status)
        rows = _with_local(rows, tz)
        if status in ("scheduled", "in_progress"):
            rows.sort(key=lambda r: r["scheduled_start"])
        groups = [(STATUSES[status], rows)]
    else:
        now = _with_local(read(request, "tickets", include="contact", status="in_progress"), tz)
        later = _with_local(
            read(request, "tickets", include="contact", limit=100, **{"from": today.isoformat()}),
            tz,
        )
        recent = _with_local(read(request, "tickets", include="contact", limit=150), tz)
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


# -- the ticket page -------------------------------------------------------------------------


def maps_url(address: dict[str, Any] | None) -> str:
    """Directions on any phone: Google's universal link opens the maps app or the web."""
    text = address_text(address)
    if not text:
        return ""
    extra = [address[k] for k in ("region", "postal_code") if address and address.get(k)]
    query = ", ".join([text, *extra])
    return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(query)


def _arrival_facts(request: Request, ticket: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    rows = read(request, "attributes", contact_id=str(ticket["contact_id"]), limit=500)
    wanted = [
        r
        for r in rows
        # What is true of the place (codes, pets, hazards, the tenant's name…) and how the
        # customer likes things done; not who their spouse is.
        if (is_property_fact(r["key"]) or r["key"].startswith("preferences."))
        # A fact about another of the customer's properties is not for this visit.
        and r.get("address_id") in (None, ticket["address_id"])
    ]
    return group_attributes(sorted(wanted, key=lambda r: r["key"]))


def _last_visit(request: Request, ticket: dict[str, Any]) -> dict[str, Any] | None:
    """The latest completed visit before this one at the same address (the customer's, when
    the ticket has none), with its notes and lines: a landlord's home visit says nothing about
    the rental."""
    where = (
        {"address_id": str(ticket["address_id"])}
        if ticket["address_id"]
        else {"contact_id": str(ticket["contact_id"])}
    )
    visits = read(
        request, "tickets", status="completed", limit=20, include="line_items,notes", **where
    )
    earlier = (
        v
        for v in visits
        if v["id"] != ticket["id"] and v["scheduled_start"] <= ticket["scheduled_start"]
    )
    return next(earlier, None)


def _notices(request: Request) -> dict[str, str]:
    """The notices, with the clock that a clock-in stopped named by its customer."""
    stopped = request.query_params.get("stopped", "")
    if request.query_params.get("notice") != "clock_switched" or not stopped:
        return PAGE_NOTICES
    try:
        other = read(request, "tickets", id=UUID(stopped), include="contact")
    except (ValueError, NotFound):
        return PAGE_NOTICES
    name = other["contact"]["display_name"] if other["contact"] else "the other ticket"
    return {**PAGE_NOTICES, "clock_switched": f"Clocked in. Stopped the clock on {name}."}


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
        notices=_notices(request),
        ticket=ticket,
        status_label=STATUSES.get(ticket["status"], ticket["status"]),
        editable=editable,
        clock_running=any(e["ended_at"] is None for e in ticket["time_entries"]),
        maps_url=maps_url(ticket["address"]),
        facts=_arrival_facts(request, ticket) if editable else [],
        last_visit=_last_visit(request, ticket) if editable else None,
        services=read(request, "services") if editable else [],
        invoice=invoice,
        waitlist_offer=waitlist_for_ticket(request, ticket),
        plan_visit=plan_for_ticket(request, ticket),
        history=describe_history(ticket["audit_trail"], staff_names),
        note_limit=NOTE.max_length,
        form=form,
        error=error,
        fields=fields or {},
        values=values or {},
    )


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
@page
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
    outcome = perform(request, "ticket", "clock_in", {"id": ticket_id})
    if not outcome.ok:
        status = conflict_status(outcome)
        return _detail(request, ticket_id, status=status, form="clock", error=outcome.error)
    stopped = outcome.result["stopped_clock"]
    if stopped is None:
        return redirect(f"/tickets/{ticket_id}", "clocked_in")
    return redirect(f"/tickets/{ticket_id}?stopped={stopped['ticket_id']}", "clock_switched")


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


@router.post("/tickets/{ticket_id}/cancel", response_class=HTMLResponse)
def cancel(request: Request, ticket_id: UUID, form: FormData) -> Response:
    reason = form.get("reason", "").strip()
    if not reason:
        return _detail(
            request,
            ticket_id,
            status=422,
            form="cancel",
            error="The ticket was not cancelled: say why, so you can tell later what happened.",
            fields={"reason": "Type a reason, like “customer rescheduled” or “rained out”."},
            values=form,
        )
    return _act(
        request,
        ticket_id,
        "ticket",
        "cancel",
        {"id": ticket_id, "reason": reason},
        notice="cancelled",
        form="cancel",
        values=form,
    )


@router.post("/tickets/{ticket_id}/no-show", response_class=HTMLResponse)
def no_show(request: Request, ticket_id: UUID, form: FormData) -> Response:
    return _act(
        request,
        ticket_id,
        "ticket",
        "mark_no_show",
        {"id": ticket_id, "reason": form.get("no_show_reason", "")},
        notice="saved",
        form="no_show",
        names={"reason": "no_show_reason"},
        values=form,
    )


@router.post("/tickets/{ticket_id}/notes", response_class=HTMLResponse)
def add_note(request: Request, ticket_id: UUID, form: FormData) -> Response:
    body = form.get("body", "").strip()
    if not body:
        return _detail(
            request,
            ticket_id,
            status=422,
            form="note",
            error="The note was not added: it is empty.",
            fields={"body": "Type the note, like “Side gate sticks; lift it to open”."},
            values=form,
        )
    outcome = perform(request, "note", "create", {"ticket_id": ticket_id, "body": body})
    if outcome.ok:
        notice = "redacted" if outcome.redacted else "note_added"
        return redirect(f"/tickets/{ticket_id}#notes", notice)
    return _detail(
        request,
        ticket_id,
        status=conflict_status(outcome),
        form="note",
        error=outcome.error,
        fields=field_map(outcome.fields, {}),
        values=form,
    )


LINE_FIELDS = {"unit_price_cents": "price", "description": "service_id"}


@router.post("/tickets/{ticket_id}/lines", response_class=HTMLResponse)
def add_line(request: Request, ticket_id: UUID, form: FormData) -> Response:
    fields: dict[str, str] = {}
    data: dict[str, Any] = {"ticket_id": ticket_id}
    if not form.get("service_id"):
        fields["service_id"] = "Pick a service from the catalog."
    else:
        data["service_id"] = form["service_id"]
    try:
        quantity = parse_quantity(form.get("quantity", ""), required=False, limits=QUANTITY)
        if quantity is not None:
            data["quantity"] = quantity
    except ValueError as exc:
        fields["quantity"] = str(exc)
    try:
        price = parse_cents(form.get("price", ""), required=False, limits=PRICE)
        if price is not None:
            data["unit_price_cents"] = price
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
            values=form,
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
        values=form,
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
