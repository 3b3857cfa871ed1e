"""A cancelled or no-show ticket can go back on the calendar; a completed one cannot."""

from __future__ import annotations

from datetime import timedelta

from crm.utils.timezone import utc_now
from tests.api.helpers import act, done, error, make, read


def _booked(client, **contact_fields):
    contact = make(client, "contact", first_name="Ann", **contact_fields)
    start = (utc_now() + timedelta(days=3)).replace(microsecond=0)
    return make(client, "ticket", contact_id=contact["id"], scheduled_start=start.isoformat())


def test_a_cancelled_ticket_reopens_at_a_new_time_and_asks_again(client, signed_in) -> None:
    ticket = _booked(client, email="ann@example.com")
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="Rain"))
    new_start = (utc_now() + timedelta(days=5)).replace(microsecond=0)
    reopened = done(
        act(client, "ticket", "reopen", id=ticket["id"], scheduled_start=new_start.isoformat())
    )
    assert reopened["status"] == "scheduled" and reopened["cancel_reason"] == ""
    assert reopened["confirmation_status"] == "unconfirmed"
    messages = done(read(client, "messages", ticket_id=ticket["id"]))
    pending = sorted(m["kind"] for m in messages if m["status"] == "pending")
    assert "appointment_confirmation" in pending and "reminder" in pending
    trail = done(read(client, "tickets", id=ticket["id"], include="audit_trail"))["audit_trail"]
    assert trail[-1]["action"] == "reopen"
    assert trail[-1]["changes"]["status"] == {"old": "cancelled", "new": "scheduled"}


def test_a_no_show_reopens_at_its_old_time_when_none_is_given(client, signed_in) -> None:
    ticket = _booked(client)
    done(act(client, "ticket", "mark_no_show", id=ticket["id"]))
    reopened = done(act(client, "ticket", "reopen", id=ticket["id"]))
    assert reopened["status"] == "scheduled"
    assert reopened["scheduled_start"] == ticket["scheduled_start"]


def test_only_cancelled_and_no_show_tickets_reopen(client, signed_in) -> None:
    ticket = _booked(client)
    err = error(act(client, "ticket", "reopen", id=ticket["id"]), 409, "INVALID_STATUS_TRANSITION")
    assert "this one is scheduled" in err["message"]
