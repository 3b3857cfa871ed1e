from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from crm.core.models.common import BusinessDatetime, Input, Line, Text

MessageKind = Literal[
    "appointment_confirmation", "reminder", "follow_up", "reach_out", "invoice", "custom"
]


class MessageSchedule(Input):
    kind: MessageKind
    contact_id: UUID
    ticket_id: UUID | None = None
    invoice_id: UUID | None = None
    subject: Line = Field(min_length=1, max_length=300)
    body: Text = Field(min_length=1, max_length=20000)
    scheduled_for: BusinessDatetime
    dedupe_key: Line | None = Field(None, min_length=1, max_length=200)
