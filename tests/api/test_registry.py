"""The registry: capabilities, and cross-business isolation generated from it."""

from __future__ import annotations

import uuid
from typing import Any, get_args

import jsonschema
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from crm.core.registry import REGISTRY
from tests.api.helpers import act, done, error, make, read
from tests.factories import make_user

# Which entity an action domain or a data type is about (for `id` fields and `id=` reads).
DOMAIN_ENTITY = {
    "contact": "contact",
    "address": "address",
    "staff": "staff",
    "service": "service",
    "ticket": "ticket",
    "line_item": "line_item",
    "note": "note",
    "attribute": "attribute",
    "invoice": "invoice",
    "message": "message",
    "waitlist": "waitlist",
    "plan": "plan",
    "import": "import",
    "api_token": "api_token",
    "authorization": "authorization",
}
TYPE_ENTITY = {
    "contacts": "contact",
    "addresses": "address",
    "staff": "staff",
    "services": "service",
    "tickets": "ticket",
    "line_items": "line_item",
    "notes": "note",
    "attributes": "attribute",
    "invoices": "invoice",
    "payments": "payment",
    "messages": "message",
    "audit": "audit",
    "waitlist": "waitlist",
    "plans": "plan",
    "due_for_service": "contact",
    "imports": "import",
    "api_tokens": "api_token",
    "authorizations": "authorization",
}
# Reference fields whose target is not the field name's own entity.
REFERENCE_ENTITY = {"referred_by_id": "contact", "staff_ids": "staff"}
# Plausible values for required fields that are not ids.
FILLERS: dict[str, Any] = {
    "mapping": {"Name": "full_name"},
    "first_name": "Filler",
    "name": "Filler",
    "line1": "1 Filler St",
    "body": "filler note",
    "key": "filler.key",
    "value": "filler",
    "pricing_mode": "fixed",
    "scheduled_start": "2026-12-01T09:00:00Z",
    "scheduled_for": "2026-12-01T09:00:00Z",
    "reason": "filler reason",
    "description": "filler",
    "unit_price_cents": 100,
    "amount_cents": 100,
    "kind": "custom",
    "subject": "filler",
    "method": "cash",
    "lines": [{"description": "filler", "quantity": "1", "unit_price_cents": 100}],
    "duration_minutes": 60,
    "line_items": [],
    "notes": "",
    "next_step": {"kind": "none"},
    "decisions": [],
    "services": [{"service_id": "00000000-0000-0000-0000-000000000001"}],
    "latest_date": "2031-07-01",
    "rrule": "FREQ=WEEKLY",
    "start_date": "2026-12-01",
    "start_time": "09:00",
    "scope": "all",
}


