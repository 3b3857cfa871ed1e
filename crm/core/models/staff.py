from __future__ import annotations

from uuid import UUID

from pydantic import Field

from crm.core.models.common import Input, Line
from crm.core.models.contact import Email, Phone


class StaffCreate(Input):
    name: Line = Field(min_length=1, max_length=200)
    email: Email = ""
    phone: Phone = ""


class StaffUpdate(Input):
    id: UUID
    name: Line = Field("", min_length=1, max_length=200)
    email: Email = ""
    phone: Phone = ""
