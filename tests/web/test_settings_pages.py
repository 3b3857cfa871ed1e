"""The settings page: business name, display name, timezone; staff add, rename, delete."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.api.helpers import done, make, read


def post(client: TestClient, url: str, signed_in: dict[str, Any], **data: Any) -> Response:
    return client.post(
        url, data={"csrf_token": signed_in["csrf_token"], **data}, follow_redirects=False
    )


def business(client: TestClient) -> dict[str, Any]:
    user: dict[str, Any] = client.get("/auth/session").json()["data"]["user"]
    return user


def test_page_shows_the_business_and_an_empty_staff_list(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    page = client.get("/settings")
    assert page.status_code == 200
    assert 'aria-current="page">Settings' in page.text
    assert 'value="Sparkle Windows"' in page.text and 'value="Sam Owner"' in page.text
    assert '<option value="America/Chicago" selected>Central (Chicago)</option>' in page.text
    for field in ("business_name", "display_name", "timezone", "timezone_other", "staff-name"):
        assert f'<label for="{field}">' in page.text, field
    assert "No staff yet" in page.text


def test_update_business_from_the_list_or_typed(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    response = post(
        client,
        "/settings",
        signed_in,
        business_name="Sparkle Windows & Screens",
        display_name="Sam",
        timezone="America/Denver",
        timezone_other="",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/settings?notice=saved"
    assert business(client)["timezone"] == "America/Denver"
    page = client.get("/settings?notice=saved").text
    assert "Saved." in page and "Sparkle Windows &amp; Screens" in page
    assert '<option value="America/Denver" selected>' in page

    # A zone not in the list is typed; the typed one wins.
    response = post(
        client,
        "/settings",
        signed_in,
        business_name="Sparkle",
        display_name="Sam",
        timezone="other",
        timezone_other="America/Boise",
    )
    assert response.status_code == 303
    assert business(client)["timezone"] == "America/Boise"
    page = client.get("/settings").text
    assert '<option value="other" selected>' in page and 'value="America/Boise"' in page
    trail = done(read(client, "audit", entity_type="business"))
    assert len(trail) == 2


def test_invalid_timezone_and_empty_names_are_explained(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    response = post(
        client,
        "/settings",
        signed_in,
        business_name="Sparkle",
        display_name="Sam",
        timezone="other",
        timezone_other="Mars/Olympus",
    )
    assert response.status_code == 422
    assert "Not saved. &#39;Mars/Olympus&#39; is not an IANA timezone" in response.text
    assert re.search(r'id="timezone_other"[^>]*aria-invalid="true"', response.text)
    assert "&#39;Mars/Olympus&#39; is not an IANA timezone" in response.text
    assert 'value="Mars/Olympus"' in response.text  # what was typed stays, to be corrected

    missing = post(
        client, "/settings", signed_in, business_name="", display_name="Sam", timezone="other"
    )
    assert missing.status_code == 422
    assert "Type a timezone name" in missing.text

    empty = post(
        client,
        "/settings",
        signed_in,
        business_name=" ",
        display_name="Sam",
        timezone="America/Chicago",
    )
    assert empty.status_code == 422
    assert re.search(r'id="business_name"[^>]*aria-invalid="true"', empty.text)
    assert business(client) == {**business(client), "business_name": "Sparkle Windows"}
    assert business(client)["timezone"] == "America/Chicago"


def test_staff_add_rename_delete(client: TestClient, signed_in: dict[str, Any]) -> None:
    nameless = post(client, "/settings/staff", signed_in, name=" ")
    assert nameless.status_code == 422 and "Enter the person&#39;s name." in nameless.text
    bad_phone = post(client, "/settings/staff", signed_in, name="Kim", phone="12")
    assert bad_phone.status_code == 422 and 'value="Kim"' in bad_phone.text

    added = post(client, "/settings/staff", signed_in, name="Kim", phone="256-555-0000")
    assert added.status_code == 303
    assert added.headers["location"] == "/settings?notice=created#staff"
    [kim] = done(read(client, "staff"))
    assert kim["phone"] == "+12565550000"
    page = client.get("/settings").text
    assert "<strong>Kim</strong>" in page and "(256) 555-0000" in page

    renamed = post(
        client, f"/settings/staff/{kim['id']}", signed_in, name="Kim Park", phone="2565550000"
    )
    assert renamed.status_code == 303
    assert done(read(client, "staff", id=kim["id"]))["name"] == "Kim Park"
    blank = post(client, f"/settings/staff/{kim['id']}", signed_in, name="")
    assert blank.status_code == 422 and "A staff member needs a name." in blank.text

    other = make(client, "staff", name="Lee")
    deleted = post(client, f"/settings/staff/{other['id']}/delete", signed_in)
    assert deleted.status_code == 303
    assert [s["name"] for s in done(read(client, "staff"))] == ["Kim Park"]
    again = post(client, f"/settings/staff/{other['id']}/delete", signed_in)
    assert again.status_code == 422 and "No staff member with id" in again.text


def test_changing_the_timezone_with_appointments_ahead_asks_first(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Ann")
    make(client, "ticket", contact_id=contact["id"], scheduled_start="2031-03-04T15:00:00Z")
    asked = post(
        client,
        "/settings",
        signed_in,
        business_name="Sparkle Windows",
        display_name="Sam Owner",
        timezone="America/New_York",
        timezone_other="",
    )
    assert asked.status_code == 200
    assert business(client)["timezone"] == "America/Chicago"  # nothing saved yet
    text = asked.text
    assert "You have 1 upcoming appointment." in text
    assert "9:00 AM on Tuesday, March 4</strong> in America/Chicago" in text
    assert "10:00 AM on Tuesday, March 4</strong>" in text
    hidden = dict(re.findall(r'name="(\w+)" value="([^"]*)"', text))
    assert hidden["confirm_timezone"] == "1" and hidden["timezone_other"] == "America/New_York"
    confirmed = client.post("/settings", data=hidden, follow_redirects=False)
    assert confirmed.status_code == 303
    assert business(client)["timezone"] == "America/New_York"
    ticket = done(read(client, "tickets", limit=1))[0]
    assert ticket["scheduled_start"] == "2031-03-04T10:00:00-05:00"  # the same moment
