"""Line items on a ticket: add, change and remove them, priced by their service's mode.

A line is an item (work or goods) or a discount: a fixed amount off (a negative price) or a
percent of the items, which the database reprices whenever the items change (migration 0010).
A fixed, per-unit or product price can be overridden on one job only with its reason.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core.exceptions import ServiceRetired
from crm.core.models.common import Ref, format_money
from crm.core.models.line_item import LineItemDiscount, LineItemUpdate
from crm.core.models.ticket import LineItemAdd
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


@REGISTRY.action("line_item", "add_discount", input=LineItemDiscount)
def add_discount(conn: Connection, data: LineItemDiscount) -> dict[str, Any]:
    """Take money off a ticket: a fixed amount, or a percent of its other lines."""
    ticket_service.ensure_editable(ticket_service.get(conn, data.ticket_id, lock=True))
    totals = _totals(conn, data.ticket_id)
    off = data.amount_cents or (totals["items"] * (data.percent_bp or 0) + 5000) // 10000
    if off > totals["total"]:
        raise ValidationFailed(
            f"That is more than the ticket's total ({format_money(totals['total'])}); "
            "a total never goes below zero.",
            details={
                "fields": [
                    {
                        "field": "amount_cents" if data.amount_cents else "percent_bp",
                        "message": "above the ticket's total",
                    }
                ]
            },
        )
    values = {
        "ticket_id": data.ticket_id,
        "kind": "discount",
        "description": data.description,
        "pricing_mode": "fixed",
        "quantity": 1,
        "unit_label": "",
        # A percent discount is priced by the database from the ticket's items.
        "unit_price_cents": -(data.amount_cents or 0),
        "percent_bp": data.percent_bp,
        "position": _next_position(conn, data.ticket_id),
    }
    return base.insert_row(conn, "line_items", values, entity_type="line_item")


def _totals(conn: Connection, ticket_id: UUID) -> dict[str, int]:
    """The ticket's items, and all its lines with the discounts already on it."""
    row = conn.execute(
        "SELECT COALESCE(sum(total_cents) FILTER (WHERE kind = 'item'), 0) AS items, "
        "COALESCE(sum(total_cents), 0) AS total FROM line_items WHERE ticket_id = %s",
        (ticket_id,),
    ).fetchone()
    assert row is not None
    return {"items": int(row["items"]), "total": int(row["total"])}


@REGISTRY.action("line_item", "update", input=LineItemUpdate)
def update_line_item(conn: Connection, data: LineItemUpdate) -> dict[str, Any]:
    """Change a line's quantity, text or price until close-out; a set price is overridden
    only with a reason (price_note), which is kept on the line and in the audit."""
    item = _lock_line(conn, data.id)
    values = base.changed_fields(data)
    new_price = values.get("unit_price_cents", item["unit_price_cents"])
    if item["kind"] == "discount":
        if new_price != item["unit_price_cents"] or values.get("quantity", 1) != 1:
            raise ValidationFailed(
                "A discount's amount doesn't change; remove it and add the right one.",
                details={"fields": [{"field": "unit_price_cents", "message": "a discount"}]},
            )
        return base.update_row(
            conn, "line_items", data.id, values, label="line item", entity_type="line_item"
        )
    note = values.get("price_note", item["price_note"])
    if new_price != item["unit_price_cents"] and item["pricing_mode"] != "flexible" and not note:
        raise ValidationFailed(
            "This price is set by the service; say why it is different on this job.",
            details={"fields": [{"field": "price_note", "message": "give the reason"}]},
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
