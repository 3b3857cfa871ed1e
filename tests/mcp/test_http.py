"""`/mcp` over streamable HTTP, driven by the SDK's own client against a real `crm serve`."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import httpx
import mcp_types as types
import pytest
from jsonschema import Draft202012Validator

from tests.mcp.conftest import Owner, Served
from tests.mcp.helpers import data, error, expected_tool_names, over_http, pending


def _today_at(timezone: str, hour: int, minute: int = 0) -> str:
    """A time today where the business is, as the API takes it."""
    now = datetime.now(ZoneInfo(timezone))
    return now.replace(hour=hour, minute=minute, second=0, microsecond=0).isoformat()


def _decide_on_the_web(owner: Owner, request_id: str, decision: str) -> str:
    """The owner's Approve or Deny button on /authorizations; the page it lands on."""
    page = owner.client.get("/authorizations")
    assert page.status_code == 200
    assert f"/authorizations/{request_id}/{decision}" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    done = owner.client.post(
        f"/authorizations/{request_id}/{decision}",
        data={"csrf_token": csrf.group(1)},
        follow_redirects=True,
    )
    assert done.status_code == 200, done.text
    return done.text


def test_every_action_and_data_type_is_a_tool_with_a_valid_schema(
    served: Served, owner: Owner
) -> None:
    _, token = owner.token("write")

    async def scenario() -> list[types.Tool]:
        async with over_http(served.mcp_url, token) as client:
            return list((await client.list_tools()).tools)

    tools = anyio.run(scenario)
    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == expected_tool_names()
    assert "api_token_create" not in by_name and "authorization_approve" not in by_name
    for tool in tools:
        Draft202012Validator.check_schema(tool.input_schema)
        assert tool.input_schema["type"] == "object", tool.name
    assert by_name["contact_delete"].annotations is not None
    assert by_name["contact_delete"].annotations.destructive_hint is True
    assert "owner's approval" in (by_name["contact_delete"].description or "")
    assert by_name["query_contacts"].annotations is not None
    assert by_name["query_contacts"].annotations.read_only_hint is True
    assert set(by_name["query_tickets"].input_schema["properties"]) >= {
        "id", "limit", "include", "from", "to", "status", "contact_id"
    }  # fmt: skip


def test_search_contacts_book_a_ticket_and_see_it_on_todays_schedule(
    served: Served, owner: Owner
) -> None:
    token_id, token = owner.token("write")

    async def scenario() -> dict[str, Any]:
        async with over_http(served.mcp_url, token) as client:
            business = json.loads(_text(await client.read_resource("crm://business")))
            contact = data(
                await client.call_tool(
                    "contact_create", {"first_name": "Rita", "last_name": "Hendershot"}
                )
            )
            address = data(
                await client.call_tool(
                    "address_create",
                    {
                        "contact_id": contact["id"],
                        "line1": "12 Oak St",
                        "city": "Owens Cross Roads",
                    },
                )
            )
            found = data(await client.call_tool("query_contacts", {"search": "Hendershot"}))
            assert [c["id"] for c in found] == [contact["id"]]
            ticket = data(
                await client.call_tool(
                    "ticket_create",
                    {
                        "contact_id": contact["id"],
                        "address_id": address["id"],
                        "title": "Spring clean",
                        "scheduled_start": _today_at(business["timezone"], 6, 15),
                        "duration_minutes": 60,
                    },
                )
            )
            schedule = json.loads(_text(await client.read_resource("crm://schedule/today")))
            return {
                "business": business,
                "contact": contact,
                "ticket": ticket,
                "schedule": schedule,
            }

    got = anyio.run(scenario)
    assert got["business"]["business_name"]
    assert got["business"]["access"]["scope"] == "read+write"
    assert got["ticket"]["status"] == "scheduled"
    # The same ticket, read by the owner through the JSON API.
    assert owner.read("tickets", id=got["ticket"]["id"])["title"] == "Spring clean"
    # Audited with the token as the actor, as over /api/*.
    trail = owner.read("audit", entity_type="contact", entity_id=got["contact"]["id"])
    assert [row["actor"] for row in trail] == [f"token:{token_id}"]
    booked = [t for t in got["schedule"]["tickets"] if t["id"] == got["ticket"]["id"]]
    assert booked and booked[0]["contact"]["last_name"] == "Hendershot"
    assert booked[0]["address"]["line1"] == "12 Oak St"


