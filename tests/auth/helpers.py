"""Driving the sign-in flow the way a browser does, and reading the emails it sends."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from crm.main import Resources

_TOKEN = re.compile(r"/auth/confirm\?token=([A-Za-z0-9_\-]+)")
_CODE = re.compile(r"enter this code[^:]*: (\d{6})")


def anon_csrf(client: TestClient) -> str:
    token: str = client.get("/auth/csrf").json()["data"]["csrf_token"]
    return token


def request_login(client: TestClient, email: str, *, next_path: str | None = None) -> Any:
    data = {"email": email, "csrf_token": anon_csrf(client)}
    if next_path:
        data["next"] = next_path
    return client.post("/auth/login", data=data, follow_redirects=False)


def mails_to(resources: Resources, email: str) -> list[dict[str, Any]]:
    assert resources.outbox is not None
    return [m for m in resources.outbox.messages() if m["to"] == [email]]


def link_and_code(mail: dict[str, Any]) -> tuple[str, str]:
    token = _TOKEN.search(mail["text"])
    code = _CODE.search(mail["text"])
    assert token and code, mail["text"]
    return token.group(1), code.group(1)


def confirm(client: TestClient, token: str) -> Any:
    page = client.get(f"/auth/confirm?token={token}")
    assert page.status_code == 200
    return client.post(
        "/auth/confirm",
        data={"token": token, "csrf_token": anon_csrf(client)},
        follow_redirects=False,
    )


def sign_in(client: TestClient, resources: Resources, email: str) -> str:
    """The whole link flow; returns the session cookie value."""
    assert request_login(client, email).status_code == 303
    token, _ = link_and_code(mails_to(resources, email)[0])
    response = confirm(client, token)
    assert response.status_code == 303, response.text
    cookie = client.cookies.get("crm_session")
    assert cookie
    return cookie
