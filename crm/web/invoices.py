"""Pages: invoices — the list by status, a standalone invoice, the detail with payments
(refunds, removal, tips), editing a draft, and the print view."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.invoice import (
    InvoiceFromTicket,
    InvoiceLineInput,
    RecordPayment,
    RefundPayment,
)
from crm.core.services.invoice_service import STATUSES
from crm.errors import AppError, NotFound
from crm.utils.timezone import business_today, utc_now
from crm.utils.user_context import get_current_user
from crm.web.common import NOTICES, Outcome, page, perform, read, redirect, render
from crm.web.formats import dollars, percent
from crm.web.forms import (
    Form,
    FormData,
    limits,
    parse_cents,
    parse_percent,
    parse_quantity,
    small_count,
)

router = APIRouter(include_in_schema=False)

METHODS = {
    "cash": "Cash",
    "check": "Check",
    "card": "Card",
    "bank_transfer": "Bank transfer",
    "other": "Other",
}
LINE_ROWS, MAX_ROWS = 3, 30
LIST_LIMIT = 200
DETAIL = "lines,payments,contact,audit_trail"
# Shown after a redirect here.
PAGE_NOTICES = {
    **NOTICES,
    "created": "Draft invoice created. Check it, then send it or record a payment.",
    "emailed": "The invoice is on its way to the customer by email, with a link to view it.",
    "updated": "Draft invoice saved.",
    "refunded": "Refund recorded.",
    "removed": "Payment removed. It stays in the history, with the reason.",
    "not_draft": "Only a draft can be edited. To change a sent invoice, void it and bill again.",
}
# What a line row is: its price field means the price, the amount off, or the percent off.
LINE_KINDS = {"item": "Item", "discount": "Discount ($ off)", "percent": "Discount (% off)"}
_LINE_KEY = re.compile(r"lines\.([0-9]{1,3})\.\w+")
TAX_RATE = limits(InvoiceFromTicket, "tax_rate_bp")
# A line's price field is never negative: a discount's amount off is typed as a positive.
LINE_PRICE = replace(limits(InvoiceLineInput, "unit_price_cents"), low=Decimal(0))
PERCENT_OFF = limits(InvoiceLineInput, "percent_bp")
REFUND = limits(RefundPayment, "amount_cents")
LINE_QUANTITY = limits(InvoiceLineInput, "quantity")
PRICE_NEEDED = "Enter a price in dollars (0 if free)."
PAYMENT = limits(RecordPayment, "amount_cents")


# -- helpers ---------------------------------------------------------------------------------


def _form_name(key: str, positions: list[int] | None = None) -> str:
    """An input field (lines.0.unit_price_cents) as the form names it (lines.2.unit_price)."""
    key = key.removesuffix("_cents").removesuffix("_bp")
    parts = key.split(".")
    if positions and len(parts) > 2 and parts[0] == "lines" and parts[1].isdigit():
        index = int(parts[1])
        parts[1] = str(positions[index] if index < len(positions) else index)
    return ".".join(parts)


def _id(value: str, label: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(
            f"No {label} with id {value}. Check the link, or find it in the list."
        ) from None


def _tax_rate(form: Form, data: dict[str, Any]) -> None:
    """An empty tax rate means the business's default rate (Settings → Invoices)."""
    rate = parse_percent(form.get("tax_rate", ""), required=False, limits=TAX_RATE)
    if rate is not None:
        data["tax_rate_bp"] = rate


def _page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    return render(
        request,
        template,
        status=status,
        section="invoices",
        notices=PAGE_NOTICES,
        methods=METHODS,
        **context,
    )


def _status(outcome: Outcome, fields: dict[str, str]) -> int:
    """422 for something to correct in the form, 409 for a refusal by the invoice's state."""
    return 422 if fields or outcome.fields else 409


# -- list ------------------------------------------------------------------------------------


@router.get("/invoices", response_class=HTMLResponse)
@page
def invoice_list(request: Request, status: str = "") -> HTMLResponse:
    """Invoices, newest first, optionally one status only (an unknown status shows all)."""
    status = status if status in STATUSES else ""
    invoices = read(request, "invoices", limit=LIST_LIMIT, include="contact", status=status)
    return _page(
        request,
        "invoices/list.html",
        status_filter=status,
        statuses=STATUSES,
        invoices=invoices,
        truncated=len(invoices) >= LIST_LIMIT,
    )


# -- creation --------------------------------------------------------------------------------


@router.post("/invoices/from-ticket/{ticket_id}")
def from_ticket(request: Request, ticket_id: str, form: FormData) -> Response:
    """Bill a ticket; a ticket that already has an invoice leads to that invoice."""
    tid = _id(ticket_id, "ticket")
    data: dict[str, Any] = {"ticket_id": str(tid)}
    if form.get("notes", "").strip():
        data["notes"] = form["notes"]
    try:
        _tax_rate(form, data)
    except ValueError as exc:
        return _not_created(request, tid, f"The tax rate isn't right: {exc}", 422)
    if form.get("due_on"):
        data["due_on"] = form["due_on"]
    outcome = perform(request, "invoice", "create_from_ticket", data)
    if outcome.ok:
        return redirect(f"/invoices/{outcome.result['id']}", "created")
    existing = [
        i for i in read(request, "invoices", ticket_id=str(tid), limit=10) if i["status"] != "void"
    ]
    if existing:
        return redirect(f"/invoices/{existing[0]['id']}", "exists")
    return _not_created(request, tid, outcome.error or "", _status(outcome, {}))


