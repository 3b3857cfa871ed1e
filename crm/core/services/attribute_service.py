"""Attributes: structured facts about a contact, with where each one came from."""

from __future__ import annotations

from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.attribute import AttributeCreate, AttributeUpdate
from crm.core.models.common import Ref
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base
from crm.errors import Conflict


@REGISTRY.action("attribute", "create", input=AttributeCreate)
def create(conn: Connection, data: AttributeCreate) -> dict[str, Any]:
    """Record a fact about a contact by hand (source: manual)."""
    base.lock_parent(conn, "contacts", data.contact_id, label="contact")
    exists = conn.execute(
        "SELECT id FROM attributes WHERE contact_id = %s AND key = %s",
        (data.contact_id, data.key),
    ).fetchone()
    if exists:
        raise Conflict(
            f"This contact already has {data.key!r}; update it instead.",
            details={"attribute_id": str(exists["id"])},
        )
    values = {
        "contact_id": data.contact_id,
        "key": data.key,
        "value": Jsonb(data.value),
        "evidence": data.evidence,
        "source": "manual",
        "confidence": 1,
    }
    row = conn.execute(
        "INSERT INTO attributes (user_id, contact_id, key, value, evidence, source, confidence) "
        "VALUES (current_setting('app.current_user_id')::uuid, %(contact_id)s, %(key)s, "
        "%(value)s, %(evidence)s, %(source)s, %(confidence)s) RETURNING *",
        values,
    ).fetchone()
    assert row is not None
    audit.record(
        conn,
        entity_type="attribute",
        entity_id=row["id"],
        action="create",
        changes={"key": {"old": None, "new": data.key}, "value": {"old": None, "new": data.value}},
    )
    return row


@REGISTRY.action("attribute", "update", input=AttributeUpdate)
def update(conn: Connection, data: AttributeUpdate) -> dict[str, Any]:
    """Change a fact's value; a hand edit makes it a manual attribute."""
    before = base.load(conn, "attributes", data.id, label="attribute", lock=True)
    fields = data.model_fields_set - {"id"}
    value = data.value if "value" in fields else before["value"]
    evidence = data.evidence if "evidence" in fields else before["evidence"]
    conn.execute(
        "UPDATE attributes SET value = %s, evidence = %s, source = 'manual', confidence = 1 "
        "WHERE id = %s",
        (Jsonb(value), evidence, data.id),
    )
    after = base.load(conn, "attributes", data.id, label="attribute")
    changes = audit.diff(before, after, ["value", "evidence", "source", "confidence"])
    if changes:
        audit.record(
            conn, entity_type="attribute", entity_id=data.id, action="update", changes=changes
        )
    return after


@REGISTRY.action("attribute", "delete", input=Ref)
def delete(conn: Connection, data: Ref) -> dict[str, Any]:
    """Remove a fact about a contact."""
    return base.hard_delete(conn, "attributes", data.id, label="attribute", entity_type="attribute")


@REGISTRY.data_type(
    "attributes",
    filters={"contact_id": "facts about this contact", "key": "only this key"},
    includes=("audit_trail",),
)
def load_attributes(conn: Connection, query: DataQuery) -> Any:
    """Facts about contacts, newest first."""
    if query.id is not None:
        return base.load_one(conn, "attributes", query, label="attribute", entity_type="attribute")
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT * FROM attributes"),
        order=("created_at DESC",),
        ids=("contact_id",),
        equals=("key",),
    )
    return base.with_includes(conn, rows, query.include, (base.audit_trail("attribute"),))
