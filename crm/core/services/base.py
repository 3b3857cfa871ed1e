"""Small helpers every service uses: load-or-404, partial updates, soft deletes, list pages and
their includes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
    """The row, or NotFound: ids that never existed, another business's, or deleted ones alike.

    ``lock`` takes ``FOR UPDATE``: what every delete does first, before it checks what still
    depends on the row (see ``lock_parent``)."""
    query = sql.SQL("SELECT * FROM {} WHERE id = %s{}").format(
        sql.Identifier(table), sql.SQL(" FOR UPDATE") if lock else sql.SQL("")
    )
    row = conn.execute(query, (entity_id,)).fetchone()
    if row is None:
        raise NotFound(f"No {label} with id {entity_id}.")
    return row


def lock_parent(conn: Connection, table: str, parent_id: UUID, *, label: str) -> dict[str, Any]:
    """The row a dependent write hangs off (a ticket's contact, a payment's invoice…),
    share-locked until commit, or the same NotFound as ``load``.

    Every delete (and every change that refuses new children: cancel, void, retire) takes
    ``FOR UPDATE`` on the row *before* it checks the children, so the two serialise: a delete
    that comes second waits for this transaction and then sees the new child (and refuses, or
    cleans it up); a write that comes second waits for the delete and then finds the row gone
    (PostgreSQL re-reads it after the wait, and the RLS policy hides a soft-deleted row) or in
    its new state, which the caller checks on the row returned here. ``FOR KEY SHARE`` rather
    than ``FOR SHARE``: ordinary updates of the parent, such as the search refresh that adding
    an address or a note does on its contact, don't wait for it, and can't deadlock on it.
    """
    row = conn.execute(
        sql.SQL("SELECT * FROM {} WHERE id = %s FOR KEY SHARE").format(sql.Identifier(table)),
        (parent_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"No {label} with id {parent_id}.")
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


# -- lists -------------------------------------------------------------------------------------


def list_rows(
    conn: Connection,
    query: DataQuery,
    select: sql.Composable,
    *,
    order: Sequence[str],
    ids: Sequence[str] = (),
    equals: Sequence[str] = (),
    statuses: Sequence[str] | None = None,
    label: str = "",
    local_dates: str | None = None,
    where: Mapping[str, Any] | None = None,
    conditions: Sequence[sql.Composable] = (),
) -> list[dict[str, Any]]:
    """One page of a list: ``select`` narrowed by the filters the data type declares, in
    ``order``, at most ``query.limit`` rows.

    ``ids`` are filters that must be UUIDs, ``equals`` text filters, ``statuses`` the allowed
    values of a ``status`` filter, ``local_dates`` the column the ``from``/``to`` filters
    bound; ``where`` adds ``column = value`` for values the loader already has and
    ``conditions`` fixed SQL. Every value is bound and every column an Identifier. Soft-deleted
    rows need no clause: the RLS policy hides them from every read.
    """
    clauses: list[sql.Composable] = list(conditions)
    params: list[Any] = []

    def equal(column: str, value: Any) -> None:
        clauses.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
        params.append(value)

    if local_dates is not None:
        _local_date_range(query, local_dates, clauses, params)
    status = query.filters.get("status")
    if statuses is not None and status:
        if status not in statuses:
            raise ValidationFailed(
                f"Unknown {label} status {status!r}.",
                details={"fields": [{"field": "status", "message": "not a status"}]},
            )
        equal("status", status)
    for name in ids:
        value = uuid_filter(query, name)
        if value is not None:
            equal(name, value)
    for name in equals:
        if query.filters.get(name):
            equal(name, query.filters[name])
    for column, value in (where or {}).items():
        equal(column, value)
    statement = sql.Composed(
        [
            select,
            sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses) if clauses else sql.SQL(""),
            sql.SQL(" ORDER BY ") + sql.SQL(", ").join(_order_term(term) for term in order),
            sql.SQL(" LIMIT %s"),
        ]
    )
    return conn.execute(statement, [*params, int(query.limit)]).fetchall()


def _order_term(term: str) -> sql.Composable:
    """``"c.created_at DESC"`` as an identifier and a direction."""
    column, _, direction = term.partition(" ")
    if direction not in ("", "DESC"):
        raise ValueError(f"bad sort term {term!r}")
    identifier = sql.Identifier(*column.split("."))
    return identifier + sql.SQL(" DESC") if direction else identifier


def dated(query: DataQuery) -> bool:
    """Whether a ``from``/``to`` range was asked for (such lists read like a calendar)."""
    return bool(query.filters.get("from") or query.filters.get("to"))


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


def _local_date_range(
    query: DataQuery, column: str, clauses: list[sql.Composable], params: list[Any]
) -> None:
    """The ``from``/``to`` filters: local dates in the business's timezone, ``to`` inclusive
    (so a ticket at 23:30 local belongs to its own day, not the next)."""
    zone = get_zone(query.timezone)
    if query.filters.get("from"):
        clauses.append(sql.SQL("{} >= %s").format(sql.Identifier(column)))
        params.append(datetime.combine(_local_date(query, "from"), time.min, tzinfo=zone))
    if query.filters.get("to"):
        next_day = _local_date(query, "to") + timedelta(days=1)
        clauses.append(sql.SQL("{} < %s").format(sql.Identifier(column)))
        params.append(datetime.combine(next_day, time.min, tzinfo=zone))


def _local_date(query: DataQuery, name: str) -> date:
    try:
        return date.fromisoformat(query.filters[name])
    except ValueError as exc:
        raise ValidationFailed(
            f"Filter {name} must be a date like 2026-11-26.",
            details={"fields": [{"field": name, "message": "not a date"}]},
        ) from exc


# -- includes ----------------------------------------------------------------------------------

PARENT = "_parent"
"""The column a related query selects the parent's id as; used to group, then dropped."""

