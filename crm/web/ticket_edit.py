"""Pages: change a ticket that is not finished — reschedule, address, staff, title.

GET  /tickets/{id}/edit   the form, filled in from the ticket
POST /tickets/{id}/edit   ticket.update (+ ticket.assign_staff when the crew changed)
                          → 303 /tickets/{id}?notice=saved; problems re-render with 422/409.
                          A day moved far from today (crm/web/far_dates.py) comes back with a
                          warning (409) until ``intent=anyway``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.ticket import TicketUpdate
from crm.dependencies import CurrentUser
from crm.errors import NotFound
from crm.utils.timezone import get_zone, to_business_time
from crm.web.common import page, perform, read, redirect, render
from crm.web.far_dates import ANYWAY, far_date
from crm.web.forms import FormData, problems

router = APIRouter(include_in_schema=False)

EDITABLE = ("scheduled", "in_progress")


def _ticket(request: Request, ticket_id: str) -> dict[str, Any]:
    try:
        ticket: dict[str, Any] = read(
            request, "tickets", id=UUID(ticket_id), include="staff,contact"
        )
        return ticket
    except ValueError as exc:
        raise NotFound("No such ticket.") from exc


def _values(ticket: dict[str, Any], timezone: str) -> dict[str, Any]:
    local = to_business_time(ticket["scheduled_start"], timezone)
    return {
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "duration": str(ticket["duration_minutes"]),
        "title": ticket["title"],
        "address_id": str(ticket["address_id"] or ""),
        "estimated": "1" if ticket["is_price_estimated"] else "",
        "confirmation_status": ticket["confirmation_status"],
        "staff_ids": [str(s["id"]) for s in ticket["staff"]],
    }


def _page(
    request: Request,
    ticket: dict[str, Any],
    values: dict[str, Any],
    *,
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
    far: str = "",
) -> HTMLResponse:
    addresses = read(request, "addresses", contact_id=str(ticket["contact_id"]))
    return render(
        request,
        "tickets/edit.html",
        status=status,
        section="tickets",
        ticket=ticket,
        values=values,
        addresses=addresses,
        staff=read(request, "staff"),
        error=error,
        fields=fields or {},
        far_date=far,
    )


def _far(ticket: dict[str, Any], values: dict[str, Any], data: dict[str, Any], tz: str) -> str:
    """A warning for a day moved far from today, once the rest of the form is right."""
    day = datetime.fromisoformat(data["scheduled_start"]).date()
    if day == to_business_time(ticket["scheduled_start"], tz).date():
        return ""
    if values.get("intent") == ANYWAY or problems(TicketUpdate, data):
        return ""
    return far_date(day, timezone=tz, subject="The new day")


@router.get("/tickets/{ticket_id}/edit", response_class=HTMLResponse)
@page
def edit_ticket(request: Request, ticket_id: str, user: CurrentUser) -> Response:
    ticket = _ticket(request, ticket_id)
    if ticket["status"] not in EDITABLE:
        return redirect(f"/tickets/{ticket['id']}")
    return _page(request, ticket, _values(ticket, user.timezone))


@router.post("/tickets/{ticket_id}/edit", response_class=HTMLResponse)
def save_ticket(request: Request, ticket_id: str, form: FormData, user: CurrentUser) -> Response:
    ticket = _ticket(request, ticket_id)
    values: dict[str, Any] = {**form, "staff_ids": form.getlist("staff_ids")}
    try:
        day = date.fromisoformat(values.get("date", ""))
        at = time.fromisoformat(values.get("time", ""))
    except ValueError:
        return _page(
            request,
            ticket,
            values,
            status=422,
            error="Please check the highlighted fields.",
            fields={"date": "Pick a day and a start time."},
        )
    start = datetime.combine(day, at, tzinfo=get_zone(user.timezone))
    data: dict[str, Any] = {
        "id": str(ticket["id"]),
        "scheduled_start": start.isoformat(),
        "duration_minutes": values.get("duration", ""),
        "title": values.get("title", ""),
        "is_price_estimated": bool(values.get("estimated")),
        "confirmation_status": values.get("confirmation_status", "unconfirmed"),
    }
    if values.get("address_id"):
        data["address_id"] = values["address_id"]
    if far := _far(ticket, values, data, user.timezone):
        error = "The ticket was not changed yet: check the day. Change it, or save it anyway."
        return _page(request, ticket, values, status=409, error=error, far=far)
    outcome = perform(request, "ticket", "update", data)
    if outcome.ok and sorted(values["staff_ids"]) != sorted(str(s["id"]) for s in ticket["staff"]):
        outcome = perform(
            request,
            "ticket",
            "assign_staff",
            {"id": str(ticket["id"]), "staff_ids": values["staff_ids"]},
        )
    if not outcome.ok:
        fields = dict(outcome.fields)
        if "scheduled_start" in fields:
            fields["date"] = fields.pop("scheduled_start")
        if "duration_minutes" in fields:
            fields["duration"] = fields.pop("duration_minutes")
        return _page(
            request, ticket, values, status=outcome.status, error=outcome.error, fields=fields
        )
    return redirect(f"/tickets/{ticket['id']}", "saved")
