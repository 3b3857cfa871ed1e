"""Ticket pages: list, create (with an inline contact), the ticket page and its plain forms."""

from __future__ import annotations

import gzip
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.helpers import act, done, make, read

CHICAGO = ZoneInfo("America/Chicago")


# -- helpers: post forms the way a browser without JavaScript does ---------------------------


class _Form(HTMLParser):
    """The fields a browser would submit from the POST form whose action matches."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("method") == "post" and a.get("action") == self.action
        if not self.inside or "form" in a or not a.get("name", tag == "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select, self.options = a["name"], []
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self.textarea, self.text = a["name"], ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            chosen = [v for v, selected in self.options if selected] or [self.options[0][0]]
            self.fields.append((self.select, chosen[0]))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.text += data


def form_fields(html: str, action: str) -> dict[str, Any]:
    """The form's fields (lists for repeated names), ready to change and post."""
    parser = _Form(action)
    parser.feed(html)
    out: dict[str, Any] = {}
    for name, value in parser.fields:
        if name in out:
            out[name] = [*out[name], value] if isinstance(out[name], list) else [out[name], value]
        else:
            out[name] = value
    assert out, f"no form posting to {action}"
    return out


def submit(client: TestClient, url: str, data: dict[str, Any], csrf: str) -> Response:
    """A plain form post: the token travels in the form, not in a header."""
    header = client.headers.pop("X-CSRF-Token", None)
    try:
        return client.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)
    finally:
        if header is not None:
            client.headers["X-CSRF-Token"] = header


