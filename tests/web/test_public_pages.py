"""Customers' pages from the links in their emails: the visit page and its answers, unsubscribe,
booking, the invoice view, and the owner's calendar feed (DESIGN.md §11)."""

from __future__ import annotations

import gzip
import re
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from icalendar import Calendar

from crm.core.services import public_links
from crm.core.services.message_content import format_clock, format_day
from crm.resources import Resources
from crm.utils.timezone import utc_now
from crm.utils.user_context import UserContext, user_context
from tests.api.helpers import act, done, make, read
from tests.conftest import BASE_URL
from tests.factories import make_user


def in_days(days: float, hour: int = 15) -> str:
    return (
        (utc_now() + timedelta(days=days)).replace(hour=hour, minute=0, microsecond=0).isoformat()
    )


def link(
    resources: Resources,
    user: dict[str, Any],
    purpose: str,
    *,
    expires_at: datetime | None = None,
    **objects: Any,
) -> str:
    """A token made as the business would make it (inside its own unit of work)."""
    expires = expires_at or utc_now() + timedelta(days=30)
    ids = {key: UUID(str(value)) for key, value in objects.items()}
    context = UserContext(user["id"], user["timezone"])
    with user_context(context), resources.db.unit_of_work(user["id"]) as conn:
        return public_links.create(conn, purpose, expires_at=expires, **ids)


def revoke(resources: Resources, user: dict[str, Any]) -> None:
    with resources.db.unit_of_work(user["id"]) as conn:
        conn.execute("UPDATE public_links SET revoked_at = now()")


@pytest.fixture
def customer(app: Any) -> TestClient:
    """A browser with no session: the customer who opens the link."""
    return TestClient(app, base_url=BASE_URL)


