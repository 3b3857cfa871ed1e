"""Display formatting for the pages: the one place money, quantities, phones and times become text.

Every function here is also a Jinja global (``install`` below), so templates call
``phone(c.phone)`` or ``{{ cents | money }}`` without each route passing helpers along.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crm.core.models.common import format_money
from crm.utils.timezone import business_today, to_business_time
from crm.utils.user_context import get_current_user

PRICING_MODES = {"fixed": "fixed price", "flexible": "flexible price", "per_unit": "per unit"}
_NANP = re.compile(r"\+1(\d{3})(\d{3})(\d{4})")
# A date this far from today, or in another year, is shown with its year.
_NEAR_DAYS = 183


def money(cents: Any) -> str:
    """123450 → "$1,234.50" (empty → "$0.00"); the same text the API shows."""
    return format_money(int(cents or 0))


def dollars(cents: Any) -> str:
    """123450 → "1234.50": an amount as a price field shows it for editing."""
    value = int(cents or 0)
    whole, part = divmod(abs(value), 100)
    return f"{'-' if value < 0 else ''}{whole}.{part:02d}"


def quantity(value: Any) -> str:
    """Decimal("12.500") → "12.5"."""
    return format(Decimal(str(value)).normalize(), "f")


def units(value: Any, label: str) -> str:
    """(24, "window") → "24 windows", (1, "window") → "1 window", (3, "") → "3"."""
    amount = quantity(value)
    if not label:
        return amount
    plural = Decimal(amount) != 1 and not label.endswith("s")
    if plural:
        label = label[:-1] + "ies" if re.search(r"[^aeiou]y$", label) else label + "s"
    return f"{amount} {label}"


def percent(basis_points: Any) -> str:
    """825 → "8.25%", 800 → "8%"."""
    whole, part = divmod(int(basis_points or 0), 100)
    return f"{whole}.{part:02d}".rstrip("0").rstrip(".") + "%"


def phone(number: str | None) -> str:
    """ "+12565551234" → "(256) 555-1234"; other numbers as stored."""
    match = _NANP.fullmatch(number or "")
    return f"({match[1]}) {match[2]}-{match[3]}" if match else number or ""


def address_text(address: dict[str, Any] | None) -> str:
    """ "4410 Old Gurley Rd, Huntsville" (street, second line, city)."""
    if not address:
        return ""
    parts = [address.get("line1"), address.get("line2"), address.get("city")]
    return ", ".join(p for p in parts if p)


def price_text(service: dict[str, Any]) -> str:
    """ "$3.50 per screen", "$150.00, flexible price", "$20.00 each"."""
    price = money(service["unit_price_cents"])
    mode = service["pricing_mode"]
    if mode == "per_unit":
        return f"{price} per {service['unit_label'] or 'unit'}"
    if mode == "product":
        return f"{price} each"
    return f"{price}, {PRICING_MODES[mode]}"


def service_label(service: dict[str, Any]) -> str:
    """ "Screen cleaning — $3.50 per screen"."""
    return f"{service['name']} — {price_text(service)}"


def local(value: Any, fmt: str = "%a %b %-d, %-I:%M %p") -> str:
    """A stored time in the business's timezone ("Tue Jan 7, 2:00 PM"); dates as they are.

    A day in another year or about six months or more away gets its year ("Tue Jan 7, 2031,
    2:00 PM"), so a visit a year out never reads as next week.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    timezone = get_current_user().timezone
    if isinstance(value, datetime):
        value = to_business_time(value, timezone)
    elif not isinstance(value, date):
        return str(value)
    return value.strftime(_with_year(fmt, value, business_today(timezone)))


def _with_year(fmt: str, value: date, today: date) -> str:
    """The format with ", %Y" after the day of the month, when the year is worth saying."""
    day = value.date() if isinstance(value, datetime) else value
    far = day.year != today.year or abs((day - today).days) > _NEAR_DAYS
    if not far or "%Y" in fmt or "%-d" not in fmt:
        return fmt
    return fmt.replace("%-d", "%-d, %Y", 1)


FILTERS = {"money": money, "local": local}
GLOBALS = {
    "money": money,
    "dollars": dollars,
    "quantity": quantity,
    "units": units,
    "percent": percent,
    "phone": phone,
    "address_text": address_text,
    "price_text": price_text,
    "service_label": service_label,
}


def install(templates: Any) -> None:
    """Make the formatters available to every template: filters and plain functions."""
    templates.env.filters.update(FILTERS)
    templates.env.globals.update(GLOBALS)
