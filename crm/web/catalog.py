"""Pages: the catalog — services and products, how each is priced, create, edit, retire."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.service import ServiceCreate
from crm.web.common import page, perform, read, redirect, render
from crm.web.formats import dollars
from crm.web.forms import FormData, clean, limits, parse_cents, parse_int, summary

router = APIRouter(include_in_schema=False)

MODES = {
    "fixed": (
        "Fixed price",
        "The same price every time, like “Gutter cleaning, $150”. Can't be changed on a ticket.",
    ),
    "flexible": (
        "Flexible price",
        "A starting price you adjust on each ticket until it's closed out, for work you quote "
        "on the spot.",
    ),
    "per_unit": (
        "Per unit",
        "A price for each window, screen or hour; the ticket says how many. Needs a unit label.",
    ),
    "product": (
        "Product",
        "Something you sell, like a cleaning kit, at a set price each.",
    ),
}
PRICE = limits(ServiceCreate, "unit_price_cents")
MINUTES = limits(ServiceCreate, "default_duration_minutes")


def service_input(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The action's input from the form, and messages for fields that couldn't be read."""
    fields: dict[str, str] = {}
    data: dict[str, Any] = {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "unit_label": form.get("unit_label", ""),
    }
    if not data["name"].strip():
        fields["name"] = "Give it a name, like “Window cleaning, outside”."
    try:  # an empty price is a free service
        price = parse_cents(form.get("price", ""), required=False, limits=PRICE)
        data["unit_price_cents"] = price or 0
    except ValueError as exc:
        fields["price"] = str(exc)
    minutes = form.get("default_duration_minutes", "").strip()
    try:
        if minutes:
            data["default_duration_minutes"] = parse_int(
                minutes, limits=MINUTES, message="Enter minutes {span} (a whole day)."
            )
    except ValueError as exc:
        fields["default_duration_minutes"] = str(exc)
    return data, fields


@router.get("/catalog", response_class=HTMLResponse)
@page
def catalog(request: Request, retired: str = "") -> HTMLResponse:
    show_retired = retired == "1"
    rows = read(request, "services", limit=1000, include_retired="true")
    current = [s for s in rows if s["retired_at"] is None]
    old = [s for s in rows if s["retired_at"] is not None]
    return render(
        request,
        "catalog/list.html",
        section="catalog",
        services=current,
        retired=old if show_retired else [],
        retired_count=len(old),
        show_retired=show_retired,
        modes=MODES,
    )


@router.get("/catalog/new", response_class=HTMLResponse)
@page
def new_service(request: Request) -> HTMLResponse:
    # Minutes left empty: 60 for a job, 5 per unit (ServiceCreate).
    return _form(request, values={"pricing_mode": "fixed"})


@router.post("/catalog", response_class=HTMLResponse)
def create_service(request: Request, form: FormData) -> Response:
    data, fields = service_input(form)
    data["pricing_mode"] = form.get("pricing_mode", "")
    if data["pricing_mode"] not in MODES:
        fields["pricing_mode"] = "Choose how this is priced."
    if data["pricing_mode"] == "per_unit" and not data["unit_label"]:
        fields["unit_label"] = "Per-unit pricing needs a unit label, like window or screen."
    if fields:
        return _form(request, values=form, fields=fields)
    outcome = perform(request, "service", "create", data)
    if not outcome.ok:
        return _form(request, values=form, fields=clean(outcome.fields), error=outcome.error)
    return redirect("/catalog", "redacted" if outcome.redacted else "created")


@router.get("/catalog/{service_id}/edit", response_class=HTMLResponse)
@page
def edit_service(request: Request, service_id: UUID) -> HTMLResponse:
    service = read(request, "services", id=service_id)
    return _form(request, values=_values(service), service=service)


def _values(service: dict[str, Any]) -> dict[str, str]:
    return {
        "name": service["name"],
        "description": service["description"],
        "price": dollars(service["unit_price_cents"]),
        "unit_label": service["unit_label"],
        "default_duration_minutes": str(service["default_duration_minutes"]),
    }


@router.post("/catalog/{service_id}", response_class=HTMLResponse)
def update_service(request: Request, service_id: UUID, form: FormData) -> Response:
    service = read(request, "services", id=service_id)
    data, fields = service_input(form)
    if service["pricing_mode"] == "per_unit" and not data["unit_label"]:
        fields["unit_label"] = "Per-unit pricing needs a unit label, like window or screen."
    if fields:
        return _form(request, values=form, service=service, fields=fields)
    outcome = perform(request, "service", "update", {**data, "id": str(service_id)})
    if not outcome.ok:
        return _form(
            request, values=form, service=service, fields=clean(outcome.fields), error=outcome.error
        )
    return redirect("/catalog", "redacted" if outcome.redacted else "saved")


@router.post("/catalog/{service_id}/retire", response_class=HTMLResponse)
def retire_service(request: Request, service_id: UUID) -> Response:
    outcome = perform(request, "service", "retire", {"id": str(service_id)})
    if not outcome.ok:
        service = read(request, "services", id=service_id)
        return _form(request, values=_values(service), service=service, error=outcome.error)
    return redirect("/catalog", "saved")


def _form(
    request: Request,
    *,
    values: dict[str, str],
    service: dict[str, Any] | None = None,
    fields: dict[str, str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    fields = dict(fields or {})
    error = summary(fields, error)
    return render(
        request,
        "catalog/form.html",
        status=422 if error else 200,
        section="catalog",
        service=service,
        values=values,
        fields=fields,
        error=error,
        modes=MODES,
    )
