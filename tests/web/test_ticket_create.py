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