def _not_created(request: Request, ticket_id: UUID, message: str, status: int) -> HTMLResponse:
    return _page(
        request, "invoices/not_created.html", status=status, ticket_id=ticket_id, message=message
    )


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
    outcome = perform(request, "invoice", "create_standalone", data)
    if outcome.ok:
        notice = "redacted" if outcome.redacted else "created"
        return redirect(f"/invoices/{outcome.result['id']}", notice)
    fields = {_form_name(k, positions): v for k, v in outcome.fields.items()}
    status = _status(outcome, fields)
    return _new_form(request, form, rows=rows, status=status, error=outcome.error, fields=fields)


# -- detail and its actions ------------------------------------------------------------------


def _detail(
    request: Request,
    invoice_id: UUID,
    *,
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    target: str = "",
) -> HTMLResponse:
    invoice = read(request, "invoices", id=invoice_id, include=DETAIL)
    pay = {
        "amount": dollars(invoice["balance_cents"]),
        "method": "cash",
        "paid_on": business_today(get_current_user().timezone).isoformat(),
    }
    emails = read(request, "messages", invoice_id=str(invoice_id), kind="invoice", limit=50)
    return _page(
        request,
        "invoices/detail.html",
        status=status,
        invoice=invoice,
        payments=_payment_rows(invoice["payments"]),
        emails=emails,
        now=utc_now(),
        error=error,
        fields=fields or {},
        form={**pay, **(form or {})},
        target=target,
    )


def _payment_rows(payments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each payment with what can still be refunded of it (its live refunds deducted)."""
    refunded: dict[Any, int] = {}
    for p in payments:
        if p["kind"] == "refund" and p["removed_at"] is None:
            refunded[p["refund_of"]] = refunded.get(p["refund_of"], 0) - int(p["amount_cents"])
    return [
        {**p, "refundable_cents": int(p["amount_cents"]) - refunded.get(p["id"], 0)}
        for p in payments
    ]


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
@page
def invoice_detail(request: Request, invoice_id: str) -> HTMLResponse:
    """One invoice: lines, totals, payments, what can be done next, and its history."""
    return _detail(request, _id(invoice_id, "invoice"))


def _after(request: Request, iid: UUID, outcome: Outcome, notice: str, **kw: Any) -> Response:
    """303 back to the invoice with a notice, or the invoice again with the refusal."""
    if outcome.ok:
        return redirect(f"/invoices/{iid}", "redacted" if outcome.redacted else notice)
    fields = {_form_name(k): v for k, v in outcome.fields.items()}
    return _detail(request, iid, status=_status(outcome, fields), error=outcome.error, **kw)


@router.post("/invoices/{invoice_id}/sent", response_class=HTMLResponse)
def mark_sent(request: Request, invoice_id: str) -> Response:
    iid = _id(invoice_id, "invoice")
    return _after(request, iid, perform(request, "invoice", "mark_sent", {"id": str(iid)}), "sent")


@router.post("/invoices/{invoice_id}/send", response_class=HTMLResponse)
def send(request: Request, invoice_id: str) -> Response:
    """Email the invoice now (a draft becomes sent); the worker does the sending."""
    iid = _id(invoice_id, "invoice")
    return _after(request, iid, perform(request, "invoice", "send", {"id": str(iid)}), "emailed")


@router.post("/invoices/{invoice_id}/void", response_class=HTMLResponse)
def void(request: Request, invoice_id: str, form: FormData) -> Response:
    iid = _id(invoice_id, "invoice")
    data = {"id": str(iid), "reason": form.get("reason", "")}
    return _after(request, iid, perform(request, "invoice", "void", data), "voided", form=form)


def _edit_form(
    request: Request,
    invoice: dict[str, Any],
    form: dict[str, str],
    *,
    rows: int,
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
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
    outcome = perform(request, "invoice", "update", data)
    if outcome.ok:
        return redirect(f"/invoices/{invoice['id']}", "redacted" if outcome.redacted else "updated")
    fields = {_form_name(k, positions): v for k, v in outcome.fields.items()}
    status = _status(outcome, fields)
    return _edit_form(
        request, invoice, form, rows=rows, status=status, error=outcome.error, fields=fields
    )


# -- print -----------------------------------------------------------------------------------


@router.get("/invoices/{invoice_id}/print", response_class=HTMLResponse)
@page
def print_invoice(request: Request, invoice_id: str) -> HTMLResponse:
    """The invoice on paper: the business's contact details, the customer, and where and
    when the work was done."""
    invoice = read(request, "invoices", id=_id(invoice_id, "invoice"), include="lines,contact")
    contact = None
    if invoice["contact"] is not None:
        try:
            contact = read(request, "contacts", id=invoice["contact_id"], include="addresses")
        except AppError:
            contact = invoice["contact"]
    ticket = None
    if invoice["ticket_id"]:
        try:
            ticket = read(request, "tickets", id=invoice["ticket_id"], include="address")
        except AppError:
            ticket = None  # a deleted ticket: the invoice still prints
    return _page(
        request,
        "invoices/print.html",
        invoice=invoice,
        contact=contact,
        ticket=ticket,
        business=read(request, "invoice_settings"),
    )
