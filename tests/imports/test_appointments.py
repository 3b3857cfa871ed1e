"""Importing Square's appointment export (tests/data/square/appointments.csv, frozen):
counts, status mapping, matching, idempotency, bad rows, wrong columns, isolation."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from crm.clients.postgres_client import Database
from crm.imports import runner
from crm.imports.square_customers import NotASquareExport
from crm.utils.user_context import UserContext
from tests.factories import make_user
from tests.imports.conftest import square_file

KIND = "square_appointments"
# 10 rows: 8 appointments (SQ-A1…A6, one without an id, SQ-A8) and 2 broken rows.
COUNTS = {"new": 8, "updated": 0, "unchanged": 0, "invalid": 2}


def seed(db: Database, user: UserContext) -> None:
    """The customers, service and staff the file's rows match."""
    with db.unit_of_work(user.user_id) as conn:
        me = "current_setting('app.current_user_id')::uuid"
        conn.execute(
            f"INSERT INTO contacts (user_id, first_name, last_name, email, phone) VALUES "  # noqa: S608
            f"({me}, 'Alice', 'Existing', 'alice@example.com', ''), "
            f"({me}, 'Bob', 'Phone', '', '+12565550134'), "
            f"({me}, 'Carla', 'Name', '', '')"
        )
        conn.execute(
            f"INSERT INTO services (user_id, name, pricing_mode, unit_price_cents) "  # noqa: S608
            f"VALUES ({me}, 'Window Cleaning', 'fixed', 12000)"
        )
        conn.execute(f"INSERT INTO staff (user_id, name) VALUES ({me}, 'Sam Squeegee')")  # noqa: S608


def run(db: Database, user: UserContext, content: str | None = None) -> dict[str, Any]:
    row = runner.create_preview(
        db,
        user,
        kind=KIND,
        filename="appointments.csv",
        content=content or square_file("appointments.csv"),
    )
    with db.unit_of_work(user.user_id) as conn:
        conn.execute("UPDATE imports SET status = 'queued' WHERE id = %s", (row["id"],))
    result = runner.run_import(db, user, row["id"])
    assert result is not None
    return result


def tickets(db: Database, user: UserContext) -> dict[str, dict[str, Any]]:
    with db.unit_of_work(user.user_id) as conn:
        rows = conn.execute(
            "SELECT t.*, c.first_name, c.last_name, "
            "(SELECT array_agg(s.name) FROM ticket_staff ts JOIN staff s ON s.id = ts.staff_id "
            "WHERE ts.ticket_id = t.id) AS staff, "
            "(SELECT array_agg(l.description || ':' || l.unit_price_cents) FROM line_items l "
            "WHERE l.ticket_id = t.id) AS lines, "
            "(SELECT array_agg(n.body ORDER BY n.body) FROM notes n WHERE n.ticket_id = t.id) "
            "AS notes, (SELECT a.line1 FROM addresses a WHERE a.id = t.address_id) AS address "
            "FROM tickets t JOIN contacts c ON c.id = t.contact_id"
        ).fetchall()
    return {r["external_id"] if r["external_id"].startswith("square:") else "noid": r for r in rows}


def counts(db: Database, user: UserContext) -> dict[str, int]:
    with db.unit_of_work(user.user_id) as conn:
        return {
            t: conn.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"]  # noqa: S608
            for t in ("contacts", "services", "staff", "tickets", "line_items", "notes")
        }


def test_preview_counts_without_importing(db: Database, business: UserContext) -> None:
    seed(db, business)
    row = runner.create_preview(
        db, business, kind=KIND, filename="a.csv", content=square_file("appointments.csv")
    )
    assert row["status"] == "previewed"
    assert row["total_rows"] == 10
    assert row["counts"] == COUNTS
    assert counts(db, business)["tickets"] == 0
    summaries = {p["line"]: p["summary"] for p in row["preview"]}
    assert summaries[2] == "new"
    assert summaries[3] == "new (new service, new staff)"
    assert summaries[4] == "new (new client)"


