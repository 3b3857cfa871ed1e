"""The due-for-service page: who is due, Schedule (the form filled from the last visit) and
Send a reach-out (queued once), the weeks selector, and the ways in — all without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, make, read
from tests.api.test_due import customer, history, today, visit
from tests.web.test_tickets_pages import assert_no_inline, form_fields, submit


@pytest.fixture
def due(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    hana = history(client, "Hana", 5)  # due in a week
    lou = history(client, "Lou", 1)  # due in five weeks
    once = customer(client, "Olly")
    visit(client, once, today() - timedelta(weeks=8))
    return {"hana": hana, "lou": lou}


def _card(html: str, contact_id: str) -> str:
    match = re.search(rf'<div class="card" id="due-{contact_id}">(.*?)\n</div>', html, re.S)
    assert match, f"no card for {contact_id}"
    return match.group(1)


def test_the_page_lists_who_is_due_with_one_tap_actions(
    client: TestClient, due: dict[str, Any]
) -> None:
    page = client.get("/due")
    assert page.status_code == 200
    assert_no_inline(page.text)
    assert "Hana Tester" in page.text and "Lou Tester" not in page.text
    assert "Olly Tester" not in page.text  # one visit: no interval to go by
    card = _card(page.text, due["hana"]["id"])
    last = today() - timedelta(weeks=5)
    assert f"Last visit {last:%b} {last.day}" in card
    assert "every 6 weeks" in card and "from their past visits" in card and "in 7 days" in card
    [last_visit] = [
        t
        for t in done(read(client, "tickets", contact_id=due["hana"]["id"], status="completed"))
        if t["scheduled_start"].startswith(last.isoformat())
    ]
    assert f'href="/tickets/new?again={last_visit["id"]}"' in card
    booking = client.get(f"/tickets/new?again={last_visit['id']}")
    assert booking.status_code == 200 and "Hana Tester" in booking.text


def test_the_weeks_selector_looks_further_ahead(client: TestClient, due: dict[str, Any]) -> None:
    page = client.get("/due?weeks=8").text
    assert "Lou Tester" in page and "Hana Tester" in page
    assert re.search(r'href="/due\?weeks=8" aria-current="page"', page)
    for weeks in (2, 4, 12):
        assert f'href="/due?weeks={weeks}"' in page
    assert "Lou Tester" not in client.get("/due?weeks=nonsense").text  # the default, 4 weeks


def test_a_reach_out_is_queued_once_and_the_card_says_so(
    client: TestClient, signed_in: dict[str, Any], due: dict[str, Any]
) -> None:
    hana = due["hana"]["id"]
    action = f"/due/{hana}/reach-out"
    form = form_fields(client.get("/due").text, action)
    response = submit(client, action, form, signed_in["csrf_token"])
    assert response.status_code == 303
    assert response.headers["location"] == f"/due?weeks=4&notice=reach_out#due-{hana}"
    [message] = done(read(client, "messages", contact_id=hana, kind="reach_out"))
    assert message["status"] == "pending" and message["templated"] is True
    assert message["ticket_id"] is None  # not a close-out's plan: the interval stays as it was

    page = client.get(response.headers["location"]).text
    assert "Reach-out queued" in page
    card = _card(page, hana)
    assert "Reach-out queued</button>" in card and "disabled" in card
    assert action not in card
    again = submit(client, action, form, signed_in["csrf_token"])  # a stale page, tapped twice
    assert again.status_code == 303
    assert len(done(read(client, "messages", contact_id=hana, kind="reach_out"))) == 1
    assert "from their past visits" in _card(client.get("/due").text, hana)


def test_a_reach_out_to_a_deleted_customer_is_refused_on_the_page(
    client: TestClient, signed_in: dict[str, Any], due: dict[str, Any]
) -> None:
    gone = make(client, "contact", first_name="Gone")
    done(act(client, "contact", "delete", id=gone["id"]))
    response = submit(client, f"/due/{gone['id']}/reach-out", {}, signed_in["csrf_token"])
    assert response.status_code == 404 and "Due for service" in response.text


def test_the_calendar_day_and_the_contacts_list_link_to_it(
    client: TestClient, due: dict[str, Any]
) -> None:
    assert 'href="/due"' in client.get("/?view=day").text
    contacts = client.get("/contacts").text
    assert '<a href="/due">Due for service</a>' in contacts
