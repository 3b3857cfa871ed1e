from __future__ import annotations

from uuid import UUID

from pydantic import Field

from crm.core.models.common import Input, Json, Line, Text

KEY_PATTERN = r"^[a-z][a-z0-9_.]{0,62}$"


class AttributeCreate(Input):
    contact_id: UUID
    key: Line = Field(pattern=KEY_PATTERN)
    value: Json
    evidence: Text = Field("", max_length=2000)
    address_id: UUID | None = Field(
        None,
        description=(
            "The contact's address this fact is about. Omitted: a property fact (counts, "
            "access, pets, hazards, equipment…) goes to the primary address, any other key to "
            "the contact. null: about the contact whatever the key."
        ),
    )


class AttributeUpdate(Input):
    id: UUID
    value: Json = None
    evidence: Text = Field("", max_length=2000)
    address_id: UUID | None = Field(
        None, description="Move the fact to another of the contact's addresses (null: the contact)."
    )
