"""The new-ticket page is all or nothing: contact, address, ticket and lines in one unit of work."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from tests.api.helpers import act, done, make, read
from tests.web.test_tickets_pages import form_fields, submit

# Every test here types fixed days in 2031: the far-date check takes them as ordinary.
pytestmark = pytest.mark.usefixtures("pinned_today")

TABLES = ("contacts", "addresses", "tickets", "line_items")


def row_counts(owner: psycopg.Connection[dict[str, Any]], user_id: Any) -> dict[str, int]:
    """Rows per table as the database holds them (RLS is forced, so as this business)."""
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        counts = {}
        for table in TABLES:
            query = sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table))
            row = owner.execute(query).fetchone()
            assert row is not None
            counts[table] = row["n"]
    return counts


@pytest.fixture
def services(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    """Two services, listed (by name) in this order on the form."""
    return {
        "gutters": make(
            client, "service", name="A gutter clean", pricing_mode="fixed", unit_price_cents=12000
        ),
        "screens": make(
            client,
            "service",
            name="B screen cleaning",
            pricing_mode="per_unit",
            unit_price_cents=350,
            unit_label="screen",
        ),
    }


def _new_ticket_form(client: TestClient, services: dict[str, Any]) -> dict[str, Any]:
    """A new contact, a new address and two lines: gutters (line 0) and 12 screens (line 1)."""
    form = form_fields(client.get("/tickets/new?start=2031-01-07T14:00").text, "/tickets")
    form.update(
        first_name="Ruth",
        last_name="Ames",
        phone="(256) 555-0199",
        line1="12 Pine St",
        city="Madison",
        **{f"qty-{services['gutters']['id']}": "1", f"qty-{services['screens']['id']}": "12"},
    )
    return form


def test_a_refused_second_line_saves_nothing_and_is_shown_next_to_that_line(
    client: TestClient,
    services: dict[str, Any],
    signed_in: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
) -> None:
    form = _new_ticket_form(client, services)
    before = row_counts(owner, signed_in["id"])
    # Retired while the form was open: only the ticket's second line can notice it.
    screens = services["screens"]["id"]
    done(act(client, "service", "retire", id=screens))

    response = submit(client, "/tickets", form, signed_in["csrf_token"])

    assert 400 <= response.status_code < 500, response.text
    text = response.text
    assert "The ticket was not created and nothing was saved." in text
    assert "The line for B screen cleaning was refused" in text
    assert f'id="qty-{screens}" name="qty-{screens}" inputmode="decimal" placeholder="0" ' in text
    assert re.search(rf'id="qty-{screens}"[^>]*aria-invalid="true"', text)
    assert re.search(rf'id="qty-{screens}-error">This service is retired', text)
    assert "B screen cleaning (retired)" in text  # the refused line is still on the form
    # Everything typed is kept, so fixing the line and posting again is enough.
    for typed in ('value="Ruth"', 'value="Ames"', 'value="12 Pine St"', 'value="Madison"'):
        assert typed in text, typed
    assert f'name="qty-{services["gutters"]["id"]}" value="1" checked' in text
    assert f'name="qty-{screens}" inputmode="decimal" placeholder="0" value="12"' in text
    # Nothing at all was saved: no contact, address, ticket or line.
    assert row_counts(owner, signed_in["id"]) == before
    assert done(read(client, "contacts")) == []


def test_a_line_the_model_refuses_is_shown_next_to_that_line(
    client: TestClient,
    services: dict[str, Any],
    signed_in: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
) -> None:
    form = _new_ticket_form(client, services)
    screens = services["screens"]["id"]
    form[f"qty-{screens}"] = "100000.5"  # LineItemAdd allows at most 100,000
    before = row_counts(owner, signed_in["id"])

    response = submit(client, "/tickets", form, signed_in["csrf_token"])

    assert response.status_code == 422
    assert re.search(
        rf'id="qty-{screens}-error">Type a number above 0, up to 100,000\.', response.text
    )
    assert 'value="Ruth"' in response.text and 'value="100000.5"' in response.text
    assert row_counts(owner, signed_in["id"]) == before


def test_a_good_form_creates_contact_address_ticket_and_lines_together(
    client: TestClient,
    services: dict[str, Any],
    signed_in: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
) -> None:
    before = row_counts(owner, signed_in["id"])

    response = submit(
        client, "/tickets", _new_ticket_form(client, services), signed_in["csrf_token"]
    )

    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/tickets/([0-9a-f-]{36})\?notice=created", response.headers["location"])
    assert match
    after = row_counts(owner, signed_in["id"])
    assert after == {
        table: before[table] + n for table, n in zip(TABLES, (1, 1, 1, 2), strict=True)
    }
    made = done(read(client, "tickets", id=match[1], include="line_items,contact,address"))
    assert made["contact"]["display_name"] == "Ruth Ames"
    assert made["address"]["line1"] == "12 Pine St"
    assert sorted((i["description"], i["total_cents"]) for i in made["line_items"]) == [
        ("A gutter clean", 12000),
        ("B screen cleaning", 4200),
    ]


def test_a_refused_ticket_leaves_no_new_contact_behind(
    client: TestClient,
    services: dict[str, Any],
    signed_in: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
) -> None:
    """The contact is created first; a staff member deleted meanwhile refuses the ticket."""
    jo = make(client, "staff", name="Jo Ladder")
    form = _new_ticket_form(client, services)
    form["staff_ids"] = [jo["id"]]
    done(act(client, "staff", "delete", id=jo["id"]))
    before = row_counts(owner, signed_in["id"])

    response = submit(client, "/tickets", form, signed_in["csrf_token"])

    assert 400 <= response.status_code < 500, response.text
    assert "The ticket was not created and nothing was saved." in response.text
    assert 'value="Ruth"' in response.text
    assert row_counts(owner, signed_in["id"]) == before


# -- the form keeps what was typed, knows the catalog's times and warns about overlaps --------


@pytest.fixture
def timed(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    """A 90-minute gutter clean, windows at 5 minutes each, and two staff members."""
    return {
        "gutters": make(
            client,
            "service",
            name="A gutter clean",
            pricing_mode="fixed",
            unit_price_cents=12000,
            default_duration_minutes=90,
        ),
        "windows": make(
            client,
            "service",
            name="B window cleaning",
            pricing_mode="per_unit",
            unit_price_cents=400,
            unit_label="window",
            default_duration_minutes=5,
        ),
        "jo": make(client, "staff", name="Jo Ladder"),
        "sam": make(client, "staff", name="Sam Squeegee"),
    }


@pytest.fixture
def landlord(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    """Edna with a rental (added first) and her home (added later, made primary)."""
    edna = make(client, "contact", first_name="Edna", last_name="Whitfield", phone="2565551234")
    rental = make(
        client, "address", contact_id=edna["id"], label="Rental on Oak St", line1="14 Oak St"
    )
    home = make(
        client,
        "address",
        contact_id=edna["id"],
        label="Home",
        line1="4410 Old Gurley Rd",
        city="Huntsville",
        is_primary=True,
    )
    return {"contact": edna, "rental": rental, "home": home}


def _typed(client: TestClient, timed: dict[str, Any]) -> dict[str, Any]:
    """Everything but the customer typed in: day, time, minutes, lines, staff and title."""
    form = form_fields(client.get("/tickets/new").text, "/tickets")
    form.update(
        date="2031-01-07",
        time="14:30",
        duration="75",
        title="Spring clean",
        staff_ids=[timed["jo"]["id"]],
        **{f"qty-{timed['gutters']['id']}": "1", f"qty-{timed['windows']['id']}": "24"},
    )
    return form


def test_searching_without_javascript_keeps_every_field(
    client: TestClient,
    timed: dict[str, Any],
    landlord: dict[str, Any],
    signed_in: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
) -> None:
    form = _typed(client, timed)
    before = row_counts(owner, signed_in["id"])

    found = submit(
        client,
        "/tickets",
        {**form, "contact_q": "whitfield", "intent": "search"},
        signed_in["csrf_token"],
    )

    assert found.status_code == 200, found.text
    text = found.text
    assert f'<option value="{landlord["contact"]["id"]}" selected>' in text
    assert 'id="date" name="date" type="date" required value="2031-01-07"' in text
    assert 'value="14:30"' in text and 'value="Spring clean"' in text
    assert re.search(r'id="duration"[^>]*value="75"', text)
    assert (
        f'name="qty-{timed["windows"]["id"]}" inputmode="decimal" placeholder="0" value="24"'
        in (text)
    )
    assert re.search(rf'name="qty-{timed["gutters"]["id"]}" value="1"[^>]* checked', text)
    assert f'name="staff_ids" value="{timed["jo"]["id"]}" checked' in text
    assert row_counts(owner, signed_in["id"]) == before  # a search saves nothing
    # The re-rendered form posts as it is: the customer found, everything else as typed.
    again = form_fields(text, "/tickets")
    response = submit(client, "/tickets", again, signed_in["csrf_token"])
    assert response.status_code == 303, response.text
    tid = response.headers["location"].split("/")[2].split("?")[0]
    made = done(read(client, "tickets", id=tid, include="line_items"))
    assert made["contact_id"] == landlord["contact"]["id"]
    assert made["address_id"] == landlord["home"]["id"]  # the primary one, picked for her
    assert made["title"] == "Spring clean" and made["duration_minutes"] == 75
    assert len(made["line_items"]) == 2


def test_a_validation_error_keeps_the_quantities(
    client: TestClient, timed: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    form = {**_typed(client, timed), "date": "", "first_name": "Ruth"}

    response = submit(client, "/tickets", form, signed_in["csrf_token"])

    assert response.status_code == 422
    text = response.text
    assert "Pick the day of the visit." in text
    assert (
        f'name="qty-{timed["windows"]["id"]}" inputmode="decimal" placeholder="0" value="24"'
        in (text)
    )
    assert re.search(rf'name="qty-{timed["gutters"]["id"]}" value="1"[^>]* checked', text)
    assert 'value="Ruth"' in text and 'value="Spring clean"' in text
    assert re.search(r'id="duration"[^>]*value="75"', text)


def test_the_chosen_contacts_addresses_are_listed_with_labels_primary_first(
    client: TestClient, landlord: dict[str, Any]
) -> None:
    page = client.get(f"/tickets/new?contact_id={landlord['contact']['id']}").text
    home, rental = page.index("<strong>Home</strong>"), page.index("<strong>Rental on Oak St")
    assert home < rental
    assert re.search(
        rf'value="{landlord["home"]["id"]}" checked> <span><strong>Home</strong> · '
        r'4410 Old Gurley Rd, Huntsville <span class="muted">\(primary\)',
        page,
    )
    assert "Edna Whitfield — Home: 4410 Old Gurley Rd, Huntsville (+1 more)" in page
    # The fragment the page's script fetches: the search's matches and the labelled addresses.
    fragment = client.get("/tickets/new/customer", params={"contact_q": "whitfield"})
    assert fragment.status_code == 200
    assert f'<option value="{landlord["contact"]["id"]}" selected>' in fragment.text
    assert "1 match for “whitfield”" in fragment.text
    assert fragment.text.index("Home</strong>") < fragment.text.index("Rental on Oak St</strong>")
    assert "<html" not in fragment.text


def test_the_duration_comes_from_the_catalog_unless_typed(
    client: TestClient, timed: dict[str, Any], landlord: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    form = {**_typed(client, timed), "contact_id": landlord["contact"]["id"], "staff_ids": []}
    form["duration"] = form["duration_auto"]  # left as the page showed it

    response = submit(client, "/tickets", form, signed_in["csrf_token"])

    assert response.status_code == 303, response.text
    tid = response.headers["location"].split("/")[2].split("?")[0]
    # 90 minutes of gutters and 24 windows at 5 minutes each.
    assert done(read(client, "tickets", id=tid))["duration_minutes"] == 90 + 24 * 5
    # A search shows the worked-out minutes; a number typed by hand is kept.
    shown = submit(client, "/tickets", {**form, "intent": "search"}, signed_in["csrf_token"])
    assert re.search(r'id="duration"[^>]*value="210"', shown.text)
    assert 'name="duration_auto" value="210"' in shown.text
    typed = submit(
        client, "/tickets", {**form, "duration": "45", "time": "08:00"}, signed_in["csrf_token"]
    )
    tid = typed.headers["location"].split("/")[2].split("?")[0]
    assert done(read(client, "tickets", id=tid))["duration_minutes"] == 45


def test_an_overlap_for_the_same_staff_warns_and_can_be_saved_anyway(
    client: TestClient,
    timed: dict[str, Any],
    landlord: dict[str, Any],
    signed_in: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
) -> None:
    make(  # Jo is at Edna's rental 2:00 to 3:00 PM (Chicago)
        client,
        "ticket",
        contact_id=landlord["contact"]["id"],
        scheduled_start="2031-01-07T20:00:00Z",
        staff_ids=[timed["jo"]["id"], timed["sam"]["id"]],
    )
    form = {**_typed(client, timed), "first_name": "Ruth", "last_name": "Ames"}  # 2:30, Jo
    before = row_counts(owner, signed_in["id"])

    warned = submit(client, "/tickets", form, signed_in["csrf_token"])

    assert warned.status_code == 409, warned.text
    text = warned.text
    assert "It overlaps 1 other visit for the same staff" in text
    assert (
        "Edna Whitfield</a>, Tue Jan 7, 2031, 2:00 PM to 3:00 PM (Jo Ladder, Sam Squeegee)" in text
    )
    assert 'name="intent" value="anyway"' in text
    assert 'value="Ruth"' in text and 'value="24"' in text
    assert row_counts(owner, signed_in["id"]) == before

    saved = submit(client, "/tickets", {**form, "intent": "anyway"}, signed_in["csrf_token"])

    assert saved.status_code == 303, saved.text
    tid = saved.headers["location"].split("/")[2].split("?")[0]
    notes = done(read(client, "notes", ticket_id=tid))
    assert [n["body"] for n in notes] == [
        "Saved anyway, overlapping: Edna Whitfield, Tue Jan 7, 2031, 2:00 PM to 3:00 PM "
        "(Jo Ladder, Sam Squeegee)."
    ]


def test_no_overlap_warning_for_another_staff_member(
    client: TestClient,
    timed: dict[str, Any],
    landlord: dict[str, Any],
    signed_in: dict[str, Any],
) -> None:
    make(
        client,
        "ticket",
        contact_id=landlord["contact"]["id"],
        scheduled_start="2031-01-07T20:00:00Z",
        staff_ids=[timed["sam"]["id"]],
    )
    form = {**_typed(client, timed), "contact_id": landlord["contact"]["id"]}  # 2:30, Jo

    response = submit(client, "/tickets", form, signed_in["csrf_token"])

    assert response.status_code == 303, response.text
    tid = response.headers["location"].split("/")[2].split("?")[0]
    assert done(read(client, "notes", ticket_id=tid)) == []
    # Without staff, a visit is nobody's time yet in a business with a crew...
    alone = submit(
        client, "/tickets", {**form, "staff_ids": [], "time": "14:00"}, signed_in["csrf_token"]
    )
    assert alone.status_code == 303, alone.text
    # ...but a solo owner (no staff at all) is busy with every visit.
    for person in ("jo", "sam"):
        done(act(client, "staff", "delete", id=timed[person]["id"]))
    again = submit(
        client, "/tickets", {**form, "staff_ids": [], "time": "14:45"}, signed_in["csrf_token"]
    )
    assert again.status_code == 409, again.text
    assert "It overlaps 3 other visits for you (no staff assigned)" in again.text


# -- a day far from today is asked about, then saved anyway -----------------------------------


def test_a_day_far_in_the_past_warns_keeps_what_was_typed_and_saves_anyway(
    client: TestClient,
    services: dict[str, Any],
    signed_in: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
) -> None:
    form = {**_new_ticket_form(client, services), "date": "2001-01-07", "title": "Old job"}
    before = row_counts(owner, signed_in["id"])

    warned = submit(client, "/tickets", form, signed_in["csrf_token"])

    assert warned.status_code == 409, warned.text
    text = warned.text
    assert "The ticket was not created yet: check the day." in text
    assert "The day, January 7, 2001, is more than a year ago. Is the year right?" in text
    assert 'name="intent" value="anyway"' in text
    assert 'id="date" name="date" type="date" required value="2001-01-07"' in text
    for typed in ('value="Ruth"', 'value="12 Pine St"', 'value="Old job"', 'value="12"'):
        assert typed in text, typed
    assert row_counts(owner, signed_in["id"]) == before  # nothing saved yet

    again = form_fields(text, "/tickets")  # the re-rendered form, posted with "Save anyway"
    saved = submit(client, "/tickets", {**again, "intent": "anyway"}, signed_in["csrf_token"])

    assert saved.status_code == 303, saved.text
    tid = saved.headers["location"].split("/")[2].split("?")[0]
    made = done(read(client, "tickets", id=tid, include="line_items"))
    assert made["scheduled_start"].startswith("2001-01-07T14:00")
    assert made["title"] == "Old job" and len(made["line_items"]) == 2
    assert done(read(client, "notes", ticket_id=tid)) == []  # no overlap, no note


def test_a_day_far_ahead_warns_too_and_a_near_one_does_not(
    client: TestClient, services: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    form = _new_ticket_form(client, services)  # today is pinned to Oct 1, 2030

    far = submit(client, "/tickets", {**form, "date": "2032-10-02"}, signed_in["csrf_token"])
    assert far.status_code == 409
    assert "The day, October 2, 2032, is more than two years ahead." in far.text

    near = submit(client, "/tickets", {**form, "date": "2032-09-30"}, signed_in["csrf_token"])
    assert near.status_code == 303, near.text
