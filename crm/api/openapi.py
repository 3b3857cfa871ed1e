"""The OpenAPI document, typed from the registry: a contract fuzzer or client sees every action.

FastAPI alone would describe `POST /api/actions` as "any object". Here its body is a `oneOf`
with one member per registered action (`domain` and `action` as constants, `data` the action's
input schema), and every `/api` and `/auth` operation lists the error statuses it can answer
with, each as the response envelope.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from crm.core.registry import REGISTRY

SCHEMAS = "#/components/schemas/"

ERRORS = {
    "400": "The request is malformed (unknown domain, action, type, filter or field)",
    "401": "Not signed in",
    "403": "A cross-site request, or a missing or wrong CSRF token",
    "404": "No such record (or it belongs to another business)",
    "409": "Refused by a rule (state, a conflicting record, a record in use)",
    "413": "The body is larger than the limit",
    "422": "A field is invalid; `error.details.fields` names each one",
    "429": "Too many requests; see `Retry-After`",
    "503": "A service we depend on is unavailable; `error.details.service` names it",
}

ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["success", "data", "error", "meta"],
    "properties": {
        "success": {"type": "boolean"},
        "data": {},
        "error": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["code", "message", "details"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                },
            ]
        },
        "meta": {
            "type": "object",
            "required": ["timestamp", "request_id"],
            "properties": {
                "timestamp": {"type": "string", "format": "date-time"},
                "request_id": {"type": ["string", "null"]},
                "warnings": {"type": "array", "items": {"type": "object"}},
            },
        },
    },
}


def action_request_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """The `ActionRequest` union and the input models it refers to, as component schemas."""
    specs = sorted(REGISTRY.actions.values(), key=lambda s: (s.domain, s.name))
    refs, definitions = models_json_schema(
        [(spec.input, "validation") for spec in specs], ref_template=SCHEMAS + "{model}"
    )
    members = [
        {
            "type": "object",
            "title": f"{spec.domain}.{spec.name}",
            "description": spec.description,
            "required": ["domain", "action", "data"],
            "additionalProperties": False,
            "properties": {
                "domain": {"const": spec.domain},
                "action": {"const": spec.name},
                "data": refs[(spec.input, "validation")],
            },
        }
        for spec in specs
    ]
    components = dict(definitions.get("$defs", {}))
    components["ActionRequest"] = {"oneOf": members}
    return {"$ref": SCHEMAS + "ActionRequest"}, components


def install_openapi(app: FastAPI) -> None:
    """Replace the app's OpenAPI builder with the typed one (built once, on first request)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        body, action_components = action_request_schemas()
        components.update(action_components)
        components["Envelope"] = ENVELOPE
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        actions = schema["paths"]["/api/actions"]["post"]
        actions["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
        for path, operations in schema["paths"].items():
            if path.startswith(("/api", "/auth")):
                for operation in operations.values():
                    _document_errors(operation)
        login = schema["paths"]["/auth/login"]["post"]["responses"]
        login.pop("200", None)
        login["202"] = {
            "description": "Accepted, whether or not the account exists (JSON callers)",
            "content": {"application/json": {"schema": {"$ref": SCHEMAS + "Envelope"}}},
        }
        login["303"] = {"description": "Form callers go on to /login/check"}
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]


def _document_errors(operation: dict[str, Any]) -> None:
    envelope = {"application/json": {"schema": {"$ref": SCHEMAS + "Envelope"}}}
    responses = operation.setdefault("responses", {})
    for status, description in ERRORS.items():
        responses[status] = {"description": description, "content": envelope}
    for status, response in responses.items():
        if status.startswith("2") and "application/json" in response.get("content", {}):
            response["content"] = envelope
