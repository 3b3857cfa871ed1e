from __future__ import annotations

from uuid import UUID

from pydantic import Field

from crm.core.models.common import Input


class AddressFields(Input):
    label: str = Field("", max_length=100)
    line1: str = Field("", max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field("US", min_length=2, max_length=2)
    access_notes: str = Field("", max_length=2000)
    is_primary: bool = False


class AddressCreate(AddressFields):
    contact_id: UUID
    line1: str = Field(min_length=1, max_length=200)


class AddressUpdate(AddressFields):
    id: UUID
