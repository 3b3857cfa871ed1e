"""Settings → API tokens: make one (shown once), list, revoke; what a token opens and what not."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.helpers import done, error, read
from tests.conftest import BASE_URL

TOKEN_INPUT = re.compile(r'<input id="token-value" type="text" value="(crm_[\w-]+)" readonly')


def post(client: TestClient, url: str, signed_in: dict[str, Any], **data: Any) -> Response:
    return client.post(
        url, data={"csrf_token": signed_in["csrf_token"], **data}, follow_redirects=False
    )


def made_token(client: TestClient, signed_in: dict[str, Any], **data: Any) -> str:
    """Make a token through the page; the raw token, read from the one answer that shows it."""
    response = post(client, "/settings/tokens", signed_in, **{"scope": "write", **data})
    assert response.status_code == 200, response.text
    found = TOKEN_INPUT.search(response.text)
    assert found, response.text
    return found.group(1)


@pytest.fixture
def bare(app: FastAPI) -> Iterator[TestClient]:
    """A client with no session cookie and no CSRF header: only what a script sends."""
    with TestClient(app, base_url=BASE_URL) as other:
        yield other


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_page_offers_the_form_and_is_linked_from_settings(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    assert 'href="/settings/tokens"' in client.get("/settings").text
    page = client.get("/settings/tokens")
    assert page.status_code == 200
    assert "No tokens yet" in page.text
    assert 'name="days" type="text" value="90"' in page.text
    read_choice = '<input type="radio" name="scope" value="read" aria-describedby="scope-read"'
    assert f"{read_choice} checked>" in page.text
    assert "can also book and change things" in page.text
    assert "waits for your approval" in page.text
    assert "docs/mcp.md" in page.text
    assert 'id="token-value"' not in page.text


def test_a_new_token_is_shown_once_and_never_again(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    response = post(
        client, "/settings/tokens", signed_in, name="Claude on my laptop", scope="write", days="30"
    )
    assert response.status_code == 200
    assert "location" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    token = TOKEN_INPUT.search(response.text)
    assert token, response.text
    raw = token.group(1)
    assert "Copy it now: it will not be shown again." in response.text
    assert raw not in str(response.url)

    page = client.get("/settings/tokens")
    assert raw not in page.text and "Copy it now" not in page.text
    assert "Claude on my laptop" in page.text
    assert f"<code>{raw[:12]}…</code>" in page.text
    assert "read + write" in page.text and "last used never" in page.text
    assert "Expires on" in page.text and "Revoke Claude on my laptop" in page.text
    listed = done(read(client, "api_tokens"))
    assert [(t["name"], t["scope"], t["status"]) for t in listed] == [
        ("Claude on my laptop", "write", "active")
    ]
    assert raw not in read(client, "api_tokens").text
    assert raw not in read(client, "audit", entity_type="api_token").text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "scope": "read", "days": "90"}, "name", "at least 1 character"),
        ({"name": "x" * 101, "scope": "read", "days": "90"}, "name", "at most 100 characters"),
        ({"name": "Bot", "scope": "admin", "days": "90"}, "scope", "Choose what the token may do"),
        ({"name": "Bot", "days": "90"}, "scope", "Choose what the token may do"),
        ({"name": "Bot", "scope": "read", "days": "0"}, "days", "from 1 to 365"),
        ({"name": "Bot", "scope": "read", "days": "366"}, "days", "from 1 to 365"),
        ({"name": "Bot", "scope": "read", "days": "9" * 5000}, "days", "from 1 to 365"),
    ],
)
def test_a_bad_form_is_explained_and_makes_nothing(
    client: TestClient, signed_in: dict[str, Any], data: dict[str, str], field: str, message: str
) -> None:
    response = post(client, "/settings/tokens", signed_in, **data)
    assert response.status_code == 422, response.text
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert "crm_" not in response.text
    assert done(read(client, "api_tokens")) == []


def test_revoke_asks_first_then_the_token_is_refused(
    client: TestClient, signed_in: dict[str, Any], bare: TestClient
) -> None:
    raw = made_token(client, signed_in, name="Script")
    assert bare.get("/api/data?type=contacts", headers=bearer(raw)).status_code == 200
    token_id = done(read(client, "api_tokens"))[0]["id"]
    page = client.get("/settings/tokens").text
    # The confirm step is a <details>: the button that revokes is inside it, no script needed.
    confirm = page.split('<details class="confirm">', 1)[1].split("</details>", 1)[0]
    assert "<summary" in confirm and f'action="/settings/tokens/{token_id}/revoke"' in confirm

    response = post(client, f"/settings/tokens/{token_id}/revoke", signed_in)
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/tokens?notice=revoked"
    page = client.get("/settings/tokens?notice=revoked").text
    assert "Anything using that token is refused from now on." in page
    assert "token-revoked" in page and "Revoke Script" not in page
    refused = bare.get("/api/data?type=contacts", headers=bearer(raw))
    assert error(refused, 401, "UNAUTHENTICATED")["message"].startswith(
        "This API token was revoked."
    )

    again = post(client, f"/settings/tokens/{token_id}/revoke", signed_in)
    assert again.status_code == 409
    assert "already revoked" in again.text


def test_a_token_reads_the_api_but_never_opens_a_page(
    client: TestClient, signed_in: dict[str, Any], bare: TestClient
) -> None:
    raw = made_token(client, signed_in, name="Reader", scope="read")
    data = bare.get("/api/data?type=api_tokens", headers=bearer(raw))
    assert [t["name"] for t in done(data)] == ["Reader"]
    for path in ("/contacts", "/settings/tokens", "/authorizations"):
        page = bare.get(path, headers=bearer(raw), follow_redirects=False)
        assert page.status_code == 303, path
        assert page.headers["location"].startswith("/login"), path


def test_a_bearer_post_needs_no_csrf_and_a_read_token_cannot_write(
    client: TestClient, signed_in: dict[str, Any], bare: TestClient
) -> None:
    writer = made_token(client, signed_in, name="Writer", scope="write")
    reader = made_token(client, signed_in, name="Reader", scope="read")
    body = {"domain": "contact", "action": "create", "data": {"first_name": "Ann"}}
    made = bare.post("/api/actions", json=body, headers=bearer(writer))
    assert done(made)["first_name"] == "Ann"
    refused = bare.post("/api/actions", json=body, headers=bearer(reader))
    assert error(refused, 403, "FORBIDDEN")["message"].startswith("This API token can only read")
    # Without a token or a session nothing is done.
    error(bare.post("/api/actions", json=body), 401, "UNAUTHENTICATED")
    assert [c["first_name"] for c in done(read(client, "contacts"))] == ["Ann"]
    # A token cannot make tokens, whatever its scope.
    more = {"domain": "api_token", "action": "create", "data": {"name": "More"}}
    error(bare.post("/api/actions", json=more, headers=bearer(writer)), 403, "FORBIDDEN")
