"""MCP tool-call latency next to the same call over /api/*, against `crm serve` at full size.

Starts its own ``crm serve`` (embedded stack in a fresh folder), loads bench/datagen.py's data
set (the api_latency one: a business with 10,000 contacts, 50,000 tickets, 100,000 notes, and 19
small ones), signs its owner in through the email link and makes a read+write API token with
``api_token.create``. Then, with that one token:

- over MCP, the SDK's own client (``mcp.client.streamable_http``) on one open session to
  ``/mcp``: ``query_contacts`` with a search, and ``note_create`` (a ``safe`` action, which runs
  at once);
- over the JSON API, a keep-alive httpx client with the bearer header:
  ``GET /api/data?type=contacts&search=…`` and ``POST /api/actions`` (note.create);
- and, to split the overhead between server and client, the same two tool calls as one
  hand-written JSON-RPC ``POST /mcp`` each on that httpx client (no SDK client).

Each of the four is warmed up, then timed in interleaved blocks (so drift hits all four alike);
p50 / p95 of each, and the MCP overhead (MCP minus /api) at both. The token's fixed-window rate
limit (600 a minute) is reset between blocks in Valkey: the limiter's cost per request stays
in every sample, its refusals stay out.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import httpx2
import mcp_types as types
import psycopg
import valkey
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from psycopg.rows import dict_row

from bench import datagen
from bench.api_latency import DEFAULT_N, Server, _percentile_ms, _pick, sign_in
from bench.core import DEFAULT_ITERATIONS, Context, Result

WARMUP = 20
BLOCK = 25
SEARCH_LIMIT = 20

AsyncOp = Callable[[], Awaitable[None]]


@dataclass
class Call:
    """One timed call, over one transport."""

    label: str
    op: AsyncOp
    samples: list[int] = field(default_factory=list)


def _iterations(ctx: Context) -> int:
    n = DEFAULT_N if ctx.iterations == DEFAULT_ITERATIONS else ctx.iterations
    return max(n, 1)


def _make_token(client: httpx.Client) -> tuple[str, str]:
    """A read+write token made through the owner's session: (its id, the token)."""
    csrf = client.get("/auth/session").raise_for_status().json()["data"]["csrf_token"]
    response = client.post(
        "/api/actions",
        json={
            "domain": "api_token",
            "action": "create",
            "data": {"name": "bench mcp", "scope": "write", "days": 1},
        },
        headers={"X-CSRF-Token": csrf},
    )
    response.raise_for_status()
    made = response.json()["data"]
    return str(made["id"]), str(made["token"])


def _tool_data(result: types.CallToolResult) -> Any:
    if result.is_error:
        raise RuntimeError(f"MCP tool error: {result.content}")
    return result.structured_content["data"] if result.structured_content else None


class Limiter:
    """The token's rate-limit counter in Valkey (crm/auth/rate_limiter.py, bucket "token")."""

    def __init__(self, url: str, token_id: str) -> None:
        self.client = valkey.Valkey.from_url(url, decode_responses=True)
        digest = hashlib.sha256(token_id.encode()).hexdigest()[:32]
        self.key = f"crm:rl:token:{digest}"

    def count(self) -> int:
        value: str | None = self.client.get(self.key)  # type: ignore[assignment]
        return int(value or 0)

    def reset(self) -> None:
        self.client.delete(self.key)

    def close(self) -> None:
        self.client.close()


