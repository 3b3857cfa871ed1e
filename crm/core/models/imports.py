"""Input of the import actions: a file brought in from Square (docs/imports.md)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from crm.core.models.common import Input, Line, Text

# 25 MB of file; the runner checks the encoded size again.
MAX_CONTENT = 25 * 1024 * 1024


# Column header -> contact field, address field, note, attribute:<key> or ignore (any other
# CSV; crm/imports/any_csv.py).
Mapping = dict[Annotated[str, Field(max_length=255)], Annotated[str, Field(max_length=80)]]


class ImportPreview(Input):
    kind: Literal["square_customers", "square_appointments", "csv"]
    filename: Line = Field("", max_length=255)
    # The file as text (UTF-8); a BOM, commas or tabs are all fine.
    content: Text = Field(min_length=1, max_length=MAX_CONTENT)
    # Any other CSV only; without it the preview returns the columns and a suggested mapping.
    mapping: Mapping | None = Field(None, max_length=200)


class ImportMapping(Input):
    id: UUID
    mapping: Mapping = Field(max_length=200)
