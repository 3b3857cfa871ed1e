"""The authorization queue (docs/agents.md): what an API token asked for that only the owner may
allow — a sensitive action, stored exactly as requested with what it would do in words.

The owner approves (the action runs then, as requested, re-validated against the world as it
is now; if it no longer applies the request is ``failed`` with the reason) or denies it. A
request not decided within 24 hours expires. Approving and running are one transaction: the
request is locked first, so two approvals cannot both run it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection, translate_errors
from crm.core import audit
from crm.core.models.common import Ref
from crm.core.models.common import present as present_value
from crm.core.registry import REGISTRY, ActionContext, DataQuery
from crm.core.services import base
from crm.errors import AppError, Conflict, NotFound
from crm.utils.timezone import utc_now
from crm.utils.user_context import UserContext, get_current_user, user_context

LIFETIME = timedelta(hours=24)
STATUSES = ("pending", "approved", "denied", "failed", "expired")
COLUMNS = (
    "SELECT a.id, a.token_id, t.name AS token_name, a.domain, a.action, a.input, a.summary, "
    "a.status, a.result, a.error, a.decided_by, a.decided_at, a.expires_at, a.created_at "
    "FROM authorizations a JOIN api_tokens t ON t.id = a.token_id"
)


def shaped(row: dict[str, Any]) -> dict[str, Any]:
    """A request as shown: a pending one past its time reads as expired."""
    status = row["status"]
    if status == "pending" and row["expires_at"] <= utc_now():
        status = "expired"
    return {
        "id": row["id"],
        "status": status,
        "summary": row["summary"],
        "domain": row["domain"],
        "action": row["action"],
        "input": row["input"],
        "token": {"id": row["token_id"], "name": row["token_name"]},
        "result": row["result"],
        "error": row["error"],
        "decided_by": row["decided_by"],
        "decided_at": row["decided_at"],
        "expires_at": row["expires_at"],
        "created_at": row["created_at"],
    }


def request(
    conn: Connection,
    *,
    token_id: UUID,
    domain: str,
    action: str,
    data: dict[str, Any],
    summary: str,
) -> dict[str, Any]:
    """Queue a sensitive action a token asked for; audited with the token as the actor."""
    row = conn.execute(
        "INSERT INTO authorizations (user_id, token_id, domain, action, input, summary, "
        "expires_at) VALUES (current_setting('app.current_user_id')::uuid, %s, %s, %s, %s, %s, "
        "%s) RETURNING id",
        (token_id, domain, action, Jsonb(data), summary[:1000], utc_now() + LIFETIME),
    ).fetchone()
    assert row is not None
    audit.record(
        conn,
        entity_type="authorization",
        entity_id=row["id"],
        action="request",
        changes={"action": {"old": None, "new": f"{domain}.{action}"}, "summary": {
            "old": None, "new": summary}},
    )  # fmt: skip
    return one(conn, row["id"])


def one(conn: Connection, authorization_id: UUID) -> dict[str, Any]:
    row = conn.execute(COLUMNS + " WHERE a.id = %s", (authorization_id,)).fetchone()
    if row is None:
        raise NotFound(f"No authorization request with id {authorization_id}.")
    return shaped(row)


def pending_count(conn: Connection) -> int:
    """Requests waiting for the owner (the header's badge)."""
    row = conn.execute(
        "SELECT count(*) AS n FROM authorizations WHERE status = 'pending' AND expires_at > now()"
    ).fetchone()
    return int(row["n"]) if row else 0


@REGISTRY.data_type(
    "authorizations",
    filters={"status": f"one of {', '.join(STATUSES)}"},
)
def load_authorizations(conn: Connection, query: DataQuery) -> Any:
    """Sensitive actions API tokens asked for: pending ones wait for the owner (id=: one, to
    poll its status)."""
    if query.id is not None:
        return one(conn, query.id)
    status = query.filters.get("status", "")
    if status and status not in STATUSES:
        raise base.ValidationFailed(
            f"Unknown authorization status {status!r}.",
            details={"fields": [{"field": "status", "message": "not a status"}]},
        )
    if status in ("pending", "expired"):
        # A pending request past its time is expired, whether or not it was stamped so yet.
        condition = (
            "a.status = 'pending' AND a.expires_at > now()"
            if status == "pending"
            else "a.status = 'expired' OR (a.status = 'pending' AND a.expires_at <= now())"
        )
        rows = conn.execute(
            COLUMNS + f" WHERE {condition} ORDER BY a.created_at DESC, a.id LIMIT %s",
            (query.limit,),
        ).fetchall()
    elif status:
        rows = conn.execute(
            COLUMNS + " WHERE a.status = %s ORDER BY a.created_at DESC, a.id LIMIT %s",
            (status, query.limit),
        ).fetchall()
    else:
        rows = conn.execute(
            COLUMNS + " ORDER BY a.created_at DESC, a.id LIMIT %s", (query.limit,)
        ).fetchall()
    return [shaped(row) for row in rows]


def _claim(conn: Connection, authorization_id: UUID) -> dict[str, Any]:
    """The pending request, locked; a decided or expired one is a 409 saying which."""
    row = conn.execute(
        "SELECT * FROM authorizations WHERE id = %s FOR UPDATE", (authorization_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"No authorization request with id {authorization_id}.")
    if row["status"] == "pending" and row["expires_at"] <= utc_now():
        row = {**row, "status": "expired"}  # read as expired; nothing to stamp in a refusal
    if row["status"] != "pending":
        raise Conflict(
            f"This request is already {row['status']}; nothing was done.",
            details={"id": str(authorization_id), "status": row["status"]},
        )
    return row


def _decide(conn: Connection, row: dict[str, Any], status: str, **values: Any) -> None:
    values = {"status": status, "decided_at": utc_now(), **values}
    for key in ("result", "error"):
        if key in values:
            values[key] = Jsonb(json.loads(json.dumps(values[key], default=str)))
    base.update_row(
        conn,
        "authorizations",
        row["id"],
        values,
        label="authorization request",
        entity_type="authorization",
        action=status,
    )


@REGISTRY.action("authorization", "deny", input=Ref)
def deny(conn: Connection, data: Ref) -> dict[str, Any]:
    """Say no to what an API token asked for: nothing is done, and it can see so."""
    row = _claim(conn, data.id)
    _decide(conn, row, "denied", decided_by=_owner())
    return one(conn, data.id)


@REGISTRY.action("authorization", "approve", input=Ref, staged=True)
def approve(context: ActionContext, data: Ref) -> dict[str, Any]:
    """Say yes: the action runs now, exactly as requested and checked again; if it no longer
    applies the request fails and says why."""
    from crm.core.dispatch import lookup, parse  # the dispatcher imports the registry

    owner = _owner()
    with context.unit_of_work() as conn:
        row = _claim(conn, data.id)
        spec = lookup(row["domain"], row["action"])
        actor = f"token:{row['token_id']} approved by {owner}"
        acting = UserContext(context.user.user_id, context.user.timezone, actor=actor)
        try:
            with translate_errors(), conn.transaction(), user_context(acting):
                parsed, _ = parse(spec, row["input"])
                if spec.staged:
                    raise Conflict(f"{spec.domain}.{spec.name} cannot run from the queue.")
                value = spec.handler(conn, parsed)
                result = present_value(value, context.user.timezone)
        except AppError as exc:
            if exc.status >= 500:  # an outage is not an answer: nothing is decided
                raise
            error = {"code": exc.code, "message": exc.message, "details": exc.details}
            _decide(conn, row, "failed", decided_by=owner, error=error)
        else:
            _decide(conn, row, "approved", decided_by=owner, result=result)
        return one(conn, data.id)


def _owner() -> str:
    return f"user:{get_current_user().user_id}"
