"""Importing Square's customer export through the runner: counts, mapping, duplicates,
idempotency, bad rows (against the frozen files in tests/data/square)."""

from __future__ import annotations

from typing import Any

import pytest

from crm.clients.postgres_client import Database
from crm.core.services import contact_service
from crm.imports import runner
from crm.imports.square_customers import NotASquareExport
from crm.utils.user_context import UserContext, user_context
from tests.imports.conftest import preview_and_run, square_file

# customers.csv: 500 customers; per 100 rows, 6 bad ones and one repeat of the row before.
FILE_COUNTS = {"new": 465, "updated": 0, "unchanged": 5, "invalid": 30}


def contact_by_external_id(db: Database, user: UserContext, external_id: str) -> dict[str, Any]:
    with db.unit_of_work(user.user_id) as conn:
        row = conn.execute(
            "SELECT * FROM contacts WHERE external_id = %s", (external_id,)
        ).fetchone()
        assert row is not None, external_id
        row["addresses"] = conn.execute(
            "SELECT * FROM addresses WHERE contact_id = %s", (row["id"],)
        ).fetchall()
        row["notes"] = [
            n["body"]
            for n in conn.execute(
                "SELECT body FROM notes WHERE contact_id = %s", (row["id"],)
            ).fetchall()
        ]
        row["facts"] = {
            f["key"]: (f["value"], f["source"])
            for f in conn.execute(
                "SELECT key, value, source FROM attributes WHERE contact_id = %s", (row["id"],)
            ).fetchall()
        }
        return row


def table_counts(db: Database, user: UserContext) -> dict[str, int]:
    with db.unit_of_work(user.user_id) as conn:
        return {
            table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]  # noqa: S608
            for table in ("contacts", "addresses", "notes", "attributes")
        }


def preview_of(db: Database, user: UserContext) -> dict[str, Any]:
    """The preview of the 500-row Square file, nothing imported."""
    return runner.create_preview(
        db,
        user,
        kind="square_customers",
        filename="customers.csv",
        content=square_file("customers.csv"),
    )


def test_preview_counts_rows_and_errors_without_importing(
    db: Database, business: UserContext
) -> None:
    row = preview_of(db, business)
    assert row["status"] == "previewed"
    assert row["total_rows"] == 500
    assert row["counts"] == FILE_COUNTS
    assert len(row["errors"]) == 30
    assert len(row["preview"]) == 20
    assert "content" not in row
    first = row["preview"][0]
    assert first["line"] == 2 and first["outcome"] == "new"
    assert first["first_name"] == "Renée" and first["phone"] == "+12565550000"
    assert first["facts"]["custom.gate_color"] == "Blue"
    assert table_counts(db, business)["contacts"] == 0


def test_errors_name_the_line_and_the_reason(db: Database, business: UserContext) -> None:
    row = preview_of(db, business)
    errors = row["errors"]
    # Row 13 sits on line 16: the header, then a two-line memo in the first row.
    assert errors[:6] == [
        {"line": 16, "reason": "no name: First Name, Last Name and Company Name are all empty"},
        {"line": 33, "reason": "Phone Number '555-01' is not a phone number"},
        {"line": 45, "reason": "Email Address 'bob(at)example.com' is not an email address"},
        {"line": 63, "reason": "First Visit '13-45-2020' is not a date (MM-DD-YYYY)"},
        {"line": 77, "reason": "Lifetime Spend '$12,3x4' is not an amount of money"},
        {"line": 90, "reason": "no Square Customer ID"},
    ]
    lines = square_file("customers.csv").lstrip("\ufeff").split("\n")
    assert "555-01," in lines[33 - 1]
    assert "bob(at)example.com" in lines[45 - 1]


