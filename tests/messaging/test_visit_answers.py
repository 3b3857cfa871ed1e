"""A customer answers from the link in their email, and the business hears about it by email."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from crm.core.services import public_links
from crm.core.services.message_content import format_day
from crm.embedded.smtp import Outbox
from crm.resources import Resources
from crm.utils.timezone import utc_now
from crm.utils.user_context import UserContext, user_context
from tests.api.helpers import done, make, read
from tests.conftest import BASE_URL
from tests.messaging.conftest import unique_email


@pytest.fixture
def customer(app: Any) -> TestClient:
    return TestClient(app, base_url=BASE_URL)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match[1]


def header(message: dict[str, Any], name: str) -> str:
    values = [value for key, value in message["headers"] if key.lower() == name.lower()]
    assert len(values) == 1, message["headers"]
    return str(values[0])


def book_visit(client: TestClient, outbox: Outbox) -> dict[str, Any]:
    """Book Edna's visit and wait for her confirmation email; returns the link in it too."""
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
    match = re.search(re.escape(BASE_URL) + r"(/v/[A-Za-z0-9_-]+)", message["text"])
    assert match, message["text"]
    return {"contact": contact, "ticket": ticket, "email": email, "path": match[1], "start": start}


def test_confirming_from_the_email_link_tells_the_business(
    client: TestClient,
    signed_in: dict[str, Any],
    no_quiet_hours: None,
    worker: Any,
    outbox: Outbox,
    customer: TestClient,
) -> None:
    booked = book_visit(client, outbox)
    page = customer.get(booked["path"])
    assert page.status_code == 200 and "Confirm my visit" in page.text
    assert "4410 Old Gurley Rd, Huntsville" in page.text

    response = customer.post(booked["path"] + "/confirm", data={"csrf_token": csrf(page.text)})
    assert response.status_code == 200 and "Your visit is confirmed" in response.text
    ticket = done(read(client, "tickets", id=booked["ticket"]["id"]))
    assert ticket["confirmation_status"] == "confirmed"

    [notice] = outbox.wait_for(1, to=signed_in["email"], timeout=15)
    day = format_day(booked["start"], "America/Chicago")
    assert notice["subject"] == f"Edna Whitfield confirmed ({day})"
    assert "Edna Whitfield confirmed for the visit on" in notice["text"]
    assert booked["email"] in header(notice, "Reply-To")

    def answer_notice() -> dict[str, Any]:
        return next(
            m
            for m in done(read(client, "messages", ticket_id=booked["ticket"]["id"]))
            if m["kind"] == "visit_answer"
        )

    # The catcher has the mail a moment before the worker records it as sent.
    deadline = time.monotonic() + 10
    while answer_notice()["status"] != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    message = answer_notice()
    assert message["audience"] == "business" and message["status"] == "sent"


def test_declining_cancels_and_both_sides_hear(
    client: TestClient,
    signed_in: dict[str, Any],
    no_quiet_hours: None,
    worker: Any,
    outbox: Outbox,
    customer: TestClient,
) -> None:
    booked = book_visit(client, outbox)
    page = customer.get(booked["path"])
    data = {"csrf_token": csrf(page.text), "note": "Away visiting my sister"}
    customer.post(booked["path"] + "/decline", data=data)
    ticket = done(read(client, "tickets", id=booked["ticket"]["id"]))
    assert ticket["status"] == "cancelled" and ticket["confirmation_status"] == "declined"

    [notice] = outbox.wait_for(1, to=signed_in["email"], timeout=15)
    assert "can't make it" in notice["subject"]
    assert "Their message: Customer can't make it: Away visiting my sister" in notice["text"]
    # The customer, who knew of the visit, gets the cancellation (and its calendar cancel).
    cancellation, _ = outbox.wait_for(2, to=booked["email"], timeout=15)
    assert "cancelled" in cancellation["subject"].lower()


def test_a_book_request_reaches_the_business(
    client: TestClient,
    signed_in: dict[str, Any],
    no_quiet_hours: None,
    worker: Any,
    outbox: Outbox,
    customer: TestClient,
    resources: Resources,
) -> None:
    email = unique_email("edna")
    contact = make(client, "contact", first_name="Edna", last_name="Whitfield", email=email)
    context = UserContext(signed_in["id"], signed_in["timezone"])
    with user_context(context), resources.db.unit_of_work(signed_in["id"]) as conn:
        token = public_links.create(
            conn, "book", expires_at=utc_now() + timedelta(days=30), contact_id=UUID(contact["id"])
        )
    page = customer.get(f"/b/{token}")
    data = {"csrf_token": csrf(page.text), "note": "Weekday mornings, {{ business_name }}"}
    customer.post(f"/b/{token}", data=data)

    [notice] = outbox.wait_for(1, to=signed_in["email"], timeout=15)
    assert notice["subject"] == "Edna Whitfield would like to book"
    # The customer's words are sent as written, never run as a template.
    assert "Days and times that suit: Weekday mornings, {{ business_name }}" in notice["text"]
    assert email in notice["text"]
