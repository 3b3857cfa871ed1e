"""The waitlist pages: adding and editing entries, and booking one into a freed slot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, make, read
from tests.web.test_tickets_pages import assert_no_inline, form_fields, submit

CHICAGO = ZoneInfo("America/Chicago")


def _soon(days: int) -> date:
    return datetime.now(UTC).astimezone(CHICAGO).date() + timedelta(days=days)


def _at(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHICAGO).isoformat()


@pytest.fixture
def rosa(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    contact = make(client, "contact", first_name="Rosa", last_name="Díaz")
    address = make(client, "address", contact_id=contact["id"], line1="12 Oak Ave")
    screens = make(
        client,
        "service",
        name="Screen cleaning",
        pricing_mode="per_unit",
        unit_price_cents=350,
        unit_label="screen",
    )
    wash = make(client, "service", name="Window wash", pricing_mode="fixed", unit_price_cents=9000)
    return {"contact": contact, "address": address, "screens": screens, "wash": wash}


def _entry(client: TestClient, rosa: dict[str, Any], **data: Any) -> dict[str, Any]:
    base = {
        "contact_id": rosa["contact"]["id"],
        "services": [{"service_id": rosa["wash"]["id"]}],
        "latest_date": _soon(60).isoformat(),
    }
    return make(client, "waitlist", **{**base, **data})


def test_adding_from_the_contact_page_shows_the_wishes_in_words(
    client: TestClient, signed_in: dict[str, Any], rosa: dict[str, Any]
) -> None:
    contact_page = client.get(f"/contacts/{rosa['contact']['id']}").text
    assert f"/waitlist/new?contact_id={rosa['contact']['id']}" in contact_page
    page = client.get(f"/waitlist/new?contact_id={rosa['contact']['id']}")
    assert page.status_code == 200 and "Rosa Díaz" in page.text
    assert_no_inline(page.text)
    form = form_fields(page.text, "/waitlist")
    form.update(
        {
            f"qty-{rosa['screens']['id']}": "20",
            f"qty-{rosa['wash']['id']}": "1",
            "weekdays": ["1", "5"],
            "earliest_time": "09:00",
            "latest_time": "12:30",
            "latest_date": "2031-07-02",
            "note": "Prefers mornings",
        }
    )
    response = submit(client, "/waitlist", form, signed_in["csrf_token"])
    assert response.status_code == 303, response.text
    [entry] = done(read(client, "waitlist"))
    assert entry["weekdays"] == [1, 5] and entry["duration_minutes"] == 160
    listed = client.get("/waitlist").text
    assert "Rosa Díaz" in listed and "Mondays or Fridays, 9 am to 12:30 pm" in listed
    assert "Screen cleaning: 20 screens" in listed and "Jul 2, 2031" in listed
    assert_no_inline(listed)


def test_a_form_without_services_or_an_end_comes_back_and_saves_nothing(
    client: TestClient, signed_in: dict[str, Any], rosa: dict[str, Any]
) -> None:
    page = client.get(f"/waitlist/new?contact_id={rosa['contact']['id']}").text
    form = form_fields(page, "/waitlist")
    response = submit(client, "/waitlist", form, signed_in["csrf_token"])
    assert response.status_code == 422
    assert "Pick at least one service" in response.text
    form[f"qty-{rosa['wash']['id']}"] = "1"
    response = submit(client, "/waitlist", {**form, "latest_date": ""}, signed_in["csrf_token"])
    assert response.status_code == 422 and 'id="latest_date-error"' in response.text
    response = submit(
        client,
        "/waitlist",
        {**form, "latest_date": "2031-07-02", "earliest_time": "12:00", "latest_time": "09:00"},
        signed_in["csrf_token"],
    )
    assert response.status_code == 422
    assert done(read(client, "waitlist")) == []


def test_picking_a_contact_by_search(
    client: TestClient, signed_in: dict[str, Any], rosa: dict[str, Any]
) -> None:
    page = client.get("/waitlist/new?contact_q=rosa").text
    assert f'href="/waitlist/new?contact_id={rosa["contact"]["id"]}"' in page
    assert "/waitlist/new" in client.get("/waitlist").text


def test_edit_and_remove(
    client: TestClient, signed_in: dict[str, Any], rosa: dict[str, Any]
) -> None:
    entry = _entry(client, rosa, weekdays=[2])
    page = client.get(f"/waitlist/{entry['id']}/edit").text
    form = form_fields(page, f"/waitlist/{entry['id']}")
    assert form["weekdays"] == "2"
    form["weekdays"] = ["3"]
    form["latest_time"] = "15:00"
    response = submit(client, f"/waitlist/{entry['id']}", form, signed_in["csrf_token"])
    assert response.status_code == 303, response.text
    saved = done(read(client, "waitlist", id=entry["id"]))
    assert saved["weekdays"] == [3] and saved["latest_time"] == "15:00"
    response = submit(client, f"/waitlist/{entry['id']}/remove", {}, signed_in["csrf_token"])
    assert response.status_code == 303
    assert done(read(client, "waitlist", id=entry["id"]))["status"] == "removed"
    assert "Rosa" not in client.get("/waitlist").text
    again = submit(client, f"/waitlist/{entry['id']}/remove", {}, signed_in["csrf_token"])
    assert again.status_code == 409


def test_expired_entries_are_shown_apart(
    client: TestClient, signed_in: dict[str, Any], rosa: dict[str, Any], owner: Any
) -> None:
    entry = _entry(client, rosa)
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(signed_in["id"]),))
        owner.execute(
            "UPDATE waitlist_entries SET earliest_date = '2020-01-01', latest_date = '2020-02-01' "
            "WHERE id = %s",
            (entry["id"],),
        )
    page = client.get("/waitlist").text
    assert "<h2>Expired</h2>" in page
    assert page.index("Rosa Díaz") > page.index("<h2>Expired</h2>")


def test_a_cancelled_ticket_offers_the_entries_that_fit_and_books_one_in_a_tap(
    client: TestClient, signed_in: dict[str, Any], rosa: dict[str, Any]
) -> None:
    day = _soon(10)
    other = make(client, "contact", first_name="Bo")
    ticket = make(client, "ticket", contact_id=other["id"], scheduled_start=_at(day, 10))
    entry = _entry(client, rosa)
    assert "Fill this slot from the waitlist" not in client.get(f"/tickets/{ticket['id']}").text
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="Away"))
    page = client.get(f"/tickets/{ticket['id']}").text
    assert "Fill this slot from the waitlist" in page and "Rosa Díaz" in page
    form = form_fields(page, f"/waitlist/{entry['id']}/book")
    response = submit(client, f"/waitlist/{entry['id']}/book", form, signed_in["csrf_token"])
    assert response.status_code == 303
    booked = done(read(client, "waitlist", id=entry["id"]))
    assert booked["status"] == "booked"
    assert response.headers["location"].startswith(f"/tickets/{booked['booked_ticket_id']}")
    new = done(read(client, "tickets", id=booked["booked_ticket_id"], include="line_items"))
    assert new["scheduled_start"] == _at(day, 10)
    assert [i["description"] for i in new["line_items"]] == ["Window wash"]
    # Booked: the slot offers nobody now, and a second tap is refused.
    assert "Fill this slot" not in client.get(f"/tickets/{ticket['id']}").text
    again = submit(client, f"/waitlist/{entry['id']}/book", form, signed_in["csrf_token"])
    assert again.status_code == 409


def test_the_day_view_offers_the_free_gaps_with_a_more_link(
    client: TestClient, signed_in: dict[str, Any], rosa: dict[str, Any]
) -> None:
    day = _soon(12)
    make(
        client,
        "ticket",
        contact_id=rosa["contact"]["id"],
        scheduled_start=_at(day, 8),
        duration_minutes=120,
    )
    entries = [_entry(client, rosa, earliest_time="09:00") for _ in range(4)]
    page = client.get(f"/?view=day&date={day.isoformat()}").text
    assert 'href="/waitlist"' in page
    assert "The waitlist fits 1 free gap" in page and "Free 10:00 AM, 480 min" in page
    assert page.count("Book at 10:00 AM") == 3
    assert "More that fit" in page and "slot_minutes=480" in page
    form = form_fields(page, f"/waitlist/{entries[0]['id']}/book")
    assert datetime.fromisoformat(form["scheduled_start"]) == datetime.fromisoformat(_at(day, 10))
    more = client.get(f"/waitlist?slot_start={_at(day, 10).replace('+', '%2B')}&slot_minutes=480")
    assert more.text.count("Book at 10:00 AM") == 4
    # A past day has no free time to offer.
    assert "The waitlist fits" not in client.get(f"/?view=day&date={_soon(-3)}").text


def test_a_no_show_offers_its_slot_too(
    client: TestClient, signed_in: dict[str, Any], rosa: dict[str, Any]
) -> None:
    day = _soon(9)
    other = make(client, "contact", first_name="Bo")
    ticket = make(client, "ticket", contact_id=other["id"], scheduled_start=_at(day, 13))
    _entry(client, rosa)
    done(act(client, "ticket", "mark_no_show", id=ticket["id"], reason="Nobody home"))
    page = client.get(f"/tickets/{ticket['id']}").text
    assert "Fill this slot from the waitlist" in page and "Rosa Díaz" in page
    assert "Book at 1:00 PM" in page
