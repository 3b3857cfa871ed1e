"""Issue 14's move from Square, at 390x844 with JavaScript on and off: upload the customer
export, read the preview, import, watch the progress page finish (the worker in `crm serve`
runs the job), then find an imported customer by a custom-field value (Gate Color).

With JavaScript the progress bar follows the job by polling; without, the page refreshes
itself. The runs share one business: the first imports the 500-row export, the second the
tab-separated one (other Square customers, so each run's counts are its own).
Screenshots: test-artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Served, Shots, open_page
from tests.browser.test_full_day import sign_in
from tests.imports.conftest import SQUARE

# file, a customer in it whose Gate Color is "Rouge foncé"
FILES = {True: ("customers.csv", "José Łukasz"), False: ("customers_tab.tsv", "Zoë Núñez")}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_moving_in_from_square(
    browser: Browser, served: Served, javascript: bool, request: pytest.FixtureRequest
) -> None:
    page = open_page(browser, javascript=javascript)
    shot = Shots(page, request.node.name)
    base = served.base_url
    name, customer = FILES[javascript]
    sign_in(page, served, shot)

    page.goto(base + "/settings")
    page.get_by_role("link", name=re.compile("Import customers")).click()
    expect(page.get_by_role("heading", name="Import", exact=True)).to_be_visible()
    shot("upload-form")

    # A file that is not a Square export: the missing columns are named, the form stays.
    page.get_by_label("File", exact=True).set_input_files(str(SQUARE / "not_customers.csv"))
    page.get_by_role("button", name="Preview the import").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Square Customer ID")
    shot("wrong-file")

    page.get_by_label("File", exact=True).set_input_files(str(SQUARE / name))
    page.get_by_role("button", name="Preview the import").click()
    expect(page).to_have_url(re.compile(r"/imports/[0-9a-f-]{36}$"))
    expect(page.get_by_text("Nothing is imported yet.")).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile("Rows that can't be imported"))
    ).to_be_visible()
    if javascript:
        expect(page.locator(".counts")).to_contain_text("New customers465")
        expect(page.get_by_text("Line 2: Renée Søren")).to_be_visible()
    shot("preview")
    button = page.get_by_role("button", name=re.compile(r"^Import \d+ customers?$"))
    expect(button).to_have_count(1)
    button.click()

    expect(page).to_have_url(re.compile(r"/imports/[0-9a-f-]{36}$"))
    shot("progress")
    expect(page.get_by_text(re.compile(r"^Done: all \d+ rows read"))).to_be_visible(timeout=90_000)
    expect(page.locator("progress")).to_have_count(0)
    shot("done")
    if javascript:
        expect(page.locator(".counts")).to_contain_text("New customers465")

    page.get_by_role("link", name="See your contacts").click()
    page.get_by_label("Search contacts").fill("Rouge foncé")
    page.get_by_label("Search contacts").press("Enter")
    expect(page).to_have_url(re.compile(r"/contacts\?q=Rouge"))
    found = page.get_by_role("link", name=re.compile(customer))
    expect(found.first).to_be_visible()
    shot("found-by-gate-color")
    found.first.click()
    expect(page.get_by_text("Rouge foncé").first).to_be_visible()
    shot("imported-contact")

    # The import is listed on the import page.
    page.goto(base + "/settings/import")
    expect(page.get_by_role("link", name=re.compile(re.escape(name)))).to_be_visible()
    shot("past-imports")
    page.context.close()
