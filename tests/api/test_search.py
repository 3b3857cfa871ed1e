"""One search box: names, company, email, phone in any format, addresses, notes, attributes;
accents, case, street suffixes and typos do not matter."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, make, read
from tests.factories import make_user


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


# -- accents, street suffixes, typos (docs/search.md) -----------------------------------------


@pytest.fixture
def accented(client: TestClient, signed_in: dict[str, Any]) -> dict[str, dict[str, Any]]:
    nunez = make(client, "contact", first_name="Inés", last_name="Ñúñez")
    make(client, "address", contact_id=nunez["id"], line1="7 Birch Ln", city="Huntsville")
    eglise = make(client, "contact", company="Église Saint-Pierre")
    make(client, "address", contact_id=eglise["id"], line1="12 Oak St", city="Madison")
    jose = make(client, "contact", first_name="José", last_name="Nunez")
    make(client, "address", contact_id=jose["id"], line1="30 Birch Lane", city="Huntsville")
    return {"nunez": nunez, "eglise": eglise, "jose": jose}


def test_accents_and_case_do_not_matter(client: TestClient, accented: dict[str, Any]) -> None:
    assert sorted(names(client, "Nunez")) == ["Inés Ñúñez", "José Nunez"]
    assert sorted(names(client, "ÑÚÑEZ")) == ["Inés Ñúñez", "José Nunez"]
    assert names(client, "ines nunez")[0] == "Inés Ñúñez"  # José Nunez is close, and second
    assert names(client, "josé nuñez")[0] == "José Nunez"
    assert names(client, "Eglise") == ["Église Saint-Pierre"]
    assert names(client, "église saint") == ["Église Saint-Pierre"]
    for query in ("jose", "JOSE", "José"):
        assert names(client, query) == ["José Nunez"], query


def test_a_typo_in_an_accented_name(client: TestClient, accented: dict[str, Any]) -> None:
    assert names(client, "Eglize") == ["Église Saint-Pierre"]
    assert "Inés Ñúñez" in names(client, "Nunes")


def test_street_suffixes_match_either_spelling(
    client: TestClient, accented: dict[str, Any]
) -> None:
    both = ["Inés Ñúñez", "José Nunez"]
    assert sorted(names(client, "Birch Ln")) == both
    assert sorted(names(client, "birch lane")) == both
    assert sorted(names(client, "7 birch lane")) == ["Inés Ñúñez"]
    assert names(client, "30 Birch Ln") == ["José Nunez"]
    assert names(client, "12 oak street") == ["Église Saint-Pierre"]
    assert names(client, "oak st") == ["Église Saint-Pierre"]
    assert names(client, "oak stre") == ["Église Saint-Pierre"]


def test_typos_in_attribute_values_and_notes(client: TestClient, people: dict[str, Any]) -> None:
    make(
        client,
        "note",
        contact_id=people["harold"]["id"],
        body="Rhododendron by the driveway, mind the hose",
    )
    assert names(client, "biscut") == ["Edna Whitfield"]
    assert names(client, "Bisciut") == ["Edna Whitfield"]
    assert names(client, "rhododendrun") == ["Harold Johnson"]
    assert names(client, "extenson ladder") == ["Harold Johnson"]


def test_an_exact_word_hides_mere_typo_matches(client: TestClient, people: dict[str, Any]) -> None:
    make(client, "note", contact_id=people["harold"]["id"], body="Has been a customer for years")
    assert names(client, "bees") == ["Harold Johnson"]  # "been", one edit away
    make(client, "note", contact_id=people["edna"]["id"], body="Bees nest under the porch")
    assert names(client, "bees") == ["Edna Whitfield"]


def test_edits_are_searchable_without_accents(client: TestClient, accented: dict[str, Any]) -> None:
    jose = accented["jose"]
    done(act(client, "contact", "update", id=jose["id"], last_name="Peña"))
    assert names(client, "pena") == ["José Peña"]
    assert names(client, "nunez") == ["Inés Ñúñez"]
    make(client, "note", contact_id=jose["id"], body="Prefers Spanish — habla español")
    assert names(client, "espanol") == ["José Peña"]


def other_business(app: Any, owner: Any) -> TestClient:
    """Another business, signed in in its own browser."""
    user = make_user(owner, business_name="Other Co")
    cookie, session = app.state.auth.sessions.create(user["id"])
    other = TestClient(app, base_url="http://localhost")
    other.cookies.set("crm_session", cookie, domain="localhost.local")
    other.headers["X-CSRF-Token"] = session.csrf_token
    return other


def test_another_business_never_finds_these_contacts(
    app: Any, client: TestClient, owner: Any, people: dict[str, Any], accented: dict[str, Any]
) -> None:
    other = other_business(app, owner)
    theirs = make(other, "contact", first_name="Biscuit", last_name="Nuñez")
    make(other, "address", contact_id=theirs["id"], line1="9 Birch Lane")
    queries = ["nunez", "Ñúñez", "jose", "eglise", "birch ln", "oak street", "biscut", "biscuit"]
    queries += ["Whitfeld", "extension ladder", "555 1234", "elderly", "rhododendrun"]
    for query in queries:
        assert "Biscuit Nuñez" not in names(client, query), query
        assert set(names(other, query)) <= {"Biscuit Nuñez"}, query
    assert names(other, "biscut") == ["Biscuit Nuñez"]
    assert names(other, "birch lane") == ["Biscuit Nuñez"]
    assert names(client, "biscut") == ["Edna Whitfield"]
