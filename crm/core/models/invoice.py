from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, model_validator

from crm.core.models.common import BusinessDate, Input, Line, Text
from crm.core.models.contact import Email, Phone

PaymentMethod = Literal["cash", "check", "card", "bank_transfer", "other"]
LineKind = Literal["item", "discount"]

# Tax rates are basis points (825 = 8.25%), 0 to 10000; a percent discount is too (1000 = 10%
# off the other lines), 1 to 10000. Optional fields carry their bounds on Field so that the
# pages' limits() can read them.
Cents = Annotated[int, Field(gt=0, le=10_000_000_000)]


class InvoiceFromTicket(Input):
    """Tax rate, due date and notes default to the business's invoice settings."""

    ticket_id: UUID
    tax_rate_bp: int | None = Field(None, ge=0, le=10000)
    due_on: BusinessDate | None = None
    notes: Text | None = Field(None, max_length=5000)


class InvoiceLineInput(Input):
    """An item (price >= 0), or a discount: a negative price, or a percent of the items."""

    description: Line = Field(min_length=1, max_length=300)
    kind: LineKind = "item"
    quantity: Decimal = Field(Decimal(1), gt=0, le=100000, max_digits=12, decimal_places=3)
    unit_price_cents: int = Field(0, ge=-100_000_000, le=100_000_000)
    percent_bp: int | None = Field(None, ge=1, le=10000)
    unit_label: Line = Field("", max_length=50)

    @model_validator(mode="after")
    def _priced_by_kind(self) -> Self:
        if self.kind == "item":
            if self.unit_price_cents < 0 or self.percent_bp is not None:
                raise ValueError("an item costs 0 or more; take money off with a discount line")
            return self
        if self.quantity != 1:
            raise ValueError("a discount line has quantity 1")
        if (self.percent_bp is None) == (self.unit_price_cents == 0):
            raise ValueError("a discount takes either a negative unit_price_cents or a percent_bp")
        if self.unit_price_cents > 0:
            raise ValueError("a discount's unit_price_cents is negative (money off)")
        return self


class InvoiceStandalone(Input):
    contact_id: UUID
    lines: list[InvoiceLineInput] = Field(min_length=1, max_length=100)
    tax_rate_bp: int | None = Field(None, ge=0, le=10000)
    due_on: BusinessDate | None = None
    notes: Text | None = Field(None, max_length=5000)


class InvoiceUpdate(Input):
    """A draft's lines, tax, due date or notes; only the fields sent change."""

    id: UUID
    lines: list[InvoiceLineInput] | None = Field(None, min_length=1, max_length=100)
    tax_rate_bp: int | None = Field(None, ge=0, le=10000)
    due_on: BusinessDate | None = None
    notes: Text | None = Field(None, max_length=5000)


class VoidInvoice(Input):
    id: UUID
    reason: Line = Field("", max_length=500)


class RecordPayment(Input):
    """amount_cents pays the invoice (at most the balance); tip_cents is received on top."""

    invoice_id: UUID
    amount_cents: Cents
    tip_cents: int = Field(0, ge=0, le=10_000_000_000)
    method: PaymentMethod = "other"
    paid_on: BusinessDate | None = None
    reference: Line = Field("", max_length=200)


class RefundPayment(Input):
    payment_id: UUID
    amount_cents: Cents
    reason: Line = Field(min_length=1, max_length=500)
    method: PaymentMethod | None = None
    refunded_on: BusinessDate | None = None


class RemovePayment(Input):
    payment_id: UUID
    reason: Line = Field(min_length=1, max_length=500)


class InvoiceSettingsUpdate(Input):
    """The business's invoice defaults and the contact details printed on its invoices."""

    tax_rate_bp: int | None = Field(None, ge=0, le=10000)
    due_days: int | None = Field(None, ge=0, le=365)
    default_notes: Text | None = Field(None, max_length=5000)
    address: Text | None = Field(None, max_length=500)
    phone: Phone | None = None
    email: Email | None = None
