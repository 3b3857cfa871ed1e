"""Pages: invoices — the list by status, billing a ticket, the detail and what can be done
next (send, void), and the print view. Writing one by hand (a standalone draft, editing a
draft) is crm/web/invoice_forms.py; payments are crm/web/invoice_payments.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.invoice import (
    InvoiceFromTicket,
    RecordPayment,
    RefundPayment,
)
from crm.core.services.invoice_service import STATUSES
from crm.errors import AppError, NotFound
from crm.utils.timezone import business_today, utc_now
from crm.utils.user_context import get_current_user
from crm.web.common import NOTICES, Outcome, page, perform, read, redirect, render
from crm.web.formats import dollars
from crm.web.forms import (
    Form,
    FormData,
    limits,
    parse_percent,
)

router = APIRouter(include_in_schema=False)

METHODS = {
    "cash": "Cash",
    "check": "Check",
    "card": "Card",
    "bank_transfer": "Bank transfer",
    "other": "Other",
}
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
TAX_RATE = limits(InvoiceFromTicket, "tax_rate_bp")
REFUND = limits(RefundPayment, "amount_cents")
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
