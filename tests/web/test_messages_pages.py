"""The messages page: filters by local date range, status and contact; cancelling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from crm.utils.timezone import get_zone, utc_now
from tests.api.helpers import act, done, make, read


def schedule(client: TestClient, contact: dict[str, Any], subject: str, days: int) -> Any:
    when = (utc_now() + timedelta(days=days)).replace(hour=15, minute=0, second=0, microsecond=0)
    return done(
        act(
            client,
            "message",
            "schedule",
            kind="custom",
            contact_id=contact["id"],
            subject=subject,
            body="Hello",
            scheduled_for=when.isoformat(),
        )
    )


def local_day(days: int) -> str:
    moment = (utc_now() + timedelta(days=days)).replace(hour=15, minute=0, second=0, microsecond=0)
    return moment.astimezone(get_zone("America/Chicago")).date().isoformat()


def test_empty_state(client: TestClient, signed_in: dict[str, Any]) -> None:
    page = client.get("/messages")
    assert page.status_code == 200
    assert "No messages yet" in page.text and 'aria-current="page">Messages' in page.text
    for field in ("m-from", "m-to", "m-status", "m-contact"):
        assert f'<label for="{field}">' in page.text


def test_filters_by_dates_status_and_contact(client: TestClient, signed_in: dict[str, Any]) -> None:
    ann = make(client, "contact", first_name="Ann")
    bob = make(client, "contact", first_name="Bob")
    schedule(client, ann, "Last week", -7)
    schedule(client, ann, "Tomorrow for Ann", 1)
    later = schedule(client, bob, "Next week for Bob", 7)
    done(act(client, "message", "cancel", id=later["id"]))

    # First visit: from today on, so last week's message is not shown.
    page = client.get("/messages").text
    assert "Tomorrow for Ann" in page and "Next week for Bob" in page
    assert "Last week" not in page
    today = utc_now().astimezone(get_zone("America/Chicago")).date().isoformat()
    assert f'id="m-from" name="from" type="date" value="{today}"' in page
    assert '<option value="' + bob["id"] + '">Bob</option>' in page

    everything = client.get("/messages", params={"from": ""}).text
    assert "Last week" in everything
    assert everything.index("Last week") < everything.index("Tomorrow for Ann")

    ranged = client.get("/messages", params={"from": local_day(-8), "to": local_day(1)}).text
    assert "Last week" in ranged and "Tomorrow for Ann" in ranged
    assert "Next week for Bob" not in ranged

    pending = client.get("/messages", params={"from": "", "status": "pending"}).text
    assert "Tomorrow for Ann" in pending and "Next week for Bob" not in pending
    assert '<option value="pending" selected>' in pending

    bobs = client.get("/messages", params={"from": "", "contact_id": bob["id"]}).text
    assert "Next week for Bob" in bobs and "Tomorrow for Ann" not in bobs

    none = client.get("/messages", params={"from": "", "status": "failed"}).text
    assert "No messages match these filters" in none

    bad = client.get("/messages", params={"from": "yesterday", "status": "lost"})
    assert bad.status_code == 422
    assert "Enter a date like" in bad.text and "Choose a status from the list." in bad.text


def test_cancel_pending_and_explain_when_it_cannot(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    ann = make(client, "contact", first_name="Ann")
    message = schedule(client, ann, "Reminder", 2)
    page = client.get("/messages").text
    assert f'action="/messages/{message["id"]}/cancel"' in page

    response = client.post(
        f"/messages/{message['id']}/cancel",
        data={"csrf_token": signed_in["csrf_token"], "back": "/messages?status=pending"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/messages?status=pending&notice=cancelled"
    assert done(read(client, "messages", id=message["id"]))["status"] == "cancelled"
    page = client.get("/messages", params={"notice": "cancelled"}).text
    assert "Cancelled." in page and f"/messages/{message['id']}/cancel" not in page

    again = client.post(
        f"/messages/{message['id']}/cancel",
        data={"csrf_token": signed_in["csrf_token"], "back": "https://evil.example/"},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert "Only a pending message can be cancelled; this one is cancelled." in again.text

    other = schedule(client, ann, "Other", 3)
    response = client.post(
        f"/messages/{other['id']}/cancel",
        data={"csrf_token": signed_in["csrf_token"], "back": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/messages?notice=cancelled"
