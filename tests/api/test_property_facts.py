"""Facts about a property stay with that property: the landlord's home and rental each keep their
own window count, codes and pets; facts about the person stay with the person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crm.db import migrate as migrate_module
from tests.api.helpers import act, done, error, make, read
from tests.factories import make_user


def _close_out(client: TestClient, ticket: dict[str, Any], notes: str) -> dict[str, Any]:
    """Clock in and out, preview with ``notes``, accept every proposal; returns the preview."""
    done(act(client, "ticket", "clock_in", id=ticket["id"]))
    preview = done(
        act(
            client,
            "ticket",
            "close_out_preview",
            ticket_id=ticket["id"],
            duration_minutes=60,
            line_items=[],
            notes=notes,
            next_step={"kind": "none"},
        )
    )
    decisions = [{"key": p["key"], "decision": "accept"} for p in preview["proposed_attributes"]]
    done(
        act(
            client,
            "ticket",
            "close",
            ticket_id=ticket["id"],
            draft_id=preview["draft_id"],
            decisions=decisions,
        )
    )
    return preview


def _facts(client: TestClient, **filters: Any) -> dict[tuple[str, str | None], Any]:
    rows = done(read(client, "attributes", limit=500, **filters))
    return {(r["key"], r["address_id"]): r["value"] for r in rows}


@pytest.fixture
def landlord(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    contact = make(client, "contact", first_name="Ruth", last_name="Okafor", email="ruth@ex.com")
    home = make(
        client,
        "address",
        contact_id=contact["id"],
        label="Home",
        line1="12 Birch Lane",
        is_primary=True,
    )
    rental = make(
        client, "address", contact_id=contact["id"], label="Rental on Oak St", line1="88 Oak St"
    )
    return {"contact": contact, "home": home, "rental": rental}


def _ticket(client: TestClient, who: dict[str, Any], address: str, start: str) -> dict[str, Any]:
    return make(
        client,
        "ticket",
        contact_id=who["contact"]["id"],
        address_id=who[address]["id"],
        scheduled_start=start,
    )


def test_each_property_keeps_its_own_facts(client: TestClient, landlord: dict[str, Any]) -> None:
    home_id, rental_id = landlord["home"]["id"], landlord["rental"]["id"]
    home_visit = _ticket(client, landlord, "home", "2026-11-02T15:00:00Z")
    preview = _close_out(
        client,
        home_visit,
        "26 windows. Gate code 4410. Dog named Rex, friendly. Her husband Tom pays by check.",
    )
    placed = {p["key"]: p["address_id"] for p in preview["proposed_attributes"]}
    assert placed["property.window_count"] == home_id
    assert placed["access.gate_code"] == home_id
    assert placed["pets.dog_name"] == home_id
    assert placed["people.spouse_name"] is None  # about the person
    assert placed["payment.preference"] is None

    rental_visit = _ticket(client, landlord, "rental", "2026-11-03T15:00:00Z")
    preview = _close_out(client, rental_visit, "14 windows. Lockbox code 1990.")
    # The rental's count is new for the rental: nothing to "replace" on the home.
    assert preview["conflicts"] == []

    facts = _facts(client, contact_id=landlord["contact"]["id"])
    assert facts[("property.window_count", home_id)] == {"count": 26, "plus": False}
    assert facts[("property.window_count", rental_id)] == {"count": 14, "plus": False}
    assert facts[("access.gate_code", home_id)] == "4410"
    assert facts[("access.lockbox_code", rental_id)] == "1990"
    assert ("access.gate_code", rental_id) not in facts
    assert facts[("people.spouse_name", None)] == "Tom"
    assert set(_facts(client, address_id=rental_id)) == {
        ("property.window_count", rental_id),
        ("access.lockbox_code", rental_id),
    }

    # Back at the rental a year later: the conflict is with the rental's 14, not the home's 26.
    again = _ticket(client, landlord, "rental", "2026-11-20T15:00:00Z")
    done(act(client, "ticket", "clock_in", id=again["id"]))
    preview = done(
        act(
            client,
            "ticket",
            "close_out_preview",
            ticket_id=again["id"],
            duration_minutes=60,
            line_items=[],
            notes="16 windows now, they added a sunroom.",
            next_step={"kind": "none"},
        )
    )
    assert preview["conflicts"] == [
        {
            "key": "property.window_count",
            "address_id": rental_id,
            "existing_value": {"count": 14, "plus": False},
            "existing_source": "rules",
            "proposed_value": {"count": 16, "plus": False},
            "same": False,
        }
    ]


def test_a_fact_entered_by_hand_goes_where_it_belongs(
    client: TestClient, landlord: dict[str, Any]
) -> None:
    cid, home_id, rental_id = (
        landlord["contact"]["id"],
        landlord["home"]["id"],
        landlord["rental"]["id"],
    )
    # A property key without an address: the primary address.
    count = make(client, "attribute", contact_id=cid, key="property.window_count", value=26)
    assert count["address_id"] == home_id
    # The same key for the rental is a different fact, not a duplicate.
    rental_count = make(
        client,
        "attribute",
        contact_id=cid,
        key="property.window_count",
        value=14,
        address_id=rental_id,
    )
    assert rental_count["address_id"] == rental_id
    # A second value for the same place is refused.
    taken = error(
        act(
            client,
            "attribute",
            "create",
            contact_id=cid,
            key="property.window_count",
            value=15,
            address_id=rental_id,
        ),
        409,
        "CONFLICT",
    )
    assert taken["details"]["attribute_id"] == rental_count["id"]
    # A person's fact stays on the person; null keeps a property key on the person on purpose.
    assert (
        make(client, "attribute", contact_id=cid, key="payment.preference", value="check")[
            "address_id"
        ]
        is None
    )
    on_person = make(
        client, "attribute", contact_id=cid, key="pets.has_cat", value=True, address_id=None
    )
    assert on_person["address_id"] is None

    # Another customer's address is never accepted.
    other = make(client, "contact", first_name="Ann", last_name="Lee")
    elsewhere = make(client, "address", contact_id=other["id"], line1="1 Elm St")
    bad = error(
        act(
            client,
            "attribute",
            "create",
            contact_id=cid,
            key="access.gate_code",
            value="1111",
            address_id=elsewhere["id"],
        ),
        422,
        "VALIDATION_ERROR",
    )
    assert bad["details"]["fields"][0]["field"] == "address_id"

    # Moving a fact: to the person is fine; onto a place that has the key already is refused.
    moved = done(act(client, "attribute", "update", id=on_person["id"], address_id=rental_id))
    assert moved["address_id"] == rental_id
    error(act(client, "attribute", "update", id=count["id"], address_id=rental_id), 409, "CONFLICT")
    history = done(read(client, "attributes", id=on_person["id"], include="audit_trail"))
    assert history["audit_trail"][-1]["changes"]["address_id"] == {"old": None, "new": rental_id}


def test_deleting_an_address_deletes_its_facts_only(
    client: TestClient, landlord: dict[str, Any]
) -> None:
    cid, home_id, rental_id = (
        landlord["contact"]["id"],
        landlord["home"]["id"],
        landlord["rental"]["id"],
    )
    make(client, "attribute", contact_id=cid, key="property.window_count", value=26)
    sold = make(
        client,
        "attribute",
        contact_id=cid,
        key="access.lockbox_code",
        value="1990",
        address_id=rental_id,
    )
    make(client, "attribute", contact_id=cid, key="payment.preference", value="check")
    done(act(client, "address", "delete", id=rental_id))
    assert set(_facts(client, contact_id=cid)) == {
        ("property.window_count", home_id),
        ("payment.preference", None),
    }
    trail = done(read(client, "audit", entity_id=sold["id"]))
    assert [row["action"] for row in trail] == ["create", "delete"]


def test_search_finds_facts_about_any_property(
    client: TestClient, landlord: dict[str, Any]
) -> None:
    cid, rental_id = landlord["contact"]["id"], landlord["rental"]["id"]
    make(
        client,
        "attribute",
        contact_id=cid,
        key="access.instructions",
        value="Key under the blue flowerpot",
        address_id=rental_id,
    )
    make(client, "attribute", contact_id=cid, key="people.spouse_name", value="Tom")
    for query in ("flowerpot", "blue flowerpt", "spouse tom"):
        found = [c["id"] for c in done(read(client, "contacts", search=query))]
        assert found == [cid], query


def test_another_business_cannot_file_a_fact_under_my_address(
    app: Any, client: TestClient, landlord: dict[str, Any], owner: Any
) -> None:
    intruder = make_user(owner, email="other@example.com")
    cookie, session = app.state.auth.sessions.create(intruder["id"])
    other = TestClient(app, base_url="http://localhost")
    other.cookies.set("crm_session", cookie, domain="localhost.local")
    other.headers["X-CSRF-Token"] = session.csrf_token
    mine = make(other, "contact", first_name="Zed", last_name="Ray")
    error(
        act(
            other,
            "attribute",
            "create",
            contact_id=mine["id"],
            key="access.gate_code",
            value="0000",
            address_id=landlord["home"]["id"],
        ),
        404,  # to the other business, my address does not exist
        "NOT_FOUND",
    )
    assert done(read(other, "attributes", address_id=landlord["home"]["id"])) == []


def test_migration_moves_property_facts_to_the_primary_address(database: Any) -> None:
    """0012's rule on rows as they were before it: property keys go to the primary address (or
    the oldest), the rest stay on the person, a contact without an address keeps them."""
    path = Path(migrate_module.__file__).parent / "migrations" / "0012_property_facts.sql"
    rule = "-- " + path.read_text().split("-- Existing rows, by rule", 1)[1]
    with database.superuser() as conn, conn.transaction():
        user = conn.execute(
            "INSERT INTO users (email, display_name, business_name, timezone) "
            "VALUES ('m@example.com', 'M', 'M', 'UTC') RETURNING id"
        ).fetchone()["id"]

        def contact(name: str) -> Any:
            return conn.execute(
                "INSERT INTO contacts (user_id, first_name) VALUES (%s, %s) RETURNING id",
                (user, name),
            ).fetchone()["id"]

        def address(cid: Any, line1: str, primary: bool, days_ago: int = 0) -> Any:
            return conn.execute(
                "INSERT INTO addresses (user_id, contact_id, line1, is_primary, created_at) "
                "VALUES (%s, %s, %s, %s, now() - make_interval(days => %s)) RETURNING id",
                (user, cid, line1, primary, days_ago),
            ).fetchone()["id"]

        def fact(cid: Any, key: str) -> Any:
            return conn.execute(
                "INSERT INTO attributes (user_id, contact_id, key, value) "
                "VALUES (%s, %s, %s, 'true') RETURNING id",
                (user, cid, key),
            ).fetchone()["id"]

        landlord, plain, homeless = contact("L"), contact("P"), contact("H")
        address(landlord, "1 Rental Rd", False)
        home = address(landlord, "2 Home Ave", True)
        oldest = address(plain, "3 First St", False, days_ago=30)
        address(plain, "4 Second St", False)
        rows = {
            "dog": fact(landlord, "pets.has_dog"),
            "tenant": fact(landlord, "people.tenant_name"),
            "pay": fact(landlord, "payment.preference"),
            "bees": fact(plain, "hazards.bees"),
            "ladder": fact(homeless, "equipment.extension_ladder"),
        }
        conn.execute(rule)
        placed = {
            name: conn.execute(
                "SELECT address_id FROM attributes WHERE id = %s", (row,)
            ).fetchone()["address_id"]
            for name, row in rows.items()
        }
    assert placed == {"dog": home, "tenant": home, "pay": None, "bees": oldest, "ladder": None}
