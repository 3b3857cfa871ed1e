"""Pages: service plans — start one, see one, change it, pause, resume or end it (docs/plans.md).

GET  /plans/new?contact_id=      the form (``?ticket=<id>``: "Repeat this visit", filled in
                                 from that ticket); without a contact, a contact to pick
POST /plans                      plan.create → 303 /plans/{id}?notice=created; problems come
                                 back with everything typed (422), overlapping visits with
                                 their list (409) until ``intent=anyway`` (confirm_overlaps)
GET  /plans/{id}                 the plan in words, its visits (``?all=1``: every one), history
GET  /plans/{id}/change          the form filled in from the plan
POST /plans/{id}/change          plan.update, scope ``all`` or ``following`` from the first
                                 visit on or after ``from_date``; only what was changed is sent
POST /plans/{id}/pause, /resume, /end   → 303 /plans/{id}

The form's rule in words ↔ RRULE text is crm/web/plan_form.py; a visit's own page part (change
this visit, skip it) is crm/web/plan_visit.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.dependencies import CurrentUser
from crm.errors import NotFound
from crm.utils.timezone import business_today, to_business_time
from crm.web import plan_form
from crm.web.common import NOTICES, Outcome, page, perform, read, redirect, render
from crm.web.far_dates import ANYWAY
from crm.web.forms import FormData, parse_date
from crm.web.plan_history import describe_plan_history
from crm.web.ticket_prefill import fill_duration

router = APIRouter(include_in_schema=False)

SHOWN_VISITS = 5
STATUS_WORDS = {"active": "Active", "paused": "Paused", "ended": "Ended"}
PLAN_NOTICES = {
    **NOTICES,
    "paused": "Paused: its future visits are off the calendar until you resume it.",
    "resumed": "Resumed: its visits are back on the calendar.",
    "ended": "Ended: its future visits were cancelled.",
    "skipped": "Visit skipped.",
}
MULTI = ("staff_ids", "weekdays", "months")


def posted(form: Any) -> dict[str, Any]:
    """The form's values, trimmed, with the checkbox groups as lists."""
    values: dict[str, Any] = {k: v.strip() for k, v in form.items()}
    for name in MULTI:
        values[name] = form.getlist(name)
    return values


