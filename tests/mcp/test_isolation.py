"""A token of business B sees and changes nothing of business A, over every MCP tool."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import anyio
import httpx
import mcp_types as types

from tests.mcp.conftest import Owner, Served, sign_in
from tests.mcp.helpers import over_http

MARKER = "Quarrington"  # only business A has it: any answer to B that holds it is a leak


def _business_b_token(served: Served) -> str:
    """A second business, its owner signed in, and a read+write token of theirs."""
    email = "b-owner@example.com"
    subprocess.run(
        [sys.executable, "-m", "crm.cli", "create-user", email, "--business", "B Windows",
         "--timezone", "America/New_York", "--data-dir", str(served.data_dir)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        return sign_in(client, email).token("write", name="B's assistant")[1]


def _arguments(tool: types.Tool, ids: dict[str, str]) -> dict[str, Any]:
    """Every top-level id of the tool's input set to one of A's records."""
    arguments: dict[str, Any] = {}
    for name, schema in tool.input_schema.get("properties", {}).items():
        if name == "id":
            arguments[name] = ids.get(tool.name.split("_")[0], ids["contact"])
        elif name.endswith("_id"):
            arguments[name] = ids.get(name.removesuffix("_id"), ids["contact"])
        elif name == "search":
            arguments[name] = MARKER
        elif schema.get("type") == "string" and name in tool.input_schema.get("required", []):
            arguments[name] = "x"
    return arguments


def test_business_bs_token_sees_and_changes_nothing_of_a(served: Served, owner: Owner) -> None:
    contact = owner.act("contact", "create", first_name="Isolde", last_name=MARKER)
    address = owner.act("address", "create", contact_id=contact["id"], line1=f"1 {MARKER} Ln")
    ticket = owner.act(
        "ticket",
        "create",
        contact_id=contact["id"],
        address_id=address["id"],
        title=MARKER,
        scheduled_start="2031-05-06T09:00:00-05:00",
    )
    note = owner.act("note", "create", contact_id=contact["id"], body=f"{MARKER} gate code")
    ids = {"contact": contact["id"], "address": address["id"], "ticket": ticket["id"]}
    ids["note"] = note["id"]
    before = owner.read("contacts", id=contact["id"], include="addresses,notes,tickets")
    token = _business_b_token(served)

    async def every_tool() -> dict[str, str]:
        answers: dict[str, str] = {}
        async with over_http(served.mcp_url, token) as client:
            for tool in (await client.list_tools()).tools:
                result = await client.call_tool(tool.name, _arguments(tool, ids))
                answers[tool.name] = json.dumps([block.model_dump() for block in result.content])
        return answers

    answers = anyio.run(every_tool)
    assert len(answers) > 80
    leaks = sorted(name for name, text in answers.items() if MARKER in text)
    assert leaks == []
    # Nothing of A changed, whatever B's token asked.
    after = owner.read("contacts", id=contact["id"], include="addresses,notes,tickets")
    assert after == before
    assert owner.read("authorizations", status="pending", limit="1000") == [
        a for a in owner.read("authorizations", status="pending", limit="1000")
        if a["token"]["name"] != "B's assistant"
    ]  # fmt: skip
