"""Pages: money in and out of an invoice — recording a payment (a tip on top), refunding one,
and removing a wrong one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.web.common import perform, read
from crm.web.forms import FormData, parse_cents
from crm.web.invoices import PAYMENT, REFUND, _after, _detail, _id

router = APIRouter(include_in_schema=False)


@router.post("/invoices/{invoice_id}/payments", response_class=HTMLResponse)
def record_payment(request: Request, invoice_id: str, form: FormData) -> Response:
    """Record money received; above the balance it is refused unless the extra is a tip."""
    iid = _id(invoice_id, "invoice")
    data: dict[str, Any] = {
        "invoice_id": str(iid),
        "method": form.get("method", "other"),
        "reference": form.get("reference", ""),
    }
    if form.get("paid_on"):
        data["paid_on"] = form["paid_on"]
    try:
        received = parse_cents(form.get("amount", ""), required=True, limits=PAYMENT)
    except ValueError as exc:
        error = "The payment wasn't recorded: check the amount."
        return _detail(
            request, iid, status=422, error=error, fields={"amount": str(exc)}, form=form
        )
    balance = int(read(request, "invoices", id=iid)["balance_cents"])
    data["amount_cents"] = received
    if form.get("tip") and received > balance > 0:
        data["amount_cents"], data["tip_cents"] = balance, received - balance
    outcome = perform(request, "invoice", "record_payment", data)
    if outcome.ok or outcome.fields:
        return _after(request, iid, outcome, "payment", form=form)
    error = f"The payment wasn't recorded. {outcome.error}"
    fields = {"amount": "Enter no more than the balance due, or tick “the extra is a tip”."}
    return _detail(request, iid, status=409, error=error, fields=fields, form=form)


@router.post("/invoices/{invoice_id}/payments/{payment_id}/refund", response_class=HTMLResponse)
def refund(request: Request, invoice_id: str, payment_id: str, form: FormData) -> Response:
    """Give money back from a payment, with the reason."""
    iid, pid = _id(invoice_id, "invoice"), _id(payment_id, "payment")
    target = f"refund-{pid}"
    data: dict[str, Any] = {"payment_id": str(pid), "reason": form.get("reason", "")}
    try:
        data["amount_cents"] = parse_cents(form.get("amount", ""), required=True, limits=REFUND)
    except ValueError as exc:
        error = "The refund wasn't recorded: check the amount."
        fields = {"amount": str(exc)}
        return _detail(
            request, iid, status=422, error=error, fields=fields, form=form, target=target
        )
    outcome = perform(request, "invoice", "refund", data)
    return _after(request, iid, outcome, "refunded", form=form, target=target)


@router.post("/invoices/{invoice_id}/payments/{payment_id}/remove", response_class=HTMLResponse)
def remove_payment(request: Request, invoice_id: str, payment_id: str, form: FormData) -> Response:
    """Take back a payment recorded by mistake; it stays in the history with the reason."""
    iid, pid = _id(invoice_id, "invoice"), _id(payment_id, "payment")
    data = {"payment_id": str(pid), "reason": form.get("reason", "")}
    outcome = perform(request, "invoice", "remove_payment", data)
    return _after(request, iid, outcome, "removed", form=form, target=f"remove-{pid}")


# -- editing a draft -------------------------------------------------------------------------
