"""Service plans (crm/core/services/plan_service.py, docs/plans.md)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field

from crm.core.models.common import BusinessDate, Input, Line, Text

Scope = Literal["this", "following", "all"]


class PlanLine(Input):
    """A service each visit includes: from the catalog (``service_id``) or a custom line."""

    service_id: UUID | None = None
    description: Line = Field("", max_length=300)
    quantity: Decimal = Field(Decimal(1), gt=0, le=100000, max_digits=12, decimal_places=3)
    unit_price_cents: int | None = Field(None, ge=0, le=100_000_000)


class PlanFields(Input):
    """What a plan's visits are: shared by create and update."""

    address_id: UUID | None = None
    title: Line = Field("", max_length=200)
    rrule: Line = Field(
        min_length=6,
        max_length=500,
        description="RFC 5545 rule, e.g. FREQ=WEEKLY;INTERVAL=4;BYDAY=TU or "
        "FREQ=YEARLY;BYMONTH=4,10;BYDAY=1MO (UNTIL/COUNT may be given here or as until/count)",
    )
    start_time: time = Field(description="local time of day, HH:MM")
    duration_minutes: int = Field(60, ge=5, le=1440)
    staff_ids: list[UUID] = Field(default_factory=list, max_length=20)
    lines: list[PlanLine] = Field(default_factory=list, max_length=50)
    until: BusinessDate | None = Field(None, description="last local date a visit may fall on")
    count: int | None = Field(None, ge=1, le=1000, description="number of visits in all")
    skip_dates: list[BusinessDate] = Field(default_factory=list, max_length=400)
    crew_note: Text = Field("", max_length=2000)
    confirm_overlaps: bool = Field(
        False,
        description="save even when visits overlap another ticket of the same staff "
        "(without it such a change is refused with 409 PLAN_OVERLAPS listing them)",
    )


class PlanCreate(PlanFields):
    contact_id: UUID
    start_date: BusinessDate = Field(description="local date the rule starts from")


class PlanUpdate(PlanFields):
    """Only the fields given change. ``scope``: ``this`` visit only (it is detached from the
    plan), this and the ``following`` ones (the plan is split at that visit) or ``all`` future
    visits. Past, completed and started visits never change."""

    id: UUID
    scope: Scope
    ticket_id: UUID | None = Field(None, description="the visit 'this' / 'following' start from")
    rrule: Line = Field("", max_length=500)
    start_time: time = time(9)
    start_date: BusinessDate | None = None


class PlanSkip(Input):
    ticket_id: UUID
    reason: Line = Field(min_length=1, max_length=500)


class PlanEnd(Input):
    id: UUID
    reason: Line = Field("", max_length=500)
