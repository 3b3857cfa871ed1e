from __future__ import annotations

from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field

from crm.core.models.common import BusinessDatetime, Input, Line

ConfirmationStatus = Literal["unconfirmed", "confirmed", "declined"]


class TicketCreate(Input):
    contact_id: UUID
    address_id: UUID | None = None
    title: Line = Field("", max_length=200)
    scheduled_start: BusinessDatetime
    duration_minutes: int = Field(60, ge=5, le=1440)
    staff_ids: list[UUID] = Field(default_factory=list, max_length=20)
    is_price_estimated: bool = False


class TicketUpdate(Input):
    id: UUID
    address_id: UUID | None = None
    title: Line = Field("", max_length=200)
    scheduled_start: BusinessDatetime | None = None
    duration_minutes: int = Field(60, ge=5, le=1440)
    is_price_estimated: bool = False
    confirmation_status: ConfirmationStatus = "unconfirmed"


class AssignStaff(Input):
    id: UUID
    staff_ids: list[UUID] = Field(max_length=20)


class CancelTicket(Input):
    id: UUID
    reason: Line = Field(min_length=1, max_length=500)


class ReopenTicket(Input):
    id: UUID
    # The new time; none keeps the old one.
    scheduled_start: BusinessDatetime | None = None


class NoShow(Input):
    id: UUID
    reason: Line = Field("", max_length=500)


class LineItemAdd(Input):
    ticket_id: UUID
    service_id: UUID | None = None
    description: Line = Field("", max_length=300)
    quantity: Decimal = Field(Decimal(1), gt=0, le=100000, max_digits=12, decimal_places=3)
    unit_price_cents: int | None = Field(None, ge=0, le=100_000_000)


class LineItemUpdate(Input):
    id: UUID
    description: Line = Field("", min_length=1, max_length=300)
    quantity: Decimal = Field(Decimal(1), gt=0, le=100000, max_digits=12, decimal_places=3)
    unit_price_cents: int = Field(0, ge=0, le=100_000_000)
