"""Card numbers and SSNs are redacted in the backend and, as a last line, by the database."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from crm.clients.postgres_client import Database
from crm.core.sanitise import REDACTED, luhn_valid, redact
from tests.api.helpers import act, done, make, read

SENSITIVE = [
    ("Paid with card 4111 1111 1111 1111 exp 12/28", "Paid with card [REDACTED] exp 12/28"),
    ("visa 4111-1111-1111-1111", "visa [REDACTED]"),
    ("4012888888881881", "[REDACTED]"),
    ("amex 3782 822463 10005 thanks", "amex [REDACTED] thanks"),
    ("discover 6011111111111117.", "discover [REDACTED]."),
    ("19 digits 6011000990139424000", "19 digits 6011000990139424000"),  # not Luhn-valid
    ("her SSN is 123-45-6789", "her SSN is [REDACTED]"),
    ("ssn: 123456789", "ssn: [REDACTED]"),
    ("Social Security number 123 45 6789 on file", "Social Security number [REDACTED] on file"),
    ("two cards 4111111111111111 and 5555555555554444", "two cards [REDACTED] and [REDACTED]"),
    # Other separators between the printed groups (issue 10, finding 8).
    ("dots 4111.1111.1111.1111 ok", "dots [REDACTED] ok"),
    ("slashes 4111/1111/1111/1111", "slashes [REDACTED]"),
    ("spaces 4111  1111  1111  1111 ok", "spaces [REDACTED] ok"),
    ("tabs 4111\t1111\t1111\t1111", "tabs [REDACTED]"),
    ("lines 4111\n1111\n1111\n1111\nthanks", "lines [REDACTED]\nthanks"),
    ("crlf 4111\r\n1111\r\n1111\r\n1111", "crlf [REDACTED]"),
    ("spaced dashes 4111 - 1111 - 1111 - 1111", "spaced dashes [REDACTED]"),
    ("amex 3782.822463.10005", "amex [REDACTED]"),
    ("mixed 5555.5555/5555 4444.", "mixed [REDACTED]."),
    ("exp 12/28 then 4111.1111.1111.1111", "exp 12/28 then [REDACTED]"),
    ("Card 4111 1111 1111 1111 2 visits", "Card [REDACTED] 2 visits"),
    ("4111.1111.1111.1112 is not Luhn-valid", "4111.1111.1111.1112 is not Luhn-valid"),
    ("SSN spaced 219 09 9999 on file", "SSN spaced [REDACTED] on file"),
    ("her number 219 09 9999.", "her number [REDACTED]."),
    ("dotted 219.09.9999", "dotted [REDACTED]"),
    ("ssn: 219.09.9999", "ssn: [REDACTED]"),
]
LOOK_ALIKES = [
    "Call her at (256) 555-1234 or 256.555.9876",
    "+1 256 555 1234",
    "phones 256-555-1234 256-555-9876",
    "ZIP 35763-1234",
    "Came 2026-11-26 at 14:30, back 12/03/2026 9:15am",
    "Quoted $1,234.56 for 22 screens",
    "Invoice INV-000123, order #1234567890123",
    "Card ending 1111",
    "4111 1111 1111 1112 is a typo, not a card",
    "000-12-3456 and 666-12-3456 are not SSNs",
    "Gate code 4521#, lockbox 0731",
    # Look-alikes with the separators redaction now understands.
    "Phones 256.555.1234, (256) 555-1234, 256 555 1234, 256/555/1234",
    "256.555.1234\n256.555.9876\n256-555-4321",
    "Dates 11/30/2026, 2026.11.30, 30.11.2026, 2026/11/30 and 11/30/2026 12/01/2026 12/02/2026",
    "ZIP+4 35763-1234 and 35763 1234",
    "Prices $1,234.56 / $987.65 / $1 234.56",
    "Ticket T-2026-0001, invoice INV-2026-000123, job 2026/000123",
    "Quantities:\n12\n24\n1200\n4800",
    "Serials 1234.5678.9012.3456 and 1234  5678  9012  3456",
    "Not SSNs: 000 12 3456, 666.12.3456, 923 45 6789, 219 00 9999",
    "Time 10.30.2026 9.15",
]


@pytest.mark.parametrize(("text", "expected"), SENSITIVE)
def test_backend_redacts_cards_and_ssns(text: str, expected: str) -> None:
    cleaned, redaction = redact(text)
    assert cleaned == expected
    assert redaction.any is (REDACTED in expected)


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_left_alone(text: str) -> None:
    assert redact(text) == (text, redact("")[1])


def test_luhn() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


@pytest.mark.parametrize(("text", "expected"), SENSITIVE)
def test_database_redacts_the_same(owner: psycopg.Connection, text: str, expected: str) -> None:
    row = owner.execute("SELECT redact_sensitive(%s) AS r", (text,)).fetchone()
    assert row == {"r": expected}


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_database_leaves_look_alikes_alone(owner: psycopg.Connection, text: str) -> None:
    assert owner.execute("SELECT redact_sensitive(%s) AS r", (text,)).fetchone() == {"r": text}


def test_a_direct_insert_as_the_app_role_is_redacted_by_the_trigger(
    db: Database, client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection
) -> None:
    contact = make(client, "contact", first_name="Ann")
    with db.unit_of_work(signed_in["id"]) as conn:
        row = conn.execute(
            "INSERT INTO notes (user_id, contact_id, body) VALUES "
            "(current_setting('app.current_user_id')::uuid, %s, %s) RETURNING body",
            (contact["id"], "Card 4111 1111 1111 1111, call 256-555-1234"),
        ).fetchone()
    assert row == {"body": "Card [REDACTED], call 256-555-1234"}
    events = owner.execute(
        "SELECT event, details, account_id FROM security_events "
        "WHERE event = 'redacted_by_database'"
    ).fetchall()
    assert events == [
        {
            "event": "redacted_by_database",
            "details": {"table": "notes", "columns": ["body"]},
            "account_id": signed_in["id"],
        }
    ]
    assert "41111111" not in str(events)  # (account ids are UUIDs)


def test_every_action_redacts_and_warns(
    client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection
) -> None:
    contact = make(client, "contact", first_name="Ann")
    response = act(
        client,
        "note",
        "create",
        contact_id=contact["id"],
        body="Paid by card 4111 1111 1111 1111. Gate code 4521. Call 256-555-1234.",
    )
    note = done(response)
    assert note["body"] == "Paid by card [REDACTED]. Gate code 4521. Call 256-555-1234."
    warnings = response.json()["meta"]["warnings"]
    assert warnings[0]["code"] == "REDACTED"
    assert warnings[0]["fields"] == [{"field": "body", "kinds": ["card_number"]}]
    ticket = done(
        act(
            client,
            "ticket",
            "create",
            contact_id=contact["id"],
            scheduled_start="2026-12-01T15:00:00Z",
            title="SSN 123-45-6789 on the form",
        )
    )
    assert ticket["title"] == "SSN [REDACTED] on the form"
    # Updates only change what was sent, even when something was redacted.
    updated = done(act(client, "contact", "update", id=contact["id"], company="4111111111111111"))
    assert (updated["company"], updated["first_name"]) == ("[REDACTED]", "Ann")
    events = owner.execute(
        "SELECT details FROM security_events WHERE event = 'redacted' ORDER BY created_at"
    ).fetchall()
    assert [e["details"]["action"] for e in events] == [
        "note.create",
        "ticket.create",
        "contact.update",
    ]
    assert "41111111" not in str(events) and "6789" not in str(events)
    assert done(read(client, "contacts", search="4111")) == []
