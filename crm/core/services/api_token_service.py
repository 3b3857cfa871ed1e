"""Personal API tokens (docs/agents.md): made in Settings (or `crm create-token`), shown once,
listed with when they were last used, revoked — never deleted, so the audit trail's
``token:<id>`` always names one. Only the owner's own session may make or revoke them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.api_tokens import new_token
from crm.core.models.agents import TokenCreate
from crm.core.models.common import Ref
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.errors import Conflict, NotFound
from crm.utils.timezone import utc_now

COLUMNS = (
    "SELECT id, name, scope, prefix, expires_at, last_used_at, revoked_at, created_at "
    "FROM api_tokens"
)


def shaped(row: dict[str, Any]) -> dict[str, Any]:
    """A token as listed: never its hash; its state in a word."""
    now = utc_now()
    status = (
        "revoked"
        if row["revoked_at"] is not None
        else "expired"
        if row["expires_at"] <= now
        else "active"
    )
    return {
        "id": row["id"],
        "name": row["name"],
        "scope": row["scope"],
        "prefix": row["prefix"],
        "status": status,
        "expires_at": row["expires_at"],
        "last_used_at": row["last_used_at"],
        "revoked_at": row["revoked_at"],
        "created_at": row["created_at"],
    }


@REGISTRY.action("api_token", "create", input=TokenCreate)
def create(conn: Connection, data: TokenCreate) -> dict[str, Any]:
    """Make a personal API token (read, or read+write) for scripts and AI assistants; the
    token itself is in this answer only."""
    made = new_token()
    row = conn.execute(
        "INSERT INTO api_tokens (user_id, name, scope, token_hash, prefix, expires_at) "
        "VALUES (current_setting('app.current_user_id')::uuid, %s, %s, %s, %s, %s) "
        "RETURNING id, name, scope, prefix, expires_at, last_used_at, revoked_at, created_at",
        (data.name, data.scope, made.hash, made.prefix, utc_now() + timedelta(days=data.days)),
    ).fetchone()
    assert row is not None
    audit.record(
        conn,
        entity_type="api_token",
        entity_id=row["id"],
        action="create",
        changes={
            "name": {"old": None, "new": data.name},
            "scope": {"old": None, "new": data.scope},
            "expires_at": {"old": None, "new": row["expires_at"]},
        },
    )
    return {**shaped(row), "token": made.raw}


@REGISTRY.action("api_token", "revoke", input=Ref)
def revoke(conn: Connection, data: Ref) -> dict[str, Any]:
    """Revoke a token: every request with it is refused from now on, and what it asked for
    and is still waiting for your yes is denied."""
    row = base.load(conn, "api_tokens", data.id, label="API token", lock=True)
    if row["revoked_at"] is not None:
        raise Conflict("This token is already revoked.", details={"id": str(data.id)})
    # Whatever it asked for and is still waiting is closed too: a revoked token (perhaps a
    # leaked one) must not get a yes by accident later.
    closed = conn.execute(
        "UPDATE authorizations SET status = 'denied', decided_at = now(), "
        "decided_by = 'token revoked' WHERE token_id = %s AND status = 'pending' RETURNING id",
        (data.id,),
    ).fetchall()
    for request in closed:
        audit.record(
            conn,
            entity_type="authorization",
            entity_id=request["id"],
            action="denied",
            changes={"status": {"old": "pending", "new": "denied"}, "reason": {
                "old": None, "new": "token revoked"}},
        )  # fmt: skip
    updated = base.update_row(
        conn,
        "api_tokens",
        data.id,
        {"revoked_at": utc_now()},
        label="API token",
        entity_type="api_token",
        action="revoke",
    )
    return shaped(updated)


@REGISTRY.data_type("api_tokens")
def load_tokens(conn: Connection, query: DataQuery) -> Any:
    """The business's API tokens, newest first (never the token itself)."""
    if query.id is not None:
        row = conn.execute(COLUMNS + " WHERE id = %s", (query.id,)).fetchone()
        if row is None:
            raise NotFound(f"No API token with id {query.id}.")
        return shaped(row)
    rows = conn.execute(
        COLUMNS + " ORDER BY created_at DESC, id LIMIT %s", (query.limit,)
    ).fetchall()
    return [shaped(row) for row in rows]
