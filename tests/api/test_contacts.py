"""Contacts and addresses over the actions/data API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import act, done, error, make, read


def test_create_read_update_contact(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = make(
        client,
        "contact",
        first_name="Mary",
        last_name="Johnson",
        email="Mary@Example.com",
        phone="(256) 555-1234",
        preferred_contact_method="sms",
    )
    assert contact["display_name"] == "Mary Johnson"
    assert contact["email"] == "mary@example.com"
    assert contact["phone"] == "+12565551234"
    assert contact["created_at"].endswith(("-06:00", "-05:00"))  # America/Chicago

    updated = done(act(client, "contact", "update", id=contact["id"], company="Johnson Rentals"))
    assert updated["company"] == "Johnson Rentals"
    assert updated["first_name"] == "Mary"  # fields not sent are left alone

    one = done(read(client, "contacts", id=contact["id"], include="audit_trail"))
    assert [a["action"] for a in one["audit_trail"]] == ["create", "update"]
    assert one["audit_trail"][1]["changes"] == {"company": {"old": "", "new": "Johnson Rentals"}}
    listed = done(read(client, "contacts"))
    assert [c["id"] for c in listed] == [contact["id"]]
    assert "search_text" not in listed[0] and "user_id" not in listed[0]


def test_contact_input_is_validated(client: TestClient, signed_in: dict[str, Any]) -> None:
    err = error(
        act(client, "contact", "create", first_name="A", phone="12"), 422, "VALIDATION_ERROR"
    )
    assert [f["field"] for f in err["details"]["fields"]] == ["phone"]
    err = error(act(client, "contact", "create", nickname="x"), 422, "VALIDATION_ERROR")
    assert {f["field"] for f in err["details"]["fields"]} >= {"nickname"}
    error(act(client, "contact", "create"), 422, "VALIDATION_ERROR")


def test_unknown_domain_and_action_list_the_valid_ones(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    err = error(act(client, "kontakt", "create"), 400, "BAD_REQUEST")
    assert "contact" in err["details"]["valid_domains"]
    err = error(act(client, "contact", "explode"), 400, "BAD_REQUEST")
    assert err["details"]["valid_actions"] == ["create", "delete", "resubscribe", "update"]


def test_addresses_primary_and_delete_rules(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = make(client, "contact", first_name="Ann")
    home = make(client, "address", contact_id=contact["id"], line1="1 Main St", city="Huntsville")
    assert home["is_primary"] is True
    rental = make(client, "address", contact_id=contact["id"], line1="9 Lake Rd", is_primary=True)
    addresses = done(read(client, "addresses", contact_id=contact["id"]))
    primaries = [a["line1"] for a in addresses if a["is_primary"]]
    assert primaries == ["9 Lake Rd"]

    ticket = make(
        client,
        "ticket",
        contact_id=contact["id"],
        address_id=rental["id"],
        scheduled_start="2026-12-01T09:00:00-06:00",
    )
    err = error(act(client, "address", "delete", id=rental["id"]), 409, "ADDRESS_IN_USE")
    assert "ticket" in err["message"]
    done(act(client, "ticket", "delete", id=ticket["id"]))
    # A deleted ticket still remembers where it was: the address stays in use.
    error(act(client, "address", "delete", id=rental["id"]), 409, "ADDRESS_IN_USE")
    assert done(act(client, "address", "delete", id=home["id"]))["deleted"] is True
    error(read(client, "addresses", id=home["id"]), 404, "NOT_FOUND")


def test_delete_contact_with_open_ticket_is_refused(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Bo")
    ticket = make(
        client, "ticket", contact_id=contact["id"], scheduled_start="2026-12-01T09:00:00Z"
    )
    response = act(client, "contact", "delete", id=contact["id"])
    err = error(response, 409, "CONTACT_HAS_DEPENDENCIES")
    assert err["details"]["open_tickets"] == 1
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="moved away"))
    assert done(act(client, "contact", "delete", id=contact["id"]))["deleted"] is True
    error(read(client, "contacts", id=contact["id"]), 404, "NOT_FOUND")
    assert done(read(client, "contacts")) == []
    assert done(read(client, "contacts", search="Bo")) == []
    error(act(client, "contact", "update", id=contact["id"], first_name="X"), 404, "NOT_FOUND")
