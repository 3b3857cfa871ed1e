"""MCP tests: the SDK's own client against a real `crm serve`, signed in as its demo owner.

One server for the whole folder (its embedded stack takes a while to start); each test makes
the records and tokens it needs, so tests do not depend on each other's data.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Served as BrowserServed
from tests.browser.conftest import serving

OWNER_EMAIL = "owner@example.com"


@dataclass
class Served(BrowserServed):
    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"


@dataclass
class Owner:
    """The owner's signed-in browser session (cookie + CSRF token), as the web app has it."""

    client: httpx.Client
    csrf: str

    def act(self, domain: str, action: str, **data: Any) -> Any:
        response = self.client.post(
            "/api/actions",
            json={"domain": domain, "action": action, "data": data},
            headers={"X-CSRF-Token": self.csrf},
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def read(self, type_: str, **params: str) -> Any:
        response = self.client.get("/api/data", params={"type": type_, **params})
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def token(self, scope: str, name: str = "assistant") -> tuple[str, str]:
        """A new API token: (its id, the token itself)."""
        made = self.act("api_token", "create", name=name, scope=scope, days=1)
        return str(made["id"]), str(made["token"])


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    """One `crm serve` with its own embedded stack for the MCP tests."""
    with serving("crm-mcp-") as server:
        yield Served(server.base_url, server.data_dir)


@pytest.fixture(scope="session")
def owner(served: Served) -> Iterator[Owner]:
    """The demo business's owner, signed in."""
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        yield sign_in(client, OWNER_EMAIL)


def sign_in(client: httpx.Client, email: str) -> Owner:
    """The real sign-in: ask for the link, read it from /dev/outbox, confirm it."""
    csrf = client.get("/auth/csrf").raise_for_status().json()["data"]["csrf_token"]
    client.post(
        "/auth/login", json={"email": email}, headers={"X-CSRF-Token": csrf}
    ).raise_for_status()
    link = None
    deadline = time.monotonic() + 15
    while link is None and time.monotonic() < deadline:
        for mail in client.get("/dev/outbox.json").raise_for_status().json():
            found = re.search(r"/auth/confirm\?token=([\w-]+)", mail.get("text", ""))
            if mail.get("to") == [email] and found:
                link = found.group(1)
                break
        else:
            time.sleep(0.1)
    assert link is not None, f"the sign-in email for {email} never arrived"
    client.post(
        "/auth/confirm", json={"token": link}, headers={"X-CSRF-Token": csrf}
    ).raise_for_status()
    session = client.get("/auth/session").raise_for_status().json()["data"]
    assert session["user"]["email"] == email
    return Owner(client, session["csrf_token"])
