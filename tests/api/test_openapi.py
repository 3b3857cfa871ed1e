"""The OpenAPI document describes every action's body and every error a client can get."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from crm.core.registry import REGISTRY


def test_actions_body_is_a_union_of_every_registered_action(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    document = client.get("/openapi.json").json()
    body = document["paths"]["/api/actions"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ActionRequest"}
    schemas = document["components"]["schemas"]
    members = schemas["ActionRequest"]["oneOf"]
    described = {
        (m["properties"]["domain"]["const"], m["properties"]["action"]["const"]): m for m in members
    }
    assert set(described) == set(REGISTRY.actions)
    for key, spec in REGISTRY.actions.items():
        data_ref = described[key]["properties"]["data"]["$ref"]
        model = data_ref.rsplit("/", 1)[-1]
        # The referenced schema is the action's own input model, with its fields and bounds.
        assert set(schemas[model].get("properties", {})) == set(spec.input.model_fields), key
        assert described[key]["additionalProperties"] is False


def test_api_operations_document_their_errors_as_the_envelope(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    document = client.get("/openapi.json").json()
    for path in ("/api/actions", "/api/data"):
        for operation in document["paths"][path].values():
            responses: dict[str, Any] = operation["responses"]
            for status in ("400", "401", "403", "404", "409", "413", "422", "429", "503"):
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Envelope"}, (path, status)
    login = document["paths"]["/auth/login"]["post"]["responses"]
    assert "202" in login and "429" in login


def test_options_lists_every_method_of_the_path(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    response = client.options("/auth/confirm")
    assert response.status_code == 204
    assert set(response.headers["allow"].split(", ")) >= {"GET", "POST", "OPTIONS"}
    wrong = client.put("/auth/confirm")  # the CSRF header is preset by `signed_in`
    assert wrong.status_code == 405
    assert {"GET", "POST"} <= set(wrong.headers["allow"].split(", "))
