"""The import of an export zip, its groundwork: new ids for old, and how rows are written
(crm/exports/load.py runs it; load_work.py writes tickets, money and history)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any
from uuid import UUID, uuid4

from psycopg import sql
from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.exports import spec
from crm.exports.read_zip import NotAnExport, Rows

# table -> its jsonb columns (sent as JSON, whatever the value's type).
_JSON_COLUMNS = {
    e.source.split()[0]: {c.name for c in e.columns if c.kind == "json"} for e in spec.ENTITIES
}


class Ids:
    """Old id (text) -> new id; every row gets a new one the first time it is named."""

    def __init__(self) -> None:
        self.new: dict[str, UUID] = {}

    def __call__(self, old: str | None) -> UUID | None:
        if old is None or old == "":
            return None
        if old not in self.new:
            self.new[old] = uuid4()
        return self.new[old]

    def known(self, old: str | None) -> UUID | None:
        """The new id of a row the export has, else None (a reference to something gone)."""
        return self.new.get(old) if old else None


class WriterBase:
    """The rows of one export, the connection they go in through, and the new ids."""

    def __init__(self, conn: Connection, user_id: UUID, rows: Rows) -> None:
        self.conn = conn
        self.user_id = user_id
        self.rows = rows
        self.ids = Ids()
        self.counts: Counter[str] = Counter()
        self.cancelled = 0
        # Every row the export has gets its new id now, so forward references resolve.
        for name, entity_rows in rows.items():
            if name not in ("business", "invoice_settings", "messaging_settings", "audit"):
                for r in entity_rows:
                    if "id" in r:
                        self.ids(r["id"])

    # -- helpers -----------------------------------------------------------------------------

    def _insert(self, table: str, rows: Iterable[dict[str, Any]], *, name: str = "") -> None:
        batch = list(rows)
        if not batch:
            return
        columns = ["user_id", *batch[0]]
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            sql.Identifier(table),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        )
        json_columns = _JSON_COLUMNS.get(table, set())
        params = [
            (self.user_id, *(Jsonb(v) if k in json_columns else v for k, v in row.items()))
            for row in batch
        ]
        with self.conn.cursor() as cursor:
            cursor.executemany(query, params)
        self.counts[name or table] += len(batch)

    def _live(self, entity: str) -> list[dict[str, Any]]:
        return [r for r in self.rows[entity] if not r.get("deleted")]

    def _ref(self, old: str | None) -> UUID | None:
        return self.ids.known(old)

    def _required(self, old: str | None, what: str) -> UUID:
        new = self.ids.known(old)
        if new is None:
            raise NotAnExport(f"{what} points at {old}, which is not in the export")
        return new


def without(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}


def map_service_ids(items: list[dict[str, Any]], ref: Any) -> list[dict[str, Any]]:
    return [
        {**item, "service_id": str(ref(item["service_id"]))}
        if item.get("service_id")
        else dict(item)
        for item in items
    ]
