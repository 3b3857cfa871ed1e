"""iCalendar files: one-appointment invitations for email and a subscription feed per business."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vText
from icalendar.timezone import is_utc

from crm.utils.timezone import get_zone, require_aware, utc_now

PRODID = "-//CRM//Appointments//EN"
FEED_REFRESH = timedelta(hours=1)

# VTIMEZONE blocks list every offset change explicitly; a year either side of the appointments
# covers any client's expansion without shipping decades of transitions.
_ZONE_MARGIN = timedelta(days=366)
# Control characters are not allowed in iCalendar text; line breaks in TEXT are escaped by
# icalendar itself, so only the other control characters go.
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Appointment:
    """One visit as a calendar event; ``timezone`` is the business's IANA zone."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    organizer_name: str = ""
    organizer_email: str = ""
    cancelled: bool = False
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        require_aware(self.start)
        require_aware(self.end)
        get_zone(self.timezone)
        if self.end < self.start:
            raise ValueError("an appointment cannot end before it starts")
        if self.sequence < 0:
            raise ValueError("SEQUENCE cannot be negative")
        if not _one_line(self.uid):
            raise ValueError("an appointment needs a UID")


def ticket_uid(ticket_id: UUID, domain: str) -> str:
    """A UID that stays the same across updates, so a calendar replaces the event in place."""
    return f"ticket-{ticket_id}@{domain}"


def invitation(appointment: Appointment) -> bytes:
    """An iTIP REQUEST (or CANCEL) that mail clients offer to add to, or remove from, a calendar."""
    calendar = _calendar()
    calendar.add("method", "CANCEL" if appointment.cancelled else "REQUEST")
    calendar.add_component(_event(appointment, stamp=utc_now()))
    _add_timezones(calendar, [appointment], extra_zone=None)
    return calendar.to_ical()


def feed(appointments: Iterable[Appointment], *, name: str, timezone: str) -> bytes:
    """A calendar a phone subscribes to by URL; no METHOD, clients poll it hourly."""
    zone = get_zone(timezone)
    calendar = _calendar()
    calendar.calendar_name = _text(name)
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    stamp = utc_now()
    listed = list(appointments)
    for appointment in listed:
        calendar.add_component(_event(appointment, stamp=stamp))
    _add_timezones(calendar, listed, extra_zone=zone.key)
    return calendar.to_ical()


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    return calendar


def _event(appointment: Appointment, *, stamp: datetime) -> Event:
    zone = get_zone(appointment.timezone)
    event = Event()
    event.add("uid", _one_line(appointment.uid))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", _text(appointment.summary))
    if appointment.location:
        event.add("location", _text(appointment.location))
    if appointment.description:
        event.add("description", _text(appointment.description))
    if appointment.url:
        event.add("url", _one_line(appointment.url))
    email = _one_line(appointment.organizer_email)
    if email:
        organizer = vCalAddress(f"mailto:{email}")
        if appointment.organizer_name:
            organizer.params["CN"] = vText(_one_line(appointment.organizer_name))
        event.add("organizer", organizer)
    event.add("status", "CANCELLED" if appointment.cancelled else "CONFIRMED")
    return event


def _add_timezones(
    calendar: Calendar, appointments: list[Appointment], *, extra_zone: str | None
) -> None:
    """Add a VTIMEZONE for every TZID used (and the feed's own zone) over the span covered."""
    today = utc_now().date()
    first_date = _shift(min((a.start.date() for a in appointments), default=today), -_ZONE_MARGIN)
    last_date = _shift(max((a.end.date() for a in appointments), default=today), _ZONE_MARGIN)
    calendar.add_missing_timezones(first_date=first_date, last_date=last_date)
    present = {zone.tz_name for zone in calendar.timezones}
    if extra_zone and extra_zone not in present and not is_utc(get_zone(extra_zone)):
        zone = Timezone.from_tzid(extra_zone, first_date=first_date, last_date=last_date)
        calendar.subcomponents.insert(len(calendar.timezones), zone)


def _shift(day: date, by: timedelta) -> date:
    try:
        return day + by
    except OverflowError:
        return date.min if by < timedelta(0) else date.max


def _text(value: str) -> str:
    return _TEXT_CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _one_line(value: str) -> str:
    return _ANY_CONTROL.sub(" ", value).strip()
