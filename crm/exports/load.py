"""Import an export zip into a business: every row again, with new ids, as the app role under RLS.

One unit of work: all of it or nothing. The target business must have no contacts, tickets or
invoices yet (so invoice numbers can be kept and nothing is mixed up); its settings, templates
and profile (name, owner's name, timezone — not its sign-in email) are replaced by the
export's. Messages are history only: nothing is ever sent again — a message that was still
pending (or sending) comes in cancelled, saying why. Completed tickets are written with their
lines, time and staff first and completed last, the only way the database's guards allow.
Deleted contacts and staff that the export still references come back deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from psycopg import sql

from crm.clients.postgres_client import Connection, Database
from crm.errors import Conflict
from crm.exports.load_base import map_service_ids, without
from crm.exports.load_work import WorkWriter
from crm.exports.read_zip import read_export

_PLACEHOLDER = {"contacts": "Deleted contact", "staff": "Deleted staff member"}


@dataclass(frozen=True)
class ImportResult:
    rows: dict[str, int]
    cancelled_messages: int


class TargetNotEmpty(Conflict):
    code = "IMPORT_TARGET_NOT_EMPTY"


def import_export(db: Database, user_id: UUID, source: Path | IO[bytes]) -> ImportResult:
    """Read the zip (refusing a broken one before touching the database), then write it all."""
    rows = read_export(source)
    with db.unit_of_work(user_id) as conn:
        _refuse_if_not_empty(conn)
        return _Writer(conn, user_id, rows).run()


def _refuse_if_not_empty(conn: Connection) -> None:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM contacts) OR EXISTS (SELECT 1 FROM tickets) "
        "OR EXISTS (SELECT 1 FROM invoices) AS used"
    ).fetchone()
    if row and row["used"]:
        raise TargetNotEmpty(
            "this business already has contacts, tickets or invoices; an export is imported "
            "only into a business that has none (create a new one with `crm create-user`)"
        )


class _Writer(WorkWriter):
    def run(self) -> ImportResult:
        # Report facts are rebuilt once at the end, not row by row (migration 0021).
        self.conn.execute("SELECT set_config('app.report_facts_deferred', 'on', true)")
        self._settings()
        self._staff_services_contacts()
        self._addresses_plans()
        self._tickets()
        self._notes_attributes()
        self._invoices()
        self._messages()
        self._waitlist()
        self._audit()
        self._delete_placeholders()
        self.conn.execute("SELECT set_config('app.report_facts_deferred', 'off', true)")
        self.conn.execute("SELECT report_facts_rebuild_current()")
        return ImportResult(rows=dict(self.counts), cancelled_messages=self.cancelled)

    # -- settings and catalog ----------------------------------------------------------------

    def _settings(self) -> None:
        business = self.rows["business"][0]
        self.conn.execute(
            "UPDATE users SET business_name = %s, display_name = %s, timezone = %s",
            (business["business_name"], business["display_name"], business["timezone"]),
        )
        if business["last_invoice_number"]:
            # The counter holds the last number issued: numbering carries on after the export's.
            self.conn.execute(
                "INSERT INTO invoice_counters (user_id, next_number) VALUES (%s, %s) "
                "ON CONFLICT (user_id) DO UPDATE SET next_number = "
                "GREATEST(invoice_counters.next_number, EXCLUDED.next_number)",
                (self.user_id, business["last_invoice_number"]),
            )
        for table, key in (("invoice_settings", "user_id"), ("messaging_settings", "user_id")):
            for row in self.rows[table]:
                self._upsert(table, row, key)
        for row in self.rows["message_templates"]:
            self._upsert("message_templates", {**row, "id": self.ids(row["id"])}, "kind")

    def _upsert(self, table: str, row: dict[str, Any], key: str) -> None:
        values = {k: v for k, v in row.items()}
        columns = ["user_id", *values]
        conflict = ["user_id"] if key == "user_id" else ["user_id", key]
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}").format(
            sql.Identifier(table),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            sql.SQL(", ").join(sql.Identifier(c) for c in conflict),
            sql.SQL(", ").join(
                sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c))
                for c in values
                if c not in conflict
            ),
        )
        self.conn.execute(query, (self.user_id, *values.values()))
        self.counts[table] += 1

    def _staff_services_contacts(self) -> None:
        self._insert(
            "staff",
            ({**without(r, "deleted"), "id": self.ids(r["id"])} for r in self._live("staff")),
        )
        self._insert(
            "staff",
            (
                {"id": self.ids(r["id"]), "name": _PLACEHOLDER["staff"]}
                for r in self.rows["staff"]
                if r["deleted"]
            ),
            name="staff (deleted)",
        )
        self._insert("services", ({**r, "id": self.ids(r["id"])} for r in self.rows["services"]))
        live = [
            {**without(r, "deleted", "referred_by_id"), "id": self.ids(r["id"])}
            for r in self._live("contacts")
        ]
        self._insert("contacts", live)
        stubs = [
            {"id": self.ids(r["id"]), "first_name": _PLACEHOLDER["contacts"]}
            for r in self.rows["contacts"]
            if r["deleted"]
        ]
        self._insert("contacts", stubs, name="contacts (deleted)")
        for r in self._live("contacts"):
            if r["referred_by_id"] and self._ref(r["referred_by_id"]):
                self.conn.execute(
                    "UPDATE contacts SET referred_by_id = %s WHERE id = %s",
                    (self._ref(r["referred_by_id"]), self.ids(r["id"])),
                )

    def _addresses_plans(self) -> None:
        self._insert(
            "addresses",
            (
                {
                    **r,
                    "id": self.ids(r["id"]),
                    "contact_id": self._required(r["contact_id"], "an address"),
                }
                for r in self.rows["addresses"]
            ),
        )
        plans = self.rows["plans"]
        self._insert(
            "plans",
            (
                {
                    **without(r, "split_from"),
                    "id": self.ids(r["id"]),
                    "contact_id": self._required(r["contact_id"], "a plan"),
                    "address_id": self._ref(r["address_id"]),
                    "lines": map_service_ids(r["lines"], self._ref),
                    "skip_dates": [date.fromisoformat(d) for d in r["skip_dates"]],
                    "staff_ids": [self._required(s, "a plan's staff") for s in r["staff_ids"]],
                }
                for r in plans
            ),
        )
        for r in plans:
            if r["split_from"]:
                self.conn.execute(
                    "UPDATE plans SET split_from = %s WHERE id = %s",
                    (self._required(r["split_from"], "a plan"), self.ids(r["id"])),
                )

    # -- tickets -----------------------------------------------------------------------------

    def _notes_attributes(self) -> None:
        self._insert(
            "notes",
            (
                {
                    **r,
                    "id": self.ids(r["id"]),
                    "contact_id": self._required(r["contact_id"], "a note"),
                    "ticket_id": self._ref(r["ticket_id"]),
                }
                for r in self.rows["notes"]
            ),
        )
        self._insert(
            "attributes",
            (
                {
                    **r,
                    "id": self.ids(r["id"]),
                    "contact_id": self._required(r["contact_id"], "a fact"),
                    "address_id": self._ref(r["address_id"]),
                    "source_note_id": self._ref(r["source_note_id"]),
                    "source_ticket_id": self._ref(r["source_ticket_id"]),
                }
                for r in self.rows["attributes"]
            ),
        )

    # -- money -------------------------------------------------------------------------------

    def _delete_placeholders(self) -> None:
        for table in ("contacts", "staff"):
            ids = [self.ids(r["id"]) for r in self.rows[table] if r["deleted"]]
            for new_id in ids:
                self.conn.execute("SELECT soft_delete(%s, %s)", (table, new_id))
