"""The close-out wizard through plain forms, the way a phone without JavaScript uses it.

Each step's POST saves it and answers 303 to the next step's page, so Back and refresh are GETs.
"""

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


def post(
    client: TestClient, page: Response, step: str, job: dict[str, Any], **changes: Any
) -> Response:
    """Fill ``step``'s form as ``page`` shows it with ``changes`` and press its button."""
    action = f"/tickets/{job['id']}/close/{step}"
    data = form_fields(page.text, action)
    data.pop("csrf_token", None)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return submit(client, action, data, job["csrf"])


def follow(client: TestClient, response: Response, to: str) -> Response:
    """The 303 goes to ``to``; the page there."""
    assert response.status_code == 303, response.text
    assert response.headers["location"] == to
    page = client.get(to)
    assert page.status_code == 200, page.text
    return page


def showing(page: Response) -> str:
    """The step the page shows (the others are in it too, hidden)."""
    found = re.search(r'<div id="closeout" class="stack" data-current="(\w+)"', page.text)
    assert found, page.text
    return found.group(1)


def drafts(client: TestClient, job: dict[str, Any]) -> list[str]:
    return re.findall(r'name="draft_id" value="([^"]+)"', client.get(close(job, "review")).text)


def close(job: dict[str, Any], step: str = "") -> str:
    return f"/tickets/{job['id']}/close" + (f"/{step}" if step else "")


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

    # Step 1: minutes from the clock, every line, the estimate to confirm. The other steps'
    # forms are in the page too (hidden), for the script to switch to without a request.
    work = client.get(url)
    assert work.status_code == 200 and showing(work) == "work"
    assert 'aria-current="step">1. Work done' in work.text
    assert 'name="duration"' in work.text and "The clock says 0 min" in work.text
    assert re.search(rf'name="{qty}" inputmode="decimal" required pattern="[^"]+"', work.text)
    assert 'value="20"' in work.text and 'value="150.00"' in work.text
    assert f'name="price-{job["screens"]}"' not in work.text  # per-unit price is fixed
    assert "I confirm the final prices" in work.text
    for step in ("notes", "next"):
        assert f'<section data-step="{step}" data-url="{close(job, step)}"' in work.text
        assert f'action="{close(job, step)}"' in work.text
    assert re.search(r'<script src="/static/js/closeout\.[0-9a-f]+\.js" defer>', work.text)
    assert_no_inline(work.text)
    assert first_load_bytes(client, work) <= 30_000

    unconfirmed = post(client, work, "work", job, duration="95", **{qty: "22", price: "175"})
    assert unconfirmed.status_code == 422 and showing(unconfirmed) == "work"
    assert "tick this box" in unconfirmed.text
    assert 'value="22"' in unconfirmed.text  # what was typed stays
    again = client.get(url)  # a refresh after the mistake is a GET, and still has it
    assert 'value="22"' in again.text and 'value="175"' in again.text

    notes = follow(client, post(client, again, "work", job, confirm="1"), close(job, "notes"))
    assert showing(notes) == "notes" and 'aria-current="step">2. Notes' in notes.text
    assert "<title>Close out: Notes" in notes.text
    assert 'id="notes-warning" class="warning" role="status" hidden' in notes.text
    assert client.get(close(job, "notes")).text == notes.text  # refresh: the same page

    nxt = follow(client, post(client, notes, "notes", job, notes=NOTE), close(job, "next"))
    assert showing(nxt) == "next" and 'aria-current="step">3. Next step' in nxt.text
    assert "Dog named Biscuit" in nxt.text  # kept, in the hidden notes form

    # Back (the browser's, a GET) and the page's Back button (saves, unchecked, then goes back).
    assert NOTE in client.get(close(job, "notes")).text
    back = post(client, nxt, "next", job, next_kind="reach_out", months="4", go="back")
    notes = follow(client, back, close(job, "notes"))
    assert NOTE in notes.text and 'value="reach_out" checked' in notes.text
    work = follow(client, post(client, notes, "notes", job, go="back"), url)
    assert 'value="22"' in work.text and 'value="175"' in work.text
    assert 'name="confirm" value="1" required checked' in work.text
    nxt = client.get(close(job, "next"))
    assert 'value="reach_out" checked' in nxt.text and '<option value="4" selected>' in nxt.text

    undecided = post(client, nxt, "next", job, next_kind=None)
    assert undecided.status_code == 422 and showing(undecided) == "next"
    assert "Choose what happens next." in undecided.text

    # The review: nothing is saved yet, and a refresh shows the same draft without a new one.
    before = client.get(close(job, "review"), follow_redirects=False)
    assert before.headers.get("location") == close(job, "next")  # nothing previewed yet
    review = follow(client, post(client, nxt, "next", job, months="6"), close(job, "review"))
    text = review.text
    assert showing(review) == "review" and 'aria-current="step">4. Review' in text
    assert "Number of screens: 20+" in text and "“20+ screens”" in text
    assert "<mark>Dog named Biscuit</mark>" in text  # the evidence, marked in the note
    assert text.index(">People</h3>") < text.index(">Access</h3>") < text.index(">Pets</h3>")
    assert "found by the note rules" in text and "% sure" in text
    assert "On file now: No (entered by hand)" in text  # the conflict with access.gate_closed
    assert "$252.00" in text and "95 minutes worked" in text  # 22 x $3.50 + $175.00
    assert "Reach out in 6 months" in text
    assert f'href="{close(job, "next")}" data-step-link="next">Back</a>' in text
    assert_no_inline(text)
    assert first_load_bytes(client, review) <= 30_000
    assert drafts(client, job) == re.findall(r'name="draft_id" value="([^"]+)"', text)
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
    lots = {**decisions, f"value-{index['property.screen_count']}": "lots"}
    bad = post(client, review, "complete", job, **lots)
    assert bad.status_code == 422 and showing(bad) == "review"
    assert "The ticket is not completed yet" in bad.text and "20+ for “at least 20”" in bad.text
    assert done(read(client, "tickets", id=tid))["status"] == "in_progress"
    assert 'value="reject" checked' in bad.text  # the decisions made so far stay

    finished = post(client, bad, "complete", job, **decisions)
    assert finished.status_code == 303, finished.text
    assert finished.headers["location"] == f"/tickets/{tid}/close/done?notice=completed"
    # A second tap on Complete (the same form again) lands on the done page, not an error.
    twice = post(client, bad, "complete", job, **decisions)
    assert twice.status_code == 303 and twice.headers["location"] == f"/tickets/{tid}/close/done"

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


