"""Every page at 390x844: touch targets of at least 44x44 px, no sideways scrolling, no axe-core
violation (WCAG 2.0/2.1 A and AA plus best practice).

The pages are walked with data on them: a contact with an address, email, facts and a note;
services; a booked ticket, a cancelled one and one closed out through the wizard; an invoice
sent by email. The customer's pages (/v/, /i/) are opened from the emails in the outbox.

Measured: every visible a, button, input, select, textarea, summary and [role=button]. Two
narrow allowances, both from WCAG 2.5.8:
- *Inline*: a link inside a sentence (displayed inline, with words of running text around it
  in the same block) is sized by the line height of that text, so it is not measured.
- *Equivalent*: a checkbox or radio inside its own <label> is measured by the label, which is
  what a finger taps (tapping anywhere on the label toggles it).

axe-core comes from node_modules (package.json, installed by `make test`); it is injected by
Playwright in a context that bypasses the page's CSP, which forbids any script not its own.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.web.reports import REPORTS as REPORT_NAMES
from tests.browser.conftest import PHONE, Served, Shots

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
MIN_TARGET = 44
BUSINESS_TZ = ZoneInfo("America/Chicago")

# Every visible interactive element smaller than 44x44, or reaching past the screen's edges.
MEASURE = """
(min) => {
  const width = document.documentElement.clientWidth;
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [role=button]';
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}> "${text}"`;
  };
  const blockOf = (el) => {
    let node = el.parentElement;
    while (node && getComputedStyle(node).display.startsWith('inline')) {
      node = node.parentElement;
    }
    return node;
  };
  // WCAG 2.5.8 "inline": a link in a sentence, with running text around it.
  const inSentence = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = blockOf(el);
    if (!block) return false;
    const around = block.innerText.replace(el.innerText, '');
    return /[A-Za-z]{2,}/.test(around);
  };
  const problems = [];
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[hidden], [aria-hidden=true]')) continue;
    if (el.getClientRects().length === 0) continue;  // not rendered: closed <details>, display:none
    let box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (['checkbox', 'radio'].includes(el.type) && el.closest('label')) {
      box = el.closest('label').getBoundingClientRect();
    }
    if (box.left < -1 || box.right > width + 1) {
      problems.push(`${describe(el)} reaches off the screen (${Math.round(box.left)}`
        + `..${Math.round(box.right)} px)`);
    }
    if ((box.width < min || box.height < min) && !inSentence(el)) {
      problems.push(`${describe(el)} is ${Math.round(box.width)}x${Math.round(box.height)} px`);
    }
  }
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width) problems.push(`the page is ${scroll} px wide on a ${width} px screen`);
  return problems;
}
"""

RUN_AXE = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — `
    + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', '));
}
"""


class Walk:
    """Checks each page it is shown and keeps every problem, so one run reports them all."""

    def __init__(self, page: Page, shot: Shots) -> None:
        self.page = page
        self.shot = shot
        self.problems: list[str] = []
        self.pages: list[str] = []
        page.on("response", self._missing)

    def _missing(self, response: Any) -> None:
        if response.status == 404:
            self.problems.append(f"{response.url} answered 404")

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.pages.append(name)
        where = page.url.split("//", 1)[-1].split("/", 1)[-1]
        self.problems += [f"{name} (/{where}): {p}" for p in page.evaluate(MEASURE, MIN_TARGET)]
        page.add_script_tag(path=str(AXE))
        self.problems += [f"{name} (/{where}): axe {v}" for v in page.evaluate(RUN_AXE, AXE_TAGS)]
        self.shot(name)

    def visit(self, url: str, name: str, *, status: int = 200) -> None:
        response = self.page.goto(url)
        assert response is not None
        if response.status != status:
            self.problems.append(f"{name} ({url}): answered {response.status}, not {status}")
        self.check(name)


class Api:
    """The JSON API with the browser's session: how the test puts data on the pages."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.csrf = page.request.get(base + "/auth/session").json()["data"]["csrf_token"]

    def __call__(self, domain: str, action: str, **data: Any) -> Any:
        response = self.page.request.post(
            self.base + "/api/actions",
            data={"domain": domain, "action": action, "data": data},
            headers={"X-CSRF-Token": self.csrf},
        )
        assert response.ok, response.text()
        return response.json()["data"]


def outbox(page: Page, base: str) -> list[dict[str, Any]]:
    mails: list[dict[str, Any]] = page.request.get(base + "/dev/outbox.json").json()
    return mails


def link_in_outbox(page: Page, base: str, *, to: str, path: str) -> str:
    """The first `path` link (/v/, /i/) in a mail to `to`, waiting for the worker."""
    pattern = re.compile(rf"(http://\S+{re.escape(path)}[\w-]+)")
    for _ in range(300):
        for mail in outbox(page, base):
            found = pattern.search(mail["text"])
            if to in mail["to"] and found:
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no {path} link was emailed to {to}")


