"""The close-out wizard on a phone (390x844): Back and refresh, with JavaScript on and off.

With JavaScript the steps switch inside one page: the phone's Back moves between them without
a request, and only Review and Complete reach the server. Without it every step is
POST-redirect-GET, so Back re-reads the previous step's page and nothing is posted again.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.browser.conftest import Served, Shots, open_page
from tests.browser.test_full_day import sign_in
from tests.browser.test_layout import Api

NOTE = "Dog named Biscuit, keep the gate closed. 20+ screens."


def _ticket(api: Api, name: str) -> str:
    contact = api("contact", "create", first_name="Edna", last_name=name)
    screens = api(
        "service",
        "create",
        name=f"Screens {name}",
        pricing_mode="per_unit",
        unit_price_cents=350,
        unit_label="screen",
    )
    start = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    ticket: dict[str, Any] = api(
        "ticket", "create", contact_id=contact["id"], scheduled_start=start
    )
    api("line_item", "add", ticket_id=ticket["id"], service_id=screens["id"], quantity=20)
    api("ticket", "clock_in", id=ticket["id"])
    return str(ticket["id"])


class Traffic:
    """Every request the page makes (method, path), and any dialog it opens."""

    def __init__(self, page: Page, base: str) -> None:
        self.base = base
        self.requests: list[tuple[str, str]] = []
        self.dialogs: list[str] = []
        page.on("request", self._request)
        page.on("dialog", lambda dialog: self.dialogs.append(dialog.message))

    def _request(self, request: Request) -> None:
        path = request.url.removeprefix(self.base)
        if request.url.startswith(self.base) and not path.startswith(("/static/", "/favicon")):
            self.requests.append((request.method, path))

    def take(self) -> list[tuple[str, str]]:
        taken, self.requests = self.requests, []
        return taken


def _start(browser: Browser, served: Served, name: str, *, javascript: bool) -> tuple[Page, str]:
    page = open_page(browser, javascript=javascript)
    sign_in(page, served, Shots(page, name))
    return page, _ticket(Api(page, served.base_url), name.replace("-", "")[-12:])


@pytest.fixture
def label(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^\w-]+", "-", request.node.name)


def test_with_javascript_back_moves_between_steps_without_a_request(
    browser: Browser, served: Served, label: str
) -> None:
    page, tid = _start(browser, served, label, javascript=True)
    close = f"{served.base_url}/tickets/{tid}/close"
    traffic = Traffic(page, served.base_url)

    page.goto(close)
    assert [m for m, _ in traffic.take()] == ["GET"]
    page.get_by_role("button", name="Next: notes").click()
    expect(page).to_have_url(close + "/notes")
    expect(page.get_by_role("heading", name="Close out: Notes")).to_be_visible()
    page.get_by_label("Notes about this visit").fill(NOTE)
    page.get_by_role("button", name="Next: next step").click()
    expect(page).to_have_url(close + "/next")
    expect(page.get_by_label("Reach out later to book again")).to_be_visible()

    # The phone's Back: the notes step again, as typed, with nothing sent or resubmitted.
    page.go_back()
    expect(page).to_have_url(close + "/notes")
    expect(page.get_by_label("Notes about this visit")).to_have_value(NOTE)
    expect(page.get_by_label("Reach out later to book again")).to_be_hidden()
    page.go_back()
    expect(page).to_have_url(close)
    expect(page.get_by_label("Minutes worked")).to_be_visible()
    page.go_forward()
    page.go_forward()
    expect(page).to_have_url(close + "/next")
    # The page's own Back button goes back the same way.
    page.get_by_role("button", name="Back").click()
    expect(page).to_have_url(close + "/notes")
    page.get_by_role("button", name="Next: next step").click()
    assert traffic.take() == [] and traffic.dialogs == []

    # Client-side checks mirror the server's: no choice yet, no review.
    page.get_by_role("button", name="Review", exact=True).click()
    expect(page).to_have_url(close + "/next")
    assert traffic.take() == []

    # Review is the first request since the page loaded: every step in one POST.
    page.get_by_label("Reach out later to book again").check()
    page.get_by_role("button", name="Review", exact=True).click()
    expect(page).to_have_url(close + "/review")
    expect(page.get_by_role("button", name="Complete ticket")).to_be_visible()
    assert traffic.take() == [("POST", f"/tickets/{tid}/close/next")]
    draft = page.locator("input[name=draft_id]").input_value()

    # Refresh is a GET of the same review; Back from it re-reads the next step, as chosen.
    page.reload()
    expect(page.get_by_role("button", name="Complete ticket")).to_be_visible()
    assert page.locator("input[name=draft_id]").input_value() == draft
    assert traffic.take() == [("GET", f"/tickets/{tid}/close/review")]
    page.go_back()
    expect(page).to_have_url(close + "/next")
    expect(page.get_by_label("Reach out later to book again")).to_be_checked()
    assert all(method == "GET" for method, _ in traffic.take())
    page.go_forward()
    expect(page.get_by_role("button", name="Complete ticket")).to_be_visible()
    traffic.take()

    page.get_by_role("button", name="Complete ticket").click()
    expect(page.get_by_role("heading", name="Ticket completed")).to_be_visible()
    expect(page).to_have_url(close + "/done")
    assert traffic.take() == [("POST", f"/tickets/{tid}/close/complete")]
    page.reload()  # a GET of the done page: nothing is posted twice
    expect(page.get_by_role("button", name="Create invoice")).to_be_visible()
    assert traffic.take() == [("GET", f"/tickets/{tid}/close/done")]
    assert traffic.dialogs == []

    # Back to the wizard of a completed ticket: it says so, with the way on.
    page.go_back()
    expect(page.get_by_text("This ticket is already completed")).to_be_visible()
    expect(page.get_by_role("link", name="Invoice this ticket")).to_be_visible()
    page.context.close()


def test_with_javascript_a_mistake_found_by_the_server_shows_its_step(
    browser: Browser, served: Served, label: str
) -> None:
    page, tid = _start(browser, served, label, javascript=True)
    close = f"{served.base_url}/tickets/{tid}/close"
    page.goto(close)
    # Past the browser's own check (a 5,000-minute day is the server's to refuse).
    page.get_by_label("Minutes worked").evaluate("el => { el.removeAttribute('max'); }")
    page.get_by_label("Minutes worked").fill("5000")
    page.get_by_role("button", name="Next: notes").click()
    page.get_by_role("button", name="Next: next step").click()
    page.get_by_label("Nothing for now").check()
    page.get_by_role("button", name="Review", exact=True).click()
    expect(page.get_by_role("heading", name="Close out: Work done")).to_be_visible()
    expect(page.get_by_text("Type the minutes worked")).to_be_visible()
    expect(page).to_have_url(close)  # a refresh here is a GET of the step
    page.get_by_label("Minutes worked").fill("45")
    page.get_by_role("button", name="Next: notes").click()
    page.get_by_role("button", name="Next: next step").click()
    page.get_by_role("button", name="Review", exact=True).click()
    expect(page).to_have_url(close + "/review")
    expect(page.get_by_text("45 minutes worked.")).to_be_visible()
    page.context.close()


def test_without_javascript_back_is_a_get_of_the_step_before(
    browser: Browser, served: Served, label: str
) -> None:
    page, tid = _start(browser, served, label, javascript=False)
    close = f"{served.base_url}/tickets/{tid}/close"
    traffic = Traffic(page, served.base_url)

    page.goto(close)
    page.get_by_role("button", name="Next: notes").click()
    expect(page).to_have_url(close + "/notes")
    page.get_by_label("Notes about this visit").fill(NOTE)
    page.get_by_role("button", name="Next: next step").click()
    expect(page).to_have_url(close + "/next")
    traffic.take()

    page.go_back()
    expect(page).to_have_url(close + "/notes")
    expect(page.get_by_label("Notes about this visit")).to_have_value(NOTE)
    assert traffic.take() == [("GET", f"/tickets/{tid}/close/notes")]
    page.reload()
    expect(page.get_by_label("Notes about this visit")).to_have_value(NOTE)
    assert traffic.take() == [("GET", f"/tickets/{tid}/close/notes")]
    page.go_forward()
    expect(page).to_have_url(close + "/next")
    assert [m for m, _ in traffic.take()] == ["GET"]

    page.get_by_label("Reach out later to book again").check()
    page.get_by_role("button", name="Review", exact=True).click()
    expect(page).to_have_url(close + "/review")
    expect(page.get_by_text("Reach out in 6 months")).to_be_visible()
    page.get_by_role("button", name="Complete ticket").click()
    expect(page.get_by_role("heading", name="Ticket completed")).to_be_visible()
    assert traffic.dialogs == []
    page.context.close()
