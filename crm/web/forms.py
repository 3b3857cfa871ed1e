"""Form input for the pages: the one form reader, and one parser for each kind of typed value.

Page routes are plain ``def`` (FastAPI runs them in its threadpool, where blocking database calls
belong); the posted form arrives through the async dependency ``FormData``:

    @router.post("/catalog")
    def create_service(request: Request, form: FormData) -> Response: ...

A parser takes what a person typed and returns the action's value, or raises ``ValueError``
with words for the page. Its bounds come from the action's input model
(``limits(ServiceCreate, "unit_price_cents")``), so a page cannot drift from what the action
accepts. Empty input is the caller's choice: ``required=True`` makes it an error, otherwise the
parser returns ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, overload

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from crm.core.dispatch import validation_details
from crm.core.models.common import MAX_DATE, MIN_DATE
from crm.web.formats import money, percent

# -- the form --------------------------------------------------------------------------------


class Form(dict[str, str]):
    """The posted fields (the last value of each name), and every value of a repeated name."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        items = list(pairs)
        super().__init__(items)
        self._items = items

    def getlist(self, name: str) -> list[str]:
        """Every value posted under ``name`` (checkboxes, multi-selects), in order."""
        return [value for key, value in self._items if key == name]


async def read_form(request: Request) -> Form:
    """The posted form's text fields, without the CSRF token (the middleware checked it)."""
    posted = await request.form()
    return Form(
        (key, value)
        for key, value in posted.multi_items()
        if isinstance(value, str) and key != "csrf_token"
    )


FormData = Annotated[Form, Depends(read_form)]


# -- bounds, read from the input models ------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """A field's bounds as its input model declares them (``Field(ge=…, le=…, …)``)."""

    low: Decimal | None = None
    low_open: bool = False
    high: Decimal | None = None
    high_open: bool = False
    places: int | None = None
    max_length: int | None = None

    def allows(self, value: Decimal) -> bool:
        """True when the model would accept ``value``."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None:
            return value < self.high if self.high_open else value <= self.high
        return True

    def span(self, show: Callable[[Decimal], str] = str) -> str:
        """ "from 5 to 1440", "above $0.00, up to $1,000.00": the range, for a message."""
        parts = []
        if self.low is not None:
            parts.append(f"{'above' if self.low_open else 'from'} {show(self.low)}")
        if self.high is not None:
            closed = self.low is not None and not self.low_open and not self.high_open
            word = "to" if closed else ("below" if self.high_open else "up to")
            parts.append(f"{word} {show(self.high)}")
        return (", " if self.low_open else " ").join(parts)

    def whole_numbers(self) -> range:
        """The whole numbers allowed (for a select), when both ends are bounded."""
        if self.low is None or self.high is None:
            raise ValueError("an open-ended range has no list of numbers")
        first = int(self.low) + (1 if self.low_open else 0)
        last = int(self.high) - (1 if self.high_open else 0)
        return range(first, last + 1)


@cache
def limits(model: type[BaseModel], name: str) -> Limits:
    """The bounds of ``model.name``, so a form checks exactly what the action will."""
    found: dict[str, Any] = {}
    for item in model.model_fields[name].metadata:  # annotated_types.Ge, Le, MaxLen, …
        for attr, (end, is_open) in _ENDS.items():
            if getattr(item, attr, None) is not None:
                found.update({end: Decimal(str(getattr(item, attr))), f"{end}_open": is_open})
        if getattr(item, "max_length", None) is not None:
            found["max_length"] = item.max_length
        if getattr(item, "decimal_places", None) is not None:
            found["places"] = item.decimal_places
    return Limits(**found)


_ENDS = {"ge": ("low", False), "gt": ("low", True), "le": ("high", False), "lt": ("high", True)}


# -- numbers ---------------------------------------------------------------------------------

# Digits with optional thousands commas ("1,234" but not "1,23"), then an optional fraction.
# ASCII digits only: Arabic-Indic or full-width digits are refused rather than guessed at.
_NUMBER = re.compile(
    r"(?P<sign>-?)(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<frac>[0-9]*))?"
)
_INTEGER = re.compile(r"-?[0-9]{1,12}")


def _number(text: str, *, places: int, unreadable: str, too_precise: str) -> Decimal | None:
    """The number typed, exactly (never a float); ``None`` when nothing was typed."""
    value = " ".join(text.split())
    if not value:
        return None
    match = _NUMBER.fullmatch(value)
    if match is None or not (match["whole"] or match["frac"]):
        raise ValueError(unreadable)
    frac = match["frac"] or ""
    if len(frac) > places:
        raise ValueError(too_precise)
    whole = match["whole"].replace(",", "") or "0"
    return Decimal(f"{match['sign']}{whole}.{frac}" if frac else f"{match['sign']}{whole}")


def _hundredths(text: str, *, required: bool, bounds: Limits, unit: str, empty: str) -> int | None:
    is_money = unit == "$"
    example = "45.50" if is_money else "8.25"
    what = "an amount in dollars" if is_money else "a percentage"
    cleaned = text.strip()
    cleaned = (cleaned.replace("$", "", 1) if is_money else cleaned.removesuffix("%")).strip()
    amount = _number(
        cleaned,
        places=2,
        unreadable=f"Enter {what}, like {example.split('.')[0]} or {example}.",
        too_precise=f"Use at most 2 decimal places, like {example}.",
    )
    if amount is None:
        if required:
            raise ValueError(empty or f"Enter {what}, like {example.split('.')[0]} or {example}.")
        return None
    hundredths = amount * 100
    if not bounds.allows(hundredths):
        show = money if is_money else percent
        raise ValueError(
            f"Enter {'an amount' if is_money else 'a percentage'} {bounds.span(show)}."
        )
    return int(hundredths)


@overload
def parse_cents(text: str, *, required: Literal[True], limits: Limits, empty: str = "") -> int: ...
@overload
def parse_cents(
    text: str, *, required: Literal[False], limits: Limits, empty: str = ""
) -> int | None: ...
def parse_cents(text: str, *, required: bool, limits: Limits, empty: str = "") -> int | None:
    """ "$1,234.5" → 123450 cents, exactly; ``empty`` overrides the message for a blank."""
    return _hundredths(text, required=required, bounds=limits, unit="$", empty=empty)


@overload
def parse_percent(text: str, *, required: Literal[True], limits: Limits) -> int: ...
@overload
def parse_percent(text: str, *, required: Literal[False], limits: Limits) -> int | None: ...
def parse_percent(text: str, *, required: bool, limits: Limits) -> int | None:
    """ "8.25%" → 825 basis points."""
    return _hundredths(text, required=required, bounds=limits, unit="%", empty="")


@overload
def parse_quantity(text: str, *, required: Literal[True], limits: Limits) -> Decimal: ...
@overload
def parse_quantity(text: str, *, required: Literal[False], limits: Limits) -> Decimal | None: ...
def parse_quantity(text: str, *, required: bool, limits: Limits) -> Decimal | None:
    """ "1,000" → Decimal("1000"), "1.5" → Decimal("1.5"): how many of a service."""
    places = 3 if limits.places is None else limits.places
    unreadable = "Type a number like 1, 2 or 1.5."
    quantity = _number(
        text,
        places=places,
        unreadable=unreadable,
        too_precise=f"Use at most {places} digits after the point.",
    )
    if quantity is None:
        if required:
            raise ValueError(unreadable)
        return None
    if not limits.allows(quantity):
        raise ValueError(f"Type a number {limits.span(lambda n: f'{n:,}')}.")
    return quantity


def parse_int(text: str, *, limits: Limits, message: str) -> int:
    """A whole number within the model's bounds; ``message`` may say ``{span}``, filled in.

    At most 12 digits are read, so 5,000 typed digits are a message, not Python's refusal to
    convert them (or a long wait).
    """
    value = text.strip()
    if not _INTEGER.fullmatch(value) or not limits.allows(Decimal(value)):
        raise ValueError(message.format(span=limits.span()))
    return int(value)


def small_count(text: str, *, default: int, most: int) -> int:
    """A count the page itself put in a hidden field (rows, facts shown): ``default`` unless
    it is plain digits, and never above ``most`` however many digits were sent."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        return default
    digits = value.lstrip("0") or "0"
    return most if len(digits) > len(str(most)) else min(int(digits), most)


