"""A plan's visit on its ticket page: which plan it is part of, and changing or skipping it.

``for_ticket`` is what the ticket page shows ("Part of: Every 4 weeks on Tuesday at 9:00 AM ·
visit 7 of ∞", "changed on its own"); crm/templates/plans/_on_ticket.html shows it.

GET  /tickets/{id}/visit        change this visit, this and the following, or all future ones:
                                day (this one only), time, minutes, staff, services
POST /tickets/{id}/visit        plan.update with ``scope`` and the ticket; only what was changed
                                is sent → 303 /tickets/{id}?notice=saved. Overlaps come back
                                listed (409) until ``intent=anyway``.
POST /tickets/{id}/visit/skip   plan.skip with the reason → 303 /tickets/{id}?notice=cancelled
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.services.plan_reads import visit_label
from crm.dependencies import CurrentUser
from crm.errors import NotFound
from crm.utils.timezone import to_business_time
from crm.web import plan_form
from crm.web.common import page, perform, read, redirect, render
from crm.web.far_dates import ANYWAY
from crm.web.forms import FormData, parse_date, parse_int
from crm.web.plans import OVERLAP_ERROR, posted

router = APIRouter(include_in_schema=False)

SCOPES = {
    "this": "This visit only",
    "following": "This visit and the following ones",
    "all": "All future visits",
}


def for_ticket(request: Request, ticket: dict[str, Any]) -> dict[str, Any] | None:
    """The plan a ticket is a visit of, in words; None for a one-off ticket."""
    if not ticket.get("plan_id"):
        return None
    plan = read(request, "plans", id=ticket["plan_id"])
    return {
        "plan": plan,
        "label": visit_label(plan, ticket["plan_occurrence"]),
        "detached": ticket["plan_detached"],
        "changeable": ticket["status"] == "scheduled",
    }


def _visit(request: Request, ticket_id: UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    ticket: dict[str, Any] = read(
        request, "tickets", id=ticket_id, include="line_items,staff,contact"
    )
    if not ticket.get("plan_id"):
        raise NotFound("That ticket is not a visit of a service plan.")
    return ticket, read(request, "plans", id=ticket["plan_id"])


def _values(
    ticket: dict[str, Any], timezone: str, services: list[dict[str, Any]]
) -> dict[str, Any]:
    at = to_business_time(ticket["scheduled_start"], timezone)
    values = plan_form.visit_values(ticket, at, services)
    return {**values, "scope": "this", "date": at.date().isoformat(), "duration_auto": ""}


def _page(
    request: Request,
    ticket: dict[str, Any],
    plan: dict[str, Any],
    values: dict[str, Any],
    *,
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
    overlaps: list[dict[str, Any]] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "plans/visit.html",
        status=status,
        section="tickets",
        ticket=ticket,
        plan=plan,
        label=visit_label(plan, ticket["plan_occurrence"]),
        values=values,
        scopes=SCOPES,
        services=read(request, "services"),
        staff=read(request, "staff"),
        duration=plan_form.DURATION,
        error=error,
        fields=fields or {},
        overlaps=overlaps or [],
    )


@router.get("/tickets/{ticket_id}/visit", response_class=HTMLResponse)
@page
def visit_form(request: Request, user: CurrentUser, ticket_id: UUID) -> HTMLResponse:
    """Change a plan's visit: this one, this and the following, or all future ones."""
    ticket, plan = _visit(request, ticket_id)
    services = read(request, "services")
    return _page(request, ticket, plan, _values(ticket, user.timezone, services))


def _changes(
    values: dict[str, Any], before: dict[str, Any], services: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """plan.update's fields that the form changed from the visit as it was."""
    fields: dict[str, str] = {}
    data: dict[str, Any] = {}
    scope = values.get("scope", "")
    if scope not in SCOPES:
        fields["scope"] = "Pick which visits change."
    try:
        day = parse_date(values.get("date", ""))
        if day is None:
            fields["date"] = "Pick the day of the visit."
        elif str(day) != before["date"]:
            if scope != "this":
                fields["date"] = (
                    "A new day is for this visit only. To move every visit, change the plan's "
                    "repeat on the plan's page."
                )
            data["start_date"] = str(day)
    except ValueError as exc:
        fields["date"] = str(exc)
    try:
        at = plan_form.parse_time(values.get("start_time", "")).strftime("%H:%M")
        if at != before["start_time"]:
            data["start_time"] = at
    except ValueError as exc:
        fields["start_time"] = str(exc)
    try:
        minutes = parse_int(
            values.get("duration", ""),
            limits=plan_form.DURATION,
            message="Type how long the visit takes, {span} minutes.",
        )
        if str(minutes) != before["duration"]:
            data["duration_minutes"] = minutes
    except ValueError as exc:
        fields["duration"] = str(exc)
    if sorted(values.get("staff_ids") or []) != sorted(before["staff_ids"]):
        data["staff_ids"] = values.get("staff_ids") or []
    lines = plan_form.parse_lines(values, services, fields)
    if lines != plan_form.parse_lines(before, services, {}):
        data["lines"] = lines
    if not fields and not data:
        fields["scope"] = "Change the day, time, minutes, staff or services first."
    return data, fields


@router.post("/tickets/{ticket_id}/visit", response_class=HTMLResponse)
def change_visit(request: Request, user: CurrentUser, ticket_id: UUID, form: FormData) -> Response:
    """plan.update from this visit: only what the form changed is sent."""
    values = posted(form)
    intent = values.pop("intent", "")
    ticket, plan = _visit(request, ticket_id)
    services = read(request, "services")
    data, fields = _changes(values, _values(ticket, user.timezone, services), services)
    if fields:
        error = "Nothing was changed. Please fix the highlighted fields."
        return _page(request, ticket, plan, values, status=422, error=error, fields=fields)
    update = {
        **data,
        "id": plan["id"],
        "scope": values["scope"],
        "ticket_id": ticket_id,
        "confirm_overlaps": intent == ANYWAY,
    }
    outcome = perform(request, "plan", "update", update)
    if outcome.ok:
        return redirect(f"/tickets/{ticket_id}", "saved")
    overlaps = list(outcome.details.get("visits", [])) if outcome.code == "PLAN_OVERLAPS" else []
    return _page(
        request,
        ticket,
        plan,
        values,
        status=outcome.status,
        error=OVERLAP_ERROR if overlaps else f"Nothing was changed. {outcome.error}",
        fields=plan_form.inputs(outcome.fields, data.get("lines", [])),
        overlaps=overlaps,
    )


@router.post("/tickets/{ticket_id}/visit/skip", response_class=HTMLResponse)
def skip_visit(request: Request, user: CurrentUser, ticket_id: UUID, form: FormData) -> Response:
    """plan.skip: the visit is cancelled with the reason and never made again."""
    reason = form.get("skip_reason", "").strip()
    outcome = perform(request, "plan", "skip", {"ticket_id": ticket_id, "reason": reason})
    if outcome.ok:
        return redirect(f"/tickets/{ticket_id}", "cancelled")
    ticket, plan = _visit(request, ticket_id)
    services = read(request, "services")
    values = {
        **_values(ticket, user.timezone, services),
        "skip_reason": form.get("skip_reason", ""),
    }
    message = "Type why, like “on holiday”." if not reason else outcome.fields.get("reason", "")
    return _page(
        request,
        ticket,
        plan,
        values,
        status=outcome.status,
        error=f"The visit was not skipped. {outcome.error}",
        fields={"skip_reason": message} if message else {},
    )
