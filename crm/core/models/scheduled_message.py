from __future__ import annotations

from typing import Literal, Self
from uuid import UUID

from pydantic import Field, model_validator

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
    templated: bool = Field(
        False,
        description="Written from the business's template for this kind when it is sent "
        "(subject and body then only say so on the Messages page); not for custom messages.",
    )

    @model_validator(mode="after")
    def _custom_is_literal(self) -> Self:
        if self.templated and self.kind == "custom":
            raise ValueError("a custom message is sent as written; it has no template")
        return self
