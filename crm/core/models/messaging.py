"""Inputs for the business's messaging settings, its templates, and sending by hand."""

from __future__ import annotations

from datetime import time
from typing import Literal
from uuid import UUID

from pydantic import Field, field_validator

from crm.core.models.common import Input, Line, Text

TemplateKind = Literal[
    "appointment_confirmation",
    "reminder",
    "follow_up",
    "reach_out",
    "invoice",
    "thank_you",
    "cancellation",
    "visit_answer",
]


class MessagingUpdate(Input):
    """Only the fields given change."""

    business_phone: Line | None = Field(None, max_length=40)
    reply_to: Line | None = Field(None, max_length=254)
    confirmations: bool | None = None
    reminder_minutes: list[int] | None = Field(None, max_length=5)
    follow_up_hours: int | None = Field(None, ge=0, le=336)
    thank_you: bool | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None

    @field_validator("reminder_minutes")
    @classmethod
    def _leads(cls, value: list[int] | None) -> list[int] | None:
        if value is None:
            return None
        for minutes in value:
            if not 1 <= minutes <= 43200:
                raise ValueError("each reminder is 1 minute to 30 days before the visit")
        return sorted(set(value), reverse=True)

    @field_validator("reply_to")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and ("@" not in value or " " in value or "." not in value.rsplit("@", 1)[-1]):
            raise ValueError("not an email address")
        return value.strip().lower() if value else value

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _minutes(cls, value: time | None) -> time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("a local time of day, without a timezone")
        return value.replace(second=0, microsecond=0) if value else value


class TemplateSave(Input):
    kind: TemplateKind
    subject: Text = Field(max_length=5000)
    body: Text = Field(max_length=5000)
    sms: Text = Field("", max_length=5000)


class TemplateReset(Input):
    kind: TemplateKind


class InvoiceSend(Input):
    id: UUID
