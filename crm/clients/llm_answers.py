"""Reading a model's reply: JSON (fenced or not) checked against the caller's schema, and tool
calls checked against their tool's schema. A reply that does not fit is an AttemptFailed."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from crm.clients.llm_types import AttemptFailed, LlmResult, RawCall, Reply, Request, Route, ToolCall

FENCE = re.compile(r"^```(?:json)?\s*(?P<body>.*?)\s*```$", re.DOTALL)


def _parse_json(text: str) -> Any:
    """Parse the answer, tolerating the code fence some local models wrap JSON in."""
    stripped = text.strip()
    fenced = FENCE.match(stripped)
    try:
        return json.loads(fenced["body"] if fenced else stripped)
    except ValueError as exc:
        raise AttemptFailed("answer is not JSON") from exc


def _arguments(call: RawCall) -> Any:
    return _parse_json(call.arguments) if isinstance(call.arguments, str) else call.arguments


def _validate(data: Any, schema: dict[str, Any]) -> None:
    """Name only the schema location that failed: the answer's values may quote the prompt."""
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(data)
    )
    if error is not None:
        where = "/".join(str(part) for part in error.schema_path) or "root"
        raise AttemptFailed(f"answer does not match the schema (at {where})")


def _json_answer(request: Request, reply: Reply) -> Any:
    assert request.schema is not None
    forced = [c for c in reply.calls if c.name == request.name]
    if forced:
        data = _arguments(forced[0])
    elif isinstance(reply.text, str) and reply.text.strip():
        data = _parse_json(reply.text)
    else:
        raise AttemptFailed("empty answer")
    _validate(data, request.schema)
    return data


def _tool_answer(request: Request, reply: Reply) -> tuple[ToolCall, ...]:
    tools = {t.name: t for t in request.tools}
    calls = []
    for raw in reply.calls:
        tool = tools.get(raw.name)
        if tool is None:
            raise AttemptFailed("answer calls an unknown tool")
        arguments = _arguments(raw)
        if not isinstance(arguments, dict):
            raise AttemptFailed("tool arguments are not an object")
        _validate(arguments, tool.parameters_schema)
        calls.append(ToolCall(raw.name, arguments))
    if request.require_tool and not calls:
        raise AttemptFailed("answer calls no tool")
    if not calls and not (reply.text or "").strip():
        raise AttemptFailed("empty answer")
    return tuple(calls)


def result(request: Request, reply: Reply, route: Route) -> LlmResult:
    if request.schema is not None:
        data = _json_answer(request, reply)
        return LlmResult(provider=route.provider, model=route.model, data=data)
    calls = _tool_answer(request, reply)
    return LlmResult(
        provider=route.provider, model=route.model, text=reply.text or "", tool_calls=calls
    )


def request_name(purpose: str) -> str:
    """The schema/tool name providers require (^[A-Za-z0-9_-]{1,64}$), taken from the purpose."""
    if not purpose.strip() or len(purpose) > 64:
        raise ValueError("purpose must be 1 to 64 characters")
    return re.sub(r"[^A-Za-z0-9_-]", "_", purpose.strip())


def check_schema(schema: dict[str, Any]) -> None:
    """Both providers want an object at the root; a broken schema is a bug, not an outage."""
    if schema.get("type") != "object":
        raise ValueError("the answer schema must describe a JSON object")
    _check_once(json.dumps(schema, sort_keys=True))


@functools.lru_cache(maxsize=64)
def _check_once(encoded: str) -> None:
    """Checking a schema costs ~5 ms; callers send the same few schemas every time."""
    jsonschema.Draft202012Validator.check_schema(json.loads(encoded))
