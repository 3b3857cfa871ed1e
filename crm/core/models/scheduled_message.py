from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from crm.core.models.common import Input

MessageKind = Literal[
    "appointment_confirmation", "reminder", "follow_up", "reach_out", "invoice", "custom"
]


class MessageSchedule(Input):
    kind: MessageKind
    contact_id: UUID
    ticket_id: UUID | None = None
    invoice_id: UUID | None = None
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20000)
    scheduled_for: AwareDatetime
    dedupe_key: str | None = Field(None, min_length=1, max_length=200)
