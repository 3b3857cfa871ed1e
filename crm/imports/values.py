"""Reading one cell of an exported file: text, email, phone, date, money, count.

Each reader returns the value as it will be stored, or raises ``BadValue`` with a reason an
owner can act on ("Phone Number '555-01' is not a phone number").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import phonenumbers

from crm.core.models.common import MAX_DATE, MIN_DATE


class BadValue(ValueError):
    """A cell that cannot be stored; the row is reported, the file goes on."""


# Control characters (a stray NUL, ESC…) and Unicode line separators never reach a one-line
# field; a line break inside a quoted cell becomes a space there.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MONEY = re.compile(r"^(-)?\$?(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")
_DATE_FORMATS = (
    re.compile(r"^(?P<m>\d{1,2})[-/](?P<d>\d{1,2})[-/](?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
)
_MONTH_DAY = re.compile(r"^(?P<m>\d{1,2})[-/](?P<d>\d{1,2})$")


def line(value: str, *, column: str, max_length: int) -> str:
    """One line of text, whitespace collapsed, at most ``max_length`` characters."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()
    if len(text) > max_length:
        raise BadValue(f"{column} is longer than {max_length} characters")
    return text


def text(value: str, *, column: str, max_length: int) -> str:
    """Multi-line text (a memo): line breaks kept, other control characters dropped."""
    body = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    body = "\n".join(part.rstrip() for part in body.split("\n")).strip()
    if len(body) > max_length:
        raise BadValue(f"{column} is longer than {max_length} characters")
    return body


def email(value: str, *, column: str) -> str:
    address = value.strip().lower()
    if not address:
        return ""
    if len(address) > 254 or address.count("@") != 1 or not _EMAIL.match(address):
        raise BadValue(f"{column} {value.strip()!r} is not an email address")
    return address


def phone(value: str, *, column: str, region: str) -> str:
    """E.164 (``+12565550134``); Square writes ``'+1…`` with a leading apostrophe."""
    raw = value.strip().lstrip("'").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise BadValue(f"{column} {value.strip()!r} is not a phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_of(phone_number: str, default: str = "US") -> str:
    """The country a business's own number is in: how its customers' local numbers read."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone_number, None))
    except phonenumbers.NumberParseException:
        return default
    return region if region and region != "ZZ" else default


def day(value: str, *, column: str) -> str:
    """``MM-DD-YYYY`` (Square), also ``MM/DD/YYYY`` and ``YYYY-MM-DD``, as ISO text."""
    raw = value.strip()
    if not raw:
        return ""
    for pattern in _DATE_FORMATS:
        match = pattern.match(raw)
        if match:
            try:
                parsed = date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
            if MIN_DATE.replace(year=1900) <= parsed <= MAX_DATE:
                return parsed.isoformat()
            break
    raise BadValue(f"{column} {raw!r} is not a date (MM-DD-YYYY)")


def birthday(value: str, *, column: str) -> str:
    """A full date, or ``MM-DD`` when Square has no year (kept as ``--MM-DD``, ISO 8601)."""
    raw = value.strip()
    match = _MONTH_DAY.match(raw)
    if match:
        try:
            date(2000, int(match["m"]), int(match["d"]))
        except ValueError:
            raise BadValue(f"{column} {raw!r} is not a date (MM-DD-YYYY)") from None
        return f"--{int(match['m']):02d}-{int(match['d']):02d}"
    return day(raw, column=column)


def cents(value: str, *, column: str) -> int | None:
    """``$1,234.50`` -> 123450."""
    raw = value.strip().replace(" ", "")
    if not raw:
        return None
    match = _MONEY.match(raw)
    if not match:
        raise BadValue(f"{column} {value.strip()!r} is not an amount of money")
    amount = int(match[3].replace(",", "")) * 100 + int((match[4] or "0").ljust(2, "0"))
    if amount > 10**13:
        raise BadValue(f"{column} {value.strip()!r} is too large")
    return -amount if (match[1] or match[2]) else amount


def count(value: str, *, column: str) -> int | None:
    raw = value.strip().replace(",", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise BadValue(f"{column} {value.strip()!r} is not a whole number")
    return int(raw)


def key_for(column: str, *, prefix: str = "custom.") -> str:
    """A fact key from a column name: ``Gate Color`` -> ``custom.gate_color``."""
    folded = unicodedata.normalize("NFKD", column).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")
    if not slug or not slug[0].isalpha():
        slug = f"field_{slug}".rstrip("_")
    return prefix + slug[: 63 - len(prefix)].rstrip("_")
