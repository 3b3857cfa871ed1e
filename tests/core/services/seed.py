"""Businesses with many rows, written in a few set-based statements as the owner role."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from tests.factories import make_user

TIMEZONE = "America/Chicago"
STAFF = ("Alex", "Blair", "Casey")


def as_business(owner: psycopg.Connection[dict[str, Any]], user_id: uuid.UUID) -> None:
    owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))


def seed_month(owner: psycopg.Connection[dict[str, Any]], *, tickets: int) -> dict[str, Any]:
    """A business with ``tickets`` tickets in November 2026, written in a few set-based
    statements: up to 50 contacts with an address, three staff (two on each ticket), a line
    item and a note on every ticket."""
    user = make_user(owner, timezone=TIMEZONE)
    contacts = min(tickets, 50)
    with owner.transaction():
        as_business(owner, user["id"])
        owner.execute(
            "INSERT INTO contacts (user_id, first_name, last_name) "
            "SELECT %s, 'Customer', 'No. ' || g FROM generate_series(1, %s) g",
            (user["id"], contacts),
        )
        owner.execute(
            "INSERT INTO addresses (user_id, contact_id, line1, is_primary) "
            "SELECT user_id, id, last_name || ' Main St', true FROM contacts"
        )
        owner.execute(
            "INSERT INTO staff (user_id, name) SELECT %s, unnest(%s::text[])",
            (user["id"], list(STAFF)),
        )
        owner.execute(
            "WITH c AS (SELECT c.id AS contact_id, a.id AS address_id, "
            "  row_number() OVER (ORDER BY c.last_name) - 1 AS k "
            "  FROM contacts c JOIN addresses a ON a.contact_id = c.id) "
            "INSERT INTO tickets (user_id, contact_id, address_id, title, scheduled_start) "
            "SELECT %(user)s, c.contact_id, c.address_id, 'Job ' || g, "
            "  timestamptz '2026-11-02 08:00 America/Chicago' "
            "  + (g %% 27) * interval '1 day' + (g %% 9) * interval '1 hour' "
            "  + (g / 243) * interval '1 minute' "
            "FROM generate_series(0, %(n)s - 1) g JOIN c ON c.k = g %% %(contacts)s",
            {"user": user["id"], "n": tickets, "contacts": contacts},
        )
        owner.execute(
            "WITH t AS (SELECT id, user_id, substr(title, 5)::int AS g FROM tickets), "
            "s AS (SELECT id, row_number() OVER (ORDER BY name) - 1 AS k FROM staff) "
            "INSERT INTO ticket_staff (user_id, ticket_id, staff_id) "
            "SELECT t.user_id, t.id, s.id FROM t JOIN s ON s.k IN (t.g % 3, (t.g + 1) % 3)"
        )
        owner.execute(
            "INSERT INTO line_items (user_id, ticket_id, description, quantity, "
            "unit_price_cents, pricing_mode, position) "
            "SELECT user_id, id, 'Windows', 1, 15000, 'flexible', 0 FROM tickets"
        )
        owner.execute(
            "INSERT INTO notes (user_id, contact_id, ticket_id, body) "
            "SELECT user_id, contact_id, id, 'Gate code 1234' FROM tickets"
        )
    return user


def seed_contacts(owner: psycopg.Connection[dict[str, Any]], *, contacts: int) -> dict[str, Any]:
    """``contacts`` contacts, each with two addresses and two attributes."""
    user = make_user(owner, timezone=TIMEZONE)
    with owner.transaction():
        as_business(owner, user["id"])
        owner.execute(
            "INSERT INTO contacts (user_id, first_name, last_name) "
            "SELECT %s, 'Customer', 'No. ' || g FROM generate_series(1, %s) g",
            (user["id"], contacts),
        )
        owner.execute(
            "INSERT INTO addresses (user_id, contact_id, line1, is_primary) "
            "SELECT user_id, id, line, line = 'Home' FROM contacts, "
            "unnest(ARRAY['Home', 'Office']) AS line"
        )
        owner.execute(
            "INSERT INTO attributes (user_id, contact_id, key, value, source, confidence) "
            "SELECT user_id, id, key, to_jsonb(last_name), 'manual', 1 FROM contacts, "
            "unnest(ARRAY['pets', 'gate_code']) AS key"
        )
    return user
