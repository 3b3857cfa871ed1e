"""Shared pieces of every input model and every JSON payload."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from crm.utils.timezone import to_business_time

# Columns that exist for the database's sake and never leave the server.
_INTERNAL = frozenset({"user_id", "search_names", "search_text", "search_vector"})


class Input(BaseModel):
    """Base of every action input: unknown fields are an error, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Ref(Input):
    """An action that only needs the entity's id."""

    id: UUID


def format_money(cents: int) -> str:
    """1234567 -> "$12,345.67"; money is always integer cents."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}${whole:,}.{part:02d}"


def present(value: Any, timezone: str) -> Any:
    """Rows as JSON: times in the business's timezone with offset, money also formatted.

    Nested dicts and lists (included relations) are presented the same way.
    """
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list):
        return [present(item, timezone) for item in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _INTERNAL:
                continue
            out[key] = present(item, timezone)
            if key.endswith("_cents") and isinstance(item, int):
                out[key[: -len("_cents")] + "_formatted"] = format_money(item)
        return out
    if isinstance(value, datetime):
        return to_business_time(value, timezone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value
