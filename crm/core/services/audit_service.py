"""The audit log as a data type: every change to one entity, or the newest changes overall."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.errors import NotFound


@REGISTRY.data_type(
    "audit",
    filters={
        "entity_type": "e.g. contact, ticket",
        "entity_id": "one entity's history (oldest first)",
    },
)
def load_audit(conn: Connection, query: DataQuery) -> Any:
    """Audit rows, newest first (one entity's trail oldest first)."""
    rows = base.list_rows(
        conn,
        query,
        sql.SQL(
            "SELECT id, entity_type, entity_id, action, changes, actor, request_id, created_at "
            "FROM audit_log"
        ),
        order=("created_at", "id") if query.filters.get("entity_id") else ("created_at DESC", "id"),
        ids=("entity_id",),
        equals=("entity_type",),
        where={"id": query.id} if query.id is not None else None,
    )
    if query.id is not None:
        if not rows:
            raise NotFound(f"No audit entry with id {query.id}.")
        return rows[0]
    return rows
