"""The business itself: its name, the owner's display name, and the timezone it runs on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection, savepoint
from crm.core import audit
from crm.core.models.business import BusinessUpdate
from crm.core.registry import REGISTRY
from crm.core.services import base
from crm.errors import NotFound, ValidationFailed
from crm.utils.user_context import get_current_user

# The app role may update only display_name, business_name and timezone of its own `users`
# row (migration 0001); BusinessUpdate has exactly those fields.
_COLUMNS = sql.SQL("id, display_name, business_name, timezone, updated_at")
_CONSTRAINT_FIELD = {
    "users_timezone_iana": "timezone",
    "users_display_name_present": "display_name",
    "users_business_name_present": "business_name",
}


def _refused(field: str) -> Callable[[], ValidationFailed]:
    return lambda: ValidationFailed(
        f"That {field.replace('_', ' ')} can't be used.",
        details={"fields": [{"field": field, "message": "not accepted by the database"}]},
    )


_REFUSED = {name: _refused(field) for name, field in _CONSTRAINT_FIELD.items()}


def get(conn: Connection, *, lock: bool = False) -> dict[str, Any]:
    """The current business's row (RLS shows no other)."""
    row = conn.execute(
        sql.SQL("SELECT {} FROM users WHERE id = %s{}").format(
            _COLUMNS, sql.SQL(" FOR UPDATE") if lock else sql.SQL("")
        ),
        (get_current_user().user_id,),
    ).fetchone()
    if row is None:
        raise NotFound("Your business could not be found.")
    return row


@REGISTRY.action("business", "update", input=BusinessUpdate)
def update(conn: Connection, data: BusinessUpdate) -> dict[str, Any]:
    """Change the business name, your display name or the business's timezone."""
    before = get(conn, lock=True)
    values = base.changed_fields(data, exclude=frozenset())
    if not values:
        return before
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = %s").format(sql.Identifier(column)) for column in values
    )
    # The database's list of zones may differ slightly from Python's; it has the last word.
    with savepoint(conn, constraint_errors=_REFUSED):
        conn.execute(
            sql.SQL("UPDATE users SET {} WHERE id = %s").format(assignments),
            (*values.values(), before["id"]),
        )
    after = get(conn)
    changes = audit.diff(before, after, list(values))
    if changes:
        audit.record(
            conn, entity_type="business", entity_id=before["id"], action="update", changes=changes
        )
    return after