async def _run(
    base_url: str, token: str, search: str, contact_id: str, n: int, limiter: Limiter
) -> tuple[list[Call], dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    facts: dict[str, Any] = {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as mcp_http,
        Client(streamable_http_client(f"{base_url}/mcp", http_client=mcp_http)) as mcp,
    ):
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
            query_args = {"search": search, "limit": SEARCH_LIMIT}
            query_params = {"type": "contacts", "search": search, "limit": str(SEARCH_LIMIT)}
            counter = iter(range(1_000_000))

            def note() -> dict[str, str]:
                return {"contact_id": contact_id, "body": f"Bench note {next(counter)}"}

            async def mcp_query() -> None:
                _tool_data(await mcp.call_tool("query_contacts", query_args))

            async def mcp_action() -> None:
                _tool_data(await mcp.call_tool("note_create", note()))

            def wire(name: str, arguments: dict[str, Any]) -> None:
                """The same tool call as one hand-written JSON-RPC POST (no SDK client)."""
                response = api.post(
                    "/mcp",
                    json={
                        "jsonrpc": "2.0",
                        "id": next(counter),
                        "method": "tools/call",
                        "params": {"name": name, "arguments": arguments},
                    },
                    headers={"Accept": "application/json, text/event-stream"},
                )
                response.raise_for_status()
                if response.json()["result"].get("isError"):
                    raise RuntimeError(f"MCP tool error over the wire: {response.text}")

            async def wire_query() -> None:
                wire("query_contacts", query_args)

            async def wire_action() -> None:
                wire("note_create", note())

            async def api_query() -> None:
                api.get("/api/data", params=query_params).raise_for_status()

            async def api_action() -> None:
                body = {"domain": "note", "action": "create", "data": note()}
                api.post("/api/actions", json=body).raise_for_status()

            # The same answer both ways, before any timing.
            over_mcp = _tool_data(await mcp.call_tool("query_contacts", query_args))
            over_api = api.get("/api/data", params=query_params).raise_for_status().json()["data"]
            if [c["id"] for c in over_mcp] != [c["id"] for c in over_api]:
                raise RuntimeError("query_contacts and GET /api/data disagree")
            facts["rows"] = len(over_api)
            made = _tool_data(await mcp.call_tool("note_create", note()))
            if made.get("contact_id") != contact_id:
                raise RuntimeError(f"note_create over MCP answered {made!r}")

            calls = {
                "mcp_query": Call("query_contacts over MCP", mcp_query),
                "api_query": Call("GET /api/data", api_query),
                "mcp_action": Call("note_create over MCP", mcp_action),
                "api_action": Call("POST /api/actions", api_action),
                "wire_query": Call("query_contacts as raw JSON-RPC", wire_query),
                "wire_action": Call("note_create as raw JSON-RPC", wire_action),
            }
            limiter.reset()
            for call in calls.values():
                for _ in range(WARMUP):
                    await call.op()
            # How many HTTP requests one tool call is (the endpoint is stateless).
            limiter.reset()
            await mcp_query()
            facts["requests_per_tool_call"] = limiter.count()

            clock = time.perf_counter_ns
            gc.collect()
            gc.disable()
            try:
                done = 0
                while done < n:
                    size = min(BLOCK, n - done)
                    limiter.reset()
                    for call in calls.values():
                        for _ in range(size):
                            started = clock()
                            await call.op()
                            call.samples.append(clock() - started)
                    done += size
            finally:
                gc.enable()
    return list(calls.values()), facts


def _rows(what: str, mcp: Call, api: Call, wire: Call, note: str) -> list[Result]:
    m, a, w = sorted(mcp.samples), sorted(api.samples), sorted(wire.samples)
    out: list[Result] = []
    for pct in (50, 95):
        over_mcp, over_api = _percentile_ms(m, pct), _percentile_ms(a, pct)
        out += [
            Result(
                f"mcp_{what}_mcp_p{pct}_ms",
                round(over_mcp, 2),
                "ms",
                notes=note if pct == 50 else None,
            ),
            Result(f"mcp_{what}_api_p{pct}_ms", round(over_api, 2), "ms"),
            Result(f"mcp_{what}_overhead_p{pct}_ms", round(over_mcp - over_api, 2), "ms"),
        ]
    out.append(
        Result(
            f"mcp_{what}_wire_p50_ms",
            round(_percentile_ms(w, 50), 2),
            "ms",
            notes=f"{wire.label}: one POST /mcp on the /api client, no SDK client; p95 "
            f"{_percentile_ms(w, 95):.2f} ms (its distance from the /api row is the server's "
            "share of the overhead, the rest is the SDK's client)",
        )
    )
    return out


def measure(ctx: Context) -> list[Result]:
    n = _iterations(ctx)
    server = Server()
    try:
        server.start()
        healthy_s = server.wait_healthy()
        stack = server.stack()
        superuser_url = stack["postgres"]["urls"]["superuser"]
        dataset = datagen.load(superuser_url)
        with (
            httpx.Client(base_url=server.base_url, timeout=30) as owner,
            psycopg.connect(superuser_url, autocommit=True, row_factory=dict_row) as raw,
        ):
            sign_in(owner, dataset.big_email)
            token_id, token = _make_token(owner)
            search = _pick(raw, dataset.big_user_id)["searches"]["surname"]
            contact = raw.execute(
                "SELECT id FROM contacts WHERE user_id = %s AND deleted_at IS NULL "
                "ORDER BY created_at, id LIMIT 1",
                (dataset.big_user_id,),
            ).fetchone()
            assert contact is not None
        limiter = Limiter(stack["valkey"]["url"], token_id)
        try:
            calls, facts = anyio.run(
                _run, server.base_url, token, search, str(contact["id"]), n, limiter
            )
        finally:
            limiter.close()
    finally:
        server.stop()

    by_name = {call.label: call for call in calls}
    setup = (
        f"{sum(dataset.counts.values()):,} rows loaded in {dataset.total_seconds:.1f} s, server "
        f"healthy after {healthy_s:.1f} s; one read+write token for both; {n} calls each after "
        f"{WARMUP} warm-up, interleaved in blocks of {BLOCK}"
    )
    query_note = (
        f"search={search!r} limit={SEARCH_LIMIT} ({facts['rows']} rows, same ids both ways): "
        f"MCP = the SDK's Client on one streamable-HTTP session to /mcp "
        f"({facts['requests_per_tool_call']} HTTP request(s) per tool call), /api = keep-alive "
        f"httpx with the same bearer token; overhead = MCP - /api at that percentile; {setup}"
    )
    action_note = (
        "note_create (class safe, runs at once) over MCP vs POST /api/actions note.create; "
        "each call adds a note to one contact"
    )
    query = _rows(
        "query",
        by_name["query_contacts over MCP"],
        by_name["GET /api/data"],
        by_name["query_contacts as raw JSON-RPC"],
        query_note,
    )
    action = _rows(
        "action",
        by_name["note_create over MCP"],
        by_name["POST /api/actions"],
        by_name["note_create as raw JSON-RPC"],
        action_note,
    )
    return query + action
