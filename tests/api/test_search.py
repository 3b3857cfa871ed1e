"""One search box: names, company, email, phone in any format, addresses, notes, attributes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, make, read


def names(client: TestClient, query: str) -> list[str]:
    return [c["display_name"] for c in done(read(client, "contacts", search=query))]


@pytest.fixture
def people(client: TestClient, signed_in: dict[str, Any]) -> dict[str, dict[str, Any]]:
    edna = make(client, "contact", first_name="Edna", last_name="Whitfield", phone="256-555-1234")
    make(
        client,
        "address",
        contact_id=edna["id"],
        line1="4410 Old Gurley Rd",
        city="Owens Cross Roads",
        postal_code="35763",
    )
    make(client, "attribute", contact_id=edna["id"], key="age_group", value="elderly")
    make(client, "attribute", contact_id=edna["id"], key="pets.dog_name", value="Biscuit")

    young = make(client, "contact", first_name="Tyler", last_name="Brooks")
    make(client, "address", contact_id=young["id"], line1="12 Elm St", city="Owens Cross Roads")

    harold = make(
        client, "contact", first_name="Harold", last_name="Johnson", email="hj@bigmail.com"
    )
    make(client, "address", contact_id=harold["id"], line1="9 Pine Ave", city="Huntsville")
    make(client, "attribute", contact_id=harold["id"], key="age_group", value="elderly")
    make(
        client, "note", contact_id=harold["id"], body="Needs the 28ft extension ladder for the back"
    )

    make(client, "contact", company="Smith & Sons Rentals", phone="+1 (256) 555-9876")
    make(client, "contact", first_name="100%", last_name="Clean", company="under_score LLC")
    return {"edna": edna, "harold": harold}


def test_attribute_and_city_words_find_the_elderly_customer(
    client: TestClient, people: dict[str, Any]
) -> None:
    assert names(client, "elderly owens cross roads") == ["Edna Whitfield"]
    assert sorted(names(client, "Owens Cross Roads")) == ["Edna Whitfield", "Tyler Brooks"]
    assert sorted(names(client, "elderly")) == ["Edna Whitfield", "Harold Johnson"]


@pytest.mark.parametrize("query", ["555 1234", "555-1234", "(256) 555-1234", "2565551234"])
def test_phone_in_any_format(client: TestClient, people: dict[str, Any], query: str) -> None:
    assert names(client, query) == ["Edna Whitfield"]


def test_one_letter_typos_in_surnames(client: TestClient, people: dict[str, Any]) -> None:
    assert names(client, "Jonson") == ["Harold Johnson"]
    assert names(client, "Whitfeld") == ["Edna Whitfield"]
    assert "Smith & Sons Rentals" in names(client, "Smyth")


def test_notes_email_postal_code_and_pets(client: TestClient, people: dict[str, Any]) -> None:
    assert names(client, "extension ladder") == ["Harold Johnson"]
    assert names(client, "bigmail") == ["Harold Johnson"]
    assert names(client, "35763") == ["Edna Whitfield"]
    assert names(client, "biscuit") == ["Edna Whitfield"]
    assert names(client, "dog name") == ["Edna Whitfield"]


def test_percent_and_underscore_are_literal(client: TestClient, people: dict[str, Any]) -> None:
    assert names(client, "%") == []
    assert names(client, "_") == []
    assert names(client, "100%") == ["100% Clean"]
    assert names(client, "under_score") == ["100% Clean"]


def test_search_follows_changes_and_deletes(client: TestClient, people: dict[str, Any]) -> None:
    harold = people["harold"]
    note = make(client, "note", contact_id=harold["id"], body="Beware of the bees by the shed")
    assert names(client, "bees shed") == ["Harold Johnson"]
    done(act(client, "note", "delete", id=note["id"]))
    assert names(client, "bees") == []
    done(act(client, "contact", "update", id=harold["id"], last_name="Jameson"))
    assert names(client, "Jameson") == ["Harold Jameson"]
    done(act(client, "contact", "delete", id=harold["id"]))
    assert names(client, "extension ladder") == []


def test_name_matches_rank_first(client: TestClient, people: dict[str, Any]) -> None:
    make(client, "note", contact_id=people["edna"]["id"], body="Referred by Harold next door")
    assert names(client, "Harold")[0] == "Harold Johnson"
