"""Issue 13's day, at 390x844 with JavaScript on and off: a storefront cleaned every 4 weeks.

A plan "every 4 weeks on Tuesday" started from the contact's page; its next 3 visits found on the
month view (moving on a month where needed, each day marked "repeats"); one visit moved to
Wednesday on its own; "this and the following" moved an hour later (the plan splits, the
numbering carries on); a visit cancelled, and a waitlisted customer booked into its slot with
one tap. Screenshots: test-artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Served, Shots, open_page
from tests.browser.test_full_day import sign_in

CHICAGO = ZoneInfo("America/Chicago")


def _contact(page: Page, base: str, first: str, last: str, street: str) -> str:
    page.goto(base + "/contacts/new")
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Street address").fill(street)
    page.get_by_role("button", name=re.compile("^(Add|Create|Save)")).first.click()
    expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]{36}"))
    return page.url.split("?")[0].split("#")[0]


def _month_cell(page: Page, day: date) -> None:
    """Walk the month view forward to ``day``'s month and see the day marked as repeating."""
    label = re.compile(rf"^{day.strftime('%A, %B')} {day.day}: \d+ jobs?, repeats$")
    month = day.strftime("%B %Y")
    for _ in range(3):
        shown = page.locator("h1").inner_text()
        if shown == month:
            break
        page.get_by_role("link", name="Next").click()
        expect(page.locator("h1")).not_to_have_text(shown)
    expect(page.locator("h1")).to_have_text(month)
    expect(page.get_by_role("link", name=label)).to_be_visible()