def test_import_counts_and_maps_every_field(db: Database, business: UserContext) -> None:
    result = preview_and_run(db, business, square_file("customers.csv"))
    assert result["status"] == "done"
    assert result["counts"] == FILE_COUNTS
    assert result["done_rows"] == result["total_rows"] == 500
    assert len(result["errors"]) == 30
    assert table_counts(db, business)["contacts"] == 465
    with db.unit_of_work(business.user_id) as conn:
        assert conn.execute("SELECT content FROM imports").fetchone()["content"] is None

    first = contact_by_external_id(db, business, "SQ000000E")
    assert (first["first_name"], first["last_name"]) == ("Renée", "Søren")
    assert first["email"] == "rene.sren0@example.com"
    assert first["phone"] == "+12565550000"  # written '+12565550000
    assert first["source"] == "Directory"
    assert first["email_opted_out_at"] is None
    [address] = first["addresses"]
    assert (address["line1"], address["city"], address["region"], address["postal_code"]) == (
        "100 Bailey Cove Rd",
        "Decatur",
        "AL",
        "35601",
    )
    assert address["is_primary"] and address["country"] == "US"
    assert first["notes"] == ["Gate code 1000\nDog named Biscuit, keep the gate closed"]
    assert first["facts"] == {
        "people.birthday": ("1969-02-22", "import"),
        "square.first_visit": ("2021-08-22", "import"),
        "square.last_visit": ("2016-07-25", "import"),
        "square.transaction_count": (16, "import"),
        "square.lifetime_spend_cents": (67050, "import"),
        "custom.gate_color": ("Blue", "import"),
    }

    second = contact_by_external_id(db, business, "SQ000001C")
    assert second["phone"] == "+12565550001"  # (256) 555-0001
    assert second["email_opted_out_at"] is not None  # unsubscribed
    assert second["facts"]["square.reference_id"] == ("REF-1", "import")
    assert second["facts"]["custom.preferred_day"] == ("Tuesday", "import")

    fourth = contact_by_external_id(db, business, "SQ000003F")
    assert (fourth["first_name"], fourth["last_name"]) == ("Renée", "Núñez")
    assert fourth["facts"]["people.nickname"] == ("Ed", "import")

    third = contact_by_external_id(db, business, "SQ000002A")
    assert third["phone"] == "+12565550002"  # 256.555.0002
    assert third["email"] == "franois.nez2@example.com"  # written in capitals
    assert third["email_opted_out_at"] is not None  # bounced
    assert third["addresses"][0]["line2"] == "Apt 3"

    company = contact_by_external_id(db, business, "SQ000004B")
    assert (company["first_name"], company["last_name"], company["company"]) == ("", "", "Café Olé")

    quoted = contact_by_external_id(db, business, "SQ000005H")
    assert quoted["company"] == "Huntsville Lofts, LLC"
    assert quoted["notes"] == ['Prefers "mornings", side gate; 27 windows']
    assert quoted["phone"] == ""


def test_tab_separated_export_with_surname(db: Database, business: UserContext) -> None:
    result = preview_and_run(db, business, square_file("customers_tab.tsv"), filename="c.tsv")
    # 60 rows: bad ones at 13, 29, 41, 57.
    assert result["counts"] == {"new": 56, "updated": 0, "unchanged": 0, "invalid": 4}
    row = contact_by_external_id(db, business, "TB000000G")
    assert (row["first_name"], row["last_name"]) == ("Siobhán", "Dubois")
    assert row["addresses"][0]["line1"] == "100 Rue Montréal"
    assert row["notes"] == ["Gate code 1000\nDog named Biscuit, keep the gate closed"]


def test_a_file_that_is_not_a_square_export_names_what_is_missing(
    db: Database, business: UserContext
) -> None:
    with pytest.raises(NotASquareExport) as caught:
        runner.create_preview(
            db,
            business,
            kind="square_customers",
            filename="x.csv",
            content=square_file("not_customers.csv"),
        )
    assert caught.value.status == 422
    assert caught.value.details["missing"] == [
        "Square Customer ID",
        "First Name",
        "Last Name",
        "Email Address",
        "Phone Number",
    ]
    assert "Square Customer ID" in caught.value.message


def test_importing_the_same_file_twice_creates_nothing(db: Database, business: UserContext) -> None:
    preview_and_run(db, business, square_file("customers.csv"))
    before = table_counts(db, business)
    again = preview_of(db, business)
    assert again["counts"] == {"new": 0, "updated": 0, "unchanged": 470, "invalid": 30}
    assert {r["outcome"] for r in again["preview"]} == {"unchanged", "invalid"}
    second = preview_and_run(db, business, square_file("customers.csv"))
    assert second["counts"] == {"new": 0, "updated": 0, "unchanged": 470, "invalid": 30}
    assert table_counts(db, business) == before


def test_an_existing_contact_only_gets_its_empty_fields_filled(
    db: Database, business: UserContext
) -> None:
    with user_context(business), db.unit_of_work(business.user_id) as conn:
        from crm.core.models.contact import ContactCreate

        typed = contact_service.create(
            conn,
            ContactCreate(first_name="Rennie", email="RENE.SREN0@example.com", source="referral"),
        )
        conn.execute(
            "INSERT INTO attributes (user_id, contact_id, key, value) VALUES "
            "(current_setting('app.current_user_id')::uuid, %s, 'custom.gate_color', '\"Red\"')",
            (typed["id"],),
        )
    preview = preview_of(db, business)
    assert preview["counts"] == {"new": 464, "updated": 1, "unchanged": 5, "invalid": 30}
    assert preview["preview"][0]["outcome"] == "update"
    assert preview["preview"][0]["summary"] == (
        "update: fills last name, phone, Square id, address, memo, people.birthday, "
        "square.first_visit, square.last_visit, square.transaction_count, "
        "square.lifetime_spend_cents"
    )
    preview_and_run(db, business, square_file("customers.csv"))
    merged = contact_by_external_id(db, business, "SQ000000E")
    assert merged["id"] == typed["id"]
    assert merged["first_name"] == "Rennie"  # typed by the owner: kept
    assert merged["source"] == "referral"
    assert merged["last_name"] == "Søren" and merged["phone"] == "+12565550000"
    assert merged["facts"]["custom.gate_color"] == ("Red", "manual")
    assert merged["facts"]["people.birthday"] == ("1969-02-22", "import")
    assert len(merged["addresses"]) == 1


