"""Input of the import actions: a file brought in from Square (docs/imports.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crm.core.models.common import Input, Line, Text

# 25 MB of file; the runner checks the encoded size again.
MAX_CONTENT = 25 * 1024 * 1024


class ImportPreview(Input):
    kind: Literal["square_customers", "square_appointments"]
    filename: Line = Field("", max_length=255)
    # The file as text (UTF-8); a BOM, commas or tabs are all fine.
    content: Text = Field(min_length=1, max_length=MAX_CONTENT)
