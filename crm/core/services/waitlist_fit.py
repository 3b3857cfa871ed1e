"""Which waitlist entries fit a free slot, and in what order (docs/waitlist.md).

Pure functions over entry rows: wall-clock rules (weekdays, the time window, the dates) are
read in the business's timezone, durations are elapsed time, so a 9:00-12:00 window means
9:00-12:00 on the clock on both sides of a DST change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# The most days of one entry's date range looked at when measuring how tight it is.
_HORIZON_DAYS = 400


def is_expired(entry: dict[str, Any], today: date) -> bool:
    """An open entry whose latest date has passed (in the business's timezone)."""
    return bool(entry["status"] == "open" and entry["latest_date"] < today)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _day_allowed(entry: dict[str, Any], day: date, today: date) -> bool:
    weekdays = entry["weekdays"] or ()
    return max(entry["earliest_date"], today) <= day <= entry["latest_date"] and (
        not weekdays or day.isoweekday() in weekdays
    )


def fit_start(
    entry: dict[str, Any], start: datetime, minutes: int, zone: ZoneInfo, today: date
) -> datetime | None:
    """The earliest instant in the slot [start, start + minutes) at which the whole visit lies
    inside the slot and inside the entry's window on an allowed day; None if there is none."""
    duration = timedelta(minutes=int(entry["duration_minutes"]))
    slot_start = start.astimezone(UTC)
    slot_end = slot_start + timedelta(minutes=minutes)
    if duration > slot_end - slot_start:
        return None
    day = slot_start.astimezone(zone).date()
    last = slot_end.astimezone(zone).date()
    while day <= last:
        if _day_allowed(entry, day, today):
            opens = _at(day, entry["earliest_time"] or time.min, zone)
            closes = (
                _at(day, entry["latest_time"], zone)
                if entry["latest_time"] is not None
                else _at(day + timedelta(days=1), time.min, zone)
            )
            begin = max(slot_start, opens)
            if begin + duration <= min(slot_end, closes):
                return begin
        day += timedelta(days=1)
    return None


def window_minutes(entry: dict[str, Any], today: date) -> int:
    """How much time the entry accepts from today on: allowed days times minutes a day. The
    smaller, the tighter: the fewer other chances it has."""
    opens = entry["earliest_time"] or time.min
    closes = entry["latest_time"]
    day_minutes = (
        (closes.hour * 60 + closes.minute if closes is not None else 24 * 60)
        - opens.hour * 60
        - opens.minute
    )
    first = max(entry["earliest_date"], today)
    last = min(entry["latest_date"], first + timedelta(days=_HORIZON_DAYS))
    days = sum(
        1
        for offset in range((last - first).days + 1)
        if _day_allowed(entry, first + timedelta(days=offset), today)
    )
    return days * day_minutes


def rank(entries: list[dict[str, Any]], zone: ZoneInfo, today: date) -> list[dict[str, Any]]:
    """Best first: waiting longest (by the day they joined), then the tightest window."""
    return sorted(
        entries,
        key=lambda e: (
            e["created_at"].astimezone(zone).date(),
            window_minutes(e, today),
            e["created_at"],
            str(e["id"]),
        ),
    )