@pytest.fixture
def visit(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    """A booked visit with an address, two priced lines and the business's phone."""
    done(act(client, "messaging", "update", business_phone="(256) 555-0142"))
    contact = make(client, "contact", first_name="Edna", last_name="Whitfield")
    make(client, "address", contact_id=contact["id"], line1="4410 Old Gurley Rd", city="Huntsville")
    ticket = make(client, "ticket", contact_id=contact["id"], scheduled_start=in_days(6))
    for description, cents in (("Exterior windows", 12000), ("Screens", 3500)):
        done(
            act(
                client,
                "line_item",
                "add",
                ticket_id=ticket["id"],
                description=description,
                unit_price_cents=cents,
            )
        )
    return {"contact": contact, "ticket": ticket}


@pytest.fixture
def token(resources: Resources, signed_in: dict[str, Any], visit: dict[str, Any]) -> str:
    return link(resources, signed_in, "visit", ticket_id=visit["ticket"]["id"])


def csrf(page: Response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    return match[1]


def answer(customer: TestClient, token: str, what: str, note: str | None = None) -> Response:
    """Open the visit page and press one of its buttons, as a browser does (or send the form
    again from the browser's history, once the page has no buttons left)."""
    page = customer.get(f"/v/{token}")
    if 'name="csrf_token"' not in page.text:
        page = customer.get("/login")
    data = {"csrf_token": csrf(page)}
    if note is not None:
        data["note"] = note
    return customer.post(f"/v/{token}/{what}", data=data, follow_redirects=False)


def ticket_of(client: TestClient, visit: dict[str, Any]) -> dict[str, Any]:
    ticket: dict[str, Any] = done(
        read(client, "tickets", id=visit["ticket"]["id"], include="audit_trail")
    )
    return ticket


def notifications(client: TestClient, contact_id: str) -> list[dict[str, Any]]:
    """What the business was told: its 'visit_answer' emails about this contact."""
    rows = done(read(client, "messages", contact_id=contact_id))
    return [r for r in rows if r["kind"] == "visit_answer" and r["audience"] == "business"]


# -- the visit page --------------------------------------------------------------------------


def test_visit_page_shows_the_visit_and_a_get_changes_nothing(
    client: TestClient, customer: TestClient, visit: dict[str, Any], token: str
) -> None:
    before = ticket_of(client, visit)
    page = customer.get(f"/v/{token}")
    assert page.status_code == 200
    text = page.text
    assert "Sparkle Windows" in text
    assert '<a href="tel:+12565550142">(256) 555-0142</a>' in text
    assert "4410 Old Gurley Rd, Huntsville" in text
    assert "Exterior windows, Screens" in text and "$155.00" in text
    start = datetime.fromisoformat(visit["ticket"]["scheduled_start"])
    when = f"<strong>{format_day(start, 'America/Chicago')}</strong> at "
    assert when + f"<strong>{format_clock(start, 'America/Chicago')}</strong>" in text
    for action in ("confirm", "decline", "reschedule"):
        assert f'action="/v/{token}/{action}"' in text
    # No session, no navigation of the app, not indexed.
    assert "crm_session" not in page.headers.get("set-cookie", "")
    assert 'href="/tickets"' not in text and "Sign out" not in text
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    # Fetching the link (a mail scanner does) changes nothing.
    for _ in range(3):
        customer.get(f"/v/{token}")
    after = ticket_of(client, visit)
    assert after["confirmation_status"] == "unconfirmed"
    assert after["audit_trail"] == before["audit_trail"]
    assert after["updated_at"] == before["updated_at"]


def test_confirm_is_recorded_as_the_customer_once(
    client: TestClient, customer: TestClient, visit: dict[str, Any], token: str
) -> None:
    response = answer(customer, token, "confirm")
    assert response.status_code == 303
    assert response.headers["location"] == f"/v/{token}?done=confirmed"
    page = customer.get(response.headers["location"])
    assert "Your visit is confirmed" in page.text and "You've confirmed this visit" in page.text
    assert f'action="/v/{token}/confirm"' not in page.text

    ticket = ticket_of(client, visit)
    assert ticket["confirmation_status"] == "confirmed"
    assert ticket["confirmation_answered_at"] is not None
    [entry] = [e for e in ticket["audit_trail"] if e["action"] == "update"]
    assert entry["actor"] == f"customer:{visit['contact']['id']}"
    assert entry["changes"]["confirmation_status"] == {"old": "unconfirmed", "new": "confirmed"}
    [note] = notifications(client, visit["contact"]["id"])
    assert note["ticket_id"] == visit["ticket"]["id"] and note["templated"] and note["requested"]
    assert note["subject"].startswith("Edna Whitfield confirmed (")

    again = answer(customer, token, "confirm")
    assert again.headers["location"] == f"/v/{token}?done=unchanged"
    assert ticket_of(client, visit)["audit_trail"] == ticket["audit_trail"]
    assert len(notifications(client, visit["contact"]["id"])) == 1


def test_decline_cancels_the_visit_with_the_customers_reason(
    client: TestClient, customer: TestClient, visit: dict[str, Any], token: str
) -> None:
    response = answer(customer, token, "decline", "Out of town\r\nthat week")
    assert response.headers["location"] == f"/v/{token}?done=declined"
    ticket = ticket_of(client, visit)
    assert ticket["status"] == "cancelled"
    assert ticket["confirmation_status"] == "declined"
    assert ticket["cancel_reason"] == "Customer can't make it: Out of town that week"
    assert ticket["confirmation_note"] == "Out of town\nthat week"
    actors = {e["actor"] for e in ticket["audit_trail"] if e["action"] in ("cancelled", "update")}
    assert actors == {f"customer:{visit['contact']['id']}"}
    page = customer.get(f"/v/{token}?done=declined").text
    assert "This visit has been cancelled." in page and "<form" not in page

    again = answer(customer, token, "decline", "Out of town\nthat week")
    assert again.headers["location"] == f"/v/{token}?done=unchanged"
    assert len(notifications(client, visit["contact"]["id"])) == 1


def test_reschedule_keeps_the_preferred_times_and_can_change_them(
    client: TestClient, customer: TestClient, visit: dict[str, Any], token: str
) -> None:
    response = answer(customer, token, "reschedule", "Any weekday morning")
    assert response.headers["location"] == f"/v/{token}?done=reschedule_requested"
    ticket = ticket_of(client, visit)
    assert ticket["status"] == "scheduled"
    assert ticket["confirmation_status"] == "reschedule_requested"
    assert ticket["confirmation_note"] == "Any weekday morning"
    assert "Any weekday morning" in customer.get(f"/v/{token}").text

    assert (
        answer(customer, token, "reschedule", "Any weekday morning")
        .headers["location"]
        .endswith("done=unchanged")
    )
    assert (
        answer(customer, token, "reschedule", "Friday afternoon")
        .headers["location"]
        .endswith("done=reschedule_requested")
    )
    assert ticket_of(client, visit)["confirmation_note"] == "Friday afternoon"
    assert len(notifications(client, visit["contact"]["id"])) == 2


def test_a_cancelled_or_past_visit_says_so_instead_of_failing(
    client: TestClient,
    customer: TestClient,
    resources: Resources,
    signed_in: dict[str, Any],
    visit: dict[str, Any],
    token: str,
) -> None:
    done(act(client, "ticket", "cancel", id=visit["ticket"]["id"], reason="Rain"))
    response = answer(customer, token, "confirm")
    assert response.headers["location"] == f"/v/{token}?done=closed"
    page = customer.get(response.headers["location"])
    assert page.status_code == 200 and "This visit has been cancelled." in page.text
    assert ticket_of(client, visit)["confirmation_status"] == "unconfirmed"

    past = make(client, "ticket", contact_id=visit["contact"]["id"], scheduled_start=in_days(-2))
    past_token = link(resources, signed_in, "visit", ticket_id=past["id"])
    assert (
        answer(customer, past_token, "reschedule", "Later")
        .headers["location"]
        .endswith("done=closed")
    )
    assert "The time of this visit has passed." in customer.get(f"/v/{past_token}").text
    assert notifications(client, visit["contact"]["id"]) == []


@pytest.mark.parametrize(
    ("note", "message"),
    [("x" * 1001, "at most 1000 characters"), ("Call me\x00", "control characters")],
)
def test_a_note_out_of_bounds_is_refused_next_to_the_field(
    client: TestClient,
    customer: TestClient,
    visit: dict[str, Any],
    token: str,
    note: str,
    message: str,
) -> None:
    response = answer(customer, token, "reschedule", note)
    assert response.status_code == 422
    assert message in response.text and 'aria-invalid="true"' in response.text
    assert "<details open>" in response.text
    assert ticket_of(client, visit)["confirmation_status"] == "unconfirmed"


def test_dead_links_are_one_plain_404(
    client: TestClient,
    customer: TestClient,
    resources: Resources,
    signed_in: dict[str, Any],
    visit: dict[str, Any],
) -> None:
    ticket_id = visit["ticket"]["id"]
    revoked = link(resources, signed_in, "visit", ticket_id=ticket_id)
    revoke(resources, signed_in)
    expired = link(
        resources, signed_in, "visit", ticket_id=ticket_id, expires_at=utc_now() - timedelta(1)
    )
    other = link(resources, signed_in, "unsubscribe", contact_id=visit["contact"]["id"])
    deleted = link(resources, signed_in, "visit", ticket_id=ticket_id)
    done(act(client, "ticket", "delete", id=ticket_id))
    bodies = set()
    for token in (expired, other, revoked, deleted, "not-a-token", "x" * 300):
        page = customer.get(f"/v/{token}")
        assert page.status_code == 404, token
        assert "Sparkle Windows" not in page.text and "Edna" not in page.text
        bodies.add(re.sub(r"<code>[^<]*</code>", "", page.text))
    assert len(bodies) == 1
    assert customer.get(f"/u/{expired}").status_code == 404
    assert customer.get(f"/calendar/{other}.ics").status_code == 404
    # A POST with a good CSRF token fares no better.
    token_value = csrf(customer.get(f"/u/{other}"))
    refused = customer.post(f"/v/{other}/confirm", data={"csrf_token": token_value})
    assert refused.status_code == 404


def test_a_post_without_the_pages_csrf_token_is_refused(
    client: TestClient, customer: TestClient, owner: Any, visit: dict[str, Any], token: str
) -> None:
    customer.get(f"/v/{token}")
    assert customer.post(f"/v/{token}/confirm", data={}).status_code == 403
    forged = customer.post(f"/v/{token}/confirm", data={"csrf_token": "guess"})
    assert forged.status_code == 403
    other_site = customer.post(
        f"/v/{token}/confirm",
        data={"csrf_token": csrf(customer.get(f"/v/{token}"))},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403
    assert ticket_of(client, visit)["confirmation_status"] == "unconfirmed"
    # The refusals are logged without the link's token: a log must not hold a working key.
    logged = owner.execute(
        "SELECT details FROM security_events WHERE event = 'csrf_failed' ORDER BY created_at"
    ).fetchall()
    assert [row["details"]["path"] for row in logged] == ["/v/…"] * 3


def test_answers_are_rate_limited_per_link(
    client: TestClient, customer: TestClient, visit: dict[str, Any], token: str
) -> None:
    data = {"csrf_token": csrf(customer.get(f"/v/{token}"))}
    for _ in range(30):
        ok = customer.post(f"/v/{token}/confirm", data=data, follow_redirects=False)
        assert ok.status_code == 303
    limited = customer.post(f"/v/{token}/confirm", data=data, follow_redirects=False)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many attempts" in limited.text
    assert len(notifications(client, visit["contact"]["id"])) == 1


def test_visit_page_stays_within_the_page_budget(customer: TestClient, token: str) -> None:
    page = customer.get(f"/v/{token}")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert not re.search(r"<script", page.text)
    total = sum(
        len(gzip.compress(body))
        for body in [page.content] + [customer.get(url).content for url in assets]
    )
    assert total <= 30_000


# -- unsubscribe -----------------------------------------------------------------------------


def opted_out(client: TestClient, contact_id: str) -> Any:
    return done(read(client, "contacts", id=contact_id))["email_opted_out_at"]


def test_unsubscribe_page_then_button(
    client: TestClient,
    customer: TestClient,
    resources: Resources,
    signed_in: dict[str, Any],
    visit: dict[str, Any],
) -> None:
    contact_id = visit["contact"]["id"]
    token = link(resources, signed_in, "unsubscribe", contact_id=contact_id)
    page = customer.get(f"/u/{token}")
    assert "Stop emails from Sparkle Windows?" in page.text
    assert opted_out(client, contact_id) is None
    response = customer.post(f"/u/{token}", data={"csrf_token": csrf(page)})
    assert response.status_code == 200 and "You're unsubscribed" in response.text
    first = opted_out(client, contact_id)
    assert first is not None
    customer.post(f"/u/{token}", data={"csrf_token": csrf(page)})
    assert opted_out(client, contact_id) == first
    trail = done(read(client, "contacts", id=contact_id, include="audit_trail"))["audit_trail"]
    [entry] = [e for e in trail if "email_opted_out_at" in e["changes"]]
    assert entry["actor"] == f"customer:{contact_id}"
    assert "You're unsubscribed" in customer.get(f"/u/{token}").text


def test_one_click_unsubscribe_needs_no_csrf_token_and_nothing_else_does(
    client: TestClient,
    resources: Resources,
    signed_in: dict[str, Any],
    visit: dict[str, Any],
    app: Any,
) -> None:
    contact_id = visit["contact"]["id"]
    token = link(resources, signed_in, "unsubscribe", contact_id=contact_id)
    provider = TestClient(app, base_url=BASE_URL)  # a mail provider: no cookie, no page
    refused = [
        provider.post(f"/u/{token}", data={}),
        provider.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click", "x": "1"}),
        provider.post(f"/u/{token}", data={"List-Unsubscribe": "Yes"}),
        provider.post(f"/u/{token}/x", data={"List-Unsubscribe": "One-Click"}),
        provider.post(f"/v/{token}/confirm", data={"List-Unsubscribe": "One-Click"}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403, 403]
    assert opted_out(client, contact_id) is None

    response = provider.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert opted_out(client, contact_id) is not None


def test_one_click_unsubscribe_as_multipart(
    client: TestClient,
    resources: Resources,
    signed_in: dict[str, Any],
    visit: dict[str, Any],
    app: Any,
) -> None:
    contact_id = visit["contact"]["id"]
    token = link(resources, signed_in, "unsubscribe", contact_id=contact_id)
    provider = TestClient(app, base_url=BASE_URL)
    response = provider.post(
        f"/u/{token}", files={"List-Unsubscribe": (None, "One-Click")}, follow_redirects=False
    )
    assert response.status_code == 200
    assert opted_out(client, contact_id) is not None


# -- booking ---------------------------------------------------------------------------------


def test_book_request_notes_it_and_tells_the_business_once(
    client: TestClient,
    customer: TestClient,
    resources: Resources,
    signed_in: dict[str, Any],
    visit: dict[str, Any],
) -> None:
    contact_id = visit["contact"]["id"]
    token = link(resources, signed_in, "book", contact_id=contact_id)
    page = customer.get(f"/b/{token}")
    assert "Book your next visit" in page.text
    data = {"csrf_token": csrf(page), "note": "Weekday mornings in May"}
    response = customer.post(f"/b/{token}", data=data, follow_redirects=False)
    assert response.headers["location"] == f"/b/{token}?done=requested"
    assert "will be in touch" in customer.get(response.headers["location"]).text
    notes = done(read(client, "notes", contact_id=contact_id))
    assert [n["body"] for n in notes] == ["Asked to book: Weekday mornings in May"]
    [message] = notifications(client, contact_id)
    assert message["subject"] == "Edna Whitfield would like to book"
    assert message["ticket_id"] is None and not message["templated"]
    assert "Weekday mornings in May" in message["body"]

    again = customer.post(f"/b/{token}", data=data, follow_redirects=False)
    assert again.headers["location"] == f"/b/{token}?done=unchanged"
    assert len(done(read(client, "notes", contact_id=contact_id))) == 1
    assert len(notifications(client, contact_id)) == 1


# -- invoice ---------------------------------------------------------------------------------


def test_invoice_view_shows_that_invoice_only(
    client: TestClient,
    customer: TestClient,
    resources: Resources,
    signed_in: dict[str, Any],
    visit: dict[str, Any],
) -> None:
    contact_id = visit["contact"]["id"]
    mine = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=contact_id,
            tax_rate_bp=825,
            lines=[{"description": "Gutter rinse", "quantity": "2", "unit_price_cents": 4000}],
        )
    )
    other = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=contact_id,
            lines=[{"description": "Skylight polish", "quantity": "1", "unit_price_cents": 9900}],
        )
    )
    done(act(client, "invoice", "record_payment", invoice_id=mine["id"], amount_cents=5000))
    token = link(resources, signed_in, "invoice", invoice_id=mine["id"])
    page = customer.get(f"/i/{token}")
    assert page.status_code == 200
    text = page.text
    assert f"Invoice {mine['number']}" in text and "Sparkle Windows" in text
    assert "Gutter rinse" in text and "$80.00" in text and "$6.60" in text
    assert "$86.60" in text and "$50.00" in text and "$36.60" in text
    assert "Partly paid" in text
    assert "Skylight polish" not in text and f"Invoice {other['number']}" not in text
    assert "<form" not in text


