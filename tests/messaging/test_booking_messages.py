"""Booking, moving and cancelling an appointment, as the customer receives it: real worker,
real SMTP catcher, real Twilio-protocol stand-in."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from crm.clients.sms_client import SmsSettings
from crm.config import Settings
from crm.jobs.worker import BackgroundWorker, WorkerOptions
from crm.utils.timezone import utc_now
from tests.api.helpers import act, done, make, read
from tests.messaging.conftest import calendar_text, unique_email
from tests.stand_ins.twilio_server import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

CHICAGO = ZoneInfo("America/Chicago")  # the test business's timezone (tests/factories.py)


def _customer(client: Any, **fields: Any) -> dict[str, Any]:
    email = fields.pop("email", None) or unique_email()
    contact = make(
        client, "contact", first_name="Edna", last_name="Whitfield", email=email, **fields
    )
    make(client, "address", contact_id=contact["id"], line1="4410 Old Gurley Rd", city="Huntsville")
    return contact


def _book(client: Any, contact: dict[str, Any], start: datetime) -> dict[str, Any]:
    return make(
        client,
        "ticket",
        contact_id=contact["id"],
        title="Windows inside and out",
        scheduled_start=start.isoformat(),
    )


def _messages(client: Any, ticket_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = done(read(client, "messages", ticket_id=ticket_id, limit=100))
    return rows


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _event(message: dict[str, Any]) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(calendar_text(message))
    [event] = calendar.walk("VEVENT")
    return calendar, event


def _wait_status(client: Any, message_id: str, status: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        row: dict[str, Any] = done(read(client, "messages", id=message_id))
        if row["status"] == status or time.monotonic() > deadline:
            assert row["status"] == status, row
            return row
        time.sleep(0.1)


def test_booking_sends_one_confirmation_with_a_calendar_invite(
    client, signed_in, no_quiet_hours, worker, outbox
) -> None:
    contact = _customer(client)
    start = (utc_now() + timedelta(days=5)).replace(microsecond=0)
    ticket = _book(client, contact, start)
    [message] = outbox.wait_for(1, to=contact["email"], timeout=15)
    assert message["subject"].startswith("Please confirm your appointment")
    assert "4410 Old Gurley Rd" in message["text"]
    assert "/v/" in message["text"]
    assert "Sparkle Windows" in message["from"]
    headers = dict(message["headers"])
    assert headers["Reply-To"].endswith(f"<{signed_in['email']}>")
    assert "List-Unsubscribe" not in headers  # a confirmation is transactional
    calendar, event = _event(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]).startswith(f"ticket-{ticket['id']}@")
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == start
    [confirmation] = [m for m in _messages(client, ticket["id"]) if m["kind"] != "reminder"][:1]
    sent = _wait_status(client, confirmation["id"], "sent")
    assert sent["message_id"] == message["message_id"]
    assert sent["body"] == message["text"].replace("\r\n", "\n")  # the exact text, kept
    time.sleep(1.0)  # and only one
    assert len(outbox.messages(to=contact["email"])) == 1


def test_reminders_are_planned_on_the_wall_clock_across_daylight_saving(client, signed_in) -> None:
    """A 9:00 appointment on the Sunday daylight saving starts gets its 48-hour reminder at
    9:00 on Friday (not 8:00) and its 2-hour reminder at 7:00 that Sunday."""
    contact = _customer(client)
    start = datetime(2027, 3, 14, 9, 0, tzinfo=CHICAGO)
    ticket = _book(client, contact, start)
    reminders = sorted(
        (m for m in _messages(client, ticket["id"]) if m["kind"] == "reminder"),
        key=lambda m: m["scheduled_for"],
    )
    local = [_instant(m["scheduled_for"]).astimezone(CHICAGO) for m in reminders]
    assert [(t.month, t.day, t.hour, t.minute) for t in local] == [(3, 12, 9, 0), (3, 14, 7, 0)]
    # The "48-hour" one is 47 real hours ahead: the clocks skip an hour on the way.
    utc = ZoneInfo("UTC")
    ahead = start.astimezone(utc) - _instant(reminders[0]["scheduled_for"]).astimezone(utc)
    assert ahead == timedelta(hours=47)


def test_a_reminder_lands_at_its_lead_time(client, signed_in, no_quiet_hours, worker, outbox):
    done(act(client, "messaging", "update", confirmations=False, reminder_minutes=[60]))
    contact = _customer(client)
    start = (utc_now() + timedelta(minutes=60, seconds=4)).replace(microsecond=0)
    ticket = _book(client, contact, start)
    [reminder] = _messages(client, ticket["id"])
    assert reminder["kind"] == "reminder" and reminder["status"] == "pending"
    assert outbox.messages(to=contact["email"]) == []
    [message] = outbox.wait_for(1, to=contact["email"], timeout=20)
    arrived = _instant(message["received_at"])
    assert arrived >= start - timedelta(minutes=60)
    assert "reminder" in message["subject"].lower() or "see you" in message["subject"].lower()
    assert not message["attachments"]


def test_a_reschedule_moves_the_reminders_and_sends_an_updated_invite(
    client, signed_in, no_quiet_hours, worker, outbox
) -> None:
    contact = _customer(client)
    start = (utc_now() + timedelta(days=6)).replace(microsecond=0)
    ticket = _book(client, contact, start)
    outbox.wait_for(1, to=contact["email"], timeout=15)
    before = {
        m["lead_minutes"]: m for m in _messages(client, ticket["id"]) if m["kind"] == "reminder"
    }
    moved = start + timedelta(days=1, hours=2)
    done(act(client, "ticket", "update", id=ticket["id"], scheduled_start=moved.isoformat()))
    after = {
        m["lead_minutes"]: m for m in _messages(client, ticket["id"]) if m["kind"] == "reminder"
    }
    assert set(after) == {2880, 120}
    for lead, row in after.items():
        assert row["id"] == before[lead]["id"]  # the same reminder, moved
        assert row["status"] == "pending"
        assert _instant(row["scheduled_for"]) == _instant(before[lead]["scheduled_for"]) + (
            moved - start
        )
    newest, first = outbox.wait_for(2, to=contact["email"], timeout=15)
    _, old_event = _event(first)
    _, new_event = _event(newest)
    assert new_event["UID"] == old_event["UID"]
    assert int(new_event["SEQUENCE"]) == 1
    assert new_event.decoded("DTSTART") == moved
    refreshed = done(read(client, "tickets", id=ticket["id"]))
    assert refreshed["confirmation_status"] == "unconfirmed"


def test_a_cancel_cancels_the_reminders_and_sends_the_calendar_cancel(
    client, signed_in, no_quiet_hours, worker, outbox
) -> None:
    contact = _customer(client)
    start = (utc_now() + timedelta(days=3)).replace(microsecond=0)
    ticket = _book(client, contact, start)
    [invite] = outbox.wait_for(1, to=contact["email"], timeout=15)
    confirmation = next(
        m for m in _messages(client, ticket["id"]) if m["kind"] == "appointment_confirmation"
    )
    _wait_status(client, confirmation["id"], "sent")
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="Customer moved away"))
    statuses = {m["kind"]: m["status"] for m in _messages(client, ticket["id"])}
    assert statuses["reminder"] == "cancelled"
    notice, _ = outbox.wait_for(2, to=contact["email"], timeout=15)
    calendar, event = _event(notice)
    _, first = _event(invite)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["UID"] == first["UID"]
    assert int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    assert "cancel" in notice["subject"].lower()


def test_quiet_hours_hold_a_message_until_they_end(client, signed_in, worker, outbox) -> None:
    now = utc_now().astimezone(CHICAGO)
    quiet_start = (now - timedelta(hours=1)).strftime("%H:%M")
    quiet_end = (now + timedelta(hours=2)).strftime("%H:%M")
    done(act(client, "messaging", "update", quiet_start=quiet_start, quiet_end=quiet_end))
    contact = _customer(client)
    ticket = _book(client, contact, utc_now() + timedelta(days=4))
    confirmation = next(
        m for m in _messages(client, ticket["id"]) if m["kind"] == "appointment_confirmation"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        row = done(read(client, "messages", id=confirmation["id"]))
        if _instant(row["scheduled_for"]) > utc_now():
            break
        time.sleep(0.1)
    assert row["status"] == "pending"
    held_until = _instant(row["scheduled_for"]).astimezone(CHICAGO)
    assert held_until.strftime("%H:%M") == quiet_end
    assert held_until > now
    time.sleep(1.0)
    assert outbox.messages(to=contact["email"]) == []


def test_opted_out_and_do_not_contact_customers(
    client, signed_in, no_quiet_hours, worker, outbox, owner
) -> None:
    quiet = _customer(client, preferred_contact_method="none")
    ticket = _book(client, quiet, utc_now() + timedelta(days=3))
    assert _messages(client, ticket["id"]) == []  # nothing automatic for "don't contact"

    opted = _customer(client)
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(signed_in["id"]),))
        owner.execute(
            "UPDATE contacts SET email_opted_out_at = now() WHERE id = %s", (opted["id"],)
        )
    reach_out = done(
        act(
            client,
            "message",
            "schedule",
            kind="custom",
            contact_id=opted["id"],
            subject="Spring special",
            body="20% off in April.",
            scheduled_for=utc_now().isoformat(),
        )
    )
    skipped = _wait_status(client, reach_out["id"], "skipped")
    assert "unsubscribed" in skipped["skip_reason"]
    # What they booked still reaches them: the confirmation is about their own appointment.
    _book(client, opted, utc_now() + timedelta(days=3))
    [message] = outbox.wait_for(1, to=opted["email"], timeout=15)
    assert message["subject"].startswith("Please confirm")


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    with TwilioStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def sms_worker(settings: Settings, twilio: TwilioStandIn) -> Iterator[BackgroundWorker]:
    sms = SmsSettings(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number="+12565550100",
        api_url=twilio.url,
    )
    running = BackgroundWorker(dataclasses.replace(settings, sms=sms), WorkerOptions(2, "sms"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_a_customer_who_prefers_texts_gets_the_confirmation_by_sms(
    client, signed_in, no_quiet_hours, sms_worker, twilio
) -> None:
    contact = _customer(client, phone="(256) 555-0134", preferred_contact_method="sms")
    ticket = _book(client, contact, utc_now() + timedelta(days=2))
    confirmation = next(
        m for m in _messages(client, ticket["id"]) if m["kind"] == "appointment_confirmation"
    )
    sent = _wait_status(client, confirmation["id"], "sent")
    assert sent["channel"] == "sms" and sent["to_address"] == "+12565550134"
    [text] = twilio.messages
    assert text["to"] == "+12565550134" and text["from"] == "+12565550100"
    assert "/v/" in text["body"] and len(text["body"]) <= 320
