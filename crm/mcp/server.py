"""The MCP server (docs/mcp.md): the generated tools, two resources and two prompts.

The same server runs in two places, each with its own backend: inside the app at ``/mcp``
(streamable HTTP; the backend calls the dispatcher through the agent gate, as the request's
API token) and as ``crm mcp`` over stdio (the backend forwards every call to the app's
``/api/*`` with the token). Either way a call is checked, queued, audited and rate limited by
the same code.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from crm.errors import AppError, BadRequest, InternalError
from crm.mcp import prompts
from crm.mcp.results import Outcome, refused, tool_result
from crm.mcp.tools import ReadArgs, catalog, read_args

log = logging.getLogger("crm.mcp")

NAME = "crm"
INSTRUCTIONS = (
    "A CRM for a field-service business: contacts, their addresses, tickets (visits), "
    "invoices, service plans, messages. Read with the query_<type> tools; act with the "
    "<domain>_<action> tools. Sensitive actions (deletes, cancellations, refunds, anything "
    "that messages a customer) do not run at once: they wait for the owner's approval and "
    "the tool answers with the pending request. Times are in the business's timezone "
    "(resource crm://business)."
)


class Backend(Protocol):
    """Where the tools' calls go: the dispatcher in-process, or the app's JSON API."""

    async def act(self, domain: str, action: str, data: dict[str, Any]) -> Outcome: ...

    async def read(self, type_: str, args: ReadArgs) -> Outcome: ...

    async def capabilities(self) -> Outcome: ...

    async def resource(self, uri: str) -> Any:
        """The resource as JSON-able data; raises AppError when it cannot be read."""
        ...


BackendFor = Callable[[ServerRequestContext[Any, Any]], Backend]


def build_server(backend_for: BackendFor, *, version: str = "") -> Server[Any]:
    """A server whose every call goes to the backend ``backend_for`` gives for the request."""
    tools = catalog()

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=list(tools.tools))

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        target = tools.targets.get(params.name)
        arguments = params.arguments or {}
        try:
            if target is None:
                raise BadRequest(f"Unknown tool {params.name!r}; tools/list names them all.")
            backend = backend_for(ctx)
            if target.kind == "action":
                outcome = await backend.act(target.domain, target.action, arguments)
            elif target.kind == "query":
                outcome = await backend.read(target.type_, read_args(params.name, arguments))
            else:
                outcome = await backend.capabilities()
        except AppError as exc:
            outcome = refused(exc)
        except Exception:  # the edge: the trace goes to the log, never to the model
            log.exception("MCP tool %s failed", params.name)
            outcome = refused(InternalError())
        return tool_result(outcome)

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=list(prompts.RESOURCES))

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        if uri not in {r.uri for r in prompts.RESOURCES}:
            raise MCPError(types.INVALID_PARAMS, f"No resource {uri}.", {"uri": uri})
        try:
            value = await backend_for(ctx).resource(uri)
        except AppError as exc:
            raise MCPError(
                types.INVALID_PARAMS if exc.status < 500 else types.INTERNAL_ERROR,
                exc.message,
                {"code": exc.code, "uri": uri},
            ) from exc
        text = json.dumps(value, ensure_ascii=False)
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, text=text, mime_type="application/json")]
        )

    async def list_prompts(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=list(prompts.PROMPTS))

    async def get_prompt(
        ctx: ServerRequestContext[Any, Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        try:
            return prompts.prompt(params.name, params.arguments or {})
        except AppError as exc:
            raise MCPError(types.INVALID_PARAMS, exc.message, exc.details) from exc

    return Server(
        NAME,
        title="CRM",
        instructions=INSTRUCTIONS,
        version=version,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
    )