def _open_visit(page: Page, plan_url: str, number: int) -> str:
    page.goto(plan_url)
    page.locator("#next-visits a").nth(number).click()
    expect(page).to_have_url(re.compile(r"/tickets/[0-9a-f-]{36}"))
    return page.url.split("?")[0]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_plan_every_four_weeks(
    browser: Browser, served: Served, javascript: bool, request: pytest.FixtureRequest
) -> None:
    page = open_page(browser, javascript=javascript)
    page.on("dialog", lambda dialog: dialog.accept())
    shot = Shots(page, request.node.name)
    base = served.base_url
    tag = "Js" if javascript else "Plain"
    hour = 9 if javascript else 13  # the two runs share one business: apart in time
    today = datetime.now(UTC).astimezone(CHICAGO).date()
    first = today + timedelta(days=1)
    while first.weekday() != 1:
        first += timedelta(days=1)
    visits = [first + timedelta(days=28 * n) for n in range(3)]
    sign_in(page, served, shot)

    page.goto(base + "/catalog/new")
    page.get_by_label("Name").fill(f"Windows {tag}")
    page.check("input[name=pricing_mode][value=per_unit]")
    page.get_by_label("Price ($)").fill("5")
    page.get_by_label("Unit label").fill("window")
    page.get_by_role("button", name="Add to catalog").click()
    expect(page.get_by_text(f"Windows {tag}").first).to_be_visible()
    contact_url = _contact(page, base, "Nora", f"Shop{tag}", "5 Market St")
    waiting_url = _contact(page, base, "Omar", f"Wait{tag}", "7 Pine St")

    # The plan, from the contact's page, said in words.
    page.goto(contact_url)
    page.get_by_role("link", name="Start a plan").click()
    expect(page.get_by_role("heading", name=re.compile("Repeat visits for Nora"))).to_be_visible()
    page.get_by_label("Every few weeks, on chosen weekdays").check()
    if javascript:  # only the chosen kind's fields show
        expect(page.get_by_label("Every how many months").first).to_be_hidden()
    page.get_by_label("Every how many weeks").fill("4")
    for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(name, exact=True).set_checked(name == "Tuesday")
    page.get_by_label("Starting").fill(today.isoformat())
    page.get_by_label("At", exact=True).fill(f"{hour:02d}:00")
    page.get_by_label("Minutes").fill("60")
    page.get_by_role("group", name=re.compile(f"^Windows {tag}")).get_by_label(
        "Quantity (window)"
    ).fill("20")
    page.get_by_label("Title").fill("Storefront")
    shot("new-plan")
    page.get_by_role("button", name="Start the plan").click()
    expect(page).to_have_url(re.compile(r"/plans/[0-9a-f-]{36}\?notice=created"))
    words = f"Every 4 weeks on Tuesday at {hour % 12 or 12}:00 {'AM' if hour < 12 else 'PM'}"
    expect(page.get_by_role("heading", name=words)).to_be_visible()
    plan_url = page.url.split("?")[0]
    expect(page.locator("#next-visits li")).to_have_count(5)
    shot("plan")

    # The next 3 visits on the month view, walking forward month by month.
    page.goto(f"{base}/?view=month&date={today.isoformat()}")
    for day in visits:
        _month_cell(page, day)
    shot("month")

    # One visit to Wednesday, on its own.
    visit_two = _open_visit(page, plan_url, 1)
    expect(page.locator("#plan-visit")).to_contain_text("visit 2 of ∞")
    shot("visit-page")
    page.get_by_role("link", name=re.compile("Change this visit")).click()
    page.get_by_role("radio", name="This visit only").check()
    page.get_by_label(re.compile("^Day")).fill((visits[1] + timedelta(days=1)).isoformat())
    shot("change-this-visit")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(visit_two + "?notice=saved")
    expect(page.locator("#plan-visit")).to_contain_text("changed on its own")
    expect(page.locator("#ticket-state")).to_contain_text("Wed")

    # This and the following an hour later: the plan splits at visit 3.
    later = f"{hour + 1:02d}:00"
    visit_three = _open_visit(page, plan_url, 2)
    page.get_by_role("link", name=re.compile("Change this visit")).click()
    page.get_by_label("This visit and the following ones").check()
    page.get_by_label("Time", exact=True).fill(later)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(visit_three + "?notice=saved")
    shown_later = f"{(hour + 1) % 12 or 12}:00"
    expect(page.locator("#ticket-state")).to_contain_text(shown_later)
    expect(page.locator("#plan-visit")).to_contain_text("visit 3 of ∞")
    expect(page.locator("#plan-visit")).to_contain_text(f"Tuesday at {shown_later}")
    shot("this-and-following")
    page.goto(plan_url)
    expect(page.get_by_text("Changed from a day on")).to_be_visible()

    # Cancel visit 4 (now the new plan's), and book a waitlisted customer into its slot.
    page.goto(visit_three)
    page.get_by_role("link", name=re.compile("Every 4 weeks")).click()
    visit_four = _open_visit(page, page.url.split("?")[0], 1)
    expect(page.locator("#plan-visit")).to_contain_text("visit 4 of ∞")
    page.get_by_label("Why is it cancelled?").fill("Shop closed for a refit")
    page.get_by_role("button", name="Cancel ticket").click()
    expect(page).to_have_url(visit_four + "?notice=cancelled")

    page.goto(f"{base}/waitlist/new?contact_id={waiting_url.rsplit('/', 1)[1]}")
    page.get_by_label(f"Windows {tag}: quantity (window)").fill("12")
    page.get_by_label("Minutes").fill("60")
    page.get_by_label("Until").fill((first + timedelta(days=120)).isoformat())
    page.get_by_role("button", name="Add to waitlist").click()
    expect(page).to_have_url(re.compile(r"/waitlist\?notice="))

    page.goto(visit_four)
    offers = page.locator("#waitlist-offers")
    expect(offers).to_contain_text(f"Omar Wait{tag}")
    shot("cancelled-visit-offers")
    offers.get_by_role("button", name=re.compile(f"^Book Omar Wait{tag} at {shown_later}")).click()
    expect(page).to_have_url(re.compile(r"/tickets/[0-9a-f-]{36}\?notice=created"))
    expect(page.locator("h1")).to_contain_text(f"Omar Wait{tag}")
    expect(page.locator("#ticket-state")).to_contain_text(shown_later)
    shot("booked-from-waitlist")
    page.context.close()
