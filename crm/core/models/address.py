from __future__ import annotations

from uuid import UUID

from pydantic import Field

from crm.core.models.common import Input, Line, Text


class AddressFields(Input):
    label: Line = Field("", max_length=100)
    line1: Line = Field("", max_length=200)
    line2: Line = Field("", max_length=200)
    city: Line = Field("", max_length=100)
    region: Line = Field("", max_length=100)
    postal_code: Line = Field("", max_length=20)
    country: Line = Field("US", min_length=2, max_length=2)
    access_notes: Text = Field("", max_length=2000)
    is_primary: bool = False


class AddressCreate(AddressFields):
    contact_id: UUID
    line1: Line = Field(min_length=1, max_length=200)


class AddressUpdate(AddressFields):
    id: UUID
