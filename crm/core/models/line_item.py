from __future__ import annotations

from decimal import Decimal
from typing import Self
from uuid import UUID

from pydantic import Field, model_validator

from crm.core.models.common import Input, Line


class LineItemUpdate(Input):
    """A line's text, quantity or price; a price that differs from the service's fixed price
    is an override and needs its reason in price_note."""

    id: UUID
    description: Line = Field("", min_length=1, max_length=300)
    quantity: Decimal = Field(Decimal(1), gt=0, le=100000, max_digits=12, decimal_places=3)
    unit_price_cents: int = Field(0, ge=0, le=100_000_000)
    price_note: Line = Field("", max_length=500)


class LineItemDiscount(Input):
    """Money off a ticket: a fixed amount (cents) or a percent (basis points) of its lines."""

    ticket_id: UUID
    description: Line = Field("Discount", min_length=1, max_length=300)
    amount_cents: int | None = Field(None, gt=0, le=100_000_000)
    percent_bp: int | None = Field(None, ge=1, le=10000)

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.amount_cents is None) == (self.percent_bp is None):
            raise ValueError("give either amount_cents or percent_bp")
        return self
