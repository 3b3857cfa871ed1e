from __future__ import annotations

from uuid import UUID

from pydantic import Field, JsonValue

from crm.core.models.common import Input

KEY_PATTERN = r"^[a-z][a-z0-9_.]{0,62}$"


class AttributeCreate(Input):
    contact_id: UUID
    key: str = Field(pattern=KEY_PATTERN)
    value: JsonValue
    evidence: str = Field("", max_length=2000)


class AttributeUpdate(Input):
    id: UUID
    value: JsonValue = None
    evidence: str = Field("", max_length=2000)