def test_import_maps_statuses_and_matches(db: Database, business: UserContext) -> None:
    seed(db, business)
    result = run(db, business)
    assert result["status"] == "done"
    assert result["counts"] == COUNTS
    assert [e["line"] for e in result["errors"]] == [10, 11]
    assert "start" in result["errors"][0]["reason"]
    assert "teleported" in result["errors"][1]["reason"]
    found = tickets(db, business)
    status = {k: (t["status"], t["cancel_reason"]) for k, t in found.items()}
    assert status == {
        "square:SQ-A1": ("completed", ""),
        "square:SQ-A2": ("scheduled", ""),
        "square:SQ-A3": ("cancelled", "imported from Square: never marked done"),
        "square:SQ-A4": ("cancelled", "imported from Square: cancelled by the business"),
        "square:SQ-A5": ("cancelled", "imported from Square: cancelled by the customer"),
        "square:SQ-A6": ("no_show", ""),
        "noid": ("scheduled", ""),
        "square:SQ-A8": ("scheduled", ""),
    }
    done = found["square:SQ-A1"]
    assert (done["first_name"], done["last_name"]) == ("Alice", "Existing")  # by email
    assert done["duration_minutes"] == 90
    assert done["scheduled_start"].isoformat() == "2025-03-04T15:00:00+00:00"  # 9 AM Chicago
    assert done["completed_at"].isoformat() == "2025-03-04T16:30:00+00:00"
    assert done["staff"] == ["Sam Squeegee"]
    assert done["lines"] == ["Window Cleaning:12000"]  # the catalog's fixed price
    assert done["notes"] == ["Note from business: Paid cash", "Note from client: Gate code 1234#"]
    assert done["address"] == "12 Elm St, Huntsville AL"
    assert found["square:SQ-A2"]["first_name"] == "Bob"  # by phone, not the file's name
    assert found["square:SQ-A2"]["staff"] == ["Jordan Lee"]
    assert found["square:SQ-A2"]["lines"] == ["Gutter Cleaning:0"]
    assert found["square:SQ-A6"]["first_name"] == "Carla"  # by name
    assert found["square:SQ-A3"]["contact_id"] == found["square:SQ-A5"]["contact_id"]
    assert counts(db, business) == {
        "contacts": 5,  # 3 + Nina New + Omar Noid
        "services": 2,  # + Gutter Cleaning ("window cleaning" matches case-insensitively)
        "staff": 2,  # + Jordan Lee
        "tickets": 8,
        "line_items": 8,
        "notes": 3,
    }
    with db.unit_of_work(business.user_id) as conn:
        messages = conn.execute("SELECT count(*) AS n FROM scheduled_messages").fetchone()
        audit = conn.execute(
            "SELECT count(*) AS n FROM audit_log WHERE entity_type = 'ticket'"
        ).fetchone()
    assert messages["n"] == 0  # history sends nothing
    assert audit["n"] == 8


def test_importing_twice_creates_nothing(db: Database, business: UserContext) -> None:
    seed(db, business)
    run(db, business)
    before = counts(db, business)
    again = run(db, business)
    assert again["counts"] == {"new": 0, "updated": 0, "unchanged": 8, "invalid": 2}
    assert counts(db, business) == before


def test_wrong_columns_name_what_is_missing(db: Database, business: UserContext) -> None:
    with pytest.raises(NotASquareExport) as caught:
        runner.create_preview(
            db, business, kind=KIND, filename="c.csv", content=square_file("customers.csv")
        )
    assert "status" in caught.value.details["missing"]
    assert "appointment export" in caught.value.message


def test_another_business_sees_nothing(
    db: Database, business: UserContext, owner: psycopg.Connection[dict[str, Any]]
) -> None:
    seed(db, business)
    run(db, business)
    other_user = make_user(owner)
    other = UserContext(other_user["id"], other_user["timezone"], actor="test:import")
    assert counts(db, other) == dict.fromkeys(
        ("contacts", "services", "staff", "tickets", "line_items", "notes"), 0
    )
    with db.unit_of_work(other.user_id) as conn:
        assert conn.execute("SELECT count(*) AS n FROM imports").fetchone()["n"] == 0
    # The same file into the other business is all new there.
    assert run(db, other)["counts"] == COUNTS