def test_a_second_tab_after_completion_says_so(client: TestClient, job: dict[str, Any]) -> None:
    """Tab one completes; tab two, still on a step or the review, is told, never dropped."""
    url = started(client, job)
    work = client.get(url)
    notes = follow(client, post(client, work, "work", job, confirm="1"), close(job, "notes"))
    nxt = follow(client, post(client, notes, "notes", job, notes="Two tabs"), close(job, "next"))
    review = follow(client, post(client, nxt, "next", job, next_kind="none"), close(job, "review"))
    assert post(client, review, "complete", job).status_code == 303  # tab one

    tid = job["id"]
    for attempt in (
        client.get(url),
        client.get(close(job, "notes")),
        client.get(close(job, "review")),
        post(client, notes, "notes", job, notes="Typed in tab two"),
        post(client, nxt, "next", job, next_kind="none"),
    ):
        assert attempt.status_code == 409, attempt.text
        assert "This ticket is already completed" in attempt.text
        assert f'href="/tickets/{tid}/close/done">Invoice this ticket</a>' in attempt.text
        assert f'href="/tickets/{tid}">Open the ticket</a>' in attempt.text
    assert [n["body"] for n in done(read(client, "tickets", id=tid, include="notes"))["notes"]] == [
        "Two tabs"
    ]


def test_the_script_posts_every_step_with_review(client: TestClient, job: dict[str, Any]) -> None:
    """With JavaScript the steps never reach the server one by one: Review carries them all and
    the review comes back at once (the script then sets the address to /close/review)."""
    work = client.get(started(client, job))
    data = {
        **form_fields(work.text, close(job, "work")),
        **form_fields(work.text, close(job, "notes")),
        **form_fields(work.text, close(job, "next")),
        "step": ["work", "notes", "next"],
        "confirm": "1",
        "duration": "40",
        "notes": "Dog named Biscuit.",
        "next_kind": "none",
        "js": "1",
    }
    data.pop("csrf_token")
    review = submit(client, close(job, "next"), data, job["csrf"])
    assert review.status_code == 200 and showing(review) == "review"
    assert "40 minutes worked" in review.text and "Nothing for now." in review.text
    # Everything was saved on the way: a refresh (a GET) and each step's page show it.
    assert client.get(close(job, "review")).text.count("40 minutes worked") == 1
    assert "Dog named Biscuit." in client.get(close(job, "notes")).text

    # Complete answers with the done page itself, its GET URL for the address bar.
    finished = post(client, review, "complete", job, js="1")
    assert finished.status_code == 200, finished.text
    done_url = f"/tickets/{job['id']}/close/done"
    assert f'<h1 id="closeout-done" data-address="{done_url}">Ticket completed</h1>' in (
        finished.text
    )
    assert "Ticket completed." in finished.text  # the notice, as after the redirect
    assert post(client, review, "complete", job, js="1").headers["location"] == done_url
    assert "data-address" not in client.get(done_url).text


