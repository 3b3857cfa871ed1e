"""`crm mcp --token-file PATH`: the MCP tools over stdio, for a desktop assistant (docs/mcp.md).

The assistant starts this command; every tool call is forwarded to the running app with the
token, so nothing here touches the database. The token file holds only the token and must be
readable by its owner alone, as ssh insists for a private key.
"""

from __future__ import annotations

import argparse
import logging
import os
import stat
import sys
from pathlib import Path

import anyio
import httpx
from mcp.server.stdio import stdio_server

from crm.mcp.remote import TIMEOUT, RemoteBackend
from crm.mcp.server import build_server

# Where `crm serve` listens by default (its --host and --port).
DEFAULT_URL = "http://127.0.0.1:8000"


class TokenFileError(Exception):
    """The token file is missing, empty, or readable by others."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    mcp = sub.add_parser(
        "mcp",
        help="serve the MCP tools over stdio for a desktop assistant",
        description="Serve the CRM's MCP tools over standard input and output, for a desktop "
        "AI assistant that starts this command. Every call goes to the running app (--url) "
        "with the API token in --token-file (create one in Settings → API tokens), so what "
        "the token may do, and the owner's approval of sensitive actions, apply as on the API.",
    )
    mcp.add_argument(
        "--token-file",
        type=Path,
        required=True,
        help="file holding only the API token, readable by you alone (chmod 600)",
    )
    mcp.add_argument(
        "--url", default=DEFAULT_URL, help=f"the CRM's address (default: {DEFAULT_URL})"
    )
    mcp.set_defaults(func=cmd_mcp)


def cmd_mcp(args: argparse.Namespace) -> int:
    try:
        token = read_token(args.token_file.expanduser())
    except TokenFileError as exc:
        print(f"crm mcp: {exc}", file=sys.stderr)
        return 2
    # stdout is the protocol; stderr is the assistant's log: no line per HTTP request there.
    for name in ("httpx", "httpx2", "mcp"):
        logging.getLogger(name).setLevel(logging.WARNING)
    anyio.run(serve_stdio, str(args.url).rstrip("/"), token)
    return 0


def read_token(path: Path) -> str:
    """The token in ``path``, whitespace stripped; refused if others could read it."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TokenFileError(
            f"{path} does not exist: put your API token in it (Settings → API tokens), "
            f"then `chmod 600 {path}`."
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenFileError(f"cannot read {path}: {exc}") from exc
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise TokenFileError(
            f"permissions {stat.S_IMODE(mode):04o} for {path} are too open: an API token "
            f"must be readable by you alone. Run `chmod 600 {path}`."
        )
    token = text.strip()
    if not token:
        raise TokenFileError(f"{path} is empty: put your API token in it.")
    if any(ch.isspace() for ch in token):
        raise TokenFileError(f"{path} must hold only the API token, on one line.")
    return token


async def serve_stdio(url: str, token: str) -> None:
    """Serve one assistant on stdin/stdout until it closes them."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=TIMEOUT) as client:
        backend = RemoteBackend(client, url=url, token=token)
        server = build_server(lambda ctx: backend)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
