"""Input of the waitlist actions: who wants a visit sooner, and when and what would suit them."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from crm.core.models.common import BusinessDate, BusinessDatetime, Input, Text

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _local_time(value: time) -> time:
    """A wall-clock time in the business's timezone: no offset of its own, whole minutes."""
    if value.tzinfo is not None:
        raise ValueError("must be a local time like 09:30, without an offset")
    return value.replace(second=0, microsecond=0)


LocalTime = Annotated[time, AfterValidator(_local_time)]
Weekday = Annotated[int, Field(ge=1, le=7)]


def _weekdays(value: list[int]) -> list[int]:
    return sorted(set(value))


Weekdays = Annotated[list[Weekday], Field(max_length=7), AfterValidator(_weekdays)]


class WaitlistService(Input):
    """One service wanted; per-unit services need their quantity (20 windows)."""

    service_id: UUID
    quantity: Decimal = Field(Decimal(1), gt=0, le=100000, max_digits=12, decimal_places=3)


Services = Annotated[list[WaitlistService], Field(min_length=1, max_length=20)]


def _check_window(earliest: time | None, latest: time | None) -> None:
    if earliest is not None and latest is not None and earliest >= latest:
        raise ValueError("the earliest time must be before the latest time")


class WaitlistCreate(Input):
    contact_id: UUID
    # None: the contact's primary address when booked.
    address_id: UUID | None = None
    services: Services
    # None: from the catalog (each service's usual minutes, times the quantity).
    duration_minutes: int | None = Field(None, ge=5, le=1440)
    # ISO weekdays, 1 = Monday … 7 = Sunday; empty = any day.
    weekdays: Weekdays = Field(default_factory=list)
    earliest_time: LocalTime | None = None
    latest_time: LocalTime | None = None
    # None: today in the business's timezone.
    earliest_date: BusinessDate | None = None
    latest_date: BusinessDate
    note: Text = Field("", max_length=2000)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_window(self.earliest_time, self.latest_time)
        if self.earliest_date is not None and self.earliest_date > self.latest_date:
            raise ValueError("the earliest date must not be after the latest date")
        return self


class WaitlistUpdate(Input):
    """A partial change: only the fields sent change."""

    id: UUID
    address_id: UUID | None = None
    services: Services | None = None
    duration_minutes: int | None = Field(None, ge=5, le=1440)
    weekdays: Weekdays | None = None
    earliest_time: LocalTime | None = None
    latest_time: LocalTime | None = None
    earliest_date: BusinessDate | None = None
    latest_date: BusinessDate | None = None
    note: Text | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_window(self.earliest_time, self.latest_time)
        if (
            self.earliest_date is not None
            and self.latest_date is not None
            and self.earliest_date > self.latest_date
        ):
            raise ValueError("the earliest date must not be after the latest date")
        return self


class WaitlistBook(Input):
    """Book an open entry at a time (the start a slot offered for it)."""

    id: UUID
    scheduled_start: BusinessDatetime
    staff_ids: list[UUID] = Field(default_factory=list, max_length=20)