def test_capabilities_list_every_action_with_a_valid_schema(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    caps = done(client.get("/api/capabilities"))
    listed = {(d, a) for d, spec in caps["domains"].items() for a in spec["actions"]}
    assert listed == set(REGISTRY.actions)
    for domain, spec in caps["domains"].items():
        for name, action in spec["actions"].items():
            assert action["description"], f"{domain}.{name} has no description"
            jsonschema.Draft202012Validator.check_schema(action["input"])
            assert action["input"].get("additionalProperties") is False, (domain, name)
    assert set(caps["data_types"]) == set(REGISTRY.data_types)
    assert caps["data_types"]["contacts"]["search"] is True
    assert "audit_trail" in caps["data_types"]["tickets"]["includes"]
    assert "from" in caps["data_types"]["tickets"]["filters"]
    # A schema from the document accepts what the API accepts.
    schema = caps["domains"]["contact"]["actions"]["create"]["input"]
    jsonschema.validate({"first_name": "Ann", "phone": "256 555 1234"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"first_name": "Ann", "shoe_size": 9}, schema)


def test_registering_an_action_twice_fails() -> None:
    from crm.core.models.common import Ref

    with pytest.raises(RuntimeError, match="registered twice"):
        REGISTRY.action("contact", "create", input=Ref)(lambda conn, data: None)


def test_data_api_rejects_unknown_types_filters_and_includes(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    assert (
        "contacts" in error(read(client, "kontacts"), 400, "BAD_REQUEST")["details"]["valid_types"]
    )
    error(read(client, "contacts", colour="red"), 400, "BAD_REQUEST")
    error(read(client, "contacts", include="invoices"), 400, "BAD_REQUEST")
    error(read(client, "contacts", id="not-an-id"), 422, "VALIDATION_ERROR")
    error(read(client, "contacts", limit=5000), 422, "VALIDATION_ERROR")
    error(read(client, "staff", search="x"), 400, "BAD_REQUEST")


# -- isolation ---------------------------------------------------------------------------------


def build_world(client: TestClient) -> dict[str, str]:
    """One of everything for a business, made through the API; returns entity -> id."""
    ids: dict[str, str] = {}
    contact = make(client, "contact", first_name="Alice", last_name="Owner")
    ids["contact"] = contact["id"]
    ids["address"] = make(client, "address", contact_id=contact["id"], line1="1 Secret Ln")["id"]
    ids["staff"] = make(client, "staff", name="Alice's helper")["id"]
    ids["service"] = make(
        client, "service", name="Wash", pricing_mode="flexible", unit_price_cents=5000
    )["id"]
    ticket = make(
        client, "ticket", contact_id=contact["id"], scheduled_start="2026-12-01T09:00:00Z"
    )
    ids["ticket"] = ticket["id"]
    ids["line_item"] = done(
        act(client, "line_item", "add", ticket_id=ticket["id"], service_id=ids["service"])
    )["id"]
    ids["note"] = make(client, "note", contact_id=contact["id"], body="Alice's gate code")["id"]
    if ("plan", "create") in REGISTRY.actions:
        ids["plan"] = make(
            client,
            "plan",
            contact_id=contact["id"],
            rrule="FREQ=MONTHLY;BYDAY=1MO",
            start_date="2026-12-01",
            start_time="09:00",
            title="Alice's secret plan",
        )["id"]
    ids["attribute"] = make(
        client, "attribute", contact_id=contact["id"], key="access.gate_code", value="4321"
    )["id"]
    if ("invoice", "create_from_ticket") in REGISTRY.actions:
        invoice = done(act(client, "invoice", "create_from_ticket", ticket_id=ticket["id"]))
        ids["invoice"] = invoice["id"]
        done(act(client, "invoice", "mark_sent", id=invoice["id"]))
        payment = done(
            act(client, "invoice", "record_payment", invoice_id=invoice["id"], amount_cents=100)
        )
        ids["payment"] = payment.get("payment", payment)["id"] if isinstance(payment, dict) else ""
    if ("message", "schedule") in REGISTRY.actions:
        ids["message"] = done(
            act(
                client,
                "message",
                "schedule",
                kind="reminder",
                contact_id=contact["id"],
                ticket_id=ticket["id"],
                subject="See you tomorrow",
                body="Hi",
                scheduled_for="2026-11-30T15:00:00Z",
            )
        )["id"]
    if ("ticket", "close_out_preview") in REGISTRY.actions:
        done(act(client, "ticket", "clock_in", id=ticket["id"]))
        ids["draft"] = done(
            act(
                client,
                "ticket",
                "close_out_preview",
                ticket_id=ticket["id"],
                duration_minutes=30,
                line_items=[
                    {"line_item_id": ids["line_item"], "quantity": "1", "unit_price_cents": 5000}
                ],
                notes="Dog named Rex",
                next_step={"kind": "none"},
            )
        )["draft_id"]
    ids["waitlist"] = make(
        client,
        "waitlist",
        contact_id=contact["id"],
        address_id=ids["address"],
        services=[{"service_id": ids["service"]}],
        latest_date="2031-07-01",
        note="Alice's wish",
    )["id"]
    ids["import"] = done(
        act(
            client,
            "import",
            "preview",
            kind="square_customers",
            filename="alice.csv",
            content="Square Customer ID,First Name,Last Name,Email Address,Phone Number\n"
            "SQ1,Alice,Secret,alice@example.com,\n",
        )
    )["id"]
    token = done(act(client, "api_token", "create", name="Alice's secret script", scope="write"))
    ids["api_token"] = token["id"]
    asked = client.post(
        "/api/actions",
        json={"domain": "note", "action": "delete", "data": {"id": ids["note"]}},
        headers={"Authorization": f"Bearer {token['token']}"},
    )
    ids["authorization"] = done(asked, 202)["id"]
    audit = done(read(client, "audit", limit=1))
    ids["audit"] = audit[0]["id"]
    return ids


def _uuid_fields(model: type[BaseModel]) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        args = get_args(annotation)
        if (
            annotation is uuid.UUID
            or uuid.UUID in args
            or any(uuid.UUID in get_args(a) for a in args)
        ) or name == "staff_ids":
            names.append(name)
    return names


def _foreign_input(domain: str, model: type[BaseModel], world: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name == "id":
            data[name] = world[DOMAIN_ENTITY[domain]]
        elif name in REFERENCE_ENTITY:
            target = world[REFERENCE_ENTITY[name]]
            data[name] = [target] if name.endswith("_ids") else target
        elif name.endswith("_id") and name[:-3] in world:
            data[name] = world[name[:-3]]
        elif field.is_required() or name in FILLERS:
            data[name] = FILLERS[name]
    return data


def _snapshot(owner: psycopg.Connection, user_id: Any) -> dict[str, Any]:
    tables = [
        "contacts",
        "addresses",
        "staff",
        "services",
        "tickets",
        "ticket_staff",
        "time_entries",
        "line_items",
        "notes",
        "attributes",
        "invoices",
        "payments",
        "scheduled_messages",
        "plans",
        "audit_log",
        "imports",
        "api_tokens",
        "authorizations",
        "ticket_facts",
        "ticket_line_facts",
        "invoice_facts",
    ]
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        return {
            table: owner.execute(
                f"SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) AS h "  # noqa: S608
                f"FROM {table} t"
            ).fetchone()["h"]
            for table in tables
        }


@pytest.fixture
def two_businesses(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection
) -> tuple[TestClient, dict[str, str], TestClient]:
    world = build_world(client)
    intruder = make_user(owner, email="intruder@example.com", business_name="Nosy Panes")
    cookie, session = app.state.auth.sessions.create(intruder["id"])
    other = TestClient(app, base_url="http://localhost")
    other.cookies.set("crm_session", cookie, domain="localhost.local")
    other.headers["X-CSRF-Token"] = session.csrf_token
    return client, world, other


# Actions with no id in their input cannot name another business's data at all.
ID_FREE_ACTIONS = {
    ("staff", "create"),
    ("service", "create"),
    ("business", "update"),
    ("messaging", "update"),
    ("invoice_settings", "update"),
    ("message_template", "save"),
    ("message_template", "reset"),
    ("import", "preview"),
    ("api_token", "create"),
}
# Data types about the reader's own business as a whole (no ids): another business's reader
# gets its own (default) values, never the first business's.
OWN_BUSINESS_TYPES = {"messaging_settings", "message_templates", "invoice_settings"}


def test_every_action_with_another_business_ids_is_404_and_changes_nothing(
    two_businesses: tuple[TestClient, dict[str, str], TestClient],
    owner: psycopg.Connection,
    signed_in: dict[str, Any],
) -> None:
    _, world, intruder = two_businesses
    before = _snapshot(owner, signed_in["id"])
    tried = set()
    for (domain, name), spec in sorted(REGISTRY.actions.items()):
        if not _uuid_fields(spec.input):
            assert (domain, name) in ID_FREE_ACTIONS, f"{domain}.{name} takes no id: list it"
            continue
        data = _foreign_input(domain, spec.input, world)
        response = act(intruder, domain, name, **data)
        assert response.status_code == 404, (domain, name, data, response.text)
        assert response.json()["error"]["code"] == "NOT_FOUND"
        assert "Alice" not in response.text and "Secret" not in response.text
        tried.add((domain, name))
    assert _snapshot(owner, signed_in["id"]) == before
    assert len(tried) >= 25


def test_every_data_type_with_another_business_ids_finds_nothing(
    two_businesses: tuple[TestClient, dict[str, str], TestClient],
) -> None:
    owner_client, world, intruder = two_businesses
    done(act(owner_client, "messaging", "update", reply_to="alice-secret@example.com"))
    done(act(owner_client, "invoice_settings", "update", address="1 Secret Ln"))
    done(
        act(
            owner_client,
            "message_template",
            "save",
            kind="reminder",
            subject="Secret plans",
            body="Secret body {{ customer_name }}",
            sms="Secret",
        )
    )
    for type_ in OWN_BUSINESS_TYPES:
        mine = read(owner_client, type_).text.lower()
        theirs = read(intruder, type_)
        assert "secret" in mine and "secret" not in theirs.text.lower(), type_
        assert theirs.status_code == 200
    for type_, spec in sorted(REGISTRY.data_types.items()):
        if type_ in OWN_BUSINESS_TYPES:
            continue
        if type_.startswith("report_"):
            # Figures, not rows (tests/reports/test_report_isolation.py checks every one): no
            # id of the other business's world appears in any of them.
            text = read(intruder, type_, **{"from": "2024-01-01", "to": "2026-12-31"}).text
            assert not [v for v in world.values() if str(v) in text], type_
            continue
        entity = TYPE_ENTITY[type_]
        if world.get(entity):
            assert (
                owner_client.get(
                    "/api/data", params={"type": type_, "id": world[entity]}
                ).status_code
                == 200
            ), type_
            response = read(intruder, type_, id=world[entity])
            error(response, 404, "NOT_FOUND")
        listed = done(read(intruder, type_))
        if type_ == "audit":
            assert all(row["entity_id"] not in world.values() for row in listed)
        else:
            assert listed == [], type_
        for name in spec.filters:
            if name.endswith("_id") and name[:-3] in world:
                assert done(read(intruder, type_, **{name: world[name[:-3]]})) == [], (type_, name)
    assert done(read(intruder, "contacts", search="Alice")) == []
    assert done(read(intruder, "contacts", search="secret")) == []
