"""The catalog pages: list, create (per pricing mode), edit, retire, retired toggle."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.api.helpers import done, make, read


def post(client: TestClient, url: str, signed_in: dict[str, Any], **data: Any) -> Response:
    return client.post(
        url, data={"csrf_token": signed_in["csrf_token"], **data}, follow_redirects=False
    )


def test_empty_catalog_and_new_form_explain_the_modes(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    page = client.get("/catalog")
    assert page.status_code == 200
    assert "Nothing in your catalog yet" in page.text and 'href="/catalog/new"' in page.text
    assert 'aria-current="page">Catalog' in page.text

    form = client.get("/catalog/new")
    assert form.status_code == 200
    for label in ("Fixed price", "Flexible price", "Per unit", "Product"):
        assert label in form.text
    assert "Needs a unit label" in form.text
    for field in ("name", "price", "unit_label", "default_duration_minutes", "description"):
        assert f'<label for="{field}">' in form.text, field


def test_create_each_pricing_mode_and_list_prices(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    for data in (
        {"name": "Gutter cleaning", "pricing_mode": "fixed", "price": "$1,234.50"},
        {"name": "Quote job", "pricing_mode": "flexible", "price": "80"},
        {
            "name": "Screen repair",
            "pricing_mode": "per_unit",
            "price": "12",
            "unit_label": "screen",
        },
        {"name": "Squeegee kit", "pricing_mode": "product", "price": "19.99"},
    ):
        response = post(client, "/catalog", signed_in, default_duration_minutes="45", **data)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/catalog?notice=created"
    services = {s["name"]: s for s in done(read(client, "services"))}
    assert services["Gutter cleaning"]["unit_price_cents"] == 123450
    assert services["Screen repair"]["unit_label"] == "screen"
    assert services["Quote job"]["default_duration_minutes"] == 45

    page = client.get("/catalog").text
    assert "$1,234.50" in page
    assert "$80.00 to start" in page and "Flexible price" in page
    assert "$12.00 per screen" in page
    assert "$19.99 each" in page


def test_usual_time_left_empty_is_an_hour_a_job_or_five_minutes_a_unit(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    """An hour per window would block a whole day for a 26-window house."""
    assert (
        'value="60"'
        not in client.get("/catalog/new").text.split("default_duration_minutes")[1][:300]
    )
    for data in (
        {"name": "Gutters", "pricing_mode": "fixed", "price": "90"},
        {"name": "Windows", "pricing_mode": "per_unit", "price": "5", "unit_label": "window"},
    ):
        assert post(client, "/catalog", signed_in, default_duration_minutes="", **data).is_redirect
    services = {s["name"]: s for s in done(read(client, "services"))}
    assert services["Gutters"]["default_duration_minutes"] == 60
    assert services["Windows"]["default_duration_minutes"] == 5
    assert "5 min each" in client.get("/catalog").text


def test_create_problems_are_shown_next_to_the_fields(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    response = post(
        client, "/catalog", signed_in, name="Screens", pricing_mode="per_unit", price="12"
    )
    assert response.status_code == 422
    assert "Per-unit pricing needs a unit label" in response.text
    assert 'aria-invalid="true"' in response.text and 'value="Screens"' in response.text

    response = post(client, "/catalog", signed_in, name="", price="ten dollars")
    assert response.status_code == 422
    assert "Give it a name" in response.text
    assert "Enter an amount in dollars, like 45 or 45.50." in response.text
    assert "Choose how this is priced." in response.text
    assert done(read(client, "services")) == []


def test_edit_and_retire(client: TestClient, signed_in: dict[str, Any]) -> None:
    service = make(
        client,
        "service",
        name="Wash",
        pricing_mode="per_unit",
        unit_price_cents=500,
        unit_label="pane",
    )
    form = client.get(f"/catalog/{service['id']}/edit")
    assert form.status_code == 200
    assert 'value="Wash"' in form.text and 'value="5.00"' in form.text
    assert "Per unit" in form.text and "retire it and create a new one" in form.text

    no_label = post(
        client, f"/catalog/{service['id']}", signed_in, name="Wash", price="6", unit_label=""
    )
    assert no_label.status_code == 422 and "needs a unit label" in no_label.text

    response = post(
        client,
        f"/catalog/{service['id']}",
        signed_in,
        name="Window wash",
        price="6.25",
        unit_label="window",
        default_duration_minutes="90",
        description="Inside and out",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/catalog?notice=saved"
    changed = done(read(client, "services", id=service["id"]))
    assert changed["name"] == "Window wash" and changed["unit_price_cents"] == 625
    assert changed["default_duration_minutes"] == 90
    assert "$6.25 per window" in client.get("/catalog").text

    assert "Retiring keeps it on past tickets" in form.text
    retired = post(client, f"/catalog/{service['id']}/retire", signed_in)
    assert retired.status_code == 303
    page = client.get("/catalog").text
    assert "Window wash" not in page
    assert 'href="/catalog?retired=1"' in page and "Show 1 retired service" in page
    shown = client.get("/catalog", params={"retired": "1"}).text
    assert "Window wash" in shown and "retired</span>" in shown
    assert "can't be added to new tickets" in shown
    edit = client.get(f"/catalog/{service['id']}/edit").text
    assert "Retired on" in edit and "/retire" not in edit


def test_a_per_unit_services_usual_time_is_per_unit(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    assert "minutes per window (one unit), multiplied by the quantity" in (
        client.get("/catalog/new").text
    )
    windows = make(
        client,
        "service",
        name="Windows",
        pricing_mode="per_unit",
        unit_price_cents=400,
        unit_label="window",
        default_duration_minutes=5,
    )
    make(client, "service", name="Gutters", pricing_mode="fixed", default_duration_minutes=90)

    form = client.get(f"/catalog/{windows['id']}/edit").text
    assert '<label for="default_duration_minutes">Usual time per window (minutes)</label>' in form
    assert "Minutes for one window: a new ticket multiplies it by the quantity" in form
    listed = client.get("/catalog").text
    assert "Per unit · 5 min each" in listed and "Fixed price · about 90 min" in listed
