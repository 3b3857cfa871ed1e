"""Small builders for test data, written through the owner role under RLS like the app."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg


def make_user(
    owner: psycopg.Connection[dict[str, Any]],
    *,
    email: str | None = None,
    business_name: str = "Sparkle Windows",
    display_name: str = "Sam Owner",
    timezone: str = "America/Chicago",
) -> dict[str, Any]:
    """Insert a business. RLS is forced even for the owner, so act as the new user."""
    user_id = uuid.uuid4()
    email = email or f"owner-{user_id.hex[:8]}@example.com"
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        row = owner.execute(
            "INSERT INTO users (id, email, display_name, business_name, timezone) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING *",
            (user_id, email, display_name, business_name, timezone),
        ).fetchone()
    assert row is not None
    return row


def add_audit(
    conn: psycopg.Connection[dict[str, Any]],
    *,
    user_id: uuid.UUID,
    entity_id: uuid.UUID | None = None,
    action: str = "create",
) -> dict[str, Any]:
    row = conn.execute(
        "INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, actor) "
        'VALUES (%s, \'contact\', %s, %s, \'{"name": {"old": null, "new": "Ann"}}\', %s) '
        "RETURNING *",
        (user_id, entity_id or uuid.uuid4(), action, f"user:{user_id}"),
    ).fetchone()
    assert row is not None
    return row
