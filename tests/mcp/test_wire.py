"""`/mcp` on the wire, as any MCP client (or curl) sees it: JSON-RPC in, one JSON body out.

The exchange is kept in test-artifacts/mcp/transcript.json; docs/mcp.md quotes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.mcp.conftest import Owner, Served

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "mcp" / "transcript.json"
VERSION = "2025-11-25"


def test_initialize_list_tools_and_call_one_as_plain_json_rpc(served: Served, owner: Owner) -> None:
    _, token = owner.token("write", name="Claude Desktop")
    ann = owner.act(
        "contact", "create", first_name="Maribel", last_name="Okafor", phone="256-555-0134"
    )
    ticket = owner.act(
        "ticket", "create", contact_id=ann["id"], scheduled_start="2030-04-16T09:00:00-05:00"
    )
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": VERSION,
    }
    transcript: list[dict[str, Any]] = []

    def send(message: dict[str, Any]) -> httpx.Response:
        response = httpx.post(served.mcp_url, json=message, headers=headers, timeout=30)
        body = response.json() if response.content else None
        transcript.append({"request": message, "status": response.status_code, "response": body})
        return response

    hello = send(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": VERSION,
                "capabilities": {},
                "clientInfo": {"name": "transcript", "version": "1"},
            },
        }
    )
    assert hello.status_code == 200
    assert hello.headers["content-type"].startswith("application/json")
    result = hello.json()["result"]
    assert result["serverInfo"]["name"] == "crm"
    assert set(result["capabilities"]) >= {"tools", "resources", "prompts"}
    assert send({"jsonrpc": "2.0", "method": "notifications/initialized"}).status_code == 202

    tools = send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).json()["result"]["tools"]
    cancel = next(t for t in tools if t["name"] == "ticket_cancel")
    assert cancel["annotations"]["destructiveHint"] is True
    assert cancel["inputSchema"]["required"] == ["id", "reason"]

    called = send(
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "query_contacts", "arguments": {"search": "Okafor", "limit": 5}},
        }
    ).json()["result"]
    assert called["isError"] is False
    found = json.loads(called["content"][0]["text"])
    assert [c["display_name"] for c in found] == ["Maribel Okafor"]
    assert called["structuredContent"] == {"data": found}

    queued = send(
        {
            "jsonrpc": "2.0",
            "id": 4,
            "method": "tools/call",
            "params": {
                "name": "ticket_cancel",
                "arguments": {"id": ticket["id"], "reason": "Customer asked to move it"},
            },
        }
    ).json()["result"]
    assert queued["isError"] is False
    assert queued["structuredContent"]["pending"] is True
    assert queued["structuredContent"]["authorization"]["status"] == "pending"
    assert queued["content"][1]["text"].startswith("PENDING: this action did not run.")

    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(transcript, indent=2) + "\n")