# -- dates -----------------------------------------------------------------------------------


def parse_date(text: str) -> date | None:
    """ "2026-11-26" → a date in the window every input model allows; ``None`` when blank."""
    value = text.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("Enter a date like 2026-11-26.") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(f"Enter a date from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}.")
    return day


# -- errors as the form shows them -----------------------------------------------------------

GENERIC = "Please check the highlighted fields."


def problems(model: type[BaseModel], data: dict[str, Any]) -> dict[str, str]:
    """Field → message, checked against an input model without running anything."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return clean({f["field"]: f["message"] for f in validation_details(exc)["fields"]})
    return {}


def clean(fields: dict[str, str]) -> dict[str, str]:
    """Pydantic's messages, minus their 'Value error, ' prefix and capitalised."""
    out = {}
    for name, message in fields.items():
        message = message.removeprefix("Value error, ")
        out[name] = message[:1].upper() + message[1:]
    return out


def field_map(fields: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    """Action field names (``staff_ids.0``) → the page's input names (first message wins)."""
    out: dict[str, str] = {}
    for name, message in fields.items():
        head = name.split(".")[0]
        out.setdefault(names.get(head, head), message)
    return out


def summary(fields: dict[str, str], error: str | None, what: str = "Not saved") -> str | None:
    """The message at the top says what went wrong and what to do, not just 'check…'.

    A whole-form problem (pydantic's field "data") is taken out of ``fields`` and shown here.
    """
    whole = fields.pop("data", None)
    if whole:
        return f"{what}. {_sentence(whole)}"
    if error and error != GENERIC:
        return error
    if len(fields) == 1:
        return f"{what}. {_sentence(next(iter(fields.values())))}"
    if fields:
        return f"{what}: {len(fields)} fields need a fix; each one is marked below."
    return error


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."
