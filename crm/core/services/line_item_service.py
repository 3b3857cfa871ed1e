"""Line items on a ticket: add, change and remove them, priced by their service's mode."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core.exceptions import ServiceRetired
from crm.core.models.common import Ref
from crm.core.models.ticket import LineItemAdd, LineItemUpdate
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base, ticket_service
from crm.errors import ValidationFailed


@REGISTRY.action("line_item", "add", input=LineItemAdd)
def add_line_item(conn: Connection, data: LineItemAdd) -> dict[str, Any]:
    """Add a service (priced by its mode) or a custom line to a ticket."""
    ticket_service.ensure_editable(ticket_service.get(conn, data.ticket_id, lock=True))
    values: dict[str, Any] = {"ticket_id": data.ticket_id, "quantity": data.quantity}
    if data.service_id is not None:
        service = base.lock_parent(conn, "services", data.service_id, label="service")
        if service["retired_at"] is not None:
            raise ServiceRetired()
        mode = service["pricing_mode"]
        price = service["unit_price_cents"]
        if mode == "flexible":
            price = data.unit_price_cents if data.unit_price_cents is not None else price
        elif data.unit_price_cents is not None and data.unit_price_cents != price:
            raise ValidationFailed(
                f"{service['name']} has a {mode.replace('_', ' ')} price; "
                "change the service or use a flexible one.",
                details={
                    "fields": [{"field": "unit_price_cents", "message": "set by the service"}]
                },
            )
        if mode == "fixed" and data.quantity != 1:
            raise ValidationFailed("A fixed-price service is added once (quantity 1).")
        values.update(
            service_id=service["id"],
            description=data.description or service["name"],
            pricing_mode=mode,
            unit_label=service["unit_label"],
            unit_price_cents=price,
        )
    else:
        if not data.description or data.unit_price_cents is None:
            raise ValidationFailed(
                "A line without a service needs a description and a unit price.",
                details={"fields": [{"field": "description", "message": "required"}]},
            )
        values.update(
            description=data.description,
            pricing_mode="flexible",
            unit_label="",
            unit_price_cents=data.unit_price_cents,
        )
    values["position"] = _next_position(conn, data.ticket_id)
    return base.insert_row(conn, "line_items", values, entity_type="line_item")


def _next_position(conn: Connection, ticket_id: UUID) -> int:
    row = conn.execute(
        "SELECT COALESCE(max(position), -1) + 1 AS p FROM line_items WHERE ticket_id = %s",
        (ticket_id,),
    ).fetchone()
    return int(row["p"]) if row else 0


def _lock_line(conn: Connection, item_id: UUID) -> dict[str, Any]:
    """The line, locked, on a ticket that is still editable.

    The ticket first (a share lock), then the line: close-out locks the ticket and then its
    lines in that order, so the two wait for each other instead of deadlocking, and a line
    can't change under a ticket being completed.
    """
    ticket_id = base.load(conn, "line_items", item_id, label="line item")["ticket_id"]
    ticket_service.ensure_editable(base.lock_parent(conn, "tickets", ticket_id, label="ticket"))
    return base.load(conn, "line_items", item_id, label="line item", lock=True)


@REGISTRY.action("line_item", "update", input=LineItemUpdate)
def update_line_item(conn: Connection, data: LineItemUpdate) -> dict[str, Any]:
    """Change a line's quantity, text, or (flexible lines only) price, until close-out."""
    item = _lock_line(conn, data.id)
    values = base.changed_fields(data)
    new_price = values.get("unit_price_cents", item["unit_price_cents"])
    if new_price != item["unit_price_cents"] and item["pricing_mode"] != "flexible":
        raise ValidationFailed(
            "Only flexible prices can be changed on a ticket.",
            details={"fields": [{"field": "unit_price_cents", "message": "set by the service"}]},
        )
    if "quantity" in values and item["pricing_mode"] == "fixed" and values["quantity"] != 1:
        raise ValidationFailed("A fixed-price service is added once (quantity 1).")
    return base.update_row(
        conn, "line_items", data.id, values, label="line item", entity_type="line_item"
    )


@REGISTRY.action("line_item", "remove", input=Ref)
def remove_line_item(conn: Connection, data: Ref) -> dict[str, Any]:
    """Take a line off a ticket that is not finished."""
    _lock_line(conn, data.id)
    return base.soft_delete(conn, "line_items", data.id, label="line item", entity_type="line_item")


@REGISTRY.data_type(
    "line_items", filters={"ticket_id": "the lines of this ticket"}, includes=("audit_trail",)
)
def load_line_items(conn: Connection, query: DataQuery) -> Any:
    """Line items, in ticket order (or newest first across tickets)."""
    if query.id is not None:
        return base.load_one(conn, "line_items", query, label="line item", entity_type="line_item")
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT * FROM line_items"),
        order=("position",) if query.filters.get("ticket_id") else ("created_at DESC",),
        ids=("ticket_id",),
    )
    return base.with_includes(conn, rows, query.include, (base.audit_trail("line_item"),))