def _services(request: Request, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The services the form offers, and any picked that was retired since it was shown."""
    rows: list[dict[str, Any]] = read(request, "services", limit=1000, include_retired="true")
    return [s for s in rows if s["retired_at"] is None or values.get(f"qty-{s['id']}")]


def _contact(request: Request, contact_id: str) -> dict[str, Any]:
    try:
        contact: dict[str, Any] = read(
            request, "contacts", id=UUID(contact_id), include="addresses"
        )
    except ValueError as exc:
        raise NotFound("No such contact.") from exc
    return contact


def _form(
    request: Request,
    values: dict[str, Any],
    *,
    contact: dict[str, Any],
    services: list[dict[str, Any]],
    plan: dict[str, Any] | None = None,
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
    overlaps: list[dict[str, Any]] | None = None,
    repeating: dict[str, Any] | None = None,
) -> HTMLResponse:
    fill_duration(values, services)
    return render(
        request,
        "plans/form.html",
        status=status,
        section="contacts",
        values=values,
        contact=contact,
        services=services,
        staff=read(request, "staff"),
        plan=plan,
        repeating=repeating,
        kinds=plan_form.KINDS,
        weekdays=plan_form.WEEKDAYS,
        nths=plan_form.NTHS,
        months=plan_form.MONTHS,
        ends=plan_form.ENDS,
        duration=plan_form.DURATION,
        error=error,
        fields=fields or {},
        overlaps=overlaps or [],
    )


# -- a new plan --------------------------------------------------------------------------------


@router.get("/plans/new", response_class=HTMLResponse)
@page
def new_plan(
    request: Request, user: CurrentUser, contact_id: str = "", ticket: str = ""
) -> HTMLResponse:
    """The form for a contact, or filled in from a visit to repeat."""
    repeating = None
    if ticket:
        try:
            visit = read(request, "tickets", id=UUID(ticket), include="line_items,staff")
        except ValueError as exc:
            raise NotFound("No such ticket to repeat.") from exc
        at = to_business_time(visit["scheduled_start"], user.timezone)
        services = _services(request, {})
        values = plan_form.visit_values(visit, at, services)
        repeating = {"ticket": visit}
        contact_id = values["contact_id"]
    elif not contact_id:
        contacts = read(request, "contacts", limit=200)
        return render(request, "plans/pick.html", section="contacts", contacts=contacts)
    else:
        today = business_today(user.timezone)
        services = _services(request, {})
        values = {
            **plan_form.blank_rule(today),
            "start_date": today.isoformat(),
            "start_time": "09:00",
            "duration": "",
            "ends": "never",
        }
    values["contact_id"] = contact_id
    contact = _contact(request, contact_id)
    return _form(request, values, contact=contact, services=services, repeating=repeating)


def _overlap_refusal(outcome: Outcome) -> list[dict[str, Any]]:
    return list(outcome.details.get("visits", [])) if outcome.code == "PLAN_OVERLAPS" else []


OVERLAP_ERROR = (
    "Nothing was saved yet: some visits overlap other visits of the same staff. Change the "
    "time or the staff, or press “Save anyway”."
)


@router.post("/plans", response_class=HTMLResponse)
def create_plan(request: Request, form: FormData) -> Response:
    """plan.create from the form; every value typed comes back on a refusal."""
    values = posted(form)
    intent = values.pop("intent", "")
    contact = _contact(request, values.get("contact_id", ""))
    services = _services(request, values)
    fill_duration(values, services)
    data, fields = plan_form.parse_plan(values, services)
    if fields:
        return _form(
            request,
            values,
            contact=contact,
            services=services,
            status=422,
            error="The plan was not started. Please fix the highlighted fields.",
            fields=fields,
        )
    data = {**data, "contact_id": contact["id"], "confirm_overlaps": intent == ANYWAY}
    outcome = perform(request, "plan", "create", data)
    if outcome.ok:
        notice = "redacted" if outcome.redacted else "created"
        return redirect(f"/plans/{outcome.result['id']}", notice)
    overlaps = _overlap_refusal(outcome)
    return _form(
        request,
        values,
        contact=contact,
        services=services,
        status=outcome.status,
        error=OVERLAP_ERROR if overlaps else f"The plan was not started. {outcome.error}",
        fields=plan_form.inputs(outcome.fields, data["lines"]),
        overlaps=overlaps,
    )


def for_contact(request: Request, contact_id: UUID) -> list[dict[str, Any]]:
    """A contact's plans for their page: live ones first, each with its next visits."""
    plans: list[dict[str, Any]] = read(request, "plans", contact_id=str(contact_id), limit=50)
    return sorted(plans, key=lambda p: p["status"] == "ended")


# -- the plan page -----------------------------------------------------------------------------


def _plan(request: Request, plan_id: UUID, include: str = "") -> dict[str, Any]:
    plan: dict[str, Any] = read(request, "plans", id=plan_id, include=include)
    return plan


def _lines_shown(plan: dict[str, Any], services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {str(s["id"]): s for s in services}
    shown = []
    for line in plan["lines"]:
        service = names.get(str(line.get("service_id") or ""))
        shown.append(
            {
                "name": line.get("description") or (service["name"] if service else "A service"),
                "quantity": line.get("quantity") or "1",
                "unit": (service or {}).get("unit_label") or "",
            }
        )
    return shown


def _detail(
    request: Request,
    plan_id: UUID,
    timezone: str,
    *,
    show_all: bool = False,
    outcome: Outcome | None = None,
) -> HTMLResponse:
    plan = _plan(request, plan_id, "visits,audit_trail")
    today = business_today(timezone)
    contact = read(request, "contacts", id=plan["contact_id"], include="addresses")
    address = next((a for a in contact["addresses"] if a["id"] == plan["address_id"]), None)
    staff_names = {str(s["id"]): s["name"] for s in read(request, "staff", limit=500)}
    services = read(request, "services", limit=1000, include_retired="true")
    for visit in plan["visits"]:
        visit["local_start"] = to_business_time(visit["scheduled_start"], timezone)
    upcoming = [
        v for v in plan["visits"] if v["status"] == "scheduled" and v["plan_occurrence"] >= today
    ]
    past = [v for v in plan["visits"] if v not in upcoming]
    related = read(request, "plans", contact_id=str(plan["contact_id"]), limit=100)
    return render(
        request,
        "plans/detail.html",
        status=outcome.status if outcome else 200,
        section="contacts",
        notices=PLAN_NOTICES,
        plan=plan,
        contact=contact,
        address=address,
        lines=_lines_shown(plan, services),
        staff_names=[staff_names.get(str(s), "A former staff member") for s in plan["staff_ids"]],
        status_label=STATUS_WORDS.get(plan["status"], plan["status"]),
        upcoming=upcoming if show_all else upcoming[:SHOWN_VISITS],
        more=0 if show_all else max(0, len(upcoming) - SHOWN_VISITS),
        past=past[-SHOWN_VISITS:],
        continued_by=next((p for p in related if p.get("split_from") == plan["id"]), None),
        history=describe_plan_history(plan["audit_trail"], staff_names),
        error=outcome.error if outcome else None,
        fields=outcome.fields if outcome else {},
    )


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
@page
def plan_page(request: Request, user: CurrentUser, plan_id: UUID, all: str = "") -> HTMLResponse:
    """One plan: its rule in words, what each visit is, the visits to come, the history."""
    return _detail(request, plan_id, user.timezone, show_all=bool(all))


# -- changing the plan -------------------------------------------------------------------------


@router.get("/plans/{plan_id}/change", response_class=HTMLResponse)
@page
def change_form(request: Request, user: CurrentUser, plan_id: UUID) -> HTMLResponse:
    plan = _plan(request, plan_id)
    services = _services(request, {})
    values = {**plan_form.plan_values(plan, services), "scope": "all"}
    values["from_date"] = business_today(user.timezone).isoformat()
    contact = _contact(request, str(plan["contact_id"]))
    return _form(request, values, contact=contact, services=services, plan=plan)


def _only_changed(
    data: dict[str, Any], before: dict[str, Any], services: list[dict[str, Any]]
) -> dict[str, Any]:
    """The plan.update input with only what the form changed from the plan as it was."""
    was, _ = plan_form.parse_plan(before, services)
    for end in ("until", "count"):
        data.setdefault(end, None)
        was.setdefault(end, None)
    for key in ("staff_ids",):
        data[key], was[key] = sorted(data[key]), sorted(was.get(key) or [])
    changed = {k: v for k, v in data.items() if k != "start_date" and was.get(k) != v}
    if ("until" in changed) != ("count" in changed):  # the end is given as a pair
        changed.update(until=data["until"], count=data["count"])
    return changed


def _visit_from(plan: dict[str, Any], day: date) -> dict[str, Any] | None:
    return next(
        (v for v in plan["visits"] if v["status"] == "scheduled" and v["plan_occurrence"] >= day),
        None,
    )


@router.post("/plans/{plan_id}/change", response_class=HTMLResponse)
def change_plan(request: Request, user: CurrentUser, plan_id: UUID, form: FormData) -> Response:
    """plan.update for all future visits, or from the first visit on or after a day."""
    values = posted(form)
    intent = values.pop("intent", "")
    plan = _plan(request, plan_id, "visits")
    contact = _contact(request, str(plan["contact_id"]))
    services = _services(request, values)
    fill_duration(values, services)
    data, fields = plan_form.parse_plan({**values, "start_date": str(plan["start_date"])}, services)
    update: dict[str, Any] = {"id": plan_id, "scope": "all"}
    if values.get("scope") == "following":
        try:
            day = parse_date(values.get("from_date", "")) or business_today(user.timezone)
            visit = _visit_from(plan, day)
            if visit is None:
                fields["from_date"] = "The plan has no visit to come on or after that day."
            else:
                update.update(scope="following", ticket_id=visit["id"])
        except ValueError as exc:
            fields["from_date"] = str(exc)
    changed = {} if fields else _only_changed(data, plan_form.plan_values(plan, services), services)
    if not fields and not changed:
        fields["repeat"] = "Change something first: the plan is already like this."
    if fields:
        return _form(
            request,
            values,
            contact=contact,
            services=services,
            plan=plan,
            status=422,
            error="The plan was not changed. Please fix the highlighted fields.",
            fields=fields,
        )
    outcome = perform(
        request, "plan", "update", {**update, **changed, "confirm_overlaps": intent == ANYWAY}
    )
    if outcome.ok:
        return redirect(f"/plans/{outcome.result['id']}", "saved")
    overlaps = _overlap_refusal(outcome)
    return _form(
        request,
        values,
        contact=contact,
        services=services,
        plan=plan,
        status=outcome.status,
        error=OVERLAP_ERROR if overlaps else f"The plan was not changed. {outcome.error}",
        fields=plan_form.inputs(outcome.fields, data["lines"]),
        overlaps=overlaps,
    )


def _status_action(
    request: Request, user: Any, plan_id: UUID, action: str, data: dict[str, Any]
) -> Response:
    outcome = perform(request, "plan", action, {"id": plan_id, **data})
    if outcome.ok:
        notice = {"pause": "paused", "resume": "resumed", "end": "ended"}[action]
        return redirect(f"/plans/{plan_id}", notice)
    return _detail(request, plan_id, user.timezone, outcome=outcome)


@router.post("/plans/{plan_id}/pause", response_class=HTMLResponse)
def pause_plan(request: Request, user: CurrentUser, plan_id: UUID) -> Response:
    return _status_action(request, user, plan_id, "pause", {})


@router.post("/plans/{plan_id}/resume", response_class=HTMLResponse)
def resume_plan(request: Request, user: CurrentUser, plan_id: UUID) -> Response:
    return _status_action(request, user, plan_id, "resume", {})


@router.post("/plans/{plan_id}/end", response_class=HTMLResponse)
def end_plan(request: Request, user: CurrentUser, plan_id: UUID, form: FormData) -> Response:
    data = {"reason": form.get("reason", "").strip()}
    return _status_action(request, user, plan_id, "end", data)
