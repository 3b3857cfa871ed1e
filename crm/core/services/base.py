"""Small helpers every service uses: load-or-404, partial updates, soft deletes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from psycopg import sql
from pydantic import BaseModel

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.registry import DataQuery
from crm.errors import NotFound, ValidationFailed
from crm.utils.timezone import get_zone


def load(
    conn: Connection, table: str, entity_id: UUID, *, label: str, lock: bool = False
) -> dict[str, Any]:
    """The row, or NotFound: ids that never existed, another business's, or deleted ones alike."""
    query = sql.SQL("SELECT * FROM {} WHERE id = %s{}").format(
        sql.Identifier(table), sql.SQL(" FOR UPDATE") if lock else sql.SQL("")
    )
    row = conn.execute(query, (entity_id,)).fetchone()
    if row is None:
        raise NotFound(f"No {label} with id {entity_id}.")
    return row


def changed_fields(
    data: BaseModel, *, exclude: frozenset[str] = frozenset({"id"})
) -> dict[str, Any]:
    """Only the fields the caller actually sent."""
    return {k: getattr(data, k) for k in data.model_fields_set if k not in exclude}


def update_row(
    conn: Connection,
    table: str,
    entity_id: UUID,
    values: dict[str, Any],
    *,
    label: str,
    entity_type: str,
    action: str = "update",
) -> dict[str, Any]:
    """Apply a partial update and audit exactly what changed."""
    before = load(conn, table, entity_id, label=label, lock=True)
    if not values:
        return before
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = %s").format(sql.Identifier(column)) for column in values
    )
    conn.execute(
        sql.SQL("UPDATE {} SET {} WHERE id = %s").format(sql.Identifier(table), assignments),
        (*values.values(), entity_id),
    )
    after = load(conn, table, entity_id, label=label)
    changes = audit.diff(before, after, list(values))
    if changes:
        audit.record(
            conn, entity_type=entity_type, entity_id=entity_id, action=action, changes=changes
        )
    return after


def insert_row(
    conn: Connection, table: str, values: dict[str, Any], *, entity_type: str
) -> dict[str, Any]:
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in values)
    placeholders = sql.SQL(", ").join(sql.Placeholder() for _ in values)
    row = conn.execute(
        sql.SQL(
            "INSERT INTO {} (user_id, {}) VALUES "
            "(current_setting('app.current_user_id')::uuid, {}) RETURNING *"
        ).format(sql.Identifier(table), columns, placeholders),
        tuple(values.values()),
    ).fetchone()
    assert row is not None
    audit.record(
        conn,
        entity_type=entity_type,
        entity_id=row["id"],
        action="create",
        changes={k: {"old": None, "new": v} for k, v in values.items()},
    )
    return row


def soft_delete(
    conn: Connection, table: str, entity_id: UUID, *, label: str, entity_type: str
) -> dict[str, Any]:
    """Mark deleted; RLS hides the row from every normal read from now on."""
    before = load(conn, table, entity_id, label=label, lock=True)
    # A plain UPDATE can't do it: the new row would be hidden by the policy (see 0003).
    conn.execute("SELECT soft_delete(%s, %s)", (table, entity_id))
    audit.record(conn, entity_type=entity_type, entity_id=entity_id, action="delete")
    return {"id": before["id"], "deleted": True}


def hard_delete(
    conn: Connection, table: str, entity_id: UUID, *, label: str, entity_type: str
) -> dict[str, Any]:
    before = load(conn, table, entity_id, label=label, lock=True)
    conn.execute(
        sql.SQL("DELETE FROM {} WHERE id = %s").format(sql.Identifier(table)), (entity_id,)
    )
    audit.record(
        conn,
        entity_type=entity_type,
        entity_id=entity_id,
        action="delete",
        changes={k: {"old": v, "new": None} for k, v in before.items() if k not in _NOISE},
    )
    return {"id": before["id"], "deleted": True}


_NOISE = frozenset(
    {"user_id", "created_at", "updated_at", "search_names", "search_text", "search_vector"}
)


def load_one(
    conn: Connection, table: str, query: DataQuery, *, label: str, entity_type: str
) -> dict[str, Any]:
    """``id=`` reads: the row (or NotFound), with its audit trail when asked for."""
    assert query.id is not None
    row = load(conn, table, query.id, label=label)
    if "audit_trail" in query.include:
        row["audit_trail"] = audit.trail(conn, entity_type=entity_type, entity_id=row["id"])
    return row


def uuid_filter(query: DataQuery, name: str) -> UUID | None:
    """A filter that must be a UUID; a malformed one is a 422 naming the filter."""
    raw = query.filters.get(name)
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError as exc:
        raise ValidationFailed(
            f"Filter {name} must be an id.",
            details={"fields": [{"field": name, "message": "not an id"}]},
        ) from exc


def local_date_range(query: DataQuery, column: str) -> tuple[list[sql.Composable], list[Any]]:
    """WHERE clauses for the ``from``/``to`` filters: local dates in the business's timezone,
    ``to`` inclusive (so a ticket at 23:30 local belongs to its own day, not the next)."""
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    zone = get_zone(query.timezone)
    if query.filters.get("from"):
        clauses.append(sql.SQL("{} >= %s").format(sql.Identifier(column)))
        params.append(datetime.combine(_local_date(query, "from"), time.min, tzinfo=zone))
    if query.filters.get("to"):
        next_day = _local_date(query, "to") + timedelta(days=1)
        clauses.append(sql.SQL("{} < %s").format(sql.Identifier(column)))
        params.append(datetime.combine(next_day, time.min, tzinfo=zone))
    return clauses, params


def _local_date(query: DataQuery, name: str) -> date:
    try:
        return date.fromisoformat(query.filters[name])
    except ValueError as exc:
        raise ValidationFailed(
            f"Filter {name} must be a date like 2026-11-26.",
            details={"fields": [{"field": name, "message": "not a date"}]},
        ) from exc


def filter_clauses(
    query: DataQuery,
    *,
    ids: tuple[str, ...] = (),
    statuses: tuple[str, ...] | None = None,
    label: str = "",
) -> tuple[list[sql.Composable], list[Any]]:
    """WHERE clauses for a ``status`` filter (checked against ``statuses``) and id filters."""
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    status = query.filters.get("status")
    if statuses is not None and status:
        if status not in statuses:
            raise ValidationFailed(
                f"Unknown {label} status {status!r}.",
                details={"fields": [{"field": "status", "message": "not a status"}]},
            )
        clauses.append(sql.SQL("status = %s"))
        params.append(status)
    for name in ids:
        value = uuid_filter(query, name)
        if value is not None:
            clauses.append(sql.SQL("{} = %s").format(sql.Identifier(name)))
            params.append(value)
    return clauses, params


def where(clauses: list[sql.Composable]) -> sql.Composable:
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses) if clauses else sql.SQL("")


def limit_clause(limit: int) -> sql.Composable:
    return sql.SQL(" LIMIT {}").format(sql.Literal(int(limit)))
