"""The import of an export zip, the work and the money: tickets with their lines, time and
staff (completed ones completed last, the only way the guards allow), invoices with lines and
payments, messages (history only: never sent again), waitlist entries and the audit log."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

from crm.exports.load_base import WriterBase, map_service_ids, without

PENDING_NOTE = "Imported from an export while still pending; not sent from this account."


class WorkWriter(WriterBase):
    def _tickets(self) -> None:
        tickets = self.rows["tickets"]
        # Completed tickets take no new lines, time or staff: written in progress, completed last.
        self._insert(
            "tickets",
            (
                {
                    **r,
                    "id": self.ids(r["id"]),
                    "contact_id": self._required(r["contact_id"], "a ticket"),
                    "address_id": self._ref(r["address_id"]),
                    "plan_id": self._ref(r["plan_id"]),
                    "status": "in_progress" if r["status"] == "completed" else r["status"],
                    "completed_at": None if r["status"] == "completed" else r["completed_at"],
                }
                for r in tickets
            ),
        )
        self._insert(
            "ticket_staff",
            (
                {
                    "ticket_id": self._required(r["ticket_id"], "a staff assignment"),
                    "staff_id": self._required(r["staff_id"], "a staff assignment"),
                    "created_at": r["created_at"],
                }
                for r in self.rows["ticket_staff"]
            ),
        )
        # Items before discounts: a percent discount is priced from the items already there.
        lines = sorted(self.rows["line_items"], key=lambda r: r["kind"] != "item")
        self._insert(
            "line_items",
            (
                {
                    **without(r, "total_cents"),
                    "id": self.ids(r["id"]),
                    "ticket_id": self._required(r["ticket_id"], "a line item"),
                    "service_id": self._ref(r["service_id"]),
                }
                for r in lines
            ),
        )
        self._insert(
            "time_entries",
            (
                {
                    **r,
                    "id": self.ids(r["id"]),
                    "ticket_id": self._required(r["ticket_id"], "a time entry"),
                }
                for r in self.rows["time_entries"]
            ),
        )
        completed = [
            (r["completed_at"], self.ids(r["id"])) for r in tickets if r["status"] == "completed"
        ]
        with self.conn.cursor() as cursor:
            cursor.executemany(
                "UPDATE tickets SET status = 'completed', completed_at = %s WHERE id = %s",
                completed,
            )

    def _invoices(self) -> None:
        invoices = self.rows["invoices"]
        # Lines are written while the invoice is a draft (the database's rule), then its state.
        self._insert(
            "invoices",
            (
                {
                    **r,
                    "id": self.ids(r["id"]),
                    "contact_id": self._required(r["contact_id"], "an invoice"),
                    "ticket_id": self._ref(r["ticket_id"]),
                    "status": "draft",
                    "paid_cents": 0,
                }
                for r in invoices
            ),
        )
        self._insert(
            "invoice_lines",
            (
                {
                    **r,
                    "id": self.ids(r["id"]),
                    "invoice_id": self._required(r["invoice_id"], "an invoice line"),
                }
                for r in self.rows["invoice_lines"]
            ),
        )
        with self.conn.cursor() as cursor:
            cursor.executemany(
                "UPDATE invoices SET status = %s, paid_cents = %s WHERE id = %s",
                [
                    (r["status"], r["paid_cents"], self.ids(r["id"]))
                    for r in invoices
                    if r["status"] != "draft" or r["paid_cents"]
                ],
            )
        payments = sorted(self.rows["payments"], key=lambda r: r["kind"] != "payment")
        self._insert(
            "payments",
            (
                {
                    **r,
                    "id": self.ids(r["id"]),
                    "invoice_id": self._required(r["invoice_id"], "a payment"),
                    "refund_of": self._ref(r["refund_of"]),
                }
                for r in payments
            ),
        )

    # -- messages, waitlist, history ---------------------------------------------------------

    def _messages(self) -> None:
        def message(r: dict[str, Any]) -> dict[str, Any]:
            row = {
                **r,
                "id": self.ids(r["id"]),
                "contact_id": self._required(r["contact_id"], "a message"),
                "ticket_id": self._ref(r["ticket_id"]),
                "invoice_id": self._ref(r["invoice_id"]),
            }
            if r["status"] in ("pending", "sending"):
                self.cancelled += 1
                row["status"] = "cancelled"
                row["skip_reason"] = PENDING_NOTE
            return row

        self._insert("scheduled_messages", (message(r) for r in self.rows["messages"]))
        self._insert(
            "message_attempts",
            (
                {
                    **r,
                    "id": self.ids(r["id"]),
                    "message_id": self._required(r["message_id"], "a delivery attempt"),
                }
                for r in self.rows["message_attempts"]
            ),
        )

    def _waitlist(self) -> None:
        def entry(r: dict[str, Any]) -> dict[str, Any]:
            booked = self._ref(r["booked_ticket_id"])
            status = "removed" if r["status"] == "booked" and booked is None else r["status"]
            return {
                **r,
                "id": self.ids(r["id"]),
                "contact_id": self._required(r["contact_id"], "a waitlist entry"),
                "address_id": self._ref(r["address_id"]),
                "services": map_service_ids(r["services"], self._ref),
                "booked_ticket_id": booked,
                "status": status,
            }

        self._insert("waitlist_entries", (entry(r) for r in self.rows["waitlist_entries"]))

    def _audit(self) -> None:
        self._insert(
            "audit_log",
            (
                {**r, "id": uuid4(), "entity_id": self._ref(r["entity_id"]) or r["entity_id"]}
                for r in self.rows["audit"]
            ),
        )
        summary = {name: {"old": None, "new": count} for name, count in self.counts.items()}
        self.conn.execute(
            "INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, actor) "
            "VALUES (%s, 'business', %s, 'import', %s, 'import')",
            (self.user_id, self.user_id, json.dumps(summary)),
        )
