"""A pending authorization requested over MCP expires: it cannot be approved, nothing changes."""

from __future__ import annotations

from typing import Any

import anyio
import psycopg

from bench.datagen import superuser_url_from
from tests.mcp.conftest import Owner, Served
from tests.mcp.helpers import data, over_http, pending


def _back_date(served: Served, business_id: str, request_id: str) -> None:
    """Make the request a day old, as its business (RLS is forced even for the owner role)."""
    with psycopg.connect(superuser_url_from(served.data_dir)) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.current_user_id', %s, true)", (business_id,))
        updated = conn.execute(
            "UPDATE authorizations SET expires_at = now() - interval '1 minute', "
            "created_at = now() - interval '25 hours' WHERE id = %s",
            (request_id,),
        )
        assert updated.rowcount == 1


def test_a_request_made_over_mcp_expires_and_can_no_longer_be_approved(
    served: Served, owner: Owner
) -> None:
    _, token = owner.token("write")
    contact = owner.act("contact", "create", first_name="Old", last_name="Request")

    async def ask() -> dict[str, Any]:
        async with over_http(served.mcp_url, token) as client:
            return pending(await client.call_tool("contact_delete", {"id": contact["id"]}))

    request = anyio.run(ask)
    business_id = owner.client.get("/auth/session").json()["data"]["user"]["id"]
    _back_date(served, business_id, request["id"])

    async def poll() -> dict[str, Any]:
        async with over_http(served.mcp_url, token) as client:
            polled: dict[str, Any] = data(
                await client.call_tool("query_authorizations", {"id": request["id"]})
            )
            return polled

    assert anyio.run(poll)["status"] == "expired"

    late = owner.client.post(
        "/api/actions",
        json={"domain": "authorization", "action": "approve", "data": {"id": request["id"]}},
        headers={"X-CSRF-Token": owner.csrf},
    )
    assert late.status_code == 409, late.text
    refused = late.json()["error"]
    assert refused["code"] == "CONFLICT" and "already expired" in refused["message"]

    assert owner.read("contacts", id=contact["id"])["last_name"] == "Request"
    assert owner.read("authorizations", id=request["id"])["status"] == "expired"
    assert request["id"] not in {a["id"] for a in owner.read("authorizations", status="pending")}
