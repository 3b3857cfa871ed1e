"""The audit trail: one row per mutation, written in the same transaction as the change."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.utils.request_id import current_request_id
from crm.utils.user_context import get_current_user


def _json_default(value: Any) -> Any:
    if isinstance(value, Jsonb):
        return value.obj
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in the audit log")


def diff(
    old: dict[str, Any] | None, new: dict[str, Any] | None, fields: list[str]
) -> dict[str, Any]:
    """``{field: {old, new}}`` for each listed field whose value changed."""
    changes: dict[str, Any] = {}
    for field in fields:
        before = old.get(field) if old else None
        after = new.get(field) if new else None
        if before != after:
            changes[field] = {"old": before, "new": after}
    return changes


def record(
    conn: Connection,
    *,
    entity_type: str,
    entity_id: UUID,
    action: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """Append one audit row for the current user, tagged with the request id."""
    user = get_current_user()
    conn.execute(
        "INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, actor, "
        "request_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            user.user_id,
            entity_type,
            entity_id,
            action,
            json.dumps(changes or {}, default=_json_default),
            user.actor or f"user:{user.user_id}",
            current_request_id(),
        ),
    )


def trail(conn: Connection, *, entity_type: str, entity_id: UUID) -> list[dict[str, Any]]:
    """An entity's history, oldest first."""
    return conn.execute(
        "SELECT id, action, changes, actor, request_id, created_at FROM audit_log "
        "WHERE entity_type = %s AND entity_id = %s ORDER BY created_at, id",
        (entity_type, entity_id),
    ).fetchall()
