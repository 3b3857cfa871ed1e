"""Issue 15's page at 390x844: an owner with two years of work opens Reports from the menu,
reads each report, switches the range (presets and a custom one), downloads a CSV and sends a
reminder for an old invoice. Nothing may be wider than the phone; every chart is an image with
a description. Screenshots: test-artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.datagen import superuser_url_from
from tests.browser.conftest import Served, Shots, open_page
from tests.browser.report_world import seed
from tests.browser.test_full_day import sign_in

DASH = "\u2013"

REPORTS = (
    ("Revenue", "Invoiced by month"),
    ("By service", "Revenue by service"),
    ("By area", "Revenue by city"),
    ("Work", "Jobs completed per week"),
    ("Owed to you", "Owed, by age"),
    ("Customers", "New and returning customers"),
)


def _fits(page: Page) -> None:
    """Nothing sideways: the page is no wider than the phone (tables scroll in their box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def _charts(page: Page, first_title: str) -> None:
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() >= 1
    expect(page.locator("svg.chart title").first).to_have_text(first_title)
    for i in range(charts.count()):
        described = charts.nth(i).get_attribute("aria-labelledby") or ""
        assert len(described.split()) == 2, "a chart without its title and description"
    box = charts.first.bounding_box()
    assert box is not None and 300 <= box["width"] <= 390


def test_reports_on_a_phone(
    browser: Browser, served: Served, request: pytest.FixtureRequest
) -> None:
    page = open_page(browser, javascript=True)
    shot = Shots(page, request.node.name)
    base = served.base_url
    sign_in(page, served, shot)
    today = datetime.now(UTC).astimezone(ZoneInfo("America/Chicago")).date()
    seed(superuser_url_from(served.data_dir), "owner@example.com", today)

    page.goto(base + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page).to_have_url(re.compile(r"/reports$"))
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="This month")).to_have_attribute("aria-current", "page")
    shot("revenue-this-month")

    page.get_by_role("navigation", name="Range").get_by_role("link", name="Last year").click()
    expect(page.get_by_text(f"Last year (Jan 1 {DASH} Dec 31, {today.year - 1})")).to_be_visible()
    invoiced = page.locator("dl.figures dd").first.inner_text()
    assert invoiced.startswith("$") and invoiced != "$0.00"
    _charts(page, "Invoiced by month")
    _fits(page)
    shot("revenue-last-year")

    for label, first_chart in REPORTS[1:]:
        tab = page.get_by_role("navigation", name="Reports").get_by_role("link", name=label)
        tab.click()
        expect(tab).to_have_attribute("aria-current", "page")
        _charts(page, first_chart)
        _fits(page)
        shot(label.lower().replace(" ", "-"))

    # A custom range: the last two years, typed into the form.
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Revenue").click()
    page.get_by_text("Custom range").click()
    page.get_by_label("From").fill(f"{today.year - 2}-01-01")
    page.get_by_label("To").fill(f"{today.year - 1}-12-31")
    page.get_by_role("button", name="Show").click()
    custom = f"Jan 1, {today.year - 2} {DASH} Dec 31, {today.year - 1}"
    expect(page.get_by_text(custom)).to_be_visible()
    rows = page.locator("#table-months tbody tr")
    expect(rows).to_have_count(24)
    _fits(page)
    shot("revenue-custom-two-years")

    # The table's CSV: the same months, as numbers a spreadsheet reads.
    href = page.locator("#table-months a", has_text="Download CSV").get_attribute("href")
    assert href is not None
    csv = page.request.get(base + href)
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text().strip().splitlines()
    assert lines[0].startswith("Month,Invoiced ($),")
    assert len(lines) == 25

    # Who owes: the oldest invoice gets a reminder with one tap.
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Owed to you").click()
    remind = page.get_by_role("button", name=re.compile("^Send a reminder for invoice")).first
    remind.click()
    expect(page.get_by_text("Reminder queued")).to_be_visible()
    shot("reminder-sent")
