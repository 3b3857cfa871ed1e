"""POST /api/actions (through the dispatcher) and GET /api/capabilities, both from the registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

import crm.core.services  # noqa: F401 - registers every action and data type
from crm.auth.security_middleware import auth_state
from crm.core import agent_gate
from crm.core.action_classes import class_of
from crm.core.registry import REGISTRY
from crm.dependencies import CurrentUser, Dispatch
from crm.errors import BadRequest
from crm.responses import ok

router = APIRouter(prefix="/api", tags=["actions"])


@router.post("/actions", summary="Run one domain action (see /api/capabilities)")
def run_action(
    request: Request,
    user: CurrentUser,
    dispatcher: Dispatch,
    body: dict[str, Any] = Body(  # noqa: B008 - FastAPI's way to declare a JSON body
        ..., examples=[{"domain": "contact", "action": "create", "data": {"first_name": "Ann"}}]
    ),
) -> JSONResponse:
    unknown = set(body) - {"domain", "action", "data"}
    if unknown:
        raise BadRequest(f"Unknown top-level fields: {', '.join(sorted(unknown))}.")
    state = auth_state(request)
    domain, action, data = body.get("domain"), body.get("action"), body.get("data", {})
    if state.token is None:
        result = dispatcher.run(user, domain, action, data, client=state.client)
    else:  # an API token: its scope and the action's class decide (docs/agents.md)
        outcome = agent_gate.act(dispatcher, user, state.token, domain, action, data,
                                 client=state.client)  # fmt: skip
        if isinstance(outcome, agent_gate.Pending):
            return ok(outcome.authorization, status=202, warnings=outcome.warnings)
        result = outcome
    return ok(result.presented, warnings=result.warnings)


@router.get("/capabilities", summary="Every action (with its JSON Schema) and data type")
def capabilities() -> JSONResponse:
    return ok(capabilities_document())


def capabilities_document() -> dict[str, Any]:
    domains: dict[str, Any] = {}
    for (domain, name), spec in sorted(REGISTRY.actions.items()):
        domains.setdefault(domain, {"actions": {}})["actions"][name] = {
            "description": spec.description,
            "class": class_of(domain, name),
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
