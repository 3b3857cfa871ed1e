from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from crm.core.models.common import Input, Line
from crm.utils.timezone import is_valid_timezone


def _timezone(value: str) -> str:
    if not is_valid_timezone(value):
        raise ValueError(f"{value!r} is not an IANA timezone; use a name like America/Chicago")
    return value


Timezone = Annotated[Line, Field(min_length=1, max_length=64), AfterValidator(_timezone)]


class BusinessUpdate(Input):
    """The signed-in business's own settings; only the fields sent are changed."""

    display_name: Line = Field("", min_length=1, max_length=200)
    business_name: Line = Field("", min_length=1, max_length=200)
    timezone: Timezone = "UTC"
