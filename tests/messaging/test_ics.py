from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from crm.messaging.ics import Appointment, feed, invitation, ticket_uid
from crm.utils.timezone import NaiveDatetimeError

CHICAGO = ZoneInfo("America/Chicago")
TICKET = UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427")
AWKWARD = "Smith, Jr.; back door\nring twice"


def appointment(**changes: object) -> Appointment:
    base = Appointment(
        uid=ticket_uid(TICKET, "crm.example.com"),
        sequence=0,
        # 9:00 in Chicago on the day DST starts (clocks jumped 2:00 -> 3:00): 14:00 UTC.
        start=datetime(2027, 3, 14, 14, 0, tzinfo=UTC),
        end=datetime(2027, 3, 14, 16, 0, tzinfo=UTC),
        summary="Window cleaning",
        location="1428 Elm Street, Springfield",
        description="Exterior windows",
        url="https://crm.example.com/v/3f9c2a7b5d",
        organizer_name="Crystal Clear Windows",
        organizer_email="hello@crystalclear.example",
        timezone="America/Chicago",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def only_event(data: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    assert len(calendar.events) == 1
    return calendar, calendar.events[0]


def test_ticket_uid_is_stable_and_scoped_to_the_domain() -> None:
    assert ticket_uid(TICKET, "crm.example.com") == (
        "ticket-1b4e28ba-2fa1-11d2-883f-0016d3cca427@crm.example.com"
    )


def test_invitation_is_a_request_with_the_appointment() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    calendar, event = only_event(invitation(appointment(sequence=3)))
    assert calendar["PRODID"] == "-//CRM//Appointments//EN"
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == "ticket-1b4e28ba-2fa1-11d2-883f-0016d3cca427@crm.example.com"
    assert event["SEQUENCE"] == 3
    assert event["STATUS"] == "CONFIRMED"
    assert event["SUMMARY"] == "Window cleaning"
    assert event["LOCATION"] == "1428 Elm Street, Springfield"
    assert event["DESCRIPTION"] == "Exterior windows"
    assert event["URL"] == "https://crm.example.com/v/3f9c2a7b5d"
    assert event["ORGANIZER"] == "mailto:hello@crystalclear.example"
    assert event["ORGANIZER"].params["CN"] == "Crystal Clear Windows"
    stamp = event.decoded("DTSTAMP")
    assert stamp.utcoffset() == timedelta(0)
    assert before <= stamp <= datetime.now(UTC) + timedelta(seconds=1)


def test_the_start_is_local_time_with_a_vtimezone_on_the_day_dst_starts() -> None:
    data = invitation(appointment())
    assert b"DTSTART;TZID=America/Chicago:20270314T090000" in data
    assert b"DTEND;TZID=America/Chicago:20270314T110000" in data
    calendar, event = only_event(data)
    assert [zone.tz_name for zone in calendar.timezones] == ["America/Chicago"]
    start = event.decoded("DTSTART")
    assert start.astimezone(UTC) == datetime(2027, 3, 14, 14, 0, tzinfo=UTC)
    assert start.utcoffset() == timedelta(hours=-5)
    assert event.decoded("DTEND") - start == timedelta(hours=2)
    # The VTIMEZONE itself carries the jump to daylight time that morning.
    transitions = [
        (sub.name, sub.decoded("DTSTART"), sub.decoded("TZOFFSETTO"))
        for sub in calendar.timezones[0].subcomponents
    ]
    assert ("DAYLIGHT", datetime(2027, 3, 14, 3, 0), timedelta(hours=-5)) in transitions


def test_commas_semicolons_and_newlines_are_escaped_and_read_back() -> None:
    data = invitation(
        appointment(location=AWKWARD, description=AWKWARD, organizer_name="Smith, Jr.")
    )
    assert b"LOCATION:Smith\\, Jr.\\; back door\\nring twice" in data
    _, event = only_event(data)
    assert event["LOCATION"] == AWKWARD
    assert event["DESCRIPTION"] == AWKWARD
    assert event["ORGANIZER"].params["CN"] == "Smith, Jr."


def test_no_line_is_longer_than_75_octets() -> None:
    data = invitation(appointment(description="Please use the side gate. " * 20))
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    _, event = only_event(data)
    assert event["DESCRIPTION"] == "Please use the side gate. " * 20


def test_cancellation_keeps_the_uid_and_says_cancelled() -> None:
    calendar, event = only_event(invitation(appointment(sequence=4, cancelled=True)))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == ticket_uid(TICKET, "crm.example.com")
    assert event["SEQUENCE"] == 4


def test_optional_fields_are_left_out_when_empty() -> None:
    _, event = only_event(
        invitation(appointment(location="", description="", url="", organizer_email=""))
    )
    for name in ("LOCATION", "DESCRIPTION", "URL", "ORGANIZER"):
        assert name not in event


def test_a_utc_business_needs_no_vtimezone() -> None:
    data = invitation(appointment(timezone="UTC"))
    assert b"DTSTART:20270314T140000Z" in data
    assert b"VTIMEZONE" not in data


def test_feed_lists_every_appointment_for_subscription() -> None:
    appointments = [
        appointment(uid=f"ticket-{n}@crm.example.com", start=start, end=start + timedelta(hours=1))
        for n, start in enumerate(
            [
                datetime(2027, 3, 13, 15, 0, tzinfo=UTC),
                datetime(2027, 3, 14, 14, 0, tzinfo=UTC),
                datetime(2027, 11, 8, 15, 0, tzinfo=UTC),
            ]
        )
    ]
    data = feed(appointments, name="Crystal Clear, Springfield", timezone="America/Chicago")
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    assert "METHOD" not in calendar
    assert calendar["X-WR-CALNAME"] == "Crystal Clear, Springfield"
    assert calendar["X-WR-TIMEZONE"] == "America/Chicago"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in data
    assert b"X-PUBLISHED-TTL:PT1H" in data
    assert [zone.tz_name for zone in calendar.timezones] == ["America/Chicago"]
    assert [str(event["UID"]) for event in calendar.events] == [
        "ticket-0@crm.example.com",
        "ticket-1@crm.example.com",
        "ticket-2@crm.example.com",
    ]
    # 9:00 local every time, whether standard or daylight time.
    assert [event.decoded("DTSTART").hour for event in calendar.events] == [9, 9, 9]


def test_an_empty_feed_still_describes_the_business_timezone() -> None:
    calendar = Calendar.from_ical(feed([], name="Crystal", timezone="Europe/Berlin"))
    assert isinstance(calendar, Calendar)
    assert calendar.events == []
    assert [zone.tz_name for zone in calendar.timezones] == ["Europe/Berlin"]


def test_naive_times_and_backwards_appointments_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        appointment(start=datetime(2027, 3, 14, 9, 0))
    with pytest.raises(ValueError, match="end before it starts"):
        appointment(end=datetime(2027, 3, 14, 13, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone"):
        appointment(timezone="Mars/Olympus")
