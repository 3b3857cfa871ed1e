"""UTC everywhere; business timezones only for display and calendar arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class NaiveDatetimeError(ValueError):
    """A datetime without tzinfo crossed a boundary where only aware values are allowed."""


class InvalidTimezoneError(ValueError):
    """A string that is not an IANA timezone name."""


def utc_now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def require_aware(value: datetime) -> datetime:
    """Return ``value`` unchanged, or raise if it has no timezone."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(f"naive datetime {value.isoformat()} has no timezone")
    return value


def to_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; naive input raises."""
    return require_aware(value).astimezone(UTC)


def get_zone(name: str) -> ZoneInfo:
    """Load an IANA zone by name, rejecting anything that is not one (``UTC`` is allowed)."""
    if not isinstance(name, str) or not name or name != name.strip():
        raise InvalidTimezoneError(f"{name!r} is not an IANA timezone")
    if name not in _valid_names():
        raise InvalidTimezoneError(f"{name!r} is not an IANA timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimezoneError(f"{name!r} is not an IANA timezone") from exc


def is_valid_timezone(name: str) -> bool:
    """True when ``name`` is an IANA timezone we can load."""
    try:
        get_zone(name)
    except InvalidTimezoneError:
        return False
    return True


def to_business_time(value: datetime, timezone: str) -> datetime:
    """Convert an aware datetime to the business's local time for display.

    An instant the zone cannot show (year 1 or 9999, only in rows older than the input window)
    keeps its own offset: one bad row must not break a whole list.
    """
    zone = get_zone(timezone)
    try:
        return require_aware(value).astimezone(zone)
    except OverflowError:
        return value


def business_today(timezone: str) -> date:
    """Today's date where the business is, which is not always today's date in UTC."""
    return utc_now().astimezone(get_zone(timezone)).date()


_VALID: frozenset[str] | None = None


def _valid_names() -> frozenset[str]:
    global _VALID
    if _VALID is None:
        _VALID = frozenset(available_timezones())
    return _VALID
