"""Pages: writing an invoice by hand — a standalone draft (work without a ticket) and editing a
draft's lines, discounts, tax, due date and notes.

GET  /invoices/new               the form (``?contact_id=`` picks the customer)
POST /invoices                   invoice.create_standalone → 303 /invoices/{id}?notice=created
GET  /invoices/{id}/edit         a draft's form; a sent invoice goes back to its page
POST /invoices/{id}/edit         invoice.update → 303 /invoices/{id}?notice=updated
Problems come back on the form with everything typed (422, or 409 for the invoice's state). A
due date far from today (crm/web/far_dates.py) comes back with a warning (409) until
``intent=anyway``; on the edit form only when the due date was changed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.common import Input
from crm.core.models.invoice import InvoiceLineInput, InvoiceStandalone, InvoiceUpdate
from crm.utils.user_context import get_current_user
from crm.web.common import page, perform, read, redirect
from crm.web.far_dates import ANYWAY, far_date, typed_day
from crm.web.formats import dollars, percent
from crm.web.forms import (
    Form,
    FormData,
    limits,
    parse_cents,
    parse_percent,
    parse_quantity,
    problems,
    small_count,
)
from crm.web.invoices import TAX_RATE, _form_name, _id, _page, _status, _tax_rate

router = APIRouter(include_in_schema=False)

LINE_ROWS, MAX_ROWS = 3, 30
# What a line row is: its price field means the price, the amount off, or the percent off.
LINE_KINDS = {"item": "Item", "discount": "Discount ($ off)", "percent": "Discount (% off)"}
_LINE_KEY = re.compile(r"lines\.([0-9]{1,3})\.\w+")
# A line's price field is never negative: a discount's amount off is typed as a positive.
LINE_PRICE = replace(limits(InvoiceLineInput, "unit_price_cents"), low=Decimal(0))
PERCENT_OFF = limits(InvoiceLineInput, "percent_bp")
LINE_QUANTITY = limits(InvoiceLineInput, "quantity")
PRICE_NEEDED = "Enter a price in dollars (0 if free)."
HELD = "The invoice was not saved yet: check the due date. Change it, or save it anyway."


def _far_due(form: Form, model: type[Input], data: dict[str, Any], saved: str = "") -> str:
    """A warning for a due date typed (or changed from the saved one) far from today, once
    the rest of the form is right."""
    typed = form.get("due_on", "").strip()
    day = typed_day(typed)
    if day is None or typed == saved or form.get("intent") == ANYWAY or problems(model, data):
        return ""
    return far_date(day, timezone=get_current_user().timezone, subject="The due date")


def _contacts(request: Request) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = read(request, "contacts", limit=1000)
    return sorted(rows, key=lambda c: (c["display_name"] or "").lower())


def _new_form(
    request: Request,
    form: dict[str, str],
    *,
    rows: int = LINE_ROWS,
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
    far: str = "",
) -> HTMLResponse:
    return _page(
        request,
        "invoices/new.html",
        status=status,
        contacts=_contacts(request),
        form=form,
        rows=rows,
        max_rows=MAX_ROWS,
        kinds=LINE_KINDS,
        error=error,
        fields=fields or {},
        far_date=far,
    )


@router.get("/invoices/new", response_class=HTMLResponse)
@page
def new_invoice(request: Request, contact_id: str = "") -> HTMLResponse:
    """The standalone invoice form (for work without a ticket), optionally for one contact."""
    return _new_form(request, {"contact_id": contact_id})


def _lines(
    form: dict[str, str], rows: int
) -> tuple[list[dict[str, Any]], list[int], dict[str, str]]:
    """The filled-in line rows as action input, their row numbers, and per-field problems."""
    lines: list[dict[str, Any]] = []
    positions: list[int] = []
    fields: dict[str, str] = {}
    for i in range(rows):
        kind = form.get(f"lines.{i}.kind", "item")
        kind = kind if kind in LINE_KINDS else "item"
        description = form.get(f"lines.{i}.description", "").strip()
        quantity = form.get(f"lines.{i}.quantity", "").strip()
        price = form.get(f"lines.{i}.unit_price", "").strip()
        if not (description or price):
            continue  # an untouched row (its quantity is prefilled with 1)
        if kind != "item":
            description = description or "Discount"
        elif not description:
            fields[f"lines.{i}.description"] = "Describe the work or item."
        line: dict[str, Any] = {"description": description, "quantity": Decimal(1)}
        try:
            _price(line, kind, price)
        except ValueError as exc:
            fields[f"lines.{i}.unit_price"] = str(exc)
        if kind == "item":
            try:
                line["quantity"] = (
                    parse_quantity(quantity, required=False, limits=LINE_QUANTITY)
                    or line["quantity"]
                )
            except ValueError as exc:
                fields[f"lines.{i}.quantity"] = str(exc)
        lines.append(line)
        positions.append(i)
    if not lines and not fields:
        fields["lines.0.description"] = "Add at least one line: what you did or sold."
    return lines, positions, fields


def _price(line: dict[str, Any], kind: str, text: str) -> None:
    """An item's price, a discount's amount off (stored negative), or a percent off."""
    if kind == "percent":
        line.update(
            kind="discount", percent_bp=parse_percent(text, required=True, limits=PERCENT_OFF)
        )
        return
    cents = parse_cents(text, required=True, limits=LINE_PRICE, empty=PRICE_NEEDED)
    if kind == "discount":
        line.update(kind="discount", unit_price_cents=-cents)
    else:
        line["unit_price_cents"] = cents


def _line_form(lines: list[dict[str, Any]]) -> dict[str, str]:
    """An invoice's lines as the form's fields, for editing."""
    form: dict[str, str] = {}
    for i, line in enumerate(lines):
        p = f"lines.{i}."
        form[p + "description"] = line["description"]
        form[p + "quantity"] = str(Decimal(str(line["quantity"])).normalize())
        if line["kind"] == "item":
            form[p + "kind"], form[p + "unit_price"] = "item", dollars(line["unit_price_cents"])
        elif line["percent_bp"]:
            form[p + "kind"], form[p + "unit_price"] = "percent", percent(line["percent_bp"])
        else:
            form[p + "kind"], form[p + "unit_price"] = (
                "discount",
                dollars(-line["unit_price_cents"]),
            )
    return form


def _row_count(form: dict[str, str]) -> int:
    """How many line rows the form had: as many as it showed, and every posted line."""
    indexes = [int(m[1]) for key in form if (m := _LINE_KEY.fullmatch(key))]
    shown = small_count(form.get("rows", ""), default=LINE_ROWS, most=MAX_ROWS)
    return max(1, min(max([shown - 1, *indexes]) + 1, MAX_ROWS))


@router.post("/invoices", response_class=HTMLResponse)
def create_invoice(request: Request, form: FormData) -> Response:
    """Create a standalone draft invoice; problems come back on the form."""
    rows = _row_count(form)
    if "more" in form:
        return _new_form(request, form, rows=min(rows + LINE_ROWS, MAX_ROWS))
    lines, positions, fields = _lines(form, rows)
    data: dict[str, Any] = {"contact_id": form.get("contact_id", ""), "lines": lines}
    data["notes"] = form.get("notes", "")
    if not data["contact_id"]:
        fields["contact_id"] = "Choose who this invoice is for."
    if form.get("due_on"):
        data["due_on"] = form["due_on"]
    try:
        _tax_rate(form, data)
    except ValueError as exc:
        fields["tax_rate"] = str(exc)
    if fields:
        error = "Please check the highlighted fields."
        return _new_form(request, form, rows=rows, status=422, error=error, fields=fields)
    if far := _far_due(form, InvoiceStandalone, data):
        return _new_form(request, form, rows=rows, status=409, error=HELD, far=far)
    outcome = perform(request, "invoice", "create_standalone", data)
    if outcome.ok:
        notice = "redacted" if outcome.redacted else "created"
        return redirect(f"/invoices/{outcome.result['id']}", notice)
    fields = {_form_name(k, positions): v for k, v in outcome.fields.items()}
    status = _status(outcome, fields)
    return _new_form(request, form, rows=rows, status=status, error=outcome.error, fields=fields)


def _edit_form(
    request: Request,
    invoice: dict[str, Any],
    form: dict[str, str],
    *,
    rows: int,
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
    far: str = "",
) -> HTMLResponse:
    return _page(
        request,
        "invoices/edit.html",
        status=status,
        invoice=invoice,
        form=form,
        rows=rows,
        max_rows=MAX_ROWS,
        kinds=LINE_KINDS,
        error=error,
        fields=fields or {},
        far_date=far,
    )


@router.get("/invoices/{invoice_id}/edit", response_class=HTMLResponse)
@page
def edit_invoice(request: Request, invoice_id: str) -> Response:
    """A draft's lines, tax, due date and notes; a sent invoice goes back to its page."""
    invoice = read(request, "invoices", id=_id(invoice_id, "invoice"), include="lines")
    if invoice["status"] != "draft":
        return redirect(f"/invoices/{invoice['id']}", "not_draft")
    form = {
        **_line_form(invoice["lines"]),
        "tax_rate": percent(invoice["tax_rate_bp"]).removesuffix("%"),
        "due_on": invoice["due_on"].isoformat() if invoice["due_on"] else "",
        "notes": invoice["notes"],
    }
    rows = min(max(len(invoice["lines"]) + 1, LINE_ROWS), MAX_ROWS)
    return _edit_form(request, invoice, form, rows=rows)


