"""Pages: Settings → Invoices — the default tax rate, payment terms and notes, and the
address, phone and email printed on the business's invoices."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.invoice import InvoiceSettingsUpdate
from crm.web.common import NOTICES, Outcome, page, perform, read, redirect, render
from crm.web.formats import percent, phone
from crm.web.forms import FormData, clean, limits, parse_int, parse_percent, summary

router = APIRouter(include_in_schema=False)

TAX_RATE = limits(InvoiceSettingsUpdate, "tax_rate_bp")
DUE_DAYS = limits(InvoiceSettingsUpdate, "due_days")
TEXT_FIELDS = ("address", "phone", "email", "default_notes")
# The form's names for the action's fields, where they differ.
FIELD_NAMES = {"tax_rate_bp": "tax_rate"}
PAGE_NOTICES = {**NOTICES, "saved": "Saved. New invoices use it; existing ones keep theirs."}


def settings_input(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The action's input from the form, and the fields that could not be read."""
    data: dict[str, Any] = {name: form.get(name, "") for name in TEXT_FIELDS}
    fields: dict[str, str] = {}
    try:
        data["tax_rate_bp"] = (
            parse_percent(form.get("tax_rate", ""), required=False, limits=TAX_RATE) or 0
        )
    except ValueError as exc:
        fields["tax_rate"] = str(exc)
    try:
        data["due_days"] = parse_int(
            form.get("due_days", ""), limits=DUE_DAYS, message="Type a number of days, {span}."
        )
    except ValueError as exc:
        fields["due_days"] = str(exc)
    return data, fields


def _page(
    request: Request,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    outcome: Outcome | None = None,
) -> HTMLResponse:
    if values is None:
        saved = read(request, "invoice_settings")
        values = {
            **{name: saved[name] for name in TEXT_FIELDS},
            "phone": phone(saved["phone"]),
            "tax_rate": percent(saved["tax_rate_bp"]).removesuffix("%"),
            "due_days": str(saved["due_days"]),
        }
    problems = {**(clean(outcome.fields) if outcome else {}), **(fields or {})}
    problems = {FIELD_NAMES.get(k, k): v for k, v in problems.items()}
    error = summary(problems, outcome.error if outcome else None)
    return render(
        request,
        "settings/business.html",
        status=status,
        section="settings",
        notices=PAGE_NOTICES,
        values=values,
        fields=problems,
        error=error,
    )


@router.get("/settings/business", response_class=HTMLResponse)
@page
def business_page(request: Request) -> HTMLResponse:
    """What goes on invoices: tax, terms, notes and how customers reach the business."""
    return _page(request)


@router.post("/settings/business", response_class=HTMLResponse)
def save_business(request: Request, form: FormData) -> Response:
    """Save the invoice settings; problems come back on the form."""
    data, fields = settings_input(form)
    if fields:
        return _page(request, status=422, values=form, fields=fields)
    outcome = perform(request, "invoice_settings", "update", data)
    if not outcome.ok:
        return _page(request, status=422 if outcome.fields else 409, values=form, outcome=outcome)
    return redirect("/settings/business", "redacted" if outcome.redacted else "saved")