def assert_no_inline(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"<[^>]*\sstyle\s*=", html)


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def catalog(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    return {
        "screens": make(
            client,
            "service",
            name="Screen cleaning",
            pricing_mode="per_unit",
            unit_price_cents=350,
            unit_label="screen",
        ),
        "wash": make(
            client, "service", name="Window wash", pricing_mode="flexible", unit_price_cents=15000
        ),
        "gutters": make(
            client, "service", name="Gutter clean", pricing_mode="fixed", unit_price_cents=12000
        ),
        "jo": make(client, "staff", name="Jo Ladder"),
    }


@pytest.fixture
def ticket(client: TestClient, catalog: dict[str, Any]) -> dict[str, Any]:
    contact = make(client, "contact", first_name="Edna", last_name="Whitfield", phone="2565551234")
    make(client, "address", contact_id=contact["id"], line1="4410 Old Gurley Rd", city="Huntsville")
    made = make(
        client,
        "ticket",
        contact_id=contact["id"],
        scheduled_start="2031-01-07T20:00:00Z",
        title="Front windows",
        staff_ids=[catalog["jo"]["id"]],
    )
    done(
        act(
            client,
            "line_item",
            "add",
            ticket_id=made["id"],
            service_id=catalog["screens"]["id"],
            quantity=20,
        )
    )
    return {**made, "contact": contact}


# -- list ------------------------------------------------------------------------------------


def test_empty_list_says_what_to_do(client: TestClient, signed_in: dict[str, Any]) -> None:
    page = client.get("/tickets")
    assert page.status_code == 200
    assert "No tickets yet" in page.text and 'href="/tickets/new"' in page.text
    assert 'aria-current="page">Tickets' in page.text
    assert_no_inline(page.text)


def test_list_shows_tickets_and_filters_by_status(
    client: TestClient, ticket: dict[str, Any]
) -> None:
    page = client.get("/tickets")
    assert page.status_code == 200
    assert "Edna Whitfield" in page.text and "Front windows" in page.text
    assert "Tue Jan 7, 2031, 2:00 PM" in page.text  # 20:00 UTC in Chicago
    assert f'href="/tickets/{ticket["id"]}"' in page.text
    scheduled = client.get("/tickets?status=scheduled")
    assert "Edna Whitfield" in scheduled.text
    completed = client.get("/tickets?status=completed")
    assert "Edna Whitfield" not in completed.text
    assert "No completed tickets" in completed.text
    assert '<option value="completed" selected>' in completed.text


# -- create ----------------------------------------------------------------------------------


def test_new_form_is_prefilled_from_a_calendar_slot(
    client: TestClient, catalog: dict[str, Any]
) -> None:
    page = client.get("/tickets/new?start=2031-01-07T14:00")
    assert page.status_code == 200
    assert 'value="2031-01-07"' in page.text and 'value="14:00"' in page.text
    assert 'Screen cleaning</strong> <span class="muted">$3.50 per screen' in page.text
    assert "$150.00, flexible price" in page.text
    assert 'Gutter clean <span class="muted">$120.00, fixed price' in page.text
    assert f'name="price-{catalog["wash"]["id"]}"' in page.text
    assert f'name="price-{catalog["screens"]["id"]}"' not in page.text
    assert "Jo Ladder" in page.text
    for name in ("contact_id", "first_name", "last_name", "phone", "line1", "city", "duration"):
        assert f'<label for="{name}"' in page.text, name
    assert_no_inline(page.text)
    by_date = client.get("/tickets/new?date=2031-02-03")
    assert 'value="2031-02-03"' in by_date.text and 'value="09:00"' in by_date.text


def test_contact_search_rerenders_the_select(client: TestClient, ticket: dict[str, Any]) -> None:
    make(client, "contact", first_name="Bob", last_name="Marsh")
    recent = client.get("/tickets/new")
    assert "Edna Whitfield" in recent.text and "Bob Marsh" in recent.text
    found = client.get("/tickets/new?contact_q=whitfield&start=2031-01-07T14:00")
    assert found.status_code == 200
    assert "Bob Marsh" not in found.text
    assert f'<option value="{ticket["contact"]["id"]}" selected>' in found.text
    assert "4410 Old Gurley Rd, Huntsville" in found.text  # the chosen contact's address
    assert 'name="address_id"' in found.text and 'value="2031-01-07"' in found.text
    nothing = client.get("/tickets/new?contact_q=zzzzqq")
    assert "No contact matches" in nothing.text


def test_create_with_a_new_contact_address_lines_and_staff(
    client: TestClient, catalog: dict[str, Any], signed_in: dict[str, Any], pinned_today: date
) -> None:
    form = form_fields(client.get("/tickets/new?start=2031-01-07T14:00").text, "/tickets")
    form.update(
        first_name="Ruth",
        last_name="Ames",
        phone="(256) 555-0199",
        line1="12 Pine St",
        city="Madison",
        duration="90",
        title="Spring clean",
        estimated="1",
        staff_ids=[catalog["jo"]["id"]],
        **{
            f"qty-{catalog['screens']['id']}": "12",
            f"qty-{catalog['wash']['id']}": "1",
            f"price-{catalog['wash']['id']}": "$175",
            f"qty-{catalog['gutters']['id']}": "1",
        },
    )
    response = submit(client, "/tickets", form, signed_in["csrf_token"])
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/tickets/([0-9a-f-]{36})\?notice=created", response.headers["location"])
    assert match
    made = done(
        read(client, "tickets", id=match.group(1), include="line_items,staff,contact,address")
    )
    assert made["contact"]["display_name"] == "Ruth Ames"
    assert made["contact"]["phone"] == "+12565550199"
    assert made["address"]["line1"] == "12 Pine St" and made["address"]["city"] == "Madison"
    start = datetime.fromisoformat(made["scheduled_start"]).astimezone(CHICAGO)
    assert (start.date().isoformat(), start.hour, start.minute) == ("2031-01-07", 14, 0)
    assert made["duration_minutes"] == 90 and made["is_price_estimated"] is True
    assert [s["name"] for s in made["staff"]] == ["Jo Ladder"]
    lines = {i["description"]: i for i in made["line_items"]}
    assert lines["Screen cleaning"]["total_cents"] == 4200
    assert lines["Window wash"]["unit_price_cents"] == 17500
    assert lines["Gutter clean"]["quantity"] == "1"
    page = client.get(response.headers["location"])
    assert "Created." in page.text and "Ruth Ames" in page.text and "$337.00" in page.text


def test_create_for_an_existing_contact_uses_the_chosen_address(
    client: TestClient, ticket: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    cid = ticket["contact"]["id"]
    other = make(client, "address", contact_id=cid, line1="9 Lake Dr")
    form = form_fields(client.get(f"/tickets/new?contact_id={cid}").text, "/tickets")
    assert form["contact_id"] == cid
    form["address_id"] = other["id"]
    response = submit(client, "/tickets", form, signed_in["csrf_token"])
    assert response.status_code == 303, response.text
    tid = response.headers["location"].split("/")[2].split("?")[0]
    assert done(read(client, "tickets", id=tid))["address_id"] == other["id"]
    contacts = done(read(client, "contacts"))
    assert len(contacts) == 1  # no copy of the contact
    # A street typed in wins over the pre-picked address: it is added and used.
    form = form_fields(client.get(f"/tickets/new?contact_id={cid}").text, "/tickets")
    form.update(line1="77 Elm Ct", city="Athens")
    response = submit(client, "/tickets", form, signed_in["csrf_token"])
    tid = response.headers["location"].split("/")[2].split("?")[0]
    made = done(read(client, "tickets", id=tid, include="address"))
    assert made["address"]["line1"] == "77 Elm Ct" and made["contact_id"] == cid


def test_create_errors_are_shown_next_to_the_fields(
    client: TestClient, catalog: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    response = submit(
        client,
        "/tickets",
        {"date": "", "time": "9am", "duration": "2", f"qty-{catalog['screens']['id']}": "x"},
        signed_in["csrf_token"],
    )
    assert response.status_code == 422
    text = response.text
    assert "The ticket was not created" in text
    assert "Pick a contact, or type a new contact" in text
    assert 'id="contact_id" name="contact_id" aria-invalid="true"' in text
    assert "Pick the day of the visit." in text and "Pick the time the visit starts" in text
    assert "5 to 1440 minutes" in text and "Type a number like 1, 2 or 1.5." in text
    bad_phone = submit(
        client,
        "/tickets",
        {
            "first_name": "Ruth",
            "phone": "12",
            "date": "2031-01-07",
            "time": "09:00",
            "duration": "60",
        },
        signed_in["csrf_token"],
    )
    assert bad_phone.status_code == 422
    assert 'id="phone-error"' in bad_phone.text
    assert 'value="Ruth"' in bad_phone.text  # what was typed stays
    assert done(read(client, "contacts")) == []  # nothing half-created


# -- the ticket page -------------------------------------------------------------------------


def test_ticket_page_shows_the_job(client: TestClient, ticket: dict[str, Any]) -> None:
    page = client.get(f"/tickets/{ticket['id']}")
    assert page.status_code == 200
    text = page.text
    assert '<span id="ticket-status" class="badge scheduled">Scheduled</span>' in text
    assert f'href="/contacts/{ticket["contact"]["id"]}"' in text
    assert "4410 Old Gurley Rd, Huntsville" in text and "Jo Ladder" in text
    assert "Tue Jan 7, 2031, 2:00 PM" in text
    assert "Screen cleaning" in text and "20 \u00d7 $3.50 per screen" in text and "$70.00" in text
    assert "Clock in" in text and "Cancel ticket" in text and "Mark as no-show" in text
    assert "Created" in text and "Staff assigned" in text  # history in words
    assert re.search(r"<script src=\"/static/js/tickets\.[0-9a-f]+\.js\" defer>", text)
    assert_no_inline(text)


def test_unknown_ticket_is_a_404_page(client: TestClient, signed_in: dict[str, Any]) -> None:
    page = client.get("/tickets/00000000-0000-4000-8000-000000000000")
    assert page.status_code == 404 and "Not found" in page.text


def test_clock_in_and_out_with_plain_forms(
    client: TestClient, ticket: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    tid, csrf = ticket["id"], signed_in["csrf_token"]
    response = submit(client, f"/tickets/{tid}/clock-in", {}, csrf)
    assert response.status_code == 303
    assert response.headers["location"] == f"/tickets/{tid}?notice=clocked_in"
    page = client.get(response.headers["location"])
    assert "Clocked in. The clock is running." in page.text
    assert 'class="badge in_progress">In progress' in page.text
    assert f'action="/tickets/{tid}/clock-out"' in page.text
    assert f'href="/tickets/{tid}/close"' in page.text and "Started" in page.text
    response = submit(client, f"/tickets/{tid}/clock-out", {}, csrf)
    assert response.headers["location"] == f"/tickets/{tid}?notice=clocked_out"
    again = submit(client, f"/tickets/{tid}/clock-out", {}, csrf)
    assert again.status_code == 409
    assert "You are not clocked in on this ticket." in again.text
    assert "Clocked out" in client.get(f"/tickets/{tid}").text


def test_form_posts_need_the_csrf_token(client: TestClient, ticket: dict[str, Any]) -> None:
    response = submit(client, f"/tickets/{ticket['id']}/clock-in", {}, "not-the-token")
    assert response.status_code == 403
    assert done(read(client, "tickets", id=ticket["id"]))["status"] == "scheduled"


def test_add_and_remove_a_line(
    client: TestClient, ticket: dict[str, Any], catalog: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    tid, csrf = ticket["id"], signed_in["csrf_token"]
    bad = submit(
        client,
        f"/tickets/{tid}/lines",
        {"service_id": catalog["wash"]["id"], "quantity": "0", "price": "abc"},
        csrf,
    )
    assert bad.status_code == 422
    assert "The line was not added" in bad.text and "Type a number above 0, up to" in bad.text
    assert 'id="price-error"' in bad.text
    fixed = submit(
        client,
        f"/tickets/{tid}/lines",
        {"service_id": catalog["gutters"]["id"], "quantity": "1", "price": "99"},
        csrf,
    )
    assert fixed.status_code == 422 and "fixed price" in fixed.text
    added = submit(
        client,
        f"/tickets/{tid}/lines",
        {"service_id": catalog["wash"]["id"], "quantity": "1", "price": "180.50"},
        csrf,
    )
    assert added.status_code == 303
    page = client.get(f"/tickets/{tid}").text
    assert "Window wash" in page and "$180.50" in page and "$250.50" in page
    line = next(
        i
        for i in done(read(client, "line_items", ticket_id=tid))
        if i["description"] == "Window wash"
    )
    removed = submit(client, f"/tickets/{tid}/lines/{line['id']}/remove", {}, csrf)
    assert removed.headers["location"] == f"/tickets/{tid}?notice=deleted"
    after = client.get(f"/tickets/{tid}").text
    assert "$180.50" not in after and "$70.00" in after


def test_cancel_needs_a_reason(
    client: TestClient, ticket: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    tid, csrf = ticket["id"], signed_in["csrf_token"]
    refused = submit(client, f"/tickets/{tid}/cancel", {"reason": "  "}, csrf)
    assert refused.status_code == 422
    assert "The ticket was not cancelled" in refused.text
    assert re.search(
        r'id="reason"[^>]*aria-invalid="true" aria-describedby="reason-error"', refused.text
    )
    assert 'id="reason-error"' in refused.text
    assert done(read(client, "tickets", id=tid))["status"] == "scheduled"
    response = submit(client, f"/tickets/{tid}/cancel", {"reason": "Rained out"}, csrf)
    assert response.headers["location"] == f"/tickets/{tid}?notice=cancelled"
    page = client.get(response.headers["location"]).text
    assert "Cancelled." in page and "Rained out" in page and 'class="badge cancelled"' in page
    assert "Clock in" not in page and "Cancel ticket" not in page and "Add a service" not in page
    assert "status: scheduled → cancelled" in page


def test_no_show(client: TestClient, ticket: dict[str, Any], signed_in: dict[str, Any]) -> None:
    tid = ticket["id"]
    response = submit(
        client,
        f"/tickets/{tid}/no-show",
        {"no_show_reason": "Nobody home"},
        signed_in["csrf_token"],
    )
    assert response.status_code == 303
    page = client.get(f"/tickets/{tid}").text
    assert "No-show" in page and "Nobody home" in page and "Marked as a no-show" in page


def first_load_bytes(client: TestClient, page: Response) -> int:
    """HTML plus its stylesheet and scripts, gzipped: what a first visit transfers."""
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    bodies = [page.content] + [client.get(url).content for url in assets]
    return sum(len(gzip.compress(body)) for body in bodies)


def test_pages_stay_within_the_budget(
    client: TestClient, ticket: dict[str, Any], catalog: dict[str, Any]
) -> None:
    for url in ("/tickets", "/tickets/new", f"/tickets/{ticket['id']}"):
        page = client.get(url)
        assert page.status_code == 200
        assert first_load_bytes(client, page) <= 30_000, url


# -- the job sheet, notes before close-out, one running clock --------------------------------


def completed(owner: Any, user_id: Any, ticket_id: str) -> None:
    """A finished earlier visit (the close-out has its own tests)."""
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        owner.execute("UPDATE tickets SET status = 'in_progress' WHERE id = %s", (ticket_id,))
        owner.execute("UPDATE tickets SET status = 'completed' WHERE id = %s", (ticket_id,))


def test_job_sheet_shows_what_to_know_before_going_in(
    client: TestClient, catalog: dict[str, Any], owner: Any, signed_in: dict[str, Any]
) -> None:
    rose = make(client, "contact", first_name="Rose", last_name="Tyler", phone="2565550142")
    make(
        client,
        "address",
        contact_id=rose["id"],
        label="Home",
        line1="12 Birch Lane",
        city="Madison",
        region="AL",
        access_notes="Key in lockbox 1990",
    )
    facts = {
        "access.gate_code": "4321",
        "pets.dog_name": "Biscuit",
        "hazards.bees": True,
        "equipment.extension_ladder": True,
        "people.spouse_name": "Mickey",  # not something to know at the door
    }
    for key, value in facts.items():
        make(client, "attribute", contact_id=rose["id"], key=key, value=value)
    earlier = make(client, "ticket", contact_id=rose["id"], scheduled_start="2030-06-03T15:00:00Z")
    act(
        client,
        "line_item",
        "add",
        ticket_id=earlier["id"],
        service_id=catalog["screens"]["id"],
        quantity=14,
    )
    make(client, "note", ticket_id=earlier["id"], body="Side gate sticks; lift to open.")
    completed(owner, signed_in["id"], earlier["id"])
    visit = make(client, "ticket", contact_id=rose["id"], scheduled_start="2031-01-07T15:00:00Z")

    page = client.get(f"/tickets/{visit['id']}")
    assert page.status_code == 200
    text = page.text
    sheet = text[text.index("Before you go in") : text.index("The work")]
    assert '<span class="badge">Home</span> <strong>12 Birch Lane, Madison</strong>' in sheet
    assert (
        'href="https://www.google.com/maps/search/?api=1&amp;query=12+Birch+Lane%2C+Madison%2C+AL"'
        in sheet
    )
    assert "Key in lockbox 1990" in sheet
    assert "<dt>Code for the gate or entry keypad</dt><dd>4321</dd>" in sheet
    assert "<dt>The dog&#39;s name</dt><dd>Biscuit</dd>" in sheet
    assert "<dt>Bees or wasps on the property</dt><dd>Yes</dd>" in sheet
    assert "Bring the extension ladder" in sheet
    assert "Mickey" not in sheet
    assert "14 \u00d7 Screen cleaning" in sheet and "Side gate sticks; lift to open." in sheet
    assert f'href="/tickets/{earlier["id"]}"' in sheet
    assert text.index("Before you go in") < text.index("Clock in") < text.index('id="lines"')
    assert_no_inline(text)
    # The earlier visit itself is finished: no job sheet there.
    assert "Before you go in" not in client.get(f"/tickets/{earlier['id']}").text


def test_first_visit_says_so(client: TestClient, ticket: dict[str, Any]) -> None:
    text = client.get(f"/tickets/{ticket['id']}").text
    assert "First visit" in text and "No codes, pets or hazards on file" in text


def test_note_before_close_out_shows_on_the_ticket_and_in_close_out(
    client: TestClient, ticket: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    tid, csrf = ticket["id"], signed_in["csrf_token"]
    empty = submit(client, f"/tickets/{tid}/notes", {"body": "  "}, csrf)
    assert empty.status_code == 422 and 'id="body-error"' in empty.text
    form = form_fields(client.get(f"/tickets/{tid}").text, f"/tickets/{tid}/notes")
    form["body"] = "Dog named Biscuit is friendly; gate code 4321."
    added = submit(client, f"/tickets/{tid}/notes", form, csrf)
    assert added.headers["location"] == f"/tickets/{tid}?notice=note_added#notes"
    page = client.get(added.headers["location"]).text
    assert "Note added." in page and "Dog named Biscuit is friendly" in page
    assert submit(client, f"/tickets/{tid}/clock-in", {}, csrf).status_code == 303
    # The close-out's notes step (part of the wizard page) shows it next to the notes box.
    notes = client.get(f"/tickets/{tid}/close/notes")
    assert notes.status_code == 200, notes.text
    assert "Notes already on this ticket" in notes.text
    assert "Dog named Biscuit is friendly" in notes.text


def test_clocking_in_elsewhere_stops_the_running_clock(
    client: TestClient, ticket: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    csrf = signed_in["csrf_token"]
    bob = make(client, "contact", first_name="Bob", last_name="Marsh")
    other = make(client, "ticket", contact_id=bob["id"], scheduled_start="2031-01-07T22:00:00Z")
    assert submit(client, f"/tickets/{ticket['id']}/clock-in", {}, csrf).status_code == 303
    moved = submit(client, f"/tickets/{other['id']}/clock-in", {}, csrf)
    assert moved.headers["location"] == (
        f"/tickets/{other['id']}?stopped={ticket['id']}&notice=clock_switched"
    )
    page = client.get(moved.headers["location"]).text
    assert "Clocked in. Stopped the clock on Edna Whitfield." in page
    assert "Clock running" in page and f'action="/tickets/{other["id"]}/clock-out"' in page
    first = client.get(f"/tickets/{ticket['id']}").text
    assert "Clock stopped" in first and f'action="/tickets/{ticket["id"]}/clock-in"' in first


def test_now_pill_ignores_a_ticket_clocked_out(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    csrf = signed_in["csrf_token"]
    ann = make(client, "contact", first_name="Ann", last_name="Lee")
    bob = make(client, "contact", first_name="Bob", last_name="Marsh")
    # Both began minutes ago and are not over yet, so they count as today's at any hour.
    now = datetime.now(CHICAGO).replace(second=0, microsecond=0)
    done_early = make(
        client,
        "ticket",
        contact_id=ann["id"],
        scheduled_start=(now - timedelta(minutes=20)).isoformat(),
    )
    next_up = make(
        client,
        "ticket",
        contact_id=bob["id"],
        scheduled_start=(now - timedelta(minutes=10)).isoformat(),
    )
    submit(client, f"/tickets/{done_early['id']}/clock-in", {}, csrf)
    pill = re.compile(r'<a class="now" href="/tickets/([^"]+)">([^<]*)</a>')
    match = pill.search(client.get("/tickets").text)
    assert match and match.groups() == (done_early["id"], "Now: Ann Lee")
    submit(client, f"/tickets/{done_early['id']}/clock-out", {}, csrf)
    match = pill.search(client.get("/tickets").text)
    assert match and match.group(1) == next_up["id"]
    assert match.group(2).startswith("Next ") and match.group(2).endswith(": Bob Marsh")


def test_a_cancelled_ticket_can_be_put_back_on_the_calendar(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Rosa")
    ticket = make(
        client, "ticket", contact_id=contact["id"], scheduled_start="2031-03-04T15:00:00Z"
    )
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="Rain"))
    page = client.get(f"/tickets/{ticket['id']}")
    assert "Put it back on the calendar" in page.text
    token = signed_in["csrf_token"]
    bad = client.post(
        f"/tickets/{ticket['id']}/reopen",
        data={"csrf_token": token, "date": "2031-03-05", "time": ""},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "pick both a day and a start time" in bad.text
    assert done(read(client, "tickets", id=ticket["id"]))["status"] == "cancelled"
    response = client.post(
        f"/tickets/{ticket['id']}/reopen",
        data={"csrf_token": token, "date": "2031-03-05", "time": "10:30"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    reopened = done(read(client, "tickets", id=ticket["id"]))
    assert reopened["status"] == "scheduled"
    assert reopened["scheduled_start"] == "2031-03-05T10:30:00-06:00"
    assert "Reopened" in client.get(f"/tickets/{ticket['id']}").text


def test_discounts_from_the_ticket_page(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = make(client, "contact", first_name="Rosa")
    ticket = make(
        client, "ticket", contact_id=contact["id"], scheduled_start="2031-03-04T15:00:00Z"
    )
    service = make(
        client, "service", name="Window wash", pricing_mode="fixed", unit_price_cents=20000
    )
    done(act(client, "line_item", "add", ticket_id=ticket["id"], service_id=service["id"]))
    token = signed_in["csrf_token"]

    def post(**data: str) -> Any:
        return client.post(
            f"/tickets/{ticket['id']}/discount",
            data={"csrf_token": token, **data},
            follow_redirects=False,
        )

    assert post(discount="15", discount_note="Neighbour discount").status_code == 303
    assert post(discount="10%").status_code == 303
    refused = post(discount="lots")
    assert refused.status_code == 422 and 'value="lots"' in refused.text
    lines = done(read(client, "tickets", id=ticket["id"], include="line_items"))["line_items"]
    discounts = {line["description"]: line["unit_price_cents"] for line in lines[1:]}
    assert discounts == {"Neighbour discount": -1500, "Discount": -2000}
    page = client.get(f"/tickets/{ticket['id']}").text
    assert "Neighbour discount" in page and "Add a discount" in page
