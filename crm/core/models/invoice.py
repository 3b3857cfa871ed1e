from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from crm.core.models.common import BusinessDate, Input, Line, Text

PaymentMethod = Literal["cash", "check", "card", "bank_transfer", "other"]

# Basis points: 825 = 8.25%.
TaxRateBp = Annotated[int, Field(ge=0, le=10000)]


class InvoiceFromTicket(Input):
    ticket_id: UUID
    tax_rate_bp: TaxRateBp = 0
    due_on: BusinessDate | None = None
    notes: Text = Field("", max_length=5000)


class InvoiceLineInput(Input):
    description: Line = Field(min_length=1, max_length=300)
    quantity: Decimal = Field(gt=0, le=100000, max_digits=12, decimal_places=3)
    unit_price_cents: int = Field(ge=0, le=100_000_000)
    unit_label: Line = Field("", max_length=50)


class InvoiceStandalone(Input):
    contact_id: UUID
    lines: list[InvoiceLineInput] = Field(min_length=1, max_length=100)
    tax_rate_bp: TaxRateBp = 0
    due_on: BusinessDate | None = None
    notes: Text = Field("", max_length=5000)


class VoidInvoice(Input):
    id: UUID
    reason: Line = Field("", max_length=500)


class RecordPayment(Input):
    invoice_id: UUID
    amount_cents: int = Field(gt=0, le=10_000_000_000)
    method: PaymentMethod = "other"
    paid_on: BusinessDate | None = None
    reference: Line = Field("", max_length=200)
