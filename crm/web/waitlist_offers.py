"""The waitlist where slots free up: on a cancelled, declined or no-show ticket, and for each
free gap of an hour or more on the day view (business day 8:00-18:00 local). Also the wishes
of an entry in words, for every page that shows one.

The ticket and calendar pages call ``for_ticket`` and ``for_day``; the markup is in
crm/templates/waitlist/ (``_ticket_offers.html``, ``_day_gaps.html``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from fastapi import Request

from crm.core.models.waitlist import WEEKDAY_NAMES
from crm.utils.timezone import get_zone, utc_now
from crm.web.common import read
from crm.web.formats import quantity, units

DAY_OPENS, DAY_CLOSES = time(8), time(18)
MIN_GAP = timedelta(minutes=60)
SHOWN = 3
Names = dict[str, dict[str, Any]]
# Tickets that free their slot (a declined one is still scheduled, but the customer can't come).
FREED = ("cancelled", "no_show")


@dataclass
class Offer:
    """The entries that fit one slot, best first (at most SHOWN), and whether there are more."""

    start: datetime
    minutes: int
    entries: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False
    staff_ids: list[str] = field(default_factory=list)

    @property
    def more_url(self) -> str:
        return f"/waitlist?slot_start={self.start.isoformat()}&slot_minutes={self.minutes}".replace(
            "+", "%2B"
        )


def fitting(request: Request, start: datetime, minutes: int, limit: int) -> list[dict[str, Any]]:
    """The open, unexpired entries that fit the slot, best first, with their contacts."""
    rows: list[dict[str, Any]] = read(
        request,
        "waitlist",
        limit=limit,
        include="contact,address",
        slot_start=start.isoformat(),
        slot_minutes=str(minutes),
    )
    return rows


def _offer(
    request: Request, start: datetime, minutes: int, names: Names | None = None, **extra: Any
) -> Offer | None:
    rows = fitting(request, start, minutes, SHOWN + 1)
    if not rows:
        return None
    names = service_names(request) if names is None else names
    shown = [{**row, "wishes": wishes(row, names)} for row in rows[:SHOWN]]
    return Offer(start, minutes, shown, len(rows) > SHOWN, **extra)


def frees_its_slot(ticket: dict[str, Any]) -> bool:
    return ticket["status"] in FREED or (
        ticket["status"] == "scheduled" and ticket.get("confirmation_status") == "declined"
    )


def for_ticket(request: Request, ticket: dict[str, Any]) -> Offer | None:
    """The entries that could take a cancelled, declined or no-show ticket's slot (a slot not
    yet over), booked with the same crew."""
    end = ticket["scheduled_start"] + timedelta(minutes=ticket["duration_minutes"])
    if not frees_its_slot(ticket) or end <= utc_now():
        return None
    start = max(ticket["scheduled_start"], _next_five_minutes(utc_now()))
    minutes = int((end - start).total_seconds() // 60)
    if minutes < 5:
        return None
    staff = [str(s["id"]) for s in ticket.get("staff") or []]
    return _offer(request, start, minutes, staff_ids=staff)


def _next_five_minutes(moment: datetime) -> datetime:
    moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment + timedelta(minutes=-moment.minute % 5)


def free_gaps(
    day: date, tickets: list[dict[str, Any]], timezone: str, now: datetime
) -> list[tuple[datetime, datetime]]:
    """The free stretches of at least an hour between 8:00 and 18:00 local on ``day``, around
    the day's live tickets; on today, only from now on."""
    zone = get_zone(timezone)
    opens = datetime.combine(day, DAY_OPENS, tzinfo=zone)
    closes = datetime.combine(day, DAY_CLOSES, tzinfo=zone)
    cursor = max(opens, _next_five_minutes(now).astimezone(zone))
    busy = sorted(
        (t["scheduled_start"], t["scheduled_start"] + timedelta(minutes=t["duration_minutes"]))
        for t in tickets
        if t["status"] not in FREED
    )
    gaps = []
    for start, end in [*busy, (closes, closes)]:
        start, end = min(start, closes), min(end, closes)
        if start - cursor >= MIN_GAP:
            gaps.append((cursor, start))
        cursor = max(cursor, end)
    return gaps


def for_day(
    request: Request, day: date, tickets: list[dict[str, Any]], timezone: str
) -> list[Offer]:
    """Each free gap of the day that some waitlist entries fit, with those entries."""
    gaps = free_gaps(day, tickets, timezone, utc_now())
    names = service_names(request) if gaps else {}
    offers = []
    for start, end in gaps:
        offer = _offer(request, start, int((end - start).total_seconds() // 60), names)
        if offer is not None:
            offers.append(offer)
    return offers


# -- wishes in words ---------------------------------------------------------------------------


def _clock(value: str) -> str:
    hour, minute = (int(part) for part in value.split(":"))
    suffix = "am" if hour < 12 else "pm"
    return f"{hour % 12 or 12}{f':{minute:02d}' if minute else ''} {suffix}"


def days_words(weekdays: list[int]) -> str:
    if not weekdays or len(weekdays) == 7:
        return "any day"
    if weekdays == [1, 2, 3, 4, 5]:
        return "weekdays"
    if weekdays == [6, 7]:
        return "weekends"
    names = [WEEKDAY_NAMES[d - 1] + "s" for d in weekdays]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def time_words(earliest: str | None, latest: str | None) -> str:
    if earliest and latest:
        return f"{_clock(earliest)} to {_clock(latest)}"
    if earliest:
        return f"from {_clock(earliest)}"
    if latest:
        return f"done by {_clock(latest)}"
    return "any time"


def services_words(entry: dict[str, Any], names: dict[str, dict[str, Any]]) -> str:
    parts = []
    for line in entry["services"]:
        service = names.get(line["service_id"])
        name = service["name"] if service else "a service no longer in the catalog"
        count = Decimal(line["quantity"])
        if service and service["pricing_mode"] == "per_unit":
            parts.append(f"{name}: {units(count, service['unit_label'])}")
        elif count != 1:
            parts.append(f"{quantity(count)} \u00d7 {name}")
        else:
            parts.append(name)
    return ", ".join(parts)


def wishes(entry: dict[str, Any], names: dict[str, dict[str, Any]]) -> dict[str, str]:
    """What the customer asked for, in words: services, days, times, dates and minutes."""
    first, last = (date.fromisoformat(str(entry[k])) for k in ("earliest_date", "latest_date"))
    return {
        "services": services_words(entry, names),
        "days": days_words(list(entry["weekdays"])),
        "times": time_words(entry["earliest_time"], entry["latest_time"]),
        "dates": f"{first:%b} {first.day}{f', {first.year}' if first.year != last.year else ''} "
        f"to {last:%b} {last.day}, {last.year}",
        "minutes": f"{entry['duration_minutes']} min",
    }


def service_names(request: Request) -> dict[str, dict[str, Any]]:
    """The catalog (retired services too) by id, for naming an entry's services."""
    rows = read(request, "services", limit=500, include_retired="true")
    return {str(s["id"]): s for s in rows}