def sign_in(walk: Walk, base: str) -> None:
    """Signs in through the emailed link, checking the sign-in pages on the way."""
    page = walk.page
    page.goto(base + "/login")
    walk.check("login")
    before = len(outbox(page, base))
    page.get_by_label("Email address").fill("owner@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    walk.check("check-email")
    for _ in range(100):
        mails = outbox(page, base)
        if len(mails) > before:
            break
        time.sleep(0.1)
    found = re.search(r"(http://\S+/auth/confirm\?token=[\w-]+)", mails[0]["text"])
    assert found, "the sign-in email never arrived"
    page.goto(found.group(1))
    walk.check("confirm")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/")


def seed(api: Api) -> dict[str, str]:
    """A day's worth of data: what the pages show when a business is running."""
    now = datetime.now(UTC).astimezone(BUSINESS_TZ)
    today = now.date()
    api("messaging", "update", quiet_start="00:00", quiet_end="00:00")  # no quiet hours: mail now
    screens = api(
        "service",
        "create",
        name="Screen cleaning",
        pricing_mode="per_unit",
        unit_price_cents=350,
        unit_label="screen",
        default_duration_minutes=30,
    )
    wash = api(
        "service", "create", name="Window wash", pricing_mode="flexible", unit_price_cents=15000
    )
    api("service", "create", name="Gutter clean", pricing_mode="fixed", unit_price_cents=9000)
    contact = api(
        "contact",
        "create",
        first_name="Edna",
        last_name="Whitfield",
        email="edna@example.com",
        phone="256-555-0142",
    )
    address = api(
        "address", "create", contact_id=contact["id"], line1="4410 Old Gurley Rd", city="Huntsville"
    )
    api("contact", "create", company="Birch Lane Dental", email="office@birch.example")
    api("note", "create", contact_id=contact["id"], body="Gate code 1990. Dog named Biscuit.")

    def ticket(day: int, hour: int, title: str) -> dict[str, Any]:
        start = datetime.combine(today + timedelta(days=day), datetime.min.time()).replace(
            hour=hour, tzinfo=BUSINESS_TZ
        )
        made: dict[str, Any] = api(
            "ticket",
            "create",
            contact_id=contact["id"],
            address_id=address["id"],
            title=title,
            scheduled_start=start.isoformat(),
        )
        api("line_item", "add", ticket_id=made["id"], service_id=screens["id"], quantity=20)
        api("line_item", "add", ticket_id=made["id"], service_id=wash["id"])
        return made

    booked = ticket(1, 10, "Spring clean")
    done = ticket(0, 8, "Front windows")
    cancelled = ticket(2, 14, "Back porch")
    api("ticket", "cancel", id=cancelled["id"], reason="Customer away")
    wish = api(
        "waitlist",
        "create",
        contact_id=contact["id"],
        services=[{"service_id": wash["id"]}, {"service_id": screens["id"], "quantity": 20}],
        duration_minutes=60,
        weekdays=[1, 2, 3, 4, 5],
        earliest_time="08:00",
        latest_date=(today + timedelta(days=30)).isoformat(),
        note="Any weekday morning",
    )
    seed_due(api, today)
    invoice = api(
        "invoice",
        "create_standalone",
        contact_id=contact["id"],
        lines=[{"description": "Skylight", "quantity": "2", "unit_price_cents": 4500}],
    )
    api("invoice", "send", id=invoice["id"])
    draft = api(
        "invoice",
        "create_standalone",
        contact_id=contact["id"],
        lines=[{"description": "Screens", "quantity": "12", "unit_price_cents": 350}],
    )
    # A reach-out now: its email carries the ask-to-book and the unsubscribe links.
    api(
        "message",
        "schedule",
        contact_id=contact["id"],
        kind="reach_out",
        subject="Time for a clean?",
        body="Spring is here.",
        templated=True,  # the business's own reach-out wording, with its booking link
        scheduled_for=now.isoformat(),
    )
    plan = api(
        "plan",
        "create",
        contact_id=contact["id"],
        rrule="FREQ=WEEKLY;INTERVAL=4;BYDAY=TU",
        start_date=(today + timedelta(days=3)).isoformat(),
        start_time="07:00",
        lines=[{"service_id": screens["id"], "quantity": 12}],
    )
    square = Path(__file__).resolve().parents[1] / "data" / "square" / "customers_tab.tsv"
    previewed = api(
        "import",
        "preview",
        kind="square_customers",
        filename="customers_tab.tsv",
        content=square.read_bytes().decode("utf-8"),
    )
    jobber = Path(__file__).resolve().parents[1] / "data" / "csv" / "jobber_clients.csv"
    unmapped = api(
        "import",
        "preview",
        kind="csv",
        filename="jobber_clients.csv",
        content=jobber.read_bytes().decode("utf-8"),
    )
    return {
        "import": previewed["id"],
        "csv_import": unmapped["id"],
        "contact": contact["id"],
        "service": screens["id"],
        "plan": plan["id"],
        "plan_visit": plan["next_visits"][0]["id"],
        "booked": booked["id"],
        "done": done["id"],
        "cancelled": cancelled["id"],
        "invoice": invoice["id"],
        "draft_invoice": draft["id"],
        "waitlist": wish["id"],
    }


def seed_due(api: Api, today: Any) -> None:
    """Two regulars due for service (three visits six weeks apart, nothing booked); one has a
    reach-out on its way, so /due shows both the Send button and the disabled one."""
    for name, weeks_ago in (("Rita", 5), ("Omar", 8)):
        regular = api("contact", "create", first_name=name, last_name="Regular", phone="2565550199")
        api("address", "create", contact_id=regular["id"], line1="9 Elm St", city="Madison")
        for n in (2, 1, 0):
            day = today - timedelta(weeks=weeks_ago + 6 * n)
            start = datetime.combine(day, datetime.min.time()).replace(hour=9, tzinfo=BUSINESS_TZ)
            visit = api(
                "ticket", "create", contact_id=regular["id"], scheduled_start=start.isoformat()
            )
            api("ticket", "clock_in", id=visit["id"])
            draft = api(
                "ticket",
                "close_out_preview",
                ticket_id=visit["id"],
                duration_minutes=60,
                line_items=[],
                notes="",
                next_step={"kind": "none"},
            )
            api("ticket", "close", ticket_id=visit["id"], draft_id=draft["draft_id"], decisions=[])
    later = datetime.combine(today + timedelta(days=3), datetime.min.time()).replace(
        hour=10, tzinfo=BUSINESS_TZ
    )
    api(
        "message",
        "schedule",
        kind="reach_out",
        contact_id=regular["id"],
        subject="Time again?",
        body="From the template.",
        scheduled_for=later.isoformat(),
        templated=True,
    )


def seed_agent(api: Api, page: Page, base: str, ids: dict[str, str]) -> None:
    """An API token that asked to cancel the booked visit (waiting, so Approve and Deny show)
    and to delete a contact (denied, so the recently decided list shows)."""
    token = api("api_token", "create", name="Claude on my laptop", scope="write")

    def ask(domain: str, action: str, **data: Any) -> Any:
        response = page.request.post(
            base + "/api/actions",
            data={"domain": domain, "action": action, "data": data},
            headers={"Authorization": f"Bearer {token['token']}"},
        )
        assert response.status == 202, response.text()
        return response.json()["data"]

    ask("ticket", "cancel", id=ids["booked"], reason="Customer asked to move it")
    spare = api("contact", "create", first_name="Old", last_name="Lead")
    api("authorization", "deny", id=ask("contact", "delete", id=spare["id"])["id"])


def close_out(walk: Walk, base: str, ticket_id: str) -> None:
    """The close-out wizard, step by step, to the invoice it offers."""
    page = walk.page
    walk.visit(f"{base}/tickets/{ticket_id}/close", "closeout-blocked", status=409)
    walk.page.get_by_role("button", name="Clock in").click()
    walk.visit(f"{base}/tickets/{ticket_id}/close", "closeout-work")
    page.get_by_label("Price each ($)").fill("150")
    page.get_by_role("button", name="Next: notes").click()
    page.get_by_label("Notes about this visit").fill("Dog named Biscuit. 20 screens.")
    walk.check("closeout-notes")
    page.get_by_role("button", name="Next: next step").click()
    page.get_by_label("Reach out later to book again").check()
    walk.check("closeout-next")
    page.get_by_role("button", name="Review", exact=True).click()
    walk.check("closeout-review")
    page.get_by_role("button", name="Complete ticket").click()
    expect(page.get_by_text("Ticket completed").first).to_be_visible()
    walk.check("closeout-done")
    page.get_by_role("button", name="Create invoice").click()
    expect(page).to_have_url(re.compile(r"/invoices/[0-9a-f-]{36}"))
    walk.check("invoice-from-ticket")


def test_every_page_fits_a_phone_and_passes_axe(
    browser: Browser, served: Served, request: pytest.FixtureRequest
) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci, from package.json)")
    context = browser.new_context(
        viewport={"width": PHONE["width"], "height": PHONE["height"]}, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    walk = Walk(page, Shots(page, request.node.name))
    base = served.base_url

    sign_in(walk, base)
    ids = seed(Api(page, base))
    seed_agent(Api(page, base), page, base, ids)
    today = datetime.now(UTC).astimezone(BUSINESS_TZ).date()

    for url, name in [
        ("/", "calendar-day"),
        (f"/?view=day&date={today + timedelta(days=1)}", "calendar-day-booked"),
        (f"/?view=day&date={today + timedelta(days=2)}", "calendar-day-cancelled"),
        ("/?view=week", "calendar-week"),
        ("/?view=month", "calendar-month"),
        (f"/?view=month&date={today + timedelta(days=400)}", "calendar-month-next-year"),
        ("/tickets", "tickets"),
        ("/tickets/new", "ticket-new"),
        (f"/tickets/new?again={ids['cancelled']}", "ticket-book-again"),
        (f"/tickets/{ids['booked']}", "ticket"),
        (f"/tickets/{ids['booked']}/edit", "ticket-edit"),
        (f"/tickets/{ids['cancelled']}", "ticket-cancelled"),
        ("/contacts", "contacts"),
        ("/contacts?q=biscuit", "contacts-search"),
        ("/contacts/new", "contact-new"),
        (f"/contacts/{ids['contact']}", "contact"),
        (f"/contacts/{ids['contact']}/edit", "contact-edit"),
        (f"/contacts/{ids['contact']}/delete", "contact-delete"),
        ("/waitlist", "waitlist"),
        ("/due", "due"),
        ("/waitlist/new", "waitlist-new"),
        (f"/waitlist/new?contact_id={ids['contact']}", "waitlist-form"),
        (f"/waitlist/{ids['waitlist']}/edit", "waitlist-edit"),
        (f"/plans/new?contact_id={ids['contact']}", "plan-new"),
        (f"/plans/{ids['plan']}", "plan"),
        (f"/plans/{ids['plan']}/change", "plan-change"),
        (f"/tickets/{ids['plan_visit']}", "plan-visit"),
        (f"/tickets/{ids['plan_visit']}/visit", "plan-visit-change"),
        ("/catalog", "catalog"),
        ("/catalog/new", "catalog-new"),
        (f"/catalog/{ids['service']}/edit", "catalog-edit"),
        ("/invoices", "invoices"),
        ("/invoices/new", "invoice-new"),
        (f"/invoices/{ids['invoice']}", "invoice"),
        (f"/invoices/{ids['invoice']}/print", "invoice-print"),
        (f"/invoices/{ids['draft_invoice']}/edit", "invoice-edit"),
        ("/messages", "messages"),
        *((f"/reports/{name}?range=this_year", f"report-{name}") for name in REPORT_NAMES),
        ("/reports", "reports"),
        ("/settings", "settings"),
        ("/settings/business", "settings-business"),
        ("/settings/messaging", "settings-messaging"),
        ("/settings/messaging/templates", "settings-templates"),
        ("/settings/messaging/templates/appointment_confirmation", "settings-template"),
        ("/settings/calendar", "settings-calendar"),
        ("/settings/tokens", "settings-tokens"),
        ("/authorizations", "authorizations"),
        ("/settings/import", "settings-import"),
        (f"/imports/{ids['import']}", "import-preview"),
        (f"/imports/{ids['csv_import']}/mapping", "import-mapping"),
    ]:
        walk.visit(base + url, name)
    close_out(walk, base, ids["done"])

    # A new API token, shown this once.
    page.goto(base + "/settings/tokens")
    page.get_by_label("Name").fill("Script")
    page.get_by_label("Read + write").check()
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_label("Token", exact=True)).to_have_value(re.compile(r"^crm_"))
    walk.check("settings-token-new")

    # The customer's side, from the emails the worker sent.
    walk.visit(link_in_outbox(page, base, to="edna@example.com", path="/v/"), "public-visit")
    walk.visit(link_in_outbox(page, base, to="edna@example.com", path="/i/"), "public-invoice")
    walk.visit(link_in_outbox(page, base, to="edna@example.com", path="/b/"), "public-book")
    walk.visit(link_in_outbox(page, base, to="edna@example.com", path="/u/"), "public-unsubscribe")

    # Changing the timezone with appointments ahead asks first.
    page.goto(base + "/settings")
    page.get_by_label("Other timezone").fill("America/Denver")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("heading", name="Change the timezone?")).to_be_visible()
    walk.check("settings-timezone-confirm")

    # Browsers ask for /favicon.ico whatever the page links: it is the same icon, never a 404.
    icon = page.request.get(base + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.body().startswith(b"<svg")
    context.close()

    assert len(walk.pages) >= 40
    assert not walk.problems, f"{len(walk.problems)} problems:\n" + "\n".join(walk.problems)
