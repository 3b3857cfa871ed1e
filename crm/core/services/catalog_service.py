"""The service catalog: what a business sells and how each item is priced."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.common import Ref
from crm.core.models.service import ServiceCreate, ServiceUpdate
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.errors import ValidationFailed


@REGISTRY.action("service", "create", input=ServiceCreate)
def create(conn: Connection, data: ServiceCreate) -> dict[str, Any]:
    """Add a service: fixed, flexible (priced per ticket), per unit, or a product."""
    return base.insert_row(conn, "services", data.model_dump(), entity_type="service")


@REGISTRY.action("service", "update", input=ServiceUpdate)
def update(conn: Connection, data: ServiceUpdate) -> dict[str, Any]:
    """Change a service; tickets already priced keep their prices."""
    values = base.changed_fields(data)
    current = base.load(conn, "services", data.id, label="service")
    if current["pricing_mode"] == "per_unit" and values.get("unit_label", "x") == "":
        raise ValidationFailed("Per-unit services need a unit label.")
    return base.update_row(
        conn, "services", data.id, values, label="service", entity_type="service"
    )


@REGISTRY.action("service", "retire", input=Ref)
def retire(conn: Connection, data: Ref) -> dict[str, Any]:
    """Retire a service: it stays on past tickets but can't be added to new ones."""
    # Locked: a line being added with this service right now finishes first (see lock_parent).
    current = base.load(conn, "services", data.id, label="service", lock=True)
    if current["retired_at"] is not None:
        return current
    conn.execute("UPDATE services SET retired_at = now() WHERE id = %s", (data.id,))
    audit.record(conn, entity_type="service", entity_id=data.id, action="retire")
    return base.load(conn, "services", data.id, label="service")


@REGISTRY.data_type(
    "services",
    filters={"include_retired": "true to list retired services too"},
    includes=("audit_trail",),
)
def load_services(conn: Connection, query: DataQuery) -> Any:
    """The catalog, by name; retired services only when asked for."""
    if query.id is not None:
        return base.load_one(conn, "services", query, label="service", entity_type="service")
    retired = query.filters.get("include_retired") == "true"
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT * FROM services"),
        order=("name",),
        conditions=() if retired else (sql.SQL("retired_at IS NULL"),),
    )
    return base.with_includes(conn, rows, query.include, (base.audit_trail("service"),))