def test_a_contact_with_only_the_phone_is_matched_by_it(
    db: Database, business: UserContext
) -> None:
    """No Square id and no email on the owner's contact: the phone, written differently,
    finds it; the import fills the empty fields and keeps the name the owner typed."""
    with user_context(business), db.unit_of_work(business.user_id) as conn:
        from crm.core.models.contact import ContactCreate

        typed = contact_service.create(
            conn, ContactCreate(first_name="Chloe", phone="256.555.0001")
        )
    preview = preview_of(db, business)
    assert preview["counts"] == {"new": 464, "updated": 1, "unchanged": 5, "invalid": 30}
    [row] = [r for r in preview["preview"] if r["outcome"] == "update"]
    assert row["summary"].startswith("update: fills last name, email, source, Square id")
    preview_and_run(db, business, square_file("customers.csv"))
    merged = contact_by_external_id(db, business, "SQ000001C")
    assert merged["id"] == typed["id"]
    assert (merged["first_name"], merged["last_name"]) == ("Chloe", "Patel")
    assert merged["email"] == "chlo.patel1@example.com"


def test_imported_customers_are_found_by_search(db: Database, business: UserContext) -> None:
    preview_and_run(db, business, square_file("customers.csv"))
    with user_context(business), db.unit_of_work(business.user_id) as conn:
        by_memo = contact_service.search(conn, "biscuit", limit=100)
        by_custom = contact_service.search(conn, "rouge fonce", limit=500)
        by_phone = contact_service.search(conn, "256 555 0001", limit=5)
        by_name = contact_service.search(conn, "Søren", limit=500)
        stored = {
            r["id"]: r["search_text"]
            for r in conn.execute("SELECT id, search_text FROM contacts").fetchall()
        }
    assert len(by_memo) == 20  # every 25th customer's memo names the dog
    assert by_custom and all("rouge" in stored[r["id"]] for r in by_custom)
    assert by_phone[0]["external_id"] == "SQ000001C"
    assert by_name
    assert all(text for text in stored.values())


def test_imported_search_columns_match_a_rebuild(db: Database, business: UserContext) -> None:
    """A new contact is written with its search columns in one go: the same words, the same
    names and the same typo-search vocabulary as refresh_contact_search would give."""
    preview_and_run(db, business, square_file("customers.csv"))
    columns = "search_names, search_text, tsvector_to_array(search_vector) AS vector"
    with user_context(business), db.unit_of_work(business.user_id) as conn:
        before = {
            r["id"]: r
            for r in conn.execute(f"SELECT id, {columns} FROM contacts").fetchall()  # noqa: S608
        }
        terms = {r["word"] for r in conn.execute("SELECT word FROM search_terms").fetchall()}
        conn.execute("SELECT count(refresh_contact_search(id)) FROM contacts")
        after = {
            r["id"]: r
            for r in conn.execute(f"SELECT id, {columns} FROM contacts").fetchall()  # noqa: S608
        }
        rebuilt = {r["word"] for r in conn.execute("SELECT word FROM search_terms").fetchall()}
        assert (
            contact_service.search(conn, "Rouge fonsé", limit=500)  # a typo, through the terms
        )
    assert len(before) >= 400
    for contact_id, row in before.items():
        again = after[contact_id]
        assert row["search_names"] == again["search_names"]
        assert set(row["search_text"].split()) == set(again["search_text"].split())
        assert set(row["vector"]) == set(again["vector"])  # word positions may differ
    assert rebuilt == terms  # the rebuild found no word the import had not added


def test_audit_has_one_row_per_contact_and_the_import(db: Database, business: UserContext) -> None:
    result = preview_and_run(db, business, square_file("customers.csv"))
    with db.unit_of_work(business.user_id) as conn:
        rows = conn.execute(
            "SELECT entity_type, action, count(*) AS n, min(actor) AS actor FROM audit_log "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    assert [(r["entity_type"], r["action"], r["n"]) for r in rows] == [
        ("contact", "create", 465),
        ("import", "create", 1),
        ("import", "done", 1),
    ]
    assert rows[0]["actor"] == "test:import"
    assert result["status"] == "done"
