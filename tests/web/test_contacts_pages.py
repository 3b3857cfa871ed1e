"""The contact pages: search, create, the contact card and its sub-forms, edit, delete."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.api.helpers import act, done, make, read


def post(client: TestClient, url: str, signed_in: dict[str, Any], **data: Any) -> Response:
    """A plain form post, as a browser without JavaScript sends it."""
    return client.post(
        url, data={"csrf_token": signed_in["csrf_token"], **data}, follow_redirects=False
    )


def created_id(response: Response, prefix: str) -> str:
    assert response.status_code == 303, response.text
    match = re.match(rf"{prefix}/([0-9a-f-]{{36}})", response.headers["location"])
    assert match, response.headers["location"]
    return match[1]


def test_empty_list_and_new_contact_form(client: TestClient, signed_in: dict[str, Any]) -> None:
    page = client.get("/contacts")
    assert page.status_code == 200
    assert "No contacts yet" in page.text and 'href="/contacts/new"' in page.text
    assert '<label for="q">' in page.text and 'aria-current="page">Contacts' in page.text

    form = client.get("/contacts/new")
    assert form.status_code == 200
    for field in ("first_name", "last_name", "company", "phone", "email", "address_line1"):
        assert f'<label for="{field}">' in form.text, field
    assert 'name="csrf_token"' in form.text
    assert "style=" not in form.text and "<script>" not in form.text


def test_create_contact_with_first_address(client: TestClient, signed_in: dict[str, Any]) -> None:
    response = post(
        client,
        "/contacts",
        signed_in,
        first_name="Mary",
        last_name="Johnson",
        phone="256.555.1234",
        email="Mary@Example.com",
        preferred_contact_method="sms",
        preferred_time_of_day="mornings",
        address_line1="12 Oak St",
        address_city="Huntsville",
        address_region="AL",
        address_postal_code="35801",
        address_access_notes="Gate code 4455",
    )
    contact_id = created_id(response, "/contacts")
    assert response.headers["location"].endswith("?notice=created")

    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "<h1>Mary Johnson</h1>" in page.text
    assert "Created." in page.text
    assert 'href="tel:+12565551234"' in page.text and "(256) 555-1234" in page.text
    assert 'href="mailto:mary@example.com"' in page.text
    assert "Text message" in page.text and "mornings" in page.text
    assert "12 Oak St" in page.text and "Huntsville, AL 35801" in page.text
    assert '<span class="badge">primary</span>' in page.text
    assert "Gate code 4455" in page.text
    addresses = done(read(client, "addresses", contact_id=contact_id))
    assert [a["line1"] for a in addresses] == ["12 Oak St"]

    # A contact without an address is fine too.
    created_id(post(client, "/contacts", signed_in, company="Acme Rentals"), "/contacts")
    assert len(done(read(client, "contacts"))) == 2


def test_create_contact_shows_each_problem_and_creates_nothing(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    response = post(client, "/contacts", signed_in, first_name="", phone="")
    assert response.status_code == 422
    assert "needs a first name, last name or company" in response.text

    response = post(
        client,
        "/contacts",
        signed_in,
        first_name="Ann",
        phone="555-12",
        email="not-an-email",
        address_city="Huntsville",
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    text = response.text
    assert re.search(r'id="phone"[^>]*aria-invalid="true"', text)
    assert "include the area code" in text or "not a phone number" in text
    assert re.search(r'id="email"[^>]*aria-invalid="true"', text)
    assert "Not a valid email address" in text
    assert "Enter the street address, or clear the address fields." in text
    assert 'value="Huntsville"' in text and 'value="Ann"' in text  # nothing typed is lost
    assert done(read(client, "contacts")) == []


def test_search_by_phone_digits_and_by_attribute_value(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    ann = make(client, "contact", first_name="Ann", last_name="Lee", phone="(256) 555-1234")
    bob = make(client, "contact", first_name="Bob", last_name="Stone", phone="256 555 9876")
    make(client, "attribute", contact_id=ann["id"], key="pets.dog_name", value="Biscuit")
    make(client, "address", contact_id=bob["id"], line1="7 Elm Road", city="Madison")

    listed = client.get("/contacts")
    assert listed.text.index("Bob Stone") < listed.text.index("Ann Lee")  # newest first
    assert "7 Elm Road, Madison" in listed.text and "(256) 555-9876" in listed.text

    by_phone = client.get("/contacts", params={"q": "555-1234"})
    assert by_phone.status_code == 200
    assert f'href="/contacts/{ann["id"]}"' in by_phone.text
    assert f'href="/contacts/{bob["id"]}"' not in by_phone.text
    assert "1 match for" in by_phone.text

    digits = client.get("/contacts", params={"q": "2565559876"})
    assert f'href="/contacts/{bob["id"]}"' in digits.text
    assert f'href="/contacts/{ann["id"]}"' not in digits.text

    by_dog = client.get("/contacts", params={"q": "biscuit"})
    assert f'href="/contacts/{ann["id"]}"' in by_dog.text
    assert f'href="/contacts/{bob["id"]}"' not in by_dog.text
    assert 'value="biscuit"' in by_dog.text

    nothing = client.get("/contacts", params={"q": "zebra"})
    assert "No contact matches “zebra”" in nothing.text
    assert 'href="/contacts/new"' in nothing.text


def test_edit_contact(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = make(client, "contact", first_name="Ann", phone="2565551234")
    form = client.get(f"/contacts/{contact['id']}/edit")
    assert form.status_code == 200
    assert 'value="Ann"' in form.text and 'value="(256) 555-1234"' in form.text

    bad = post(client, f"/contacts/{contact['id']}", signed_in, first_name="", last_name="")
    assert bad.status_code == 422
    assert "Enter a first name, last name or company." in bad.text

    response = post(
        client,
        f"/contacts/{contact['id']}",
        signed_in,
        first_name="Ann",
        last_name="Lee",
        phone="(256) 555-1234",
        preferred_contact_method="phone",
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/contacts/{contact['id']}?notice=saved"
    updated = done(read(client, "contacts", id=contact["id"]))
    assert updated["display_name"] == "Ann Lee"
    assert updated["phone"] == "+12565551234"
    assert updated["preferred_contact_method"] == "phone"


def test_delete_contact_explains_what_blocks_it(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    busy = make(client, "contact", first_name="Busy")
    ticket = make(client, "ticket", contact_id=busy["id"], scheduled_start="2026-12-01T15:00:00Z")
    confirm = client.get(f"/contacts/{busy['id']}/delete")
    assert confirm.status_code == 200
    assert "can't be deleted yet" in confirm.text and "1 open ticket" in confirm.text
    assert f'href="/tickets/{ticket["id"]}"' in confirm.text

    refused = post(client, f"/contacts/{busy['id']}/delete", signed_in)
    assert refused.status_code == 409
    assert "still has open tickets or unpaid invoices" in refused.text
    assert "1 open ticket" in refused.text and "Back to Busy" in refused.text
    assert "Finish or cancel the ticket; then you can delete Busy." in refused.text
    assert done(read(client, "contacts", id=busy["id"]))["first_name"] == "Busy"

    owing = make(client, "contact", first_name="Owing")
    invoice = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=owing["id"],
            lines=[{"description": "Screens", "quantity": "2", "unit_price_cents": 1500}],
        )
    )
    refused = post(client, f"/contacts/{owing['id']}/delete", signed_in)
    assert refused.status_code == 409
    assert "1 unpaid invoice" in refused.text and "$30.00 due" in refused.text
    assert f'href="/invoices/{invoice["id"]}"' in refused.text
    assert "Get the invoice paid or void it" in refused.text

    free = make(client, "contact", first_name="Free")
    confirm = client.get(f"/contacts/{free['id']}/delete")
    assert "Delete contact</button>" in confirm.text
    response = post(client, f"/contacts/{free['id']}/delete", signed_in)
    assert response.status_code == 303
    assert response.headers["location"] == "/contacts?notice=deleted"
    listed = client.get(response.headers["location"])
    assert "Deleted." in listed.text and "Free" not in listed.text
    assert client.get(f"/contacts/{free['id']}").status_code == 404


def test_addresses_add_make_primary_and_delete(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Ann")
    page = client.get(f"/contacts/{contact['id']}")
    assert "No address yet" in page.text

    missing = post(client, f"/contacts/{contact['id']}/addresses", signed_in, city="Madison")
    assert missing.status_code == 422
    assert "Enter the street address." in missing.text and 'value="Madison"' in missing.text

    first = post(client, f"/contacts/{contact['id']}/addresses", signed_in, line1="1 Main St")
    assert first.status_code == 303
    assert first.headers["location"] == f"/contacts/{contact['id']}?notice=created#addresses"
    second = post(
        client, f"/contacts/{contact['id']}/addresses", signed_in, line1="2 Side St", label="Rental"
    )
    assert second.status_code == 303
    addresses = {a["line1"]: a for a in done(read(client, "addresses", contact_id=contact["id"]))}
    assert addresses["1 Main St"]["is_primary"] and not addresses["2 Side St"]["is_primary"]

    side = addresses["2 Side St"]["id"]
    made = post(client, f"/contacts/{contact['id']}/addresses/{side}/primary", signed_in)
    assert made.status_code == 303
    assert done(read(client, "addresses", id=side))["is_primary"] is True

    main = addresses["1 Main St"]["id"]
    make(
        client,
        "ticket",
        contact_id=contact["id"],
        address_id=main,
        scheduled_start="2026-12-01T15:00:00Z",
    )
    refused = post(client, f"/contacts/{contact['id']}/addresses/{main}/delete", signed_in)
    assert refused.status_code == 409
    assert "can't be deleted" in refused.text and "make it primary" in refused.text
    assert len(done(read(client, "addresses", contact_id=contact["id"]))) == 2

    deleted = post(client, f"/contacts/{contact['id']}/addresses/{side}/delete", signed_in)
    assert deleted.status_code == 303
    remaining = done(read(client, "addresses", contact_id=contact["id"]))
    assert [a["line1"] for a in remaining] == ["1 Main St"]


def test_attributes_add_edit_delete_grouped_by_prefix(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Ann")
    url = f"/contacts/{contact['id']}"
    page = client.get(url)
    assert "No details yet" in page.text
    assert '<option value="pets.dog_name">' in page.text

    assert post(client, f"{url}/attributes", signed_in, key="pets.has_dog", value="yes").is_redirect
    assert post(
        client, f"{url}/attributes", signed_in, key="pets.dog_name", value="rex"
    ).is_redirect
    assert post(
        client, f"{url}/attributes", signed_in, key="property.window_count", value="20+"
    ).is_redirect
    stored = {a["key"]: a for a in done(read(client, "attributes", contact_id=contact["id"]))}
    assert stored["pets.has_dog"]["value"] is True
    assert stored["pets.dog_name"]["value"] == "Rex"
    assert stored["property.window_count"]["value"] == {"count": 20, "plus": True}

    page = client.get(url).text
    # No address: every fact is about Ann herself.
    assert '<h3 class="place">About Ann</h3>' in page
    assert "<h4>Pets</h4>" in page and "<h4>Property</h4>" in page
    assert "<strong>A dog lives there:</strong> Yes" in page
    assert "<strong>The dog&#39;s name:</strong> Rex" in page
    assert "<strong>Number of windows:</strong> 20+" in page
    assert '<option value="pets.dog_name">' not in page  # already recorded

    bad = post(client, f"{url}/attributes", signed_in, key="pets.has_cat", value="maybe")
    assert bad.status_code == 422
    assert "Answer yes or no." in bad.text and 'value="maybe"' in bad.text
    unknown = post(client, f"{url}/attributes", signed_in, key="", value="x")
    assert unknown.status_code == 422
    assert "Choose what you want to record" in unknown.text

    windows = stored["property.window_count"]["id"]
    edited = post(client, f"{url}/attributes/{windows}", signed_in, value="25")
    assert edited.status_code == 303
    assert done(read(client, "attributes", id=windows))["value"] == {"count": 25, "plus": False}
    wrong = post(client, f"{url}/attributes/{windows}", signed_in, value="lots")
    assert wrong.status_code == 422 and "Enter a number" in wrong.text

    days = make(
        client, "attribute", contact_id=contact["id"], key="preferences.days", value=["monday"]
    )
    response = client.post(
        f"{url}/attributes/{days['id']}",
        data={"csrf_token": signed_in["csrf_token"], "value": ["friday", "monday"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert done(read(client, "attributes", id=days["id"]))["value"] == ["monday", "friday"]
    assert "Monday, Friday" in client.get(url).text

    gone = post(client, f"{url}/attributes/{windows}/delete", signed_in)
    assert gone.status_code == 303
    assert (
        "Number of windows"
        not in client.get(url).text.split('id="details"')[1].split("Add a detail")[0]
    )


def test_notes_tickets_and_messages_on_the_card(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Ann")
    url = f"/contacts/{contact['id']}"
    page = client.get(url).text
    assert "No notes yet" in page and "No tickets yet" in page and "No messages scheduled" in page

    empty = post(client, f"{url}/notes", signed_in, body="  ")
    assert empty.status_code == 422 and "Write something first." in empty.text
    added = post(client, f"{url}/notes", signed_in, body="Side gate sticks.\nLift it.")
    assert added.status_code == 303
    assert added.headers["location"] == f"{url}?notice=created#notes"
    assert "Side gate sticks.<br>Lift it." in client.get(url).text
    card = post(client, f"{url}/notes", signed_in, body="Paid with 4111 1111 1111 1111")
    assert card.headers["location"] == f"{url}?notice=redacted#notes"
    assert "4111 1111" not in client.get(card.headers["location"]).text

    service = make(client, "service", name="Wash", pricing_mode="fixed", unit_price_cents=5000)
    ticket = make(
        client,
        "ticket",
        contact_id=contact["id"],
        title="Front windows",
        scheduled_start="2026-12-01T15:00:00Z",
    )
    done(act(client, "line_item", "add", ticket_id=ticket["id"], service_id=service["id"]))
    message = done(
        act(
            client,
            "message",
            "schedule",
            kind="reminder",
            contact_id=contact["id"],
            ticket_id=ticket["id"],
            subject="See you Tuesday",
            body="Hi",
            scheduled_for="2026-11-30T15:00:00Z",
        )
    )
    page = client.get(url).text
    assert f'href="/tickets/{ticket["id"]}"' in page and "Front windows" in page
    assert "$50.00" in page and "1 open" in page
    assert "Dec 1, 2026" in page  # 15:00 UTC is 9 am in Chicago, same day
    assert "See you Tuesday" in page and "goes out Mon Nov 30, 9:00 AM" in page

    cancelled = post(client, f"/messages/{message['id']}/cancel", signed_in, back=f"{url}#messages")
    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == f"{url}?notice=cancelled#messages"
    assert done(read(client, "messages", id=message["id"]))["status"] == "cancelled"
    assert "Cancel message" not in client.get(url).text


def test_unknown_contact_is_a_404_page(client: TestClient, signed_in: dict[str, Any]) -> None:
    response = client.get("/contacts/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "Not found" in response.text


def test_facts_are_grouped_by_property_and_can_move(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    """The landlord: the home's and the rental's facts under their own headings; a detail put
    on the wrong property moves with the "About" select; an address goes with its details."""
    contact = make(client, "contact", first_name="Ruth", last_name="Okafor")
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
    url = f"/contacts/{contact['id']}"
    # "Where it belongs": a property detail goes to the primary address…
    assert post(
        client, f"{url}/attributes", signed_in, key="property.window_count", value="26"
    ).is_redirect
    # …the same key for the rental, chosen in the select, is a second detail, not a clash.
    assert post(
        client,
        f"{url}/attributes",
        signed_in,
        key="property.window_count",
        value="14",
        place=rental["id"],
    ).is_redirect
    assert post(
        client, f"{url}/attributes", signed_in, key="payment.preference", value="check"
    ).is_redirect
    # A lockbox code filed on the home by mistake.
    assert post(
        client,
        f"{url}/attributes",
        signed_in,
        key="access.lockbox_code",
        value="1990",
        place=home["id"],
    ).is_redirect

    page = client.get(url).text
    details = page.split('id="details"')[1].split("Add a detail")[0]
    about, home_part, rental_part = (
        details.split(">About Ruth</h3>")[1].split("<h3")[0],
        details.split(">Home · 12 Birch Lane</h3>")[1].split("<h3")[0],
        details.split(">Rental on Oak St · 88 Oak St</h3>")[1],
    )
    assert "How they like to pay" in about and "Number of windows" not in about
    assert "<strong>Number of windows:</strong> 26" in home_part
    assert "<strong>Number of windows:</strong> 14" in rental_part
    assert "Lockbox code" in home_part and "Lockbox code" not in rental_part
    # Both addresses have a window count: nothing left to add it to.
    assert '<option value="property.window_count">' not in page
    assert '<option value="property.stories">' in page

    lockbox = next(
        a
        for a in done(read(client, "attributes", contact_id=contact["id"]))
        if a["key"] == "access.lockbox_code"
    )
    moved = post(
        client, f"{url}/attributes/{lockbox['id']}", signed_in, value="1990", place=rental["id"]
    )
    assert moved.status_code == 303
    assert done(read(client, "attributes", id=lockbox["id"]))["address_id"] == rental["id"]
    page = client.get(url).text
    assert "Delete this address and the 2 details about it?" in page

    assert post(client, f"{url}/addresses/{rental['id']}/delete", signed_in).status_code == 303
    left = {a["key"] for a in done(read(client, "attributes", contact_id=contact["id"]))}
    assert left == {"property.window_count", "payment.preference"}
