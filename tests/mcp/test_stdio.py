"""`crm mcp --token-file …` over stdio, as a desktop assistant starts it: every call goes to the
running app's `/api/*` with the token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types

from tests.mcp.conftest import Owner, Served
from tests.mcp.helpers import data, error, expected_tool_names, over_stdio, pending, token_file


def test_the_same_tools_over_stdio_search_create_and_a_queued_delete(
    served: Served, owner: Owner, tmp_path: Path
) -> None:
    _, token = owner.token("write", name="desktop")
    path = token_file(tmp_path, token)

    async def scenario() -> dict[str, Any]:
        async with over_stdio(served.base_url, path) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            contact = data(
                await client.call_tool(
                    "contact_create", {"first_name": "Stella", "last_name": "Dio"}
                )
            )
            found = data(await client.call_tool("query_contacts", {"search": "Stella Dio"}))
            request = pending(await client.call_tool("contact_delete", {"id": contact["id"]}))
            bad = error(await client.call_tool("contact_create", {"first_name": 5}))
            business = await client.read_resource("crm://business")
            block = business.contents[0]
            assert isinstance(block, types.TextResourceContents)
            return {
                "names": names,
                "contact": contact,
                "found": found,
                "request": request,
                "bad": bad,
                "business": json.loads(block.text),
            }

    got = anyio.run(scenario)
    assert got["names"] == expected_tool_names()
    assert [c["id"] for c in got["found"]] == [got["contact"]["id"]]
    assert got["request"]["token"]["name"] == "desktop"
    assert got["bad"]["code"] == "VALIDATION_ERROR"
    assert got["business"]["access"]["token_name"] == "desktop"
    # Queued, not done; the owner says no, and the contact stays.
    owner.act("authorization", "deny", id=got["request"]["id"])
    assert owner.read("contacts", id=got["contact"]["id"])["first_name"] == "Stella"
    assert owner.read("authorizations", id=got["request"]["id"])["status"] == "denied"


def test_a_read_token_over_stdio_cannot_write_and_a_revoked_one_is_refused(
    served: Served, owner: Owner, tmp_path: Path
) -> None:
    token_id, token = owner.token("read")
    path = token_file(tmp_path, token)

    async def scenario() -> tuple[dict[str, Any], Any, dict[str, Any]]:
        async with over_stdio(served.base_url, path) as client:
            refused = error(await client.call_tool("ticket_create", {}))
            listed = data(await client.call_tool("query_tickets", {"limit": 1}))
            owner.act("api_token", "revoke", id=token_id)
            revoked = error(await client.call_tool("query_tickets", {"limit": 1}))
            return refused, listed, revoked

    refused, listed, revoked = anyio.run(scenario)
    assert refused["code"] == "FORBIDDEN"
    assert isinstance(listed, list)
    assert revoked["code"] == "UNAUTHENTICATED" and "revoked" in revoked["message"]


def test_a_server_that_is_not_running_is_a_clear_tool_error(tmp_path: Path) -> None:
    path = token_file(tmp_path, "crm_" + "x" * 43)

    async def scenario() -> dict[str, Any]:
        async with over_stdio("http://127.0.0.1:9", path) as client:
            return error(await client.call_tool("query_contacts", {}))

    refused = anyio.run(scenario)
    assert refused["code"] == "SERVICE_UNAVAILABLE"
    assert "crm serve" in refused["message"]
