"""A technician's whole day at 390x844, with JavaScript on and off.

Sign in through the emailed link, add a service, create a contact and a ticket for today,
see it on the day view, clock in and out, close out with a note that yields attributes
(rejecting one), see the attributes on the contact, create and view the invoice, and find the
contact again by searching an attribute. Screenshots: test-artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.helpers import HEADLINE_NOTE
from tests.browser.conftest import Served, Shots, open_page

NOTE = HEADLINE_NOTE


def sign_in(page: Page, served: Served, shot: Shots) -> None:
    page.goto(served.base_url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    shot("login")
    before = len(page.request.get(served.base_url + "/dev/outbox.json").json())
    page.get_by_label("Email address").fill("owner@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    shot("check-email")
    link = None
    for _ in range(100):
        mails = page.request.get(served.base_url + "/dev/outbox.json").json()
        if len(mails) > before:
            link = re.search(r"(http://\S+/auth/confirm\?token=[\w-]+)", mails[0]["text"])
            break
        time.sleep(0.1)
    assert link, "the sign-in email never arrived"
    page.goto(served.base_url + "/dev/outbox")
    shot("outbox")
    page.goto(link.group(1))
    shot("confirm")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(served.base_url + "/")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_full_day(
    browser: Browser, served: Served, javascript: bool, request: pytest.FixtureRequest
) -> None:
    page = open_page(browser, javascript=javascript)
    shot = Shots(page, request.node.name)
    tag = "Js" if javascript else "Plain"
    unit = "pane" if javascript else "screen"
    base = served.base_url

    sign_in(page, served, shot)
    shot("calendar-empty")

    # The catalog: a per-unit service.
    page.goto(base + "/catalog/new")
    page.get_by_label("Name").fill(f"Screen cleaning {tag}")
    page.check("input[name=pricing_mode][value=per_unit]")
    page.get_by_label("Price ($)").fill("3.50")
    page.get_by_label("Unit label").fill(unit)
    shot("catalog-new")
    page.get_by_role("button", name="Add to catalog").click()
    expect(page.get_by_text(f"Screen cleaning {tag}").first).to_be_visible()

    # A new contact and a ticket for today, in one form.
    today = datetime.now(UTC).astimezone(ZoneInfo("America/Chicago")).date()
    page.goto(base + "/tickets/new")
    page.get_by_label("Contact", exact=True).select_option("")
    page.get_by_label("First name").fill("Edna")
    page.get_by_label("Last name").fill(f"Whitfield{tag}")
    page.get_by_label("Phone").fill("256-555-1234")
    page.get_by_label("Street address").fill("4410 Old Gurley Rd")
    page.get_by_label("City").fill("Owens Cross Roads")
    page.get_by_label("Day").fill(today.isoformat())
    page.get_by_label("Start time").fill("15:00")
    page.get_by_label(f"Quantity ({unit})").fill("20")
    shot("ticket-new")
    page.get_by_role("button", name="Create ticket").click()
    expect(page).to_have_url(re.compile(r"/tickets/[0-9a-f-]{36}"))
    ticket_url = page.url.split("?")[0]
    shot("ticket-created")

    # It is on today's day view.
    page.goto(base + "/")
    expect(page.get_by_text(f"Edna Whitfield{tag}").first).to_be_visible()
    shot("day-view")
    if javascript:
        # Calendar navigation swaps the view in place: the page is never reloaded.
        page.evaluate("window.stillHere = true")
        page.get_by_role("link", name="Week").click()
        expect(page).to_have_url(re.compile(r"view=week"))
        expect(page.get_by_role("heading", name=re.compile("^Week of"))).to_be_visible()
        assert page.evaluate("window.stillHere === true")
        page.go_back()
        expect(page.get_by_role("heading", name=re.compile("^Today, "))).to_be_visible()

    # Clock in and out.
    page.goto(ticket_url)
    page.get_by_role("button", name="Clock in").click()
    expect(page.get_by_role("button", name="Clock out")).to_be_visible()
    shot("clocked-in")
    page.get_by_role("button", name="Clock out").click()
    expect(page.get_by_role("button", name="Clock in")).to_be_visible()
    shot("clocked-out")

    # The close-out wizard.
    page.get_by_role("link", name="Close out").click()
    shot("closeout-work")
    page.get_by_role("button", name="Next: notes").click()
    page.get_by_label("Notes about this visit").fill(NOTE)
    shot("closeout-notes")
    page.get_by_role("button", name="Next: next step").click()
    page.get_by_label("Reach out later to book again").check()
    shot("closeout-next")
    page.get_by_role("button", name="Review", exact=True).click()
    ladder = page.locator(".card", has_text="ladder")
    expect(ladder).to_have_count(1)
    ladder.get_by_label("Reject").check()
    expect(page.locator(".card", has_text="Biscuit").first).to_be_visible()
    assert "20 \u00d7 $3.50" in page.content()  # quantity times unit price, written plainly
    shot("closeout-review")
    page.get_by_role("button", name="Complete ticket").click()
    expect(page.get_by_text("Ticket completed").first).to_be_visible()
    shot("closeout-done")

    # The invoice.
    page.get_by_role("button", name="Create invoice").click()
    expect(page).to_have_url(re.compile(r"/invoices/[0-9a-f-]{36}"))
    expect(page.get_by_text("$70.00").first).to_be_visible()
    shot("invoice")

    # Find the contact again by an attribute, and see what the close-out recorded.
    page.goto(base + "/contacts")
    page.get_by_label("Search contacts").fill("biscuit")
    page.get_by_label("Search contacts").press("Enter")
    expect(page).to_have_url(re.compile(r"q=biscuit"))
    result = page.get_by_role("link", name=re.compile(f"Whitfield{tag}"))
    expect(result).to_have_count(1)
    shot("search")
    result.click()
    expect(page.get_by_text("Biscuit").first).to_be_visible()
    expect(page.get_by_text(re.compile("elderly", re.IGNORECASE)).first).to_be_visible()
    assert "extension ladder" not in page.content().lower().replace(
        "bring the extension ladder", ""
    )
    shot("contact")

    # The completed ticket can no longer change.
    page.goto(ticket_url)
    expect(page.get_by_role("button", name="Clock in")).to_have_count(0)
    shot("ticket-completed")
    page.context.close()
