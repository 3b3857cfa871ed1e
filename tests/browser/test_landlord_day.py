"""Issue 12's day, at 390x844 with JavaScript on and off: a landlord with two properties.

A new ticket where the customer is searched after the day and time were typed (nothing lost),
picking the rental by its label; a second one at the home that overlaps it (the warning, then
"Save anyway"); a 10% discount; both closed out, with the phone's Back button used inside the
wizard; each property keeps its own facts (the rental's 14 windows never replace the home's 26)
and the next visit's job sheet shows that property's code only; the invoice is paid with a tip
and part of it refunded. Screenshots: test-artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Served, Shots, open_page
from tests.browser.test_full_day import sign_in

CHICAGO = ZoneInfo("America/Chicago")


def _find_customer(page: Page, surname: str, javascript: bool) -> None:
    """Search for the customer on the new-ticket form and choose them."""
    page.get_by_label("Find a contact").fill(surname)
    page.get_by_role("button", name="Search", exact=True).click()
    option = page.locator("#contact_id option", has_text=surname)
    expect(option).to_have_count(1)
    page.locator("#contact_id").select_option(option.get_attribute("value"))
    if not javascript:
        page.get_by_role("button", name="Show this contact's addresses").click()


def _close_out(page: Page, shot: Shots, notes: str, next_day: str, *, use_back: bool) -> None:
    """Clock in and out, then the wizard: notes, book the next visit now, review, complete."""
    page.get_by_role("button", name="Clock in").click()
    expect(page.get_by_role("button", name="Clock out")).to_be_visible()
    page.get_by_role("button", name="Clock out").click()
    expect(page.get_by_role("button", name="Clock in")).to_be_visible()
    page.get_by_role("link", name="Close out").click()
    page.get_by_role("button", name="Next: notes").click()
    page.get_by_label("Notes about this visit").fill(notes)
    page.get_by_role("button", name="Next: next step").click()
    expect(page.get_by_label("Schedule the next visit now")).to_be_visible()
    if use_back:
        # The phone's Back button: the notes step again, as typed, no resubmission.
        page.go_back()
        expect(page.get_by_label("Notes about this visit")).to_have_value(notes)
        expect(page.get_by_label("Schedule the next visit now")).to_be_hidden()
        shot("wizard-back-to-notes")
        page.get_by_role("button", name="Next: next step").click()
    page.get_by_label("Schedule the next visit now").check()
    page.get_by_label("Day of the next visit").fill(next_day)
    page.get_by_label("Time", exact=True).fill("09:00")
    page.get_by_role("button", name="Review", exact=True).click()
    expect(page.get_by_role("button", name="Complete ticket")).to_be_visible()


def _next_visit_link(page: Page) -> str:
    """The done page's "Next: Visit on …" link to the visit the close-out booked."""
    link = page.locator("dt:text-is('Next') + dd a")
    expect(link).to_have_count(1)
    return link.get_attribute("href") or ""


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_landlords_two_properties(
    browser: Browser, served: Served, javascript: bool, request: pytest.FixtureRequest
) -> None:
    page = open_page(browser, javascript=javascript)
    shot = Shots(page, request.node.name)
    tag = "Js" if javascript else "Plain"
    surname = f"Okafor{tag}"
    base = served.base_url
    today = datetime.now(UTC).astimezone(CHICAGO).date()
    hour = "07" if javascript else "13"  # the two runs share one business: apart in time
    sign_in(page, served, shot)

    # A per-unit service, and the landlord with a home and a rental.
    page.goto(base + "/catalog/new")
    page.get_by_label("Name").fill(f"Windows {tag}")
    page.check("input[name=pricing_mode][value=per_unit]")
    page.get_by_label("Price ($)").fill("5")
    page.get_by_label("Unit label").fill("window")
    page.get_by_role("button", name="Add to catalog").click()
    expect(page.get_by_text(f"Windows {tag}").first).to_be_visible()

    page.goto(base + "/contacts/new")
    page.get_by_label("First name").fill("Ruth")
    page.get_by_label("Last name").fill(surname)
    page.get_by_label("Street address").fill("12 Birch Lane")
    page.get_by_label("Label").fill("Home")
    page.get_by_role("button", name=re.compile("^(Add|Create|Save)")).first.click()
    expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]{36}"))
    contact_url = page.url.split("?")[0].split("#")[0]
    page.get_by_text("Add an address").click()
    form = page.locator("#add-address")
    form.get_by_label("Street address").fill("88 Oak St")
    form.get_by_label("Label").fill("Rental on Oak St")
    form.get_by_role("button", name="Add address").click()
    expect(page.get_by_text("Rental on Oak St").first).to_be_visible()
    shot("contact-two-addresses")

    # The rental's visit: day and time typed first, then the customer searched for.
    page.goto(base + "/tickets/new")
    page.get_by_label("Day").fill(today.isoformat())
    page.get_by_label("Start time").fill(f"{hour}:00")
    page.get_by_label("Title").fill("Spring clean")
    _find_customer(page, surname, javascript)
    expect(page.get_by_label("Day")).to_have_value(today.isoformat())
    expect(page.get_by_label("Start time")).to_have_value(f"{hour}:00")
    expect(page.get_by_label("Title")).to_have_value("Spring clean")
    rental = page.get_by_label(re.compile("Rental on Oak St"))
    expect(rental).to_be_visible()
    rental.check()
    page.get_by_role("group", name=re.compile(f"^Windows {tag}")).get_by_label(
        "Quantity (window)"
    ).fill("14")
    shot("new-ticket-rental")
    page.get_by_role("button", name="Create ticket").click()
    expect(page).to_have_url(re.compile(r"/tickets/[0-9a-f-]{36}"))
    rental_url = page.url.split("?")[0]

    # The home's visit half an hour later overlaps it: a warning, then "Save anyway".
    page.goto(base + "/tickets/new")
    page.get_by_label("Day").fill(today.isoformat())
    page.get_by_label("Start time").fill(f"{hour}:30")
    _find_customer(page, surname, javascript)
    page.get_by_label(re.compile("Home")).check()
    page.get_by_role("group", name=re.compile(f"^Windows {tag}")).get_by_label(
        "Quantity (window)"
    ).fill("26")
    page.get_by_role("button", name="Create ticket").click()
    warning = page.locator("#overlaps")
    expect(warning).to_contain_text("It overlaps 1 other visit")
    expect(warning).to_contain_text(surname)
    expect(
        page.get_by_role("group", name=re.compile(f"^Windows {tag}")).get_by_label(
            "Quantity (window)"
        )
    ).to_have_value("26")
    shot("overlap-warning")
    page.get_by_role("button", name="Save anyway").click()
    expect(page).to_have_url(re.compile(r"/tickets/[0-9a-f-]{36}"))
    home_url = page.url.split("?")[0]

    # 10% off the home's 26 windows at $5.
    page.get_by_label("Amount ($) or percent").fill("10%")
    page.get_by_role("button", name="Add discount").click()
    expect(page.get_by_text("-$13.00").first).to_be_visible()
    shot("discount")

    # Close out the rental (with Back in the wizard), then the home.
    week = today + timedelta(days=7 if javascript else 8)
    page.goto(rental_url)
    _close_out(page, shot, "14 windows. Lockbox code 1990.", week.isoformat(), use_back=True)
    shot("review-rental")
    page.get_by_role("button", name="Complete ticket").click()
    expect(page.get_by_text("Ticket completed").first).to_be_visible()
    rental_next_url = base + _next_visit_link(page)

    page.goto(home_url)
    _close_out(
        page,
        shot,
        "26 windows. Gate code 4410. Dog named Rex.",
        (week + timedelta(days=1)).isoformat(),
        use_back=False,
    )
    # The rental's 14 windows are another property's: nothing on file to replace here.
    windows = page.locator(".card", has_text="Number of windows")
    expect(windows).to_contain_text("26")
    expect(windows).not_to_contain_text("On file now")
    expect(windows).to_contain_text("Home")
    shot("review-home")
    page.get_by_role("button", name="Complete ticket").click()
    expect(page.get_by_text("Ticket completed").first).to_be_visible()
    home_next_url = base + _next_visit_link(page)

    # The invoice: $130 less 10% = $117; $125 paid, the $8 over kept as a tip; $20 refunded.
    page.get_by_role("button", name="Create invoice").click()
    expect(page).to_have_url(re.compile(r"/invoices/[0-9a-f-]{36}"))
    expect(page.get_by_text("$117.00").first).to_be_visible()
    page.get_by_label("Amount ($)").fill("125")
    page.get_by_label("Anything over the balance is a tip").check()
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("plus a $8.00 tip")).to_be_visible()
    page.get_by_text("Refund", exact=True).click()
    page.get_by_label("Amount to give back ($)").fill("20")
    page.get_by_label("Reason").first.fill("Cracked screen, our fault")
    page.get_by_role("button", name="Record refund").click()
    expect(page.get_by_text("Reason: Cracked screen, our fault", exact=True)).to_be_visible()
    expect(page.get_by_text("paid now $97.00", exact=False)).to_be_visible()
    shot("invoice-tip-refund")

    # Each property keeps its own facts on the contact page.
    page.goto(contact_url)
    details = page.locator("#details ~ *").all_inner_texts()
    text = "\n".join(details)
    home_part = text.split("Home · 12 Birch Lane", 1)[1].split("Rental on Oak St · 88 Oak St")[0]
    rental_part = text.split("Rental on Oak St · 88 Oak St", 1)[1].split("Tickets")[0]
    assert "Number of windows: 26" in home_part and "4410" in home_part and "Rex" in home_part
    assert "Number of windows: 14" in rental_part and "1990" in rental_part
    assert "4410" not in rental_part and "Rex" not in rental_part
    shot("contact-facts-by-property")

    # The next visits' job sheets: each property's own code.
    page.goto(rental_next_url)
    sheet = page.locator(".job-sheet")
    expect(sheet).to_contain_text("Rental on Oak St")
    expect(sheet).to_contain_text("1990")
    expect(sheet).not_to_contain_text("4410")
    shot("job-sheet-rental")
    page.goto(home_next_url)
    sheet = page.locator(".job-sheet")
    expect(sheet).to_contain_text("4410")
    expect(sheet).to_contain_text("Rex")
    expect(sheet).not_to_contain_text("1990")
    shot("job-sheet-home")
    page.context.close()
