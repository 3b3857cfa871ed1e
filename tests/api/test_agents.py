"""API tokens and the authorization queue over /api/* (docs/agents.md): what a token may read, do,
only ask for, and never do; what the owner's yes and no do; and what the audit trail says."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crm.clients.postgres_client import Database
from crm.core.action_classes import CLASSES, unclassed
from tests.api.helpers import act, done, error, make, read
from tests.factories import make_user
from tests.worlds import signed_in_client

BASE = "http://localhost"


def token_for(client: TestClient, scope: str = "write", **extra: Any) -> dict[str, Any]:
    made: dict[str, Any] = done(act(client, "api_token", "create", name="Assistant", scope=scope,
                                    **extra))  # fmt: skip
    return made


def as_business(owner: psycopg.Connection, user_id: Any, statement: str, *args: Any) -> None:
    """Back-date a row as its business (RLS is forced even for the owner role)."""
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        owner.execute(statement, args)


def agent(app: FastAPI, token: str) -> TestClient:
    """A client with only the bearer header: no cookie, no CSRF token."""
    return TestClient(app, base_url=BASE, headers={"Authorization": f"Bearer {token}"})


def test_every_action_is_classed() -> None:
    assert unclassed() == []
    assert set(CLASSES.values()) <= {"safe", "write", "sensitive", "owner"}


def test_a_token_is_shown_once_and_listed_without_its_secret(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    made = token_for(client, scope="read", days=30)
    assert made["token"].startswith("crm_") and len(made["token"]) >= 40
    assert made["scope"] == "read" and made["status"] == "active"
    assert made["prefix"] == made["token"][:12]
    listed = done(read(client, "api_tokens"))
    assert [t["id"] for t in listed] == [made["id"]]
    assert made["token"] not in read(client, "api_tokens").text
    assert "token" not in listed[0] and listed[0]["last_used_at"] is None


def test_a_read_token_reads_but_cannot_write(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any]
) -> None:
    make(client, "contact", first_name="Ann", last_name="Lee")
    reader = agent(app, token_for(client, scope="read")["token"])
    names = [c["display_name"] for c in done(read(reader, "contacts", search="Ann"))]
    assert names == ["Ann Lee"]
    refused = error(act(reader, "contact", "create", first_name="Bob"), 403, "FORBIDDEN")
    assert "can only read" in refused["message"]
    assert [t["last_used_at"] is not None for t in done(read(client, "api_tokens"))] == [True]


def audit_rows(db: Database, user_id: Any, *ids: Any) -> list[tuple[str, str, str]]:
    with db.unit_of_work(user_id) as conn:
        rows = conn.execute(
            "SELECT entity_type, action, actor FROM audit_log WHERE entity_id = ANY(%s) "
            "ORDER BY created_at, id",
            ([str(i) for i in ids],),
        ).fetchall()
    return [(r["entity_type"], r["action"], r["actor"]) for r in rows]


def test_a_write_token_acts_without_csrf_and_the_audit_names_it(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any], db: Database
) -> None:
    made = token_for(client)
    writer = agent(app, made["token"])
    contact = done(act(writer, "contact", "create", first_name="Ann", last_name="Lee"))
    assert audit_rows(db, signed_in["id"], contact["id"]) == [
        ("contact", "create", f"token:{made['id']}")
    ]


def test_owner_only_actions_are_refused_to_any_token(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any]
) -> None:
    writer = agent(app, token_for(client)["token"])
    refused = error(act(writer, "api_token", "create", name="More"), 403, "FORBIDDEN")
    assert "only for the owner" in refused["message"]
    assert len(done(read(client, "api_tokens"))) == 1


def test_a_sensitive_action_waits_for_the_owner_then_runs_as_asked(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any], db: Database
) -> None:
    contact = make(client, "contact", first_name="Ann", last_name="Lee")
    made = token_for(client)
    writer = agent(app, made["token"])
    asked = act(writer, "contact", "delete", id=contact["id"])
    assert asked.status_code == 202, asked.text
    pending = asked.json()["data"]
    assert pending["status"] == "pending" and "Ann Lee" in pending["summary"]
    # Nothing happened yet; the agent can poll the request.
    assert done(read(client, "contacts", id=contact["id"]))["id"] == contact["id"]
    assert done(read(writer, "authorizations", id=pending["id"]))["status"] == "pending"
    # A token cannot approve its own request.
    error(act(writer, "authorization", "approve", id=pending["id"]), 403, "FORBIDDEN")

    approved = done(act(client, "authorization", "approve", id=pending["id"]))
    assert approved["status"] == "approved" and approved["decided_by"] == f"user:{signed_in['id']}"
    error(read(client, "contacts", id=contact["id"]), 404, "NOT_FOUND")
    assert done(read(writer, "authorizations", id=pending["id"]))["status"] == "approved"
    # Approving again runs nothing twice.
    again = error(act(client, "authorization", "approve", id=pending["id"]), 409, "CONFLICT")
    assert "already approved" in again["message"]
    # The audit trail: asked by the token, decided by the owner, done on the token's behalf.
    token, user = f"token:{made['id']}", f"user:{signed_in['id']}"
    assert audit_rows(db, signed_in["id"], pending["id"], contact["id"]) == [
        ("contact", "create", user),
        ("authorization", "request", token),
        ("contact", "delete", f"{token} approved by {user}"),
        ("authorization", "approved", user),
    ]


def test_denied_changes_nothing_and_a_changed_world_fails_cleanly(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any]
) -> None:
    ann = make(client, "contact", first_name="Ann", last_name="Lee")
    bob = make(client, "contact", first_name="Bob", last_name="Ortiz")
    writer = agent(app, token_for(client)["token"])
    first = act(writer, "contact", "delete", id=ann["id"]).json()["data"]
    denied = done(act(client, "authorization", "deny", id=first["id"]))
    assert denied["status"] == "denied"
    assert done(read(client, "contacts", id=ann["id"]))["first_name"] == "Ann"
    assert done(read(writer, "authorizations", id=first["id"]))["status"] == "denied"

    second = act(writer, "contact", "delete", id=bob["id"]).json()["data"]
    done(act(client, "contact", "delete", id=bob["id"]))  # the owner got there first
    failed = done(act(client, "authorization", "approve", id=second["id"]))
    assert failed["status"] == "failed" and failed["error"]["code"] == "NOT_FOUND"


def test_requests_expire_after_a_day(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection
) -> None:
    ann = make(client, "contact", first_name="Ann", last_name="Lee")
    writer = agent(app, token_for(client)["token"])
    asked = act(writer, "contact", "delete", id=ann["id"]).json()["data"]
    as_business(
        owner,
        signed_in["id"],
        "UPDATE authorizations SET expires_at = now() - interval '1 minute', "
        "created_at = now() - interval '25 hours' WHERE id = %s",
        asked["id"],
    )
    assert done(read(writer, "authorizations", id=asked["id"]))["status"] == "expired"
    late = error(act(client, "authorization", "approve", id=asked["id"]), 409, "CONFLICT")
    assert "already expired" in late["message"]
    assert done(read(client, "contacts", id=ann["id"]))["id"] == ann["id"]
    assert [a["id"] for a in done(read(client, "authorizations", status="expired"))] == [
        asked["id"]
    ]
    assert done(read(client, "authorizations", status="pending")) == []


@pytest.mark.parametrize("how", ["revoked", "expired", "garbled"])
def test_a_dead_token_is_refused_with_the_reason(
    how: str,
    app: FastAPI,
    client: TestClient,
    signed_in: dict[str, Any],
    owner: psycopg.Connection,
) -> None:
    made = token_for(client)
    raw = made["token"]
    if how == "revoked":
        done(act(client, "api_token", "revoke", id=made["id"]))
    elif how == "expired":
        as_business(
            owner,
            signed_in["id"],
            "UPDATE api_tokens SET created_at = now() - interval '2 days', "
            "expires_at = now() - interval '1 day' WHERE id = %s",
            made["id"],
        )
    else:
        raw = raw[:-2] + ("AA" if not raw.endswith("AA") else "BB")
    response = read(agent(app, raw), "contacts")
    refused = error(response, 401, "UNAUTHENTICATED")
    assert how.replace("garbled", "not valid") in refused["message"]
    assert response.headers["www-authenticate"] == 'Bearer realm="crm", error="invalid_token"'


def test_no_token_on_the_mcp_endpoint_says_which_scheme(client: TestClient) -> None:
    response = client.post("/mcp", json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="crm"'


def test_a_token_never_opens_a_page(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any]
) -> None:
    page = agent(app, token_for(client)["token"]).get("/contacts", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_another_business_token_sees_nothing(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection
) -> None:
    ann = make(client, "contact", first_name="Ann", last_name="Lee")
    other = make_user(owner, email="nosy@example.com", business_name="Nosy Panes")
    theirs = signed_in_client(app, other["id"])
    nosy = agent(app, token_for(theirs)["token"])
    assert done(read(nosy, "contacts")) == []
    error(read(nosy, "contacts", id=ann["id"]), 404, "NOT_FOUND")
    asked = act(nosy, "contact", "delete", id=ann["id"])
    # Queued or refused, it names nothing of Ann's, and the owner's queue stays empty.
    assert "Ann" not in asked.text and "Lee" not in asked.text
    assert done(read(client, "authorizations")) == []


def test_revoking_a_token_denies_what_it_was_waiting_for(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any]
) -> None:
    ann = make(client, "contact", first_name="Ann", last_name="Lee")
    made = token_for(client)
    asked = act(agent(app, made["token"]), "contact", "delete", id=ann["id"]).json()["data"]
    done(act(client, "api_token", "revoke", id=made["id"]))
    closed = done(read(client, "authorizations", id=asked["id"]))
    assert (closed["status"], closed["decided_by"]) == ("denied", "token revoked")
    error(act(client, "authorization", "approve", id=asked["id"]), 409, "CONFLICT")
    assert done(read(client, "contacts", id=ann["id"]))["id"] == ann["id"]
