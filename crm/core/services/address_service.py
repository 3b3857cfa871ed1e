"""Addresses: where the work happens. Hard-deleted, but never while a ticket uses them; the
facts about the property (attributes with its address_id) go with it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from crm.clients.postgres_client import Connection, savepoint
from crm.core.exceptions import AddressInUse
from crm.core.models.address import AddressCreate, AddressUpdate
from crm.core.models.common import Ref
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.errors import ValidationFailed

# The foreign key from tickets (deleted ones included) to their address.
_TICKET_ADDRESS = "tickets_user_id_address_id_fkey"
# The foreign key from plans (ended ones included, which still name the address they visited).
_PLAN_ADDRESS = "plans_user_id_contact_id_address_id_fkey"


def _clear_other_primaries(conn: Connection, contact_id: UUID, keep: UUID | None) -> None:
    conn.execute(
        "UPDATE addresses SET is_primary = false "
        "WHERE contact_id = %s AND is_primary AND id IS DISTINCT FROM %s",
        (contact_id, keep),
    )


@REGISTRY.action("address", "create", input=AddressCreate)
def create(conn: Connection, data: AddressCreate) -> dict[str, Any]:
    """Add a service location to a contact; the first one becomes primary."""
    base.lock_parent(conn, "contacts", data.contact_id, label="contact")
    values = data.model_dump()
    has_any = conn.execute(
        "SELECT 1 FROM addresses WHERE contact_id = %s LIMIT 1", (data.contact_id,)
    ).fetchone()
    if not has_any:
        values["is_primary"] = True
    elif values["is_primary"]:
        _clear_other_primaries(conn, data.contact_id, None)
    return base.insert_row(conn, "addresses", values, entity_type="address")


@REGISTRY.action("address", "update", input=AddressUpdate)
def update(conn: Connection, data: AddressUpdate) -> dict[str, Any]:
    """Change an address; making it primary makes the others not."""
    values = base.changed_fields(data)
    if "line1" in values and not values["line1"]:
        raise ValidationFailed("The first address line can't be empty.")
    current = base.load(conn, "addresses", data.id, label="address")
    if values.get("is_primary"):
        _clear_other_primaries(conn, current["contact_id"], data.id)
    return base.update_row(
        conn, "addresses", data.id, values, label="address", entity_type="address"
    )


@REGISTRY.action("address", "delete", input=Ref)
def delete(conn: Connection, data: Ref) -> dict[str, Any]:
    """Delete an address that no ticket uses, and the facts about that property."""
    # Locked before the check: a ticket being pointed at it right now holds a share lock.
    base.load(conn, "addresses", data.id, label="address", lock=True)
    used = conn.execute(
        "SELECT count(*) AS n FROM tickets WHERE address_id = %s", (data.id,)
    ).fetchone()
    if used and used["n"]:
        raise AddressInUse(details={"tickets": used["n"]})
    plans = conn.execute(
        "SELECT count(*) AS n FROM plans WHERE address_id = %s AND status <> 'ended'", (data.id,)
    ).fetchone()
    if plans and plans["n"]:
        raise AddressInUse(
            "A service plan visits this address; change the plan's address or end it first.",
            details={"plans": plans["n"]},
        )
    # Deleted tickets (hidden by RLS) still point at it: the foreign key says so.
    with savepoint(
        conn, constraint_errors={_TICKET_ADDRESS: AddressInUse, _PLAN_ADDRESS: AddressInUse}
    ):
        facts = conn.execute("SELECT id FROM attributes WHERE address_id = %s", (data.id,))
        for fact in facts.fetchall():
            base.hard_delete(
                conn, "attributes", fact["id"], label="attribute", entity_type="attribute"
            )
        return base.hard_delete(conn, "addresses", data.id, label="address", entity_type="address")


@REGISTRY.data_type(
    "addresses", filters={"contact_id": "only this contact's addresses"}, includes=("audit_trail",)
)
def load_addresses(conn: Connection, query: DataQuery) -> Any:
    """Service locations, newest first."""
    if query.id is not None:
        return base.load_one(conn, "addresses", query, label="address", entity_type="address")
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT * FROM addresses"),
        order=("created_at DESC",),
        ids=("contact_id",),
    )
    return base.with_includes(conn, rows, query.include, (base.audit_trail("address"),))
