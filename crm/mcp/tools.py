"""The MCP tools, generated from the registry (docs/mcp.md), never written one by one.

One tool per action a token may ask for (``contact_create``, its input model's JSON Schema as
the tool's input), one ``query_<type>`` per data type (id, search, limit, includes, filters),
and ``capabilities``. Owner-only actions (making tokens, deciding authorizations) are not
offered at all: no token may run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import mcp_types as types
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

import crm.core.services  # noqa: F401 - registers every action and data type
from crm.core.action_classes import OWNER, SAFE, SENSITIVE, class_of
from crm.core.models.read import MAX_LIMIT
from crm.core.registry import REGISTRY, Action, DataType
from crm.errors import ValidationFailed

CAPABILITIES = "capabilities"
QUERY_PREFIX = "query_"
RESERVED = ("id", "search", "limit", "include")

CLASS_NOTES = {
    SAFE: "Class: safe (changes nothing a customer sees).",
    "write": "Class: write (creates or changes records; runs at once).",
    SENSITIVE: "Class: sensitive. It does NOT run at once: it becomes a pending authorization "
    "that waits for the owner's approval in the web app. The result is the request "
    "(status 'pending'); poll query_authorizations with its id to see the outcome.",
}


@dataclass(frozen=True)
class Target:
    """What a tool call becomes: an action, a read of one data type, or the capabilities."""

    kind: str  # "action", "query" or "capabilities"
    domain: str = ""
    action: str = ""
    type_: str = ""


@dataclass(frozen=True)
class Catalog:
    """Every tool, and what each name stands for."""

    tools: tuple[types.Tool, ...]
    targets: dict[str, Target]
    query_schemas: dict[str, dict[str, Any]]


@cache
def catalog() -> Catalog:
    """Built once per process from the registry; a name used twice fails at start-up."""
    tools: list[types.Tool] = []
    targets: dict[str, Target] = {}
    query_schemas: dict[str, dict[str, Any]] = {}

    def add(tool: types.Tool, target: Target) -> None:
        if tool.name in targets:
            raise RuntimeError(f"MCP tool {tool.name} would be generated twice")
        tools.append(tool)
        targets[tool.name] = target

    for (domain, name), spec in sorted(REGISTRY.actions.items()):
        if class_of(domain, name) != OWNER:
            add(action_tool(spec), Target("action", domain=domain, action=name))
    for type_, data_type in sorted(REGISTRY.data_types.items()):
        tool = query_tool(data_type)
        query_schemas[tool.name] = tool.input_schema
        add(tool, Target("query", type_=type_))
    add(capabilities_tool(), Target(CAPABILITIES))
    return Catalog(tuple(tools), targets, query_schemas)


def action_tool_name(domain: str, action: str) -> str:
    return f"{domain}_{action}"


def action_tool(spec: Action) -> types.Tool:
    """The action as a tool: its description, its class, and its input model's schema."""
    kind = class_of(spec.domain, spec.name)
    description = f"{spec.description}\n\n{CLASS_NOTES[kind]}"
    title = f"{spec.domain.replace('_', ' ')}: {spec.name.replace('_', ' ')}"
    return types.Tool(
        name=action_tool_name(spec.domain, spec.name),
        title=title,
        description=description,
        input_schema=spec.input.model_json_schema(),
        annotations=types.ToolAnnotations(
            title=title,
            read_only_hint=False,
            destructive_hint=kind == SENSITIVE,
            idempotent_hint=False,
            open_world_hint=False,
        ),
    )


def query_tool(spec: DataType) -> types.Tool:
    """A read of one data type: by id, by search, by filter, with its includes."""
    clash = set(spec.filters) & set(RESERVED)
    if clash:
        raise RuntimeError(f"data type {spec.name} has a filter named {', '.join(sorted(clash))}")
    properties: dict[str, Any] = {
        "id": {"type": "string", "description": f"one of {spec.name} by its id"},
    }
    if spec.searchable:
        properties["search"] = {
            "type": "string",
            "maxLength": 200,
            "description": "words to look for (names, emails, phone numbers, addresses)",
        }
    properties["limit"] = {
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_LIMIT,
        "default": 100,
        "description": "at most this many rows",
    }
    if spec.includes:
        properties["include"] = {
            "type": "array",
            "items": {"type": "string", "enum": list(spec.includes)},
            "uniqueItems": True,
            "description": "related records to return with each row",
        }
    for name, description in sorted(spec.filters.items()):
        properties[name] = {"type": "string", "maxLength": 200, "description": description}
    title = f"Read {spec.name.replace('_', ' ')}"
    return types.Tool(
        name=f"{QUERY_PREFIX}{spec.name}",
        title=title,
        description=f"{spec.description}\n\nClass: read (changes nothing).",
        input_schema={"type": "object", "properties": properties, "additionalProperties": False},
        annotations=types.ToolAnnotations(
            title=title, read_only_hint=True, idempotent_hint=True, open_world_hint=False
        ),
    )


def capabilities_tool() -> types.Tool:
    title = "What this CRM can do"
    return types.Tool(
        name=CAPABILITIES,
        title=title,
        description="Every action (its class and JSON Schema) and every data type (its "
        "filters, includes and whether it can be searched), as GET /api/capabilities gives "
        "them.\n\nClass: read (changes nothing).",
        input_schema={"type": "object", "properties": {}, "additionalProperties": False},
        annotations=types.ToolAnnotations(
            title=title, read_only_hint=True, idempotent_hint=True, open_world_hint=False
        ),
    )


@dataclass(frozen=True)
class ReadArgs:
    """A query tool's arguments, as GET /api/data takes them."""

    id: str | None
    search: str | None
    limit: int
    include: str
    filters: dict[str, str]

    def params(self, type_: str) -> dict[str, str]:
        """The query string of the same read over /api/data."""
        params = {"type": type_, "limit": str(self.limit), **self.filters}
        if self.id is not None:
            params["id"] = self.id
        if self.search is not None:
            params["search"] = self.search
        if self.include:
            params["include"] = self.include
        return params


def read_args(tool_name: str, arguments: dict[str, Any]) -> ReadArgs:
    """Check a query's arguments against its tool's schema: a 422 naming each bad field."""
    schema = catalog().query_schemas[tool_name]
    errors = sorted(Draft202012Validator(schema).iter_errors(arguments), key=str)
    if errors:
        raise ValidationFailed(
            details={
                "fields": [
                    {
                        "field": ".".join(str(p) for p in err.absolute_path) or "arguments",
                        "message": err.message,
                    }
                    for err in errors
                ]
            }
        )
    return ReadArgs(
        id=arguments.get("id"),
        search=arguments.get("search"),
        limit=int(arguments.get("limit", 100)),
        include=",".join(arguments.get("include", [])),
        filters={k: str(v) for k, v in arguments.items() if k not in RESERVED},
    )
