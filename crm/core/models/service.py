from __future__ import annotations

from typing import Literal, Self
from uuid import UUID

from pydantic import Field, model_validator

from crm.core.models.common import Input, Line, Text

PricingMode = Literal["fixed", "flexible", "per_unit", "product"]


class ServiceCreate(Input):
    name: Line = Field(min_length=1, max_length=200)
    description: Text = Field("", max_length=2000)
    pricing_mode: PricingMode
    unit_price_cents: int = Field(0, ge=0, le=100_000_000)
    unit_label: Line = Field("", max_length=50)
    default_duration_minutes: int | None = Field(
        None,
        ge=0,
        le=1440,
        description="Usual minutes (per unit for per_unit services: a ticket multiplies it by "
        "the quantity). Omitted: 60 for a job, 5 per unit.",
    )

    @model_validator(mode="after")
    def _unit_label(self) -> Self:
        if self.pricing_mode == "per_unit" and not self.unit_label:
            raise ValueError("per-unit services need a unit label, like 'window' or 'screen'")
        if self.default_duration_minutes is None:
            # An hour per window would block a day for one house.
            self.default_duration_minutes = 5 if self.pricing_mode == "per_unit" else 60
        return self


class ServiceUpdate(Input):
    id: UUID
    name: Line = Field("", min_length=1, max_length=200)
    description: Text = Field("", max_length=2000)
    unit_price_cents: int = Field(0, ge=0, le=100_000_000)
    unit_label: Line = Field("", max_length=50)
    default_duration_minutes: int = Field(60, ge=0, le=1440)
