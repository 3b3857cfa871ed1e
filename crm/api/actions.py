"""POST /api/actions and GET /api/capabilities, both driven by the registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

import crm.core.services  # noqa: F401 - registers every action and data type
from crm.api.base import ok
from crm.core.models.common import present
from crm.core.registry import REGISTRY
from crm.core.sanitise import redact
from crm.errors import BadRequest, ValidationFailed
from crm.utils.user_context import get_current_user

router = APIRouter(prefix="/api", tags=["actions"])


def validation_details(exc: ValidationError) -> dict[str, Any]:
    return {
        "fields": [
            {
                "field": ".".join(str(p) for p in err["loc"]) or "data",
                "message": err["msg"],
            }
            for err in exc.errors()
        ]
    }


@router.post("/actions", summary="Run one domain action (see /api/capabilities)")
def run_action(
    request: Request,
    body: dict[str, Any] = Body(  # noqa: B008 - FastAPI's way to declare a JSON body
        ..., examples=[{"domain": "contact", "action": "create", "data": {"first_name": "Ann"}}]
    ),
) -> JSONResponse:
    domain, name = body.get("domain"), body.get("action")
    unknown = set(body) - {"domain", "action", "data"}
    if unknown:
        raise BadRequest(f"Unknown top-level fields: {', '.join(sorted(unknown))}.")
    if domain not in REGISTRY.domains():
        raise BadRequest(
            f"Unknown domain {domain!r}.", details={"valid_domains": REGISTRY.domains()}
        )
    spec = REGISTRY.actions.get((str(domain), str(name)))
    if spec is None:
        raise BadRequest(
            f"Unknown action {name!r} for {domain}.",
            details={"valid_actions": REGISTRY.actions_of(str(domain))},
        )
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise ValidationFailed("data must be an object.")
    try:
        parsed = spec.input.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(details=validation_details(exc)) from exc
    parsed, redacted = redact_input(spec.input, parsed)
    user = get_current_user()
    warnings = []
    if redacted:
        request.app.state.auth.security.record(
            "redacted",
            client=request.state.auth.client,
            account_id=user.user_id,
            details={"action": f"{domain}.{name}", "fields": redacted},
        )
        warnings.append(
            {
                "code": "REDACTED",
                "message": "A card number or social security number was replaced by "
                "[REDACTED]. Never store them here.",
                "fields": redacted,
            }
        )
    db = request.app.state.resources.db
    with db.unit_of_work(user.user_id) as conn:
        result = spec.handler(conn, parsed)
    return ok(present(result, user.timezone), warnings=warnings)


def redact_input(
    model: type[BaseModel], parsed: BaseModel
) -> tuple[BaseModel, list[dict[str, Any]]]:
    """Every free-text field of every action is redacted before any handler sees it."""
    found: list[dict[str, Any]] = []

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, str):
            cleaned, redaction = redact(value)
            if redaction.any:
                found.append({"field": path, "kinds": redaction.kinds()})
            return cleaned
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}" if path else k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(value)]
        return value

    cleaned = walk(parsed.model_dump(exclude_unset=True), "")
    if not found:
        return parsed, []
    return model.model_validate(cleaned), found


@router.get("/capabilities", summary="Every action (with its JSON Schema) and data type")
def capabilities() -> JSONResponse:
    return ok(capabilities_document())


def capabilities_document() -> dict[str, Any]:
    domains: dict[str, Any] = {}
    for (domain, name), spec in sorted(REGISTRY.actions.items()):
        domains.setdefault(domain, {"actions": {}})["actions"][name] = {
            "description": spec.description,
            "input": spec.input.model_json_schema(),
        }
    data_types = {
        name: {
            "description": spec.description,
            "filters": sorted(spec.filters),
            "filter_descriptions": spec.filters,
            "includes": list(spec.includes),
            "search": spec.searchable,
        }
        for name, spec in sorted(REGISTRY.data_types.items())
    }
    return {"domains": domains, "data_types": data_types}
