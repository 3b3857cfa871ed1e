"""Staff: the people who do the work (not logins)."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core.models.common import Ref
from crm.core.models.staff import StaffCreate, StaffUpdate
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base


@REGISTRY.action("staff", "create", input=StaffCreate)
def create(conn: Connection, data: StaffCreate) -> dict[str, Any]:
    """Add a person who can be assigned to tickets."""
    return base.insert_row(conn, "staff", data.model_dump(), entity_type="staff")


@REGISTRY.action("staff", "update", input=StaffUpdate)
def update(conn: Connection, data: StaffUpdate) -> dict[str, Any]:
    """Change a staff member's name or contact details."""
    return base.update_row(
        conn, "staff", data.id, base.changed_fields(data), label="staff member", entity_type="staff"
    )


@REGISTRY.action("staff", "delete", input=Ref)
def delete(conn: Connection, data: Ref) -> dict[str, Any]:
    """Remove a staff member; past tickets keep showing who did them."""
    return base.soft_delete(conn, "staff", data.id, label="staff member", entity_type="staff")


@REGISTRY.data_type("staff", includes=("audit_trail",))
def load_staff(conn: Connection, query: DataQuery) -> Any:
    """Staff members, by name."""
    if query.id is not None:
        return base.load_one(conn, "staff", query, label="staff member", entity_type="staff")
    rows = base.list_rows(conn, query, sql.SQL("SELECT * FROM staff"), order=("name", "created_at"))
    return base.with_includes(conn, rows, query.include, (base.audit_trail("staff"),))
