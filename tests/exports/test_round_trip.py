"""Move out and back in: export a business, import it into a new one, export again — equal."""

from __future__ import annotations

import io
from typing import Any

import psycopg
import pytest

from crm.clients.postgres_client import Database
from crm.exports import TargetNotEmpty, build_export, import_export
from crm.exports.read_zip import read_export
from tests.conftest import TestDatabase as Databases
from tests.exports.normalise import data_json_rows, normalised
from tests.factories import make_user


def test_an_export_imported_into_a_new_business_exports_the_same(
    db: Database, owner: psycopg.Connection, rich: dict[str, Any]
) -> None:
    first = build_export(db, rich["user"]["id"])
    new = make_user(owner, email="moved@example.com", business_name="Placeholder")

    result = import_export(db, new["id"], io.BytesIO(first))
    second = build_export(db, new["id"])

    pending = [m for m in read_export(io.BytesIO(first))["messages"] if m["status"] == "pending"]
    assert pending and result.cancelled_messages == len(pending)
    before, after = normalised(first), normalised(second, imported=True)
    assert before.keys() == after.keys()
    for name in before:
        assert after[name] == before[name], name
    # data.json, taken apart, holds the same rows as the CSVs, and comes back the same too.
    as_csv = read_export(io.BytesIO(first))
    for name, rows in data_json_rows(first).items():
        assert sorted(r["id"] for r in rows if "id" in r) == sorted(
            str(r["id"]) for r in as_csv[name] if "id" in r
        ), name
        assert len(rows) == len(as_csv[name]), name
    json_before = normalised(first, from_json=True)
    json_after = normalised(second, imported=True, from_json=True)
    for name in json_before:
        assert json_after[name] == json_before[name], name
    # Not vacuous: every kind of row the business has came across.
    for name in (
        "contacts",
        "tickets",
        "line_items",
        "time_entries",
        "ticket_staff",
        "notes",
        "attributes",
        "invoices",
        "invoice_lines",
        "payments",
        "messages",
        "message_attempts",
        "plans",
        "waitlist_entries",
        "staff",
        "services",
        "message_templates",
        "invoice_settings",
        "messaging_settings",
        "audit",
    ):
        assert before[name], f"the fixture has no {name}"


def test_the_import_keeps_numbers_states_and_sends_nothing(
    db: Database, owner: psycopg.Connection, database: Databases, rich: dict[str, Any]
) -> None:
    new = make_user(owner, email="moved@example.com", business_name="Placeholder")
    import_export(db, new["id"], io.BytesIO(build_export(db, rich["user"]["id"])))

    with db.read_only(new["id"]) as conn:
        numbers = [r["number"] for r in conn.execute("SELECT number FROM invoices ORDER BY 1")]
        counter = conn.execute("SELECT next_number FROM invoice_counters").fetchone()
        states = {r["status"] for r in conn.execute("SELECT status FROM tickets")}
        pending = conn.execute(
            "SELECT count(*) AS n FROM scheduled_messages WHERE status = 'pending'"
        ).fetchone()
        business = conn.execute("SELECT business_name, email FROM users").fetchone()
    with database.superuser() as su:
        jobs = su.execute(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE args->>'user_id' = %s",
            (str(new["id"]),),
        ).fetchone()
        # The reports' facts, rebuilt once at the end of the load, say what the original's do.
        facts = [
            su.execute(
                "SELECT (SELECT count(*) FROM ticket_facts WHERE user_id = %(u)s) AS tickets, "
                "(SELECT coalesce(sum(cents), 0) FROM ticket_facts "
                "WHERE user_id = %(u)s AND status = 'completed') AS cents, "
                "(SELECT count(*) FROM ticket_line_facts WHERE user_id = %(u)s) AS lines",
                {"u": user},
            ).fetchone()
            for user in (rich["user"]["id"], new["id"])
        ]
    assert facts[0] == facts[1] and facts[0] is not None and facts[0]["cents"] > 0
    assert numbers == [1, 2]
    assert counter is not None and counter["next_number"] == 2  # the last one issued
    assert "completed" in states and "cancelled" in states
    assert pending is not None and pending["n"] == 0
    assert jobs is not None and jobs["n"] == 0
    assert business == {
        "business_name": rich["user"]["business_name"],
        "email": "moved@example.com",
    }


def test_an_import_into_a_business_with_data_is_refused_and_changes_nothing(
    db: Database, rich: dict[str, Any]
) -> None:
    second = rich["second"]["id"]
    with db.read_only(second) as conn:
        before = conn.execute("SELECT count(*) AS n FROM contacts").fetchone()

    with pytest.raises(TargetNotEmpty, match="already has contacts"):
        import_export(db, second, io.BytesIO(build_export(db, rich["user"]["id"])))

    with db.read_only(second) as conn:
        assert conn.execute("SELECT count(*) AS n FROM contacts").fetchone() == before
