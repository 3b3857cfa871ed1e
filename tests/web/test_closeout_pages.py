"""The close-out wizard through plain forms, the way a phone without JavaScript uses it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.helpers import HEADLINE_NOTE, act, closeout_job, done, make, read
from tests.web.test_tickets_pages import assert_no_inline, first_load_bytes, form_fields, submit

NOTE = HEADLINE_NOTE


@pytest.fixture
def job(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    base = closeout_job(client, start="2031-01-07T15:00:00Z")
    return {
        "id": base["ticket"]["id"],
        "contact": base["contact"],
        "screens": base["screens"]["id"],
        "wash": base["wash"]["id"],
        "csrf": signed_in["csrf_token"],
    }


def started(client: TestClient, job: dict[str, Any]) -> str:
    """Clock in with the ticket page's form; the close-out URL."""
    assert submit(client, f"/tickets/{job['id']}/clock-in", {}, job["csrf"]).status_code == 303
    return f"/tickets/{job['id']}/close"


def step(
    client: TestClient, page: Response, to: str, job: dict[str, Any], **changes: Any
) -> Response:
    """Fill the page's form (as rendered) with ``changes`` and press the button for ``to``."""
    action = re.search(r'<form method="post" action="(/tickets/[^"]+/close/\w+)"', page.text)
    assert action, page.text
    data = form_fields(page.text, action.group(1))
    data.pop("csrf_token", None)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return submit(client, f"/tickets/{job['id']}/close/{to}", data, job["csrf"])


def test_close_out_only_when_started(client: TestClient, job: dict[str, Any]) -> None:
    page = client.get(f"/tickets/{job['id']}/close")
    assert page.status_code == 409
    assert "clock in first" in page.text and f'action="/tickets/{job["id"]}/clock-in"' in page.text
    ticket_page = client.get(f"/tickets/{job['id']}").text
    assert '<span id="close-out" hidden>' in ticket_page  # shown once the job has started


def test_the_whole_wizard_with_plain_forms(client: TestClient, job: dict[str, Any]) -> None:
    cid, tid = job["contact"]["id"], job["id"]
    make(client, "attribute", contact_id=cid, key="access.gate_closed", value=False)
    url = started(client, job)
    qty, price = f"qty-{job['screens']}", f"price-{job['wash']}"

    # Step 1: minutes from the clock, every line, the estimate to confirm.
    work = client.get(url)
    assert work.status_code == 200
    assert 'aria-current="step">1. Work done' in work.text
    assert 'name="duration"' in work.text and "The clock says 0 min" in work.text
    assert f'name="{qty}" inputmode="decimal" required value="20"' in work.text
    assert f'name="{price}" inputmode="decimal" required value="150.00"' in work.text
    assert f'name="price-{job["screens"]}"' not in work.text  # per-unit price is fixed
    assert "I confirm the final prices" in work.text
    assert_no_inline(work.text)

    unconfirmed = step(client, work, "notes", job, duration="95", **{qty: "22", price: "175"})
    assert unconfirmed.status_code == 422
    assert "tick this box" in unconfirmed.text and 'aria-current="step">1. Work done' in (
        unconfirmed.text
    )
    assert 'value="22"' in unconfirmed.text  # what was typed stays

    notes = step(client, unconfirmed, "notes", job, confirm="1")
    assert notes.status_code == 200 and 'aria-current="step">2. Notes' in notes.text
    assert '<input type="hidden" name="duration" value="95">' in notes.text
    assert 'id="notes-warning" class="warning" role="status" hidden' in notes.text
    assert re.search(r'<script src="/static/js/closeout\.[0-9a-f]+\.js" defer>', notes.text)

    nxt = step(client, notes, "next", job, notes=NOTE)
    assert nxt.status_code == 200 and 'aria-current="step">3. Next step' in nxt.text
    assert "Dog named Biscuit" in nxt.text  # carried, hidden

    # Back twice: everything typed is still there.
    back = step(client, nxt, "notes", job, next_kind="reach_out", months="4")
    assert back.status_code == 200 and NOTE in back.text
    assert '<input type="hidden" name="next_kind" value="reach_out">' in back.text
    first = step(client, back, "work", job)
    assert 'value="22"' in first.text and 'value="175"' in first.text
    assert 'name="confirm" value="1" required checked' in first.text
    nxt = step(client, step(client, first, "notes", job), "next", job)
    assert 'value="reach_out" checked' in nxt.text and '<option value="4" selected>' in nxt.text

    undecided = step(client, nxt, "review", job, next_kind=None)
    assert undecided.status_code == 422 and "Choose what happens next." in undecided.text

    # The review: nothing is saved yet.
    review = step(client, nxt, "review", job, months="6")
    assert review.status_code == 200, review.text
    text = review.text
    assert 'aria-current="step">4. Review' in text
    assert "Number of screens: 20+" in text and "“20+ screens”" in text
    assert "found by the note rules" in text and "% sure" in text
    assert "On file now: No (entered by hand)" in text  # the conflict with access.gate_closed
    assert "$252.00" in text and "95 minutes worked" in text  # 22 x $3.50 + $175.00
    assert "Reach out in 6 months" in text
    assert_no_inline(text)
    assert first_load_bytes(client, review) <= 30_000
    assert done(read(client, "tickets", id=tid))["status"] == "in_progress"

    keys = dict(re.findall(r'name="key-(\d+)" value="([^"]+)"', text))
    index = {key: i for i, key in keys.items()}
    decisions = {
        f"decision-{index['equipment.extension_ladder']}": "reject",
        f"decision-{index['pets.dog_name']}": "edit",
        f"value-{index['pets.dog_name']}": "biscuit jr",
        f"decision-{index['property.screen_count']}": "edit",
        f"value-{index['property.screen_count']}": "25+",
    }
    bad = step(
        client,
        review,
        "complete",
        job,
        **{**decisions, f"value-{index['property.screen_count']}": "lots"},
    )
    assert bad.status_code == 422
    assert "The ticket is not completed yet" in bad.text and "20+ for “at least 20”" in bad.text
    assert done(read(client, "tickets", id=tid))["status"] == "in_progress"
    assert 'value="reject" checked' in bad.text  # the decisions made so far stay

    finished = step(client, bad, "complete", job, **decisions)
    assert finished.status_code == 303, finished.text
    assert finished.headers["location"] == f"/tickets/{tid}/close/done?notice=completed"

    page = client.get(finished.headers["location"])
    assert page.status_code == 200
    assert "Ticket completed" in page.text and "$252.00" in page.text
    assert f'<form method="post" action="/invoices/from-ticket/{tid}"' in page.text
    assert '<a class="button secondary" href="/">Skip</a>' in page.text
    assert "A message asking to book goes out" in page.text

    attributes = {a["key"]: a for a in done(read(client, "attributes", contact_id=cid))}
    assert "equipment.extension_ladder" not in attributes
    assert attributes["pets.dog_name"]["value"] == "Biscuit Jr"
    assert attributes["pets.dog_name"]["source"] == "manual"
    assert attributes["property.screen_count"]["value"] == {"count": 25, "plus": True}
    assert attributes["access.gate_closed"]["value"] is True
    ticket = done(read(client, "tickets", id=tid, include="notes,line_items"))
    assert ticket["status"] == "completed" and ticket["worked_minutes"] == 95
    assert [n["body"] for n in ticket["notes"]] == [NOTE]
    assert ticket["total_cents"] == 25200

    # Completed: read-only, with the invoice prompt.
    detail = client.get(f"/tickets/{tid}").text
    assert 'class="badge completed">Completed' in detail
    for gone in ("Clock in", "Clock out", "Cancel ticket", "Add a service", ">Remove<"):
        assert gone not in detail, gone
    assert f'action="/invoices/from-ticket/{tid}"' in detail and NOTE in detail
    assert client.get(url, follow_redirects=False).headers["location"] == f"/tickets/{tid}"

    # The invoice prompt is a plain form too (the invoice pages answer it).
    billed = submit(
        client,
        f"/invoices/from-ticket/{tid}",
        form_fields(page.text, f"/invoices/from-ticket/{tid}"),
        job["csrf"],
    )
    assert billed.status_code == 303
    assert "Already invoiced" in client.get(f"/tickets/{tid}/close/done").text
    assert "Invoice #" in client.get(f"/tickets/{tid}").text