Row = dict[str, Any]
RelatedQuery = str | sql.SQL | sql.Composed


def load_related(
    conn: Connection,
    query: RelatedQuery,
    ids: Iterable[Any],
    *,
    params: Mapping[str, Any] | None = None,
) -> dict[Any, list[Row]]:
    """The related rows of many parents in one query, grouped by parent id in query order.

    ``query`` selects the parent's id as ``_parent`` and filters with ``= ANY(%(ids)s)``.
    """
    wanted = list(dict.fromkeys(i for i in ids if i is not None))
    if not wanted:
        return {}
    groups: dict[Any, list[Row]] = {}
    for row in conn.execute(query, {**(params or {}), "ids": wanted}).fetchall():
        groups.setdefault(row.pop(PARENT), []).append(row)
    return groups


@dataclass(frozen=True)
class Include:
    """One ``include=`` relation, read for all the rows of a page at once.

    ``query`` is as for load_related; ``on`` names the parent's column it looks up. ``one``
    gives a single row (or None: absent, or hidden because deleted) instead of a list;
    ``shape`` rewrites each related row and ``derive`` adds fields computed from them to
    the parent (a ticket's total from its line items).
    """

    name: str
    query: RelatedQuery
    on: str = "id"
    one: bool = False
    shape: Callable[[Row], Row] | None = None
    derive: Callable[[list[Row]], Row] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


def include_names(includes: Sequence[Include]) -> tuple[str, ...]:
    """What a data type declares it can include, in declaration order."""
    return tuple(include.name for include in includes)


def with_includes(
    conn: Connection, rows: Sequence[Row], include: frozenset[str], includes: Sequence[Include]
) -> list[Row]:
    """``rows`` with each asked-for relation: one query per relation, whatever the row count."""
    wanted = [relation for relation in includes if relation.name in include]
    if not wanted:
        return list(rows)
    out = [dict(row) for row in rows]
    for relation in wanted:
        groups = load_related(
            conn, relation.query, (row[relation.on] for row in out), params=relation.params
        )
        for row in out:
            # Copies: parents that share a related row (a contact, a staff member) get their own.
            related = [
                relation.shape(dict(r)) if relation.shape else dict(r)
                for r in groups.get(row[relation.on], ())
            ]
            row[relation.name] = (related[0] if related else None) if relation.one else related
            if relation.derive is not None:
                row.update(relation.derive(related))
    return out


_AUDIT_TRAIL = (
    "SELECT entity_id AS _parent, id, action, changes, actor, request_id, created_at "
    "FROM audit_log WHERE entity_type = %(entity_type)s AND entity_id = ANY(%(ids)s) "
    "ORDER BY created_at, id"
)


def audit_trail(entity_type: str) -> Include:
    """``include=audit_trail``: each entity's history, oldest first."""
    return Include("audit_trail", _AUDIT_TRAIL, params={"entity_type": entity_type})


def load_one(
    conn: Connection, table: str, query: DataQuery, *, label: str, entity_type: str
) -> Row:
    """``id=`` reads: the row (or NotFound), with its audit trail when asked for."""
    assert query.id is not None
    row = load(conn, table, query.id, label=label)
    return with_includes(conn, [row], query.include, (audit_trail(entity_type),))[0]
