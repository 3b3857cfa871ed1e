"""Any other CSV (tests/data/csv, frozen): the suggested, explicit and remembered mapping,
duplicates, idempotency and bad rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crm.clients.postgres_client import Database
from crm.core.models.common import Ref
from crm.core.services import import_service
from crm.imports import any_csv, runner
from crm.utils.user_context import UserContext, user_context
from tests.factories import make_user

JOBBER = (Path(__file__).resolve().parents[1] / "data" / "csv" / "jobber_clients.csv").read_text(
    encoding="utf-8"
)
SUGGESTED = {
    "First name": "first_name",
    "Last name": "last_name",
    "Company name": "company",
    "E-mail": "email",
    "Main phone": "phone",
    "Street 1": "line1",
    "City": "city",
    "Province": "region",
    "Postal code": "postal_code",
    "Notes": "note",
    "Tags": "attribute:custom.tags",
}


def preview(db: Database, user: UserContext, mapping: dict[str, str] | None) -> dict[str, Any]:
    return runner.create_preview(
        db, user, kind="csv", filename="jobber_clients.csv", content=JOBBER, mapping=mapping
    )


def start_and_run(db: Database, user: UserContext, import_id: Any) -> dict[str, Any]:
    with user_context(user), db.unit_of_work(user.user_id) as conn:
        import_service.start(conn, Ref(id=import_id))
    result = runner.run_import(db, user, import_id)
    assert result is not None
    return result


def contacts(db: Database, user: UserContext) -> list[dict[str, Any]]:
    with db.unit_of_work(user.user_id) as conn:
        return conn.execute(
            "SELECT c.*, (SELECT count(*) FROM notes n WHERE n.contact_id = c.id) AS notes, "
            "(SELECT count(*) FROM addresses a WHERE a.contact_id = c.id) AS addresses, "
            "(SELECT jsonb_object_agg(t.key, t.value) FROM attributes t "
            "WHERE t.contact_id = c.id) AS facts FROM contacts c ORDER BY c.first_name, c.id"
        ).fetchall()


def test_suggestion_from_header_names() -> None:
    found = {c.header: c for c in any_csv.columns(JOBBER)}
    assert {h: c.suggested for h, c in found.items()} == SUGGESTED
    assert found["First name"].samples == ["Jane", "Raj", "Ann"]
    assert any_csv.columns("Name,Mobile,Zip,Business,Gate Color\nA B,,,,\n")[4].suggested == (
        "ignore"
    )
    names = [c.suggested for c in any_csv.columns("Given name,Address,State,Zip\nA,1 X,AL,1\n")]
    assert names == ["first_name", "line1", "region", "postal_code"]


def test_preview_without_mapping_returns_columns_and_no_rows(
    db: Database, business: UserContext
) -> None:
    row = preview(db, business, None)
    assert row["mapping"] is None and row["total_rows"] == 0
    assert {c["header"]: c["suggested"] for c in row["columns"]} == SUGGESTED
    with user_context(business), db.unit_of_work(business.user_id) as conn:
        with pytest.raises(import_service.ImportNotStartable):
            import_service.start(conn, Ref(id=row["id"]))


def test_explicit_mapping_duplicates_and_bad_rows(db: Database, business: UserContext) -> None:
    row = preview(db, business, None)
    mapped = runner.remap(db, business, row["id"], {**SUGGESTED, "Tags": "ignore"})
    # Jane twice (same email), Bob by name only, line 6 no name, line 7 a bad email.
    assert mapped["counts"] == {"new": 4, "updated": 1, "unchanged": 0, "invalid": 2}
    assert mapped["errors"] == [
        {"line": 6, "reason": "no name: the name and company columns are all empty"},
        {"line": 7, "reason": "E-mail 'not-an-email' is not an email address"},
    ]
    done = start_and_run(db, business, row["id"])
    assert done["status"] == "done"
    found = {c["first_name"]: c for c in contacts(db, business)}
    assert set(found) == {"Jane", "Raj", "Ann", "Bob"}
    jane = found["Jane"]
    assert (jane["email"], jane["phone"], jane["notes"], jane["addresses"]) == (
        "jane.doe@example.com",
        "+12565550134",
        2,
        1,
    )
    assert found["Raj"]["company"] == "Patel Dental" and found["Raj"]["facts"] is None
    assert found["Bob"]["external_id"].startswith("csv:")


def test_second_import_of_the_same_file_creates_nothing(
    db: Database, business: UserContext
) -> None:
    first = preview(db, business, SUGGESTED)
    start_and_run(db, business, first["id"])
    before = contacts(db, business)
    jane = next(c for c in before if c["first_name"] == "Jane")
    assert jane["facts"] == {"custom.tags": "weekly, gutters"}
    again = preview(db, business, SUGGESTED)
    assert again["counts"] == {"new": 0, "updated": 0, "unchanged": 5, "invalid": 2}
    start_and_run(db, business, again["id"])
    assert contacts(db, business) == before


def test_existing_contact_only_has_empty_fields_filled(db: Database, business: UserContext) -> None:
    with user_context(business), db.unit_of_work(business.user_id) as conn:
        conn.execute(
            "INSERT INTO contacts (user_id, first_name, last_name, email, external_id) VALUES "
            "(current_setting('app.current_user_id')::uuid, 'Janet', '', "
            "'jane.doe@example.com', 'sq-1')"
        )
    row = preview(db, business, SUGGESTED)
    start_and_run(db, business, row["id"])
    jane = next(c for c in contacts(db, business) if c["email"] == "jane.doe@example.com")
    assert (jane["first_name"], jane["last_name"], jane["phone"]) == (
        "Janet",
        "Doe",
        "+12565550134",
    )


def test_mapping_is_remembered_when_the_import_starts(
    db: Database, business: UserContext, owner: Any
) -> None:
    mine = {**SUGGESTED, "Tags": "ignore", "Notes": "attribute:custom.notes"}
    row = preview(db, business, mine)
    start_and_run(db, business, row["id"])
    later = preview(db, business, None)
    assert {c["header"]: c["suggested"] for c in later["columns"]} == mine
    # Another business uploading the same file is offered the plain suggestion, not mine.
    other = UserContext(make_user(owner)["id"], "America/Chicago", actor="test:import")
    theirs = preview(db, other, None)
    assert {c["header"]: c["suggested"] for c in theirs["columns"]} == SUGGESTED


@pytest.mark.parametrize(
    ("mapping", "says"),
    [
        ({"Nope": "email"}, "no column"),
        ({"E-mail": "email", "Main phone": "email"}, "both"),
        ({"E-mail": "shoe_size"}, "not something"),
        ({"E-mail": "attribute:Bad Key"}, "not an attribute key"),
        ({"Notes": "note"}, "at least one"),
    ],
)
def test_bad_mappings_are_refused(
    db: Database, business: UserContext, mapping: dict[str, str], says: str
) -> None:
    with pytest.raises(any_csv.BadMapping, match=says):
        preview(db, business, mapping)
