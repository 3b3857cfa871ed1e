"""Shared pieces of every input model and every JSON payload."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    JsonValue,
)

from crm.utils.timezone import to_business_time

# Columns that exist for the database's sake and never leave the server.
_INTERNAL = frozenset({"user_id", "search_names", "search_text", "search_vector"})


# -- bounds every input shares ------------------------------------------------------------------

# The window every date and time lies in: wide enough for any real booking or invoice, narrow
# enough that no conversion to a business's timezone (or a day/month step) can overflow.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
_WINDOW = f"from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"

# One line: no C0/C1 control characters (CR, LF, NUL, ESC…), no Unicode line or paragraph
# separators. Text: line breaks and tabs are fine, other C0 controls and DEL are not. Neither may
# hold a lone surrogate, which cannot be encoded for the database.
_NOT_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _one_line(value: str) -> str:
    if _NOT_IN_LINE.search(value):
        raise ValueError("must be one line of text, without line breaks or control characters")
    return value


def _text(value: str) -> str:
    if _NOT_IN_TEXT.search(value):
        raise ValueError("must not contain control characters (only line breaks and tabs)")
    return value


def _in_window(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"must be a date {_WINDOW}")
    return value


def _instant_in_window(value: datetime) -> datetime:
    # The date as written first: then the UTC conversion cannot overflow.
    if not MIN_DATE <= value.date() <= MAX_DATE:
        raise ValueError(f"must be a date and time {_WINDOW}")
    if not MIN_DATE <= value.astimezone(UTC).date() <= MAX_DATE:
        raise ValueError(f"must be a date and time {_WINDOW}")
    return value


def _iso_date(value: Any) -> Any:
    """Text must be YYYY-MM-DD (not a timestamp that happens to be digits)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date like 2026-11-26") from None
    return value


Line = Annotated[str, AfterValidator(_one_line)]
"""Single-line text (names, titles, subjects, keys): shown on one line or in a mail header."""

Text = Annotated[str, AfterValidator(_text)]
"""Multi-line text (notes, bodies, descriptions, access notes)."""

BusinessDate = Annotated[date, AfterValidator(_in_window)]
"""A date within the window the business works in (2000-01-01 to 2100-12-31)."""

BusinessDatetime = Annotated[AwareDatetime, AfterValidator(_instant_in_window)]
"""An aware date and time within the window, both as written and in UTC."""

IsoDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_in_window)]
"""A YYYY-MM-DD date within the window, for text such as URL filters."""

# JSON values a person or a model gives (fact values, close-out decisions): bounded like text.
JSON_DEPTH = 8
JSON_ITEMS = 500
JSON_STRING = 2000
JSON_NUMBER = 10**15


def _bounded_json(value: JsonValue) -> JsonValue:
    items = 0

    def check(item: JsonValue, depth: int) -> None:
        nonlocal items
        items += 1
        if items > JSON_ITEMS:
            raise ValueError(f"must hold at most {JSON_ITEMS} values")
        if depth > JSON_DEPTH:
            raise ValueError(f"must be nested at most {JSON_DEPTH} levels deep")
        if isinstance(item, bool) or item is None:
            return
        if isinstance(item, int | float):
            if (isinstance(item, float) and not math.isfinite(item)) or abs(item) > JSON_NUMBER:
                raise ValueError(f"numbers must lie between -{JSON_NUMBER} and {JSON_NUMBER}")
        elif isinstance(item, str):
            if len(item) > JSON_STRING:
                raise ValueError(f"text must be at most {JSON_STRING} characters")
            _text(item)
        elif isinstance(item, list):
            for child in item:
                check(child, depth + 1)
        elif isinstance(item, dict):
            for key, child in item.items():
                if len(key) > 100:
                    raise ValueError("names must be at most 100 characters")
                _one_line(key)
                check(child, depth + 1)

    check(value, 0)
    return value


Json = Annotated[JsonValue, AfterValidator(_bounded_json)]
"""Any JSON value, nested at most 8 deep, at most 500 values, text as in ``Text``."""


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
    if isinstance(value, time):
        return value.strftime("%H:%M")  # a local time of day (a plan's start time)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value
