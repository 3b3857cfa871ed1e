from __future__ import annotations

from uuid import UUID

from pydantic import Field

from crm.core.models.common import Input, Text


class NoteCreate(Input):
    body: Text = Field(min_length=1, max_length=20000)
    contact_id: UUID | None = None
    ticket_id: UUID | None = None


class NoteUpdate(Input):
    id: UUID
    body: Text = Field(min_length=1, max_length=20000)
