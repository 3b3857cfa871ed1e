"""Pages: settings — the business's name and timezone, your display name, and the staff.

Messaging (what is sent, when, and its wording) is in crm/web/settings_messaging.py.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.auth.security_middleware import auth_state
from crm.utils.timezone import business_today, is_valid_timezone, to_business_time
from crm.web.common import Outcome, page, perform, read, redirect, render
from crm.web.forms import FormData, clean, summary

router = APIRouter(include_in_schema=False)

# The zones most US businesses run on; anything else can be typed.
COMMON_ZONES = {
    "America/New_York": "Eastern (New York)",
    "America/Chicago": "Central (Chicago)",
    "America/Denver": "Mountain (Denver)",
    "America/Phoenix": "Mountain, no daylight saving (Phoenix)",
    "America/Los_Angeles": "Pacific (Los Angeles)",
    "America/Anchorage": "Alaska (Anchorage)",
    "Pacific/Honolulu": "Hawaii (Honolulu)",
    "America/Puerto_Rico": "Atlantic (Puerto Rico)",
}
OTHER = "other"
STAFF_FIELDS = ("name", "phone", "email")


def business_input(form: dict[str, str]) -> dict[str, str]:
    """The typed timezone wins over the list, so 'Other' needs no JavaScript."""
    typed = form.get("timezone_other", "").strip()
    chosen = form.get("timezone", "")
    return {
        "business_name": form.get("business_name", ""),
        "display_name": form.get("display_name", ""),
        "timezone": typed or ("" if chosen == OTHER else chosen),
    }


@router.get("/settings", response_class=HTMLResponse)
@page
def settings_page(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/settings", response_class=HTMLResponse)
def update_business(request: Request, form: FormData) -> Response:
    data = business_input(form)
    fields = {}
    if not data["timezone"]:
        fields["timezone_other"] = "Type a timezone name, like America/Boise, or pick one above."
    if fields:
        return _page(request, form_name="business", values=form, fields=fields)
    user = auth_state(request).user
    assert user is not None
    if data["timezone"] != user.timezone and not form.get("confirm_timezone"):
        today = business_today(user.timezone).isoformat()
        upcoming = read(request, "tickets", limit=500, status="scheduled", **{"from": today})
        if upcoming and is_valid_timezone(data["timezone"]):
            return _confirm_timezone(request, data, user.timezone, upcoming)
    outcome = perform(request, "business", "update", data)
    if not outcome.ok:
        return _page(request, form_name="business", values=form, outcome=outcome)
    return redirect("/settings", "redacted" if outcome.redacted else "saved")


@router.post("/settings/staff", response_class=HTMLResponse)
def add_staff(request: Request, form: FormData) -> Response:
    data = {k: form.get(k, "") for k in STAFF_FIELDS}
    if not data["name"].strip():
        fields = {"name": "Enter the person's name."}
        return _page(request, form_name="staff", values=form, fields=fields)
    outcome = perform(request, "staff", "create", data)
    if not outcome.ok:
        return _page(request, form_name="staff", values=form, outcome=outcome)
    return redirect("/settings#staff", "redacted" if outcome.redacted else "created")


@router.post("/settings/staff/{staff_id}", response_class=HTMLResponse)
def update_staff(request: Request, staff_id: UUID, form: FormData) -> Response:
    data = {k: form.get(k, "") for k in STAFF_FIELDS}
    target = str(staff_id)
    if not data["name"].strip():
        fields = {"name": "A staff member needs a name."}
        return _page(request, form_name="edit-staff", target=target, values=form, fields=fields)
    outcome = perform(request, "staff", "update", {**data, "id": target})
    if not outcome.ok:
        return _page(request, form_name="edit-staff", target=target, values=form, outcome=outcome)
    return redirect("/settings#staff", "redacted" if outcome.redacted else "saved")


@router.post("/settings/staff/{staff_id}/delete", response_class=HTMLResponse)
def delete_staff(request: Request, staff_id: UUID) -> Response:
    outcome = perform(request, "staff", "delete", {"id": str(staff_id)})
    if not outcome.ok:
        return _page(request, form_name="staff-list", outcome=outcome)
    return redirect("/settings#staff", "deleted")


def _confirm_timezone(
    request: Request, data: dict[str, str], old: str, upcoming: list[dict[str, Any]]
) -> HTMLResponse:
    """Changing the timezone keeps every appointment at its moment in time, so its clock time
    changes: say so, with the first upcoming one as the example, before saving."""
    first = upcoming[0]["scheduled_start"]
    return render(
        request,
        "settings/timezone_confirm.html",
        section="settings",
        data=data,
        old=old,
        count=len(upcoming),
        before=to_business_time(first, old),
        after=to_business_time(first, data["timezone"]),
    )


def _page(
    request: Request,
    *,
    form_name: str = "",
    target: str = "",
    values: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    outcome: Outcome | None = None,
) -> HTMLResponse:
    user = auth_state(request).user
    assert user is not None
    fields = {**(clean(outcome.fields) if outcome else {}), **(fields or {})}
    if "timezone" in fields:  # the typed box is where a bad name came from (or goes)
        fields["timezone_other"] = fields.pop("timezone")
    what = "Not deleted" if form_name == "staff-list" else "Not saved"
    error = summary(fields, outcome.error if outcome else None, what)
    business: dict[str, Any] = values if form_name == "business" and values else user.as_dict()
    zone = business.get("timezone_other") or business.get("timezone", "")
    listed = zone in COMMON_ZONES
    return render(
        request,
        "settings/page.html",
        status=422 if error else 200,
        section="settings",
        business=business,
        zones=[*COMMON_ZONES.items(), (OTHER, "Other (type it below)")],
        zone_choice=zone if listed else OTHER,
        zone_typed="" if listed else zone,
        staff=read(request, "staff", limit=500),
        form_name=form_name,
        target=target,
        values=values or {},
        fields=fields,
        error=error,
    )