@router.post("/invoices/{invoice_id}/edit", response_class=HTMLResponse)
def update_invoice(request: Request, invoice_id: str, form: FormData) -> Response:
    """Save a draft's lines, tax, due date and notes; problems come back on the form."""
    invoice = read(request, "invoices", id=_id(invoice_id, "invoice"))
    rows = _row_count(form)
    if "more" in form:
        return _edit_form(request, invoice, form, rows=min(rows + LINE_ROWS, MAX_ROWS))
    lines, positions, fields = _lines(form, rows)
    data: dict[str, Any] = {
        "id": str(invoice["id"]),
        "lines": lines,
        "notes": form.get("notes", ""),
    }
    if form.get("due_on"):
        data["due_on"] = form["due_on"]
    try:
        data["tax_rate_bp"] = (
            parse_percent(form.get("tax_rate", ""), required=False, limits=TAX_RATE) or 0
        )
    except ValueError as exc:
        fields["tax_rate"] = str(exc)
    if fields:
        error = "Please check the highlighted fields."
        return _edit_form(request, invoice, form, rows=rows, status=422, error=error, fields=fields)
    saved = invoice["due_on"].isoformat() if invoice["due_on"] else ""
    if far := _far_due(form, InvoiceUpdate, data, saved):
        return _edit_form(request, invoice, form, rows=rows, status=409, error=HELD, far=far)
    outcome = perform(request, "invoice", "update", data)
    if outcome.ok:
        return redirect(f"/invoices/{invoice['id']}", "redacted" if outcome.redacted else "updated")
    fields = {_form_name(k, positions): v for k, v in outcome.fields.items()}
    status = _status(outcome, fields)
    return _edit_form(
        request, invoice, form, rows=rows, status=status, error=outcome.error, fields=fields
    )
