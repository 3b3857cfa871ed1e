from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from crm.core.models.common import BusinessDatetime, Input, Json, Line, Text


class ConfirmedLine(Input):
    line_item_id: UUID
    quantity: Decimal = Field(gt=0, le=100000, max_digits=12, decimal_places=3)
    unit_price_cents: int = Field(ge=0, le=100_000_000)


class NoFollowUp(Input):
    kind: Literal["none"]


class ReachOut(Input):
    kind: Literal["reach_out"]
    months: int = Field(ge=1, le=36)


class ScheduleNow(Input):
    kind: Literal["schedule_now"]
    start: BusinessDatetime
    duration_minutes: int | None = Field(None, ge=5, le=1440)


NextStep = Annotated[NoFollowUp | ReachOut | ScheduleNow, Field(discriminator="kind")]


class CloseOutPreview(Input):
    """Every step of the close-out, as the technician confirmed it; none may be skipped."""

    ticket_id: UUID
    duration_minutes: int = Field(ge=0, le=1440)
    line_items: list[ConfirmedLine] = Field(max_length=200)
    confirm_estimated_prices: bool = False
    notes: Text = Field(max_length=20000)
    next_step: NextStep


class Decision(Input):
    key: Line = Field(max_length=64)
    decision: Literal["accept", "edit", "reject"]
    value: Json = None


class CloseTicket(Input):
    ticket_id: UUID
    draft_id: UUID
    decisions: list[Decision] = Field(max_length=60)
