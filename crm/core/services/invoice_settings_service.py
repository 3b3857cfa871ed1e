"""What a business puts on its invoices: the default tax rate, payment terms and notes, and
the address, phone and email printed for its customers."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.invoice import InvoiceSettingsUpdate
from crm.core.registry import REGISTRY, DataQuery

# Until the business saves its own: no tax, due in 14 days, no notes or contact details.
DEFAULTS: dict[str, Any] = {
    "tax_rate_bp": 0,
    "due_days": 14,
    "default_notes": "",
    "address": "",
    "phone": "",
    "email": "",
}


def current(conn: Connection) -> dict[str, Any]:
    """The business's invoice settings, or the defaults before it saved any."""
    row = conn.execute("SELECT * FROM invoice_settings").fetchone()
    if row is None:
        return {"id": None, **DEFAULTS}
    return {"id": row["id"], **{field: row[field] for field in DEFAULTS}}


@REGISTRY.action("invoice_settings", "update", input=InvoiceSettingsUpdate)
def update(conn: Connection, data: InvoiceSettingsUpdate) -> dict[str, Any]:
    """Change the default tax rate (basis points), days until due, notes, or the business's
    address, phone and email on invoices."""
    values = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    before = current(conn)
    conn.execute(
        "INSERT INTO invoice_settings (user_id) VALUES "
        "(current_setting('app.current_user_id')::uuid) ON CONFLICT (user_id) DO NOTHING"
    )
    row = conn.execute("SELECT id FROM invoice_settings FOR UPDATE").fetchone()
    assert row is not None
    if values:
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(column)) for column in values
        )
        conn.execute(
            sql.SQL("UPDATE invoice_settings SET {} WHERE id = %s").format(assignments),
            (*values.values(), row["id"]),
        )
    after = current(conn)
    changes = audit.diff(before, after, list(DEFAULTS))
    if changes:
        audit.record(
            conn,
            entity_type="invoice_settings",
            entity_id=row["id"],
            action="update",
            changes=changes,
        )
    return after


@REGISTRY.data_type("invoice_settings")
def load_settings(conn: Connection, query: DataQuery) -> Any:
    """The business's invoice defaults and contact details (the defaults until it saves)."""
    return current(conn)
