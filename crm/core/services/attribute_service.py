"""Attributes: structured facts about a contact or one of its properties, with their source.

A fact with an ``address_id`` is about that property (docs/property-facts.md); one key has one
value per place, so the landlord's home and rental each keep their own window count.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.attribute import AttributeCreate, AttributeUpdate
from crm.core.models.common import Ref
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.core.vocabulary import is_property_fact
from crm.errors import Conflict, ValidationFailed


def place_for(conn: Connection, contact_id: UUID, key: str, address_id: UUID | None) -> UUID | None:
    """The address a new fact belongs to: the named one (which must be the contact's), or for a
    property key the contact's primary address (its oldest when none is primary).

    The address is share-locked, as any parent: an address.delete racing this waits for it and
    then removes the new fact with the address (or this one finds the address gone: 404)."""
    if address_id is not None:
        address = base.lock_parent(conn, "addresses", address_id, label="address")
        if address["contact_id"] != contact_id:
            raise ValidationFailed(
                "That address is not one of this contact's.",
                details={"fields": [{"field": "address_id", "message": "not this contact's"}]},
            )
        return address_id
    if not is_property_fact(key):
        return None
    home = conn.execute(
        "SELECT id FROM addresses WHERE contact_id = %s "
        "ORDER BY is_primary DESC, created_at, id LIMIT 1 FOR KEY SHARE",
        (contact_id,),
    ).fetchone()
    return home["id"] if home else None


def find(
    conn: Connection, contact_id: UUID, key: str, address_id: UUID | None
) -> dict[str, Any] | None:
    """The fact stored for ``key`` at this place (the contact itself when address_id is None)."""
    return conn.execute(
        "SELECT * FROM attributes WHERE contact_id = %s AND key = %s "
        "AND address_id IS NOT DISTINCT FROM %s",
        (contact_id, key, address_id),
    ).fetchone()


@REGISTRY.action("attribute", "create", input=AttributeCreate)
def create(conn: Connection, data: AttributeCreate) -> dict[str, Any]:
    """Record a fact about a contact or one of its properties by hand (source: manual)."""
    base.lock_parent(conn, "contacts", data.contact_id, label="contact")
    if "address_id" in data.model_fields_set and data.address_id is None:
        address_id = None  # null on purpose: about the person whatever the key
    else:
        address_id = place_for(conn, data.contact_id, data.key, data.address_id)
    exists = find(conn, data.contact_id, data.key, address_id)
    if exists:
        where = "this property" if address_id else "this contact"
        raise Conflict(
            f"{where[:1].upper()}{where[1:]} already has {data.key!r}; update it instead.",
            details={"attribute_id": str(exists["id"])},
        )
    values = {
        "contact_id": data.contact_id,
        "address_id": address_id,
        "key": data.key,
        "value": Jsonb(data.value),
        "evidence": data.evidence,
        "source": "manual",
        "confidence": 1,
    }
    row = conn.execute(
        "INSERT INTO attributes (user_id, contact_id, address_id, key, value, evidence, source, "
        "confidence) VALUES (current_setting('app.current_user_id')::uuid, %(contact_id)s, "
        "%(address_id)s, %(key)s, "
        "%(value)s, %(evidence)s, %(source)s, %(confidence)s) RETURNING *",
        values,
    ).fetchone()
    assert row is not None
    audit.record(
        conn,
        entity_type="attribute",
        entity_id=row["id"],
        action="create",
        changes={
            "key": {"old": None, "new": data.key},
            "value": {"old": None, "new": data.value},
            "address_id": {"old": None, "new": address_id},
        },
    )
    return row


@REGISTRY.action("attribute", "update", input=AttributeUpdate)
def update(conn: Connection, data: AttributeUpdate) -> dict[str, Any]:
    """Change a fact's value or the place it is about; a hand edit makes it a manual attribute."""
    before = base.load(conn, "attributes", data.id, label="attribute", lock=True)
    fields = data.model_fields_set - {"id"}
    value = data.value if "value" in fields else before["value"]
    evidence = data.evidence if "evidence" in fields else before["evidence"]
    address_id = before["address_id"]
    if "address_id" in fields and data.address_id != before["address_id"]:
        address_id = None
        if data.address_id is not None:
            address_id = place_for(conn, before["contact_id"], before["key"], data.address_id)
        taken = find(conn, before["contact_id"], before["key"], address_id)
        if taken:
            raise Conflict(
                f"That place already has {before['key']!r}; change or delete that one instead.",
                details={"attribute_id": str(taken["id"])},
            )
    conn.execute(
        "UPDATE attributes SET value = %s, evidence = %s, address_id = %s, source = 'manual', "
        "confidence = 1 WHERE id = %s",
        (Jsonb(value), evidence, address_id, data.id),
    )
    after = base.load(conn, "attributes", data.id, label="attribute")
    changes = audit.diff(before, after, ["value", "evidence", "address_id", "source", "confidence"])
    if changes:
        audit.record(
            conn, entity_type="attribute", entity_id=data.id, action="update", changes=changes
        )
    return after


@REGISTRY.action("attribute", "delete", input=Ref)
def delete(conn: Connection, data: Ref) -> dict[str, Any]:
    """Remove a fact about a contact or one of its properties."""
    return base.hard_delete(conn, "attributes", data.id, label="attribute", entity_type="attribute")


@REGISTRY.data_type(
    "attributes",
    filters={
        "contact_id": "facts about this contact (and its properties)",
        "address_id": "facts about this property",
        "key": "only this key",
    },
    includes=("audit_trail",),
)
def load_attributes(conn: Connection, query: DataQuery) -> Any:
    """Facts about contacts and their properties (``address_id`` set), newest first."""
    if query.id is not None:
        return base.load_one(conn, "attributes", query, label="attribute", entity_type="attribute")
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT * FROM attributes"),
        order=("created_at DESC",),
        ids=("contact_id", "address_id"),
        equals=("key",),
    )
    return base.with_includes(conn, rows, query.include, (base.audit_trail("attribute"),))
