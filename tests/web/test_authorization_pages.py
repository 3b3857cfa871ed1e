"""Requests to approve: what a token asked for waits (202), shows in the header's badge and on
/authorizations, and runs only when the owner approves — once, and only if it still applies."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.helpers import act, done, error, make, read
from tests.conftest import BASE_URL

BADGE = re.compile(r'<a class="asks" href="/authorizations"><span class="count">(\d+)</span>')


@pytest.fixture
def agent(app: FastAPI, client: TestClient, signed_in: dict[str, Any]) -> Iterator[TestClient]:
    """A script with a read + write token: no session cookie, no CSRF header."""
    token = done(act(client, "api_token", "create", name="Claude", scope="write"))["token"]
    with TestClient(app, base_url=BASE_URL) as other:
        other.headers["Authorization"] = f"Bearer {token}"
        yield other


def ask_delete(agent: TestClient, contact_id: str) -> dict[str, Any]:
    body = {"domain": "contact", "action": "delete", "data": {"id": contact_id}}
    asked: dict[str, Any] = done(agent.post("/api/actions", json=body), 202)
    return asked


def decide(client: TestClient, signed_in: dict[str, Any], ask_id: str, how: str) -> Response:
    return client.post(
        f"/authorizations/{ask_id}/{how}",
        data={"csrf_token": signed_in["csrf_token"]},
        follow_redirects=False,
    )


def badge(client: TestClient, path: str = "/") -> int:
    """The header's count of requests to approve on ``path`` (0 when the badge is not shown)."""
    found = BADGE.search(client.get(path).text)
    return int(found.group(1)) if found else 0


def test_a_delete_asked_with_a_token_waits_until_the_owner_approves(
    client: TestClient, signed_in: dict[str, Any], agent: TestClient
) -> None:
    assert badge(client) == 0
    ann = make(client, "contact", first_name="Ann", last_name="Lee")
    asked = ask_delete(agent, ann["id"])
    assert asked["status"] == "pending" and "Ann Lee" in asked["summary"]
    assert done(read(client, "contacts", id=ann["id"]))["first_name"] == "Ann"

    assert badge(client) == 1
    assert badge(client, "/settings") == badge(client, f"/contacts/{ann['id']}") == 1
    page = client.get("/authorizations")
    assert page.status_code == 200
    assert html.escape(asked["summary"]) in page.text
    assert "Asked by Claude" in page.text and "expires in 23 hours" in page.text
    for how in ("approve", "deny"):
        form = f'<form method="post" action="/authorizations/{asked["id"]}/{how}" class="inline">'
        assert form in page.text
    assert page.text.count(f'value="{signed_in["csrf_token"]}"') >= 3  # sign out, approve, deny

    approved = decide(client, signed_in, asked["id"], "approve")
    assert approved.status_code == 303
    assert approved.headers["location"] == f"/authorizations?decided={asked['id']}"
    after = client.get(approved.headers["location"]).text
    assert f"Done: {html.escape(asked['summary'])}" in after
    error(read(client, "contacts", id=ann["id"]), 404, "NOT_FOUND")
    assert badge(client) == 0
    # The agent polls its request and sees it done; the trail names the token and the owner.
    polled = done(agent.get("/api/data", params={"type": "authorizations", "id": asked["id"]}))
    assert polled["status"] == "approved" and polled["decided_by"] == f"user:{signed_in['id']}"
    trail = done(read(client, "audit", entity_type="contact", entity_id=ann["id"]))
    deleted = next(row for row in trail if row["action"] == "delete")
    assert deleted["actor"].startswith(f"token:{asked['token']['id']}")

    # Approving twice says so and runs nothing a second time.
    again = decide(client, signed_in, asked["id"], "approve")
    assert again.status_code == 409
    assert "This request is already approved; nothing was done." in again.text
    trail = done(read(client, "audit", entity_type="contact", entity_id=ann["id"]))
    assert [row["action"] for row in trail].count("delete") == 1


def test_a_denied_request_changes_nothing(
    client: TestClient, signed_in: dict[str, Any], agent: TestClient
) -> None:
    bo = make(client, "contact", first_name="Bo", last_name="Diaz")
    asked = ask_delete(agent, bo["id"])
    denied = decide(client, signed_in, asked["id"], "deny")
    assert denied.status_code == 303
    page = client.get(denied.headers["location"]).text
    assert "Denied; nothing was done" in page
    assert done(read(client, "contacts", id=bo["id"]))["first_name"] == "Bo"
    polled = done(agent.get("/api/data", params={"type": "authorizations", "id": asked["id"]}))
    assert polled["status"] == "denied"
    assert "Recently decided" in page and "Nothing is waiting for you." in page
    assert decide(client, signed_in, asked["id"], "approve").status_code == 409
    assert done(read(client, "contacts", id=bo["id"]))["first_name"] == "Bo"


def test_a_request_whose_target_vanished_fails_and_says_why(
    client: TestClient, signed_in: dict[str, Any], agent: TestClient
) -> None:
    cy = make(client, "contact", first_name="Cy", last_name="Moss")
    asked = ask_delete(agent, cy["id"])
    done(act(client, "contact", "delete", id=cy["id"]))  # the owner did it meanwhile
    response = decide(client, signed_in, asked["id"], "approve")
    assert response.status_code == 303
    failed = done(read(client, "authorizations", id=asked["id"]))
    assert failed["status"] == "failed" and failed["error"]["code"] == "NOT_FOUND"
    page = client.get(response.headers["location"]).text
    reason = html.escape(failed["error"]["message"])
    assert f"Could not be done: {reason}" in page
    assert "could not be done</span>" in page and f'<p class="field-error">{reason}</p>' in page
    assert badge(client) == 0


def test_an_expired_request_is_listed_as_such_and_cannot_be_approved(
    client: TestClient, signed_in: dict[str, Any], agent: TestClient, database: Any
) -> None:
    di = make(client, "contact", first_name="Di", last_name="Park")
    asked = ask_delete(agent, di["id"])
    with database.superuser() as admin:
        admin.execute(
            "UPDATE authorizations SET expires_at = now() - interval '1 minute', "
            "created_at = now() - interval '25 hours' WHERE id = %s",
            (asked["id"],),
        )
    assert badge(client) == 0
    page = client.get("/authorizations").text
    assert "Nothing is waiting for you." in page and "not answered in time" in page
    refused = decide(client, signed_in, asked["id"], "approve")
    assert refused.status_code == 409 and "already expired" in refused.text
    assert done(read(client, "contacts", id=di["id"]))["first_name"] == "Di"


def test_another_business_request_is_not_found(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    response = decide(client, signed_in, "00000000-0000-0000-0000-000000000001", "approve")
    assert response.status_code == 404
    assert "No authorization request with id" in response.text
    page = client.get("/authorizations?decided=not-an-id")
    assert page.status_code == 200 and "Nothing is waiting for you." in page.text