# -- calendar feed ---------------------------------------------------------------------------


def session_for(app: Any, user: dict[str, Any]) -> TestClient:
    other = TestClient(app, base_url=BASE_URL)
    cookie, session = app.state.auth.sessions.create(user["id"])
    other.cookies.set("crm_session", cookie, domain="localhost.local")
    other.headers["X-CSRF-Token"] = session.csrf_token
    return other


def feed_url(page: Response) -> str:
    match = re.search(r'id="feed-url" type="text" value="([^"]+)"', page.text)
    assert match, page.text
    return match[1].removeprefix(BASE_URL)


def test_calendar_feed_lists_this_businesss_upcoming_visits_only(
    app: Any,
    client: TestClient,
    customer: TestClient,
    owner: Any,
    visit: dict[str, Any],
) -> None:
    contact_id = visit["contact"]["id"]
    cancelled = make(client, "ticket", contact_id=contact_id, scheduled_start=in_days(8))
    done(act(client, "ticket", "cancel", id=cancelled["id"], reason="Moved away"))
    make(client, "ticket", contact_id=contact_id, scheduled_start=in_days(-3))
    make(client, "ticket", contact_id=contact_id, scheduled_start=in_days(400))
    rival = session_for(app, make_user(owner, business_name="Rival Glass"))
    stranger = make(rival, "contact", first_name="Olive", last_name="Stranger")
    make(rival, "ticket", contact_id=stranger["id"], scheduled_start=in_days(6))

    page = client.get("/settings/calendar")
    assert page.status_code == 200 and "No feed link is active" in page.text
    made = client.post("/settings/calendar")
    assert made.status_code == 200 and "shown only this once" in made.text
    url = feed_url(made)
    assert 'href="webcal://' in made.text

    feed = customer.get(url)
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(feed.content)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Edna Whitfield: Exterior windows, Screens"]
    [event] = events
    assert str(event["LOCATION"]) == "4410 Old Gurley Rd, Huntsville"
    assert str(event["URL"]).endswith(f"/tickets/{visit['ticket']['id']}")
    assert "Olive" not in feed.text and "Moved away" not in feed.text

    later = client.get("/settings/calendar").text
    assert "A feed link is active" in later and "last checked by a calendar" in later
    assert url.removeprefix("/calendar/").removesuffix(".ics") not in later


def test_a_new_feed_link_stops_the_old_one_and_revoke_stops_both(
    client: TestClient, customer: TestClient, signed_in: dict[str, Any]
) -> None:
    first = feed_url(client.post("/settings/calendar"))
    second = feed_url(client.post("/settings/calendar"))
    assert customer.get(first).status_code == 404
    assert customer.get(second).status_code == 200
    response = client.post("/settings/calendar/revoke", follow_redirects=False)
    assert response.headers["location"] == "/settings/calendar?stopped=1"
    assert customer.get(second).status_code == 404
    assert "No feed link is active" in client.get("/settings/calendar?stopped=1").text


def test_calendar_settings_need_a_signed_in_owner(customer: TestClient) -> None:
    response = customer.get("/settings/calendar", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    refused = customer.post("/settings/calendar", data={}, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
