"""The bounds of a read (GET /api/data and the pages' reads): search, limit and filters."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm.core.models.common import IsoDate, Line

MAX_LIMIT = 1000

FilterText = Annotated[Line, Field(max_length=200)]


class ReadFilters(BaseModel):
    """``from``/``to`` are local dates in the window; every other filter is one short line.

    Which filters a data type has is checked against the registry first; this only bounds the
    values, so a NUL byte or year 9999 is a 422 naming the filter, never a database error.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    __pydantic_extra__: dict[str, FilterText] = Field(init=False)

    from_: IsoDate | None = Field(None, alias="from")
    to: IsoDate | None = None

    def as_text(self) -> dict[str, str]:
        """The filters as the loaders read them (dates as YYYY-MM-DD)."""
        out = dict(self.model_extra or {})
        if self.from_ is not None:
            out["from"] = self.from_.isoformat()
        if self.to is not None:
            out["to"] = self.to.isoformat()
        return out


class ReadQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    search: Line | None = Field(None, max_length=200)
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    filters: ReadFilters