def test_leaving_halfway_never_completes(client: TestClient, job: dict[str, Any]) -> None:
    url = started(client, job)
    work = client.get(url)
    nxt = step(client, step(client, work, "notes", job, confirm="1"), "next", job, notes=NOTE)
    review = step(client, nxt, "review", job, next_kind="none")
    assert review.status_code == 200 and "Nothing for now." in review.text
    ticket = done(read(client, "tickets", id=job["id"], include="notes"))
    assert ticket["status"] == "in_progress" and ticket["notes"] == []
    assert done(read(client, "attributes", contact_id=job["contact"]["id"])) == []
    assert client.get(url).status_code == 200  # start over any time


def test_card_numbers_are_removed_and_the_review_says_so(
    client: TestClient, job: dict[str, Any]
) -> None:
    work = client.get(started(client, job))
    notes = step(client, work, "notes", job, confirm="1")
    nxt = step(client, notes, "next", job, notes="Paid with 4111 1111 1111 1111, nice dog.")
    review = step(client, nxt, "review", job, next_kind="none")
    assert review.status_code == 200
    assert "4111" not in review.text and "[REDACTED]" in review.text
    assert "A card or social security number was removed from the notes" in review.text
    # A stale draft (say, a second phone previewed meanwhile): the review comes back, fresh.
    stale = step(client, review, "complete", job, draft_id="00000000-0000-4000-8000-000000000000")
    assert stale.status_code == 422 and "The ticket is not completed yet" in stale.text
    assert "A card or social security number was removed from the notes" in stale.text
    assert done(read(client, "tickets", id=job["id"]))["status"] == "in_progress"
    assert step(client, stale, "complete", job).status_code == 303


def test_preview_errors_go_back_to_their_step(client: TestClient, job: dict[str, Any]) -> None:
    work = client.get(started(client, job))
    nxt = step(client, step(client, work, "notes", job, confirm="1"), "next", job)
    past = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    refused = step(client, nxt, "review", job, next_kind="schedule_now", next_date=past)
    assert refused.status_code == 422
    assert 'aria-current="step">3. Next step' in refused.text
    assert "The next visit must be in the future." in refused.text
    # Cancelled meanwhile (another phone): the preview refuses, the page says why.
    done(act(client, "ticket", "cancel", id=job["id"], reason="Customer called"))
    gone = step(client, nxt, "review", job, next_kind="none")
    assert gone.status_code == 409 and "only a ticket in progress can be closed out" in gone.text


def test_schedule_the_next_visit_now(client: TestClient, job: dict[str, Any]) -> None:
    work = client.get(started(client, job))
    nxt = step(client, step(client, work, "notes", job, confirm="1"), "next", job, notes="")
    later = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    review = step(
        client, nxt, "review", job, next_kind="schedule_now", next_date=later, next_time="10:30"
    )
    assert review.status_code == 200 and "10:30 AM, same address and staff" in review.text
    assert "No facts found in the notes." in review.text
    finished = step(client, review, "complete", job)
    assert finished.status_code == 303
    page = client.get(f"/tickets/{job['id']}/close/done").text
    assert "Visit on" in page and "10:30 AM" in page
