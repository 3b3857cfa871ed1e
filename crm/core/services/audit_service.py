"""The audit log as a data type: every change to one entity, or the newest changes overall."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base


@REGISTRY.data_type(
    "audit",
    filters={
        "entity_type": "e.g. contact, ticket",
        "entity_id": "one entity's history (oldest first)",
    },
)
def load_audit(conn: Connection, query: DataQuery) -> Any:
    """Audit rows, newest first (one entity's trail oldest first)."""
    entity_id = base.uuid_filter(query, "entity_id")
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    if entity_id is not None:
        clauses.append(sql.SQL("entity_id = %s"))
        params.append(entity_id)
    if query.filters.get("entity_type"):
        clauses.append(sql.SQL("entity_type = %s"))
        params.append(query.filters["entity_type"])
    if query.id is not None:
        clauses.append(sql.SQL("id = %s"))
        params.append(query.id)
    where = sql.SQL("WHERE ") + sql.SQL(" AND ").join(clauses) if clauses else sql.SQL("")
    order = sql.SQL("created_at, id") if entity_id else sql.SQL("created_at DESC, id")
    rows = conn.execute(
        sql.SQL(
            "SELECT id, entity_type, entity_id, action, changes, actor, request_id, created_at "
            "FROM audit_log {} ORDER BY {}{}"
        ).format(where, order, base.limit_clause(query.limit)),
        params,
    ).fetchall()
    if query.id is not None:
        if not rows:
            from crm.errors import NotFound

            raise NotFound(f"No audit entry with id {query.id}.")
        return rows[0]
    return rows
