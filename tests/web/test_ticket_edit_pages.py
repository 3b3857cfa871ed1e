"""Rescheduling a ticket through the edit page (plain form)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, make, read

# Every test here types fixed days in 2031: the far-date check takes them as ordinary.
pytestmark = pytest.mark.usefixtures("pinned_today")


def _form(signed_in: dict[str, Any], **values: Any) -> dict[str, Any]:
    return {"csrf_token": signed_in["csrf_token"], **values}


def test_reschedule_and_change_the_crew(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = make(client, "contact", first_name="Ann")
    make(client, "address", contact_id=contact["id"], line1="1 Main St")
    sam = make(client, "staff", name="Sam")
    ticket = make(
        client,
        "ticket",
        contact_id=contact["id"],
        scheduled_start="2031-03-04T15:00:00Z",
        duration_minutes=60,
    )
    client.headers.pop("X-CSRF-Token")
    page = client.get(f"/tickets/{ticket['id']}/edit")
    assert page.status_code == 200
    assert 'value="2031-03-04"' in page.text and 'value="09:00"' in page.text  # Chicago time
    assert "Sam" in page.text

    response = client.post(
        f"/tickets/{ticket['id']}/edit",
        data=_form(
            signed_in,
            date="2031-03-05",
            time="13:30",
            duration="90",
            title="Back side",
            address_id=ticket["address_id"],
            staff_ids=[sam["id"]],
            confirmation_status="confirmed",
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/tickets/{ticket['id']}?notice=saved"
    client.headers["X-CSRF-Token"] = signed_in["csrf_token"]
    changed = done(read(client, "tickets", id=ticket["id"], include="staff"))
    assert changed["scheduled_start"] == "2031-03-05T13:30:00-06:00"
    assert changed["duration_minutes"] == 90 and changed["title"] == "Back side"
    assert changed["confirmation_status"] == "confirmed"
    assert [s["name"] for s in changed["staff"]] == ["Sam"]
    assert "Change time or crew" in client.get(f"/tickets/{ticket['id']}").text


def test_bad_input_is_shown_next_to_the_field(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Ann")
    ticket = make(
        client, "ticket", contact_id=contact["id"], scheduled_start="2031-03-04T15:00:00Z"
    )
    client.headers.pop("X-CSRF-Token")
    response = client.post(
        f"/tickets/{ticket['id']}/edit",
        data=_form(signed_in, date="2031-03-05", time="13:30", duration="2"),
    )
    assert response.status_code == 422
    assert 'aria-invalid="true" aria-describedby="duration-error"' in response.text
    response = client.post(
        f"/tickets/{ticket['id']}/edit", data=_form(signed_in, date="", time="", duration="60")
    )
    assert response.status_code == 422 and "Pick a day and a start time." in response.text


def test_finished_tickets_are_not_editable(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = make(client, "contact", first_name="Ann")
    ticket = make(
        client, "ticket", contact_id=contact["id"], scheduled_start="2031-03-04T15:00:00Z"
    )
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="moved"))
    response = client.get(f"/tickets/{ticket['id']}/edit", follow_redirects=False)
    assert (
        response.status_code == 303 and response.headers["location"] == f"/tickets/{ticket['id']}"
    )
    assert client.get("/tickets/not-an-id/edit").status_code == 404


def test_a_day_moved_far_back_warns_and_can_be_saved_anyway(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Ann")
    ticket = make(
        client, "ticket", contact_id=contact["id"], scheduled_start="2031-03-04T15:00:00Z"
    )
    client.headers.pop("X-CSRF-Token")
    typed = _form(signed_in, date="2001-03-05", time="13:30", duration="90", title="Back side")

    warned = client.post(f"/tickets/{ticket['id']}/edit", data=typed)

    assert warned.status_code == 409
    assert "The new day, March 5, 2001, is more than a year ago." in warned.text
    for value in ('value="2001-03-05"', 'value="13:30"', 'value="90"', 'value="Back side"'):
        assert value in warned.text, value
    assert 'name="intent" value="anyway"' in warned.text
    client.headers["X-CSRF-Token"] = signed_in["csrf_token"]
    assert done(read(client, "tickets", id=ticket["id"]))["title"] == ""  # not saved yet
    client.headers.pop("X-CSRF-Token")

    saved = client.post(
        f"/tickets/{ticket['id']}/edit",
        data={**typed, "intent": "anyway"},
        follow_redirects=False,
    )

    assert saved.status_code == 303
    client.headers["X-CSRF-Token"] = signed_in["csrf_token"]
    changed = done(read(client, "tickets", id=ticket["id"]))
    assert changed["scheduled_start"] == "2001-03-05T13:30:00-06:00"
    assert changed["title"] == "Back side"


def test_an_old_ticket_imported_by_the_api_is_edited_without_a_warning(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    """The API takes old history as it is; the page asks only when the day is moved."""
    contact = make(client, "contact", first_name="Ann")
    ticket = make(
        client, "ticket", contact_id=contact["id"], scheduled_start="2001-03-04T15:00:00Z"
    )
    client.headers.pop("X-CSRF-Token")
    response = client.post(
        f"/tickets/{ticket['id']}/edit",
        data=_form(signed_in, date="2001-03-04", time="09:00", duration="60", title="Imported"),
        follow_redirects=False,
    )
    assert response.status_code == 303
