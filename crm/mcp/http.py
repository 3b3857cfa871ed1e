"""``/mcp``: the MCP server over streamable HTTP, inside the app (docs/mcp.md).

Stateless and JSON: every POST is authenticated afresh by the auth middleware (a revoked token
is refused on its next request) and answered with one JSON body, so nothing is kept between
requests and no stream is held open. The SDK's session manager runs a task group, which lives
as long as the app: ``running()`` belongs in the app's lifespan, and makes a new manager each
time (a manager runs only once).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from crm.errors import ServiceUnavailable
from crm.mcp.local import LocalBackend
from crm.mcp.server import build_server
from crm.responses import error_response

PATH = "/mcp"


def _backend(ctx: ServerRequestContext[Any, Any]) -> LocalBackend:
    return LocalBackend(ctx.request)


class McpEndpoint:
    """The ASGI app at ``/mcp``; it answers 503 outside the app's lifespan."""

    def __init__(self, *, version: str, max_body_bytes: int) -> None:
        self.server = build_server(_backend, version=version)
        self.max_body_bytes = max_body_bytes
        self._manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the SDK's session manager for as long as the app runs."""
        manager = StreamableHTTPSessionManager(
            app=self.server,
            json_response=True,
            stateless=True,
            max_request_body_size=self.max_body_bytes,
            # Hosts are checked by the app's own middleware (ALLOWED_HOSTS), and a bearer
            # token is never sent by a browser on its own, so DNS rebinding gains nothing.
            security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        async with manager.run():
            self._manager = manager
            try:
                yield
            finally:
                self._manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._manager is None:
            response = error_response(
                ServiceUnavailable("The MCP endpoint is not running.", service="mcp")
            )
            await response(scope, receive, send)
            return
        await self._manager.handle_request(scope, receive, send)


def mount(app: FastAPI, *, max_body_bytes: int) -> McpEndpoint:
    """Serve MCP at ``/mcp``; the app's lifespan must enter ``app.state.mcp.running()``."""
    endpoint = McpEndpoint(version=app.version, max_body_bytes=max_body_bytes)
    # An ASGI app as the endpoint: Starlette hands it every method, untouched.
    app.router.routes.append(Route(PATH, cast(Any, endpoint), include_in_schema=False))
    app.state.mcp = endpoint
    return endpoint
