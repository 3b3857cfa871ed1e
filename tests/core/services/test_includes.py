"""Includes read for a whole page at once give every row exactly what its own read gives."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg import sql

import crm.core.services  # noqa: F401 - registers every data type
from crm.clients.postgres_client import Database
from crm.core.registry import REGISTRY, DataQuery
from tests.core.services.seed import TIMEZONE, as_business, seed_month


@pytest.fixture
def month(owner: psycopg.Connection[dict[str, Any]]) -> dict[str, Any]:
    """Thirty tickets, with more than the seed: two closed clock entries on some, tickets
    without an address, a second line on some, invoices with lines and payments, messages, a
    history for everything, a deleted staff member and deleted notes."""
    user = seed_month(owner, tickets=30)
    with owner.transaction():
        as_business(owner, user["id"])
        owner.execute("UPDATE tickets SET address_id = NULL WHERE title IN ('Job 3', 'Job 7')")
        owner.execute(
            "INSERT INTO time_entries (user_id, ticket_id, started_at, ended_at) "
            "SELECT user_id, id, scheduled_start + o * interval '1 hour', "
            "scheduled_start + o * interval '1 hour' + interval '37 minutes' "
            "FROM tickets, generate_series(0, 1) o WHERE o = 0 OR title LIKE 'Job 1%'"
        )
        owner.execute(
            "INSERT INTO line_items (user_id, ticket_id, description, quantity, "
            "unit_price_cents, pricing_mode, position) "
            "SELECT user_id, id, 'Screens', 3, 350, 'flexible', 1 FROM tickets "
            "WHERE title LIKE 'Job 2%'"
        )
        owner.execute(
            "INSERT INTO notes (user_id, contact_id, body) "
            "SELECT user_id, id, 'About ' || last_name FROM contacts"
        )
        owner.execute(
            "INSERT INTO invoices (user_id, number, contact_id, ticket_id, total_cents) "
            "SELECT user_id, row_number() OVER (ORDER BY title), contact_id, id, 30000 "
            "FROM tickets WHERE title LIKE 'Job 1%'"
        )
        owner.execute(
            "INSERT INTO invoice_lines (user_id, invoice_id, description, quantity, "
            "unit_price_cents, total_cents, position) "
            "SELECT user_id, id, 'Windows', 1, 15000, 15000, p FROM invoices, "
            "generate_series(0, 1) p"
        )
        owner.execute(
            "INSERT INTO payments (user_id, invoice_id, amount_cents, paid_on) "
            "SELECT user_id, id, 100, date '2026-11-03' - p FROM invoices, generate_series(0, 2) p"
        )
        owner.execute(
            "INSERT INTO scheduled_messages (user_id, contact_id, ticket_id, kind, subject, "
            "body, scheduled_for) SELECT user_id, contact_id, id, 'reminder', 'Tomorrow', "
            "'See you', scheduled_start - interval '1 day' FROM tickets"
        )
        for table, entity_type in (
            ("tickets", "ticket"),
            ("contacts", "contact"),
            ("invoices", "invoice"),
            ("notes", "note"),
            ("scheduled_messages", "message"),
        ):
            owner.execute(
                sql.SQL(
                    "INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, "
                    "actor) SELECT user_id, %s, id, action, '{{}}', 'user:seed' "
                    "FROM {}, unnest(ARRAY['create', 'update', 'delete']) action"
                ).format(sql.Identifier(table)),
                (entity_type,),
            )
        owner.execute("SELECT soft_delete('staff', id) FROM staff WHERE name = 'Casey'")
        owner.execute("SELECT soft_delete('notes', id) FROM notes WHERE body LIKE 'About No. 1%'")
    return user


@pytest.mark.parametrize("type_", ["tickets", "contacts", "invoices", "messages", "notes"])
def test_a_listed_row_has_what_its_own_read_has(
    db: Database, month: dict[str, Any], type_: str
) -> None:
    spec = REGISTRY.data_types[type_]
    include = frozenset(spec.includes)
    with db.read_only(month["id"]) as conn:
        listed = spec.loader(conn, DataQuery(timezone=TIMEZONE, limit=1000, include=include))
        one_by_one = [
            spec.loader(conn, DataQuery(timezone=TIMEZONE, id=row["id"], include=include))
            for row in listed
        ]
    assert len(listed) >= 11
    assert listed == one_by_one
    assert any(row["audit_trail"] for row in listed)
    if type_ == "tickets":
        assert {len(t["time_entries"]) for t in listed} == {1, 2}
        assert {t["clocked_minutes"] for t in listed} == {37, 74}
        assert {t["total_cents"] for t in listed} == {15000, 16050}
        assert sum(t["address"] is None for t in listed) == 2
        assert {len(t["staff"]) for t in listed} == {1, 2}  # Casey is deleted
    if type_ == "invoices":
        assert all([p["paid_on"].day for p in i["payments"]] == [1, 2, 3] for i in listed)
        assert all([line["position"] for line in i["lines"]] == [0, 1] for i in listed)


def test_a_ticket_whose_contact_was_deleted_shows_no_contact(
    db: Database, owner: psycopg.Connection[dict[str, Any]], month: dict[str, Any]
) -> None:
    with owner.transaction():
        as_business(owner, month["id"])
        gone = owner.execute(
            "SELECT soft_delete('contacts', contact_id), contact_id FROM tickets "
            "WHERE title = 'Job 0'"
        ).fetchone()
    assert gone is not None
    tickets = REGISTRY.data_types["tickets"].loader
    with db.read_only(month["id"]) as conn:
        listed = tickets(conn, DataQuery(timezone=TIMEZONE, include=frozenset({"contact"})))
    orphans = [t for t in listed if t["contact_id"] == gone["contact_id"]]
    assert orphans and all(t["contact"] is None for t in orphans)
    assert all(t["contact"]["id"] == t["contact_id"] for t in listed if t not in orphans)
