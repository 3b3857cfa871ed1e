"""Calling the actions and data API the way a client does."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response


def act(client: TestClient, domain: str, action: str, **data: Any) -> Response:
    """POST /api/actions; the client must be signed in (the `signed_in` fixture)."""
    return client.post(
        "/api/actions", json={"domain": domain, "action": action, "data": _jsonable(data)}
    )


def done(response: Response, status: int = 200) -> Any:
    """The envelope's data, after checking the status (with the body in the failure message)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is (status < 400)
    return body["data"]


def error(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    err: dict[str, Any] = response.json()["error"]
    assert err["code"] == code, err
    return err


def read(client: TestClient, type_: str, **params: Any) -> Response:
    return client.get("/api/data", params={"type": type_, **{k: str(v) for k, v in params.items()}})


def make(client: TestClient, domain: str, **data: Any) -> dict[str, Any]:
    """Create one entity through the API and return it."""
    result: dict[str, Any] = done(act(client, domain, "create", **data))
    return result


HEADLINE_NOTE = (
    "Elderly woman, very nice. 20+ screens. Dog named Biscuit, keep gate closed. "
    "Bring the extension ladder."
)


def closeout_job(client: TestClient, *, start: str) -> dict[str, Any]:
    """A ticket ready to close out: a contact with an address, an estimated price, and two
    lines (20 screens per unit, and a flexible window wash)."""
    contact = make(client, "contact", first_name="Edna", last_name="Whitfield")
    make(client, "address", contact_id=contact["id"], line1="4410 Old Gurley Rd")
    screens = make(
        client,
        "service",
        name="Screen cleaning",
        pricing_mode="per_unit",
        unit_price_cents=350,
        unit_label="screen",
    )
    wash = make(
        client, "service", name="Window wash", pricing_mode="flexible", unit_price_cents=15000
    )
    ticket = make(
        client, "ticket", contact_id=contact["id"], scheduled_start=start, is_price_estimated=True
    )
    screen_line = done(
        act(
            client,
            "line_item",
            "add",
            ticket_id=ticket["id"],
            service_id=screens["id"],
            quantity=20,
        )
    )
    wash_line = done(act(client, "line_item", "add", ticket_id=ticket["id"], service_id=wash["id"]))
    return {"contact": contact, "ticket": ticket, "screens": screen_line, "wash": wash_line}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ in ("UUID", "Decimal"):
        return str(value)
    return value


def preview_input(job: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The close-out preview input for a `closeout_job`, every step filled in."""
    data = {
        "ticket_id": job["ticket"]["id"],
        "duration_minutes": 95,
        "line_items": [
            {"line_item_id": job["screens"]["id"], "quantity": "22", "unit_price_cents": 350},
            {"line_item_id": job["wash"]["id"], "quantity": "1", "unit_price_cents": 17500},
        ],
        "confirm_estimated_prices": True,
        "notes": HEADLINE_NOTE,
        "next_step": {"kind": "reach_out", "months": 6},
    }
    data.update(overrides)
    return data
