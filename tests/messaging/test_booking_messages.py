"""Booking, answering, moving and cancelling an appointment, as the customer receives it."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from crm.utils.timezone import utc_now
from tests.api.helpers import make
from tests.messaging.conftest import calendar_text, unique_email


def test_booking_sends_one_confirmation_with_a_calendar_invite(
    client, signed_in, no_quiet_hours, worker, outbox
) -> None:
    email = unique_email("edna")
    contact = make(client, "contact", first_name="Edna", last_name="Whitfield", email=email)
    make(client, "address", contact_id=contact["id"], line1="4410 Old Gurley Rd", city="Huntsville")
    start = (utc_now() + timedelta(days=5)).replace(microsecond=0)
    ticket = make(
        client,
        "ticket",
        contact_id=contact["id"],
        title="Windows",
        scheduled_start=start.isoformat(),
    )
    [message] = outbox.wait_for(1, to=email, timeout=15)
    assert "confirm" in message["subject"].lower()
    calendar = Calendar.from_ical(calendar_text(message))
    [event] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]).startswith(f"ticket-{ticket['id']}@")
    assert event.decoded("DTSTART") == start
    assert "/v/" in message["text"]
    assert message["message_id"]