def test_a_mistake_in_an_earlier_step_shows_that_step(
    client: TestClient, job: dict[str, Any]
) -> None:
    """Whatever page posted, the step to fix comes back, with its message and what was typed."""
    work = client.get(started(client, job))
    data = {
        **form_fields(work.text, close(job, "work")),
        **form_fields(work.text, close(job, "next")),
        "step": ["work", "next"],
        "confirm": "1",
        "duration": "-5",
        "next_kind": "none",
        "js": "1",
    }
    data.pop("csrf_token")
    wrong = submit(client, close(job, "next"), data, job["csrf"])
    assert wrong.status_code == 422 and showing(wrong) == "work"
    assert "Type the minutes worked" in wrong.text and 'value="-5"' in wrong.text


def test_leaving_halfway_never_completes(client: TestClient, job: dict[str, Any]) -> None:
    url = started(client, job)
    work = client.get(url)
    notes = follow(client, post(client, work, "work", job, confirm="1"), close(job, "notes"))
    nxt = follow(client, post(client, notes, "notes", job, notes=NOTE), close(job, "next"))
    review = follow(client, post(client, nxt, "next", job, next_kind="none"), close(job, "review"))
    assert "Nothing for now." in review.text
    ticket = done(read(client, "tickets", id=job["id"], include="notes"))
    assert ticket["status"] == "in_progress" and ticket["notes"] == []
    assert done(read(client, "attributes", contact_id=job["contact"]["id"])) == []
    again = client.get(url)  # come back any time: it picks up where it was left
    assert again.status_code == 200 and NOTE in again.text


def test_card_numbers_are_removed_and_the_review_says_so(
    client: TestClient, job: dict[str, Any]
) -> None:
    work = client.get(started(client, job))
    notes = follow(client, post(client, work, "work", job, confirm="1"), close(job, "notes"))
    # Page ids are UUIDs: look for the card's digits in a row, never four digits alone.
    typed = "Paid with 4111 1111 1111 1111, nice dog."
    nxt = follow(client, post(client, notes, "notes", job, notes=typed), close(job, "next"))
    # Never kept: the notes are redacted before they are saved between steps.
    assert "4111 1111" not in nxt.text and "Paid with [REDACTED], nice dog." in nxt.text
    review = follow(client, post(client, nxt, "next", job, next_kind="none"), close(job, "review"))
    assert "4111 1111" not in review.text and "[REDACTED]" in review.text
    assert "A card or social security number was removed from the notes" in review.text
    # A stale draft (say, a second phone previewed meanwhile): the review comes back, fresh.
    stale = post(client, review, "complete", job, draft_id="00000000-0000-4000-8000-000000000000")
    assert stale.status_code == 422 and "The ticket is not completed yet" in stale.text
    assert "A card or social security number was removed from the notes" in stale.text
    assert done(read(client, "tickets", id=job["id"]))["status"] == "in_progress"
    assert post(client, stale, "complete", job).status_code == 303


def test_preview_errors_go_back_to_their_step(client: TestClient, job: dict[str, Any]) -> None:
    work = client.get(started(client, job))
    notes = follow(client, post(client, work, "work", job, confirm="1"), close(job, "notes"))
    nxt = follow(client, post(client, notes, "notes", job), close(job, "next"))
    past = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    refused = post(client, nxt, "next", job, next_kind="schedule_now", next_date=past)
    assert refused.status_code == 422 and showing(refused) == "next"
    assert 'aria-current="step">3. Next step' in refused.text
    assert "The next visit must be in the future." in refused.text
    # A step's page whose earlier step no longer passes: the review sends the person there.
    unticked = post(client, client.get(close(job)), "work", job, confirm=None)
    assert unticked.status_code == 422
    back_to_work = post(client, nxt, "next", job, next_kind="none")
    assert back_to_work.status_code == 422 and showing(back_to_work) == "work"
    assert "tick this box" in back_to_work.text
    # Cancelled meanwhile (another phone): the step says why.
    done(act(client, "ticket", "cancel", id=job["id"], reason="Customer called"))
    gone = post(client, nxt, "next", job, next_kind="none")
    assert gone.status_code == 409 and "only a ticket in progress can be closed out" in gone.text


def test_unknown_steps_are_not_found(client: TestClient, job: dict[str, Any]) -> None:
    started(client, job)
    assert client.get(close(job, "payment")).status_code == 404
    assert submit(client, close(job, "review"), {}, job["csrf"]).status_code == 404


def test_schedule_the_next_visit_now(client: TestClient, job: dict[str, Any]) -> None:
    work = client.get(started(client, job))
    notes = follow(client, post(client, work, "work", job, confirm="1"), close(job, "notes"))
    nxt = follow(client, post(client, notes, "notes", job, notes=""), close(job, "next"))
    later = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    chosen = post(
        client, nxt, "next", job, next_kind="schedule_now", next_date=later, next_time="10:30"
    )
    review = follow(client, chosen, close(job, "review"))
    assert "10:30 AM, same address and staff" in review.text
    assert "No facts found in the notes." in review.text
    finished = post(client, review, "complete", job)
    assert finished.status_code == 303
    page = client.get(f"/tickets/{job['id']}/close/done").text
    assert "Visit on" in page and "10:30 AM" in page