def test_a_cancellation_waits_for_the_owner_and_runs_when_approved_on_the_web(
    served: Served, owner: Owner
) -> None:
    _, token = owner.token("write")
    contact = owner.act("contact", "create", first_name="Ann", last_name="Lee")
    ticket = owner.act(
        "ticket",
        "create",
        contact_id=contact["id"],
        scheduled_start=(datetime.now(ZoneInfo("UTC")) + timedelta(days=3)).isoformat(),
    )

    async def ask() -> dict[str, Any]:
        async with over_http(served.mcp_url, token) as client:
            request = pending(
                await client.call_tool("ticket_cancel", {"id": ticket["id"], "reason": "rain"})
            )
            polled = data(await client.call_tool("query_authorizations", {"id": request["id"]}))
            assert polled["status"] == "pending"
            return request

    request = anyio.run(ask)
    assert "Ann Lee" in request["summary"]
    assert owner.read("tickets", id=ticket["id"])["status"] == "scheduled"

    page = _decide_on_the_web(owner, request["id"], "approve")
    assert "Done:" in page

    async def poll() -> tuple[dict[str, Any], dict[str, Any]]:
        async with over_http(served.mcp_url, token) as client:
            polled = data(await client.call_tool("query_authorizations", {"id": request["id"]}))
            now = data(await client.call_tool("query_tickets", {"id": ticket["id"]}))
            return polled, now

    polled, now = anyio.run(poll)
    assert polled["status"] == "approved"
    assert now["status"] == "cancelled"


def test_a_denied_delete_changes_nothing(served: Served, owner: Owner) -> None:
    _, token = owner.token("write")
    contact = owner.act("contact", "create", first_name="Keep", last_name="Me")

    async def ask() -> dict[str, Any]:
        async with over_http(served.mcp_url, token) as client:
            return pending(await client.call_tool("contact_delete", {"id": contact["id"]}))

    request = anyio.run(ask)
    page = _decide_on_the_web(owner, request["id"], "deny")
    assert "Denied; nothing was done" in page
    assert owner.read("contacts", id=contact["id"])["last_name"] == "Me"
    assert owner.read("authorizations", id=request["id"])["status"] == "denied"


def test_a_read_token_reads_but_cannot_write(served: Served, owner: Owner) -> None:
    _, token = owner.token("read")

    async def scenario() -> tuple[dict[str, Any], Any, Any]:
        async with over_http(served.mcp_url, token) as client:
            refused = error(await client.call_tool("contact_create", {"first_name": "No"}))
            asked = error(await client.call_tool("contact_delete", {"id": str(_any_id())}))
            listed = data(await client.call_tool("query_contacts", {"limit": 5}))
            return refused, asked, listed

    refused, asked, listed = anyio.run(scenario)
    assert refused["code"] == "FORBIDDEN" and "only read" in refused["message"]
    assert asked["code"] == "FORBIDDEN"  # not even queued for the owner
    assert isinstance(listed, list)


def test_bad_input_comes_back_as_the_apis_validation_error(served: Served, owner: Owner) -> None:
    _, token = owner.token("write")

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        async with over_http(served.mcp_url, token) as client:
            action = error(await client.call_tool("ticket_create", {"contact_id": "x"}))
            query = error(await client.call_tool("query_tickets", {"limit": 0, "nope": "1"}))
            missing = error(await client.call_tool("query_contacts", {"id": str(_any_id())}))
            return action, query, missing

    action, query, missing = anyio.run(scenario)
    assert action["code"] == "VALIDATION_ERROR"
    assert {f["field"] for f in action["details"]["fields"]} >= {"contact_id", "scheduled_start"}
    assert query["code"] == "VALIDATION_ERROR"
    assert missing["code"] == "NOT_FOUND"


def test_a_revoked_token_and_no_token_get_401(served: Served, owner: Owner) -> None:
    token_id, token = owner.token("write")

    async def works() -> None:
        async with over_http(served.mcp_url, token) as client:
            data(await client.call_tool("capabilities", {}))

    anyio.run(works)
    owner.act("api_token", "revoke", id=token_id)

    refused = httpx.post(served.mcp_url, json={}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.json()["error"]["details"]["reason"] == "revoked"
    assert httpx.post(served.mcp_url, json={}).status_code == 401
    with pytest.raises(Exception):  # noqa: B017 - the SDK's client cannot even connect
        anyio.run(works)


def test_prompts_an_owner_would_use(served: Served, owner: Owner) -> None:
    _, token = owner.token("read")

    async def scenario() -> tuple[list[str], str, list[str]]:
        async with over_http(served.mcp_url, token) as client:
            names = [p.name for p in (await client.list_prompts()).prompts]
            due = await client.get_prompt("due_for_service", {"city": "Owens Cross Roads"})
            resources = [r.uri for r in (await client.list_resources()).resources]
            content = due.messages[0].content
            assert isinstance(content, types.TextContent)
            return names, content.text, resources

    names, due, resources = anyio.run(scenario)
    assert names == ["plan_tomorrow", "due_for_service"]
    assert "query_due_for_service" in due and 'city "Owens Cross Roads"' in due
    assert resources == ["crm://business", "crm://schedule/today"]


def _text(result: types.ReadResourceResult) -> str:
    block = result.contents[0]
    assert isinstance(block, types.TextResourceContents)
    return block.text


def _any_id() -> str:
    return "00000000-0000-4000-8000-000000000000"
