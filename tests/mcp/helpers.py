"""Connecting the SDK's own client, over streamable HTTP or stdio, and reading its answers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

import crm.core.services  # noqa: F401 - registers every action and data type
from crm.core.action_classes import OWNER, class_of
from crm.core.registry import REGISTRY


@asynccontextmanager
async def over_http(mcp_url: str, token: str) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(mcp_url, http_client=http)) as client,
    ):
        yield client


@asynccontextmanager
async def over_stdio(base_url: str, token_file: Path) -> AsyncIterator[Client]:
    """`crm mcp --token-file …` as a desktop assistant starts it."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "crm.cli", "mcp", "--token-file", str(token_file), "--url", base_url],
        env={**os.environ},
    )
    async with Client(params) as client:
        yield client


def token_file(folder: Path, token: str) -> Path:
    path = folder / "token"
    path.write_text(token + "\n")
    path.chmod(0o600)
    return path


def data(result: types.CallToolResult) -> Any:
    """A successful tool's JSON (the API's ``data``)."""
    assert not result.is_error, result.content
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return json.loads(block.text)


def pending(result: types.CallToolResult) -> dict[str, Any]:
    """A queued sensitive action: its authorization request, said to be pending."""
    request: dict[str, Any] = data(result)
    assert request["status"] == "pending", request
    assert result.structured_content == {"pending": True, "authorization": request}
    note = result.content[1]
    assert isinstance(note, types.TextContent) and note.text.startswith("PENDING"), note
    return request


def error(result: types.CallToolResult) -> dict[str, Any]:
    """A refused tool call: the API's code and message."""
    assert result.is_error, result.content
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    found: dict[str, Any] = json.loads(block.text)
    return found


def expected_tool_names() -> set[str]:
    """Every registry action but the owner's own, every data type, and capabilities."""
    actions = {
        f"{domain}_{name}" for domain, name in REGISTRY.actions if class_of(domain, name) != OWNER
    }
    return actions | {f"query_{t}" for t in REGISTRY.data_types} | {"capabilities"}
