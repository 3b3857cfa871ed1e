"""The backend of ``crm mcp`` (stdio): every call forwarded to the running app with the token.

Tools go to ``/api/actions``, ``/api/data`` and ``/api/capabilities``, so a desktop assistant
is checked, queued, audited and rate limited by the very code that serves the JSON API; the
two resources are read from the app's own ``/mcp``, with the SDK's client.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import httpx2
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from crm.errors import ServiceUnavailable
from crm.mcp.results import Outcome
from crm.mcp.tools import ReadArgs

# Staged actions (a close-out preview reads notes with a model) may take a while.
TIMEOUT = httpx.Timeout(120.0, connect=5.0)


class RemoteBackend:
    """Calls of one stdio session, as the token, over HTTP."""

    def __init__(self, client: httpx.AsyncClient, *, url: str, token: str) -> None:
        self.client = client
        self.url = url
        self._token = token

    async def act(self, domain: str, action: str, data: dict[str, Any]) -> Outcome:
        body = {"domain": domain, "action": action, "data": data}
        return await self._call("POST", "/api/actions", json=body)

    async def read(self, type_: str, args: ReadArgs) -> Outcome:
        return await self._call("GET", "/api/data", params=args.params(type_))

    async def capabilities(self) -> Outcome:
        return await self._call("GET", "/api/capabilities")

    async def resource(self, uri: str) -> Any:
        """The resource as the app's ``/mcp`` gives it (its JSON text, parsed)."""
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with (
                httpx2.AsyncClient(headers=headers, timeout=30.0) as http,
                Client(streamable_http_client(f"{self.url}/mcp", http_client=http)) as client,
            ):
                result = await client.read_resource(uri)
        except MCPError:
            raise
        except (httpx2.HTTPError, OSError) as exc:
            raise self._unreachable(exc) from exc
        text = getattr(result.contents[0], "text", "null")
        return json.loads(text)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Outcome:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        return outcome_of(response)

    def _unreachable(self, exc: Exception) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"Cannot reach the CRM at {self.url} ({type(exc).__name__}): is `crm serve` "
            "running, and is --url right?",
            service="crm",
        )


def outcome_of(response: httpx.Response) -> Outcome:
    """The API's envelope as an Outcome; anything else (a proxy's page) as an error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "success" not in body:
        return Outcome(
            response.status_code,
            error={
                "code": f"HTTP_{response.status_code}",
                "message": f"The server answered {response.status_code} without the API's "
                "envelope: is --url the CRM?",
            },
        )
    if not body["success"]:
        return Outcome(response.status_code, error=body.get("error") or {})
    warnings = (body.get("meta") or {}).get("warnings") or []
    return Outcome(response.status_code, body.get("data"), warnings)
