"""Payments on an invoice: recording one (with a tip on top), refunding, and removing a wrong
one — never deleted, always audited — and the status each leaves the invoice in."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core.exceptions import PaymentRejected
from crm.core.models.common import format_money
from crm.core.models.invoice import RecordPayment, RefundPayment, RemovePayment
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.core.services.invoice_service import _apply, _lock
from crm.errors import Conflict, InvalidStatusTransition
from crm.utils.timezone import business_today, utc_now
from crm.utils.user_context import get_current_user


def _status_when_paid(invoice: dict[str, Any], paid: int) -> str:
    """What an invoice is once ``paid`` of it is paid: back to sent (or draft) at zero."""
    if paid == 0:
        return "sent" if invoice["sent_at"] else "draft"
    return "paid" if paid == invoice["total_cents"] else "partial"


def _settle(
    conn: Connection, invoice: dict[str, Any], change: int, *, action: str, context: dict[str, Any]
) -> dict[str, Any]:
    paid = int(invoice["paid_cents"]) + change
    values = {"paid_cents": paid, "status": _status_when_paid(invoice, paid)}
    return _apply(conn, invoice, values, action=action, context=context)


@REGISTRY.action("invoice", "record_payment", input=RecordPayment)
def record_payment(conn: Connection, data: RecordPayment) -> dict[str, Any]:
    """Record money received against an invoice's balance; it becomes partial or paid.

    An overpayment is a tip: ``amount_cents`` pays the balance, ``tip_cents`` is the extra
    the customer chose to give, kept on the payment and never owed back. Drafts take payments
    too (paid on the spot): they move straight to partial or paid. The invoice row is
    locked, so concurrent payments can't overpay.
    """
    invoice = _lock(conn, data.invoice_id)
    status = invoice["status"]
    balance = int(invoice["total_cents"]) - int(invoice["paid_cents"])
    if status not in ("draft", "sent", "partial"):
        raise InvalidStatusTransition(
            f"This invoice is {status}; it takes no more payments.",
            details={"from": status, "balance_cents": balance},
        )
    if data.amount_cents > balance:
        raise PaymentRejected(
            f"That is more than the balance of {format_money(balance)}; record the extra as a tip.",
            details={"balance_cents": balance, "amount_cents": data.amount_cents},
        )
    if data.tip_cents and data.amount_cents != balance:
        raise PaymentRejected(
            f"A tip comes with paying the whole balance of {format_money(balance)}.",
            details={"balance_cents": balance, "amount_cents": data.amount_cents},
        )
    payment = base.insert_row(
        conn,
        "payments",
        {
            "invoice_id": data.invoice_id,
            "amount_cents": data.amount_cents,
            "tip_cents": data.tip_cents,
            "method": data.method,
            "paid_on": data.paid_on or business_today(get_current_user().timezone),
            "reference": data.reference,
        },
        entity_type="payment",
    )
    context = {"payment_id": {"old": None, "new": payment["id"]}}
    if data.tip_cents:
        context["tip_cents"] = {"old": None, "new": data.tip_cents}
    updated = _settle(conn, invoice, data.amount_cents, action="payment", context=context)
    return {**updated, "payment": payment}


def _payment_and_invoice(
    conn: Connection, payment_id: UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The payment and its invoice, locked invoice first (the parent), then the payment."""
    invoice_id = base.load(conn, "payments", payment_id, label="payment")["invoice_id"]
    invoice = _lock(conn, invoice_id)
    payment = base.load(conn, "payments", payment_id, label="payment", lock=True)
    if payment["removed_at"] is not None:
        raise Conflict("This payment was removed.", details={"payment_id": str(payment_id)})
    if invoice["status"] == "void":
        raise InvalidStatusTransition("This invoice is void; its payments are final.")
    return payment, invoice


def _refunded(conn: Connection, payment_id: UUID) -> int:
    row = conn.execute(
        "SELECT COALESCE(-sum(amount_cents), 0) AS n FROM payments "
        "WHERE refund_of = %s AND removed_at IS NULL",
        (payment_id,),
    ).fetchone()
    return int(row["n"]) if row else 0


@REGISTRY.action("invoice", "refund", input=RefundPayment)
def refund(conn: Connection, data: RefundPayment) -> dict[str, Any]:
    """Give back part or all of a payment: a negative payment row with its reason; the
    invoice's balance grows again (and with nothing paid it can be voided)."""
    payment, invoice = _payment_and_invoice(conn, data.payment_id)
    if payment["kind"] != "payment":
        raise Conflict("A refund is given back from a payment, not from another refund.")
    refundable = int(payment["amount_cents"]) - _refunded(conn, payment["id"])
    if data.amount_cents > refundable:
        raise PaymentRejected(
            f"At most {format_money(refundable)} of this payment can be refunded.",
            details={"refundable_cents": refundable, "amount_cents": data.amount_cents},
        )
    row = base.insert_row(
        conn,
        "payments",
        {
            "invoice_id": invoice["id"],
            "kind": "refund",
            "refund_of": payment["id"],
            "amount_cents": -data.amount_cents,
            "method": data.method or payment["method"],
            "paid_on": data.refunded_on or business_today(get_current_user().timezone),
            "reason": data.reason,
        },
        entity_type="payment",
    )
    context = {
        "refund_id": {"old": None, "new": row["id"]},
        "refund_of": {"old": None, "new": payment["id"]},
        "reason": {"old": None, "new": data.reason},
    }
    updated = _settle(conn, invoice, -data.amount_cents, action="refund", context=context)
    return {**updated, "payment": row}


@REGISTRY.action("invoice", "remove_payment", input=RemovePayment)
def remove_payment(conn: Connection, data: RemovePayment) -> dict[str, Any]:
    """Take back a payment (or refund) recorded by mistake: it stays on record, marked
    removed with the reason, and no longer counts towards what is paid."""
    payment, invoice = _payment_and_invoice(conn, data.payment_id)
    if payment["kind"] == "payment" and _refunded(conn, payment["id"]):
        raise Conflict(
            "Part of this payment was refunded; remove the refund first.",
            details={"payment_id": str(payment["id"])},
        )
    paid = int(invoice["paid_cents"]) - int(payment["amount_cents"])
    if paid > invoice["total_cents"]:
        raise PaymentRejected(
            "Removing this refund would pay more than the invoice's total.",
            details={"total_cents": invoice["total_cents"], "paid_cents": paid},
        )
    removed = base.update_row(
        conn,
        "payments",
        payment["id"],
        {"removed_at": utc_now(), "removed_reason": data.reason},
        label="payment",
        entity_type="payment",
        action="remove",
    )
    context = {
        "removed_payment_id": {"old": None, "new": payment["id"]},
        "reason": {"old": None, "new": data.reason},
    }
    updated = _settle(
        conn, invoice, -int(payment["amount_cents"]), action="payment_removed", context=context
    )
    return {**updated, "payment": removed}


@REGISTRY.data_type("payments", filters={"invoice_id": "the payments on this invoice"})
def load_payments(conn: Connection, query: DataQuery) -> Any:
    """Payments received, newest first."""
    if query.id is not None:
        return base.load(conn, "payments", query.id, label="payment")
    return base.list_rows(
        conn,
        query,
        sql.SQL("SELECT * FROM payments"),
        order=("paid_on DESC", "created_at DESC", "id"),
        ids=("invoice_id",),
    )
