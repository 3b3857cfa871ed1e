"""The audit log is append-only for everyone, and the app role may only insert and read."""

from __future__ import annotations

import psycopg
import pytest

from crm.clients.postgres_client import Database
from crm.errors import ValidationFailed
from tests.factories import add_audit, make_user


def test_app_role_cannot_update_or_delete_audit_rows(db: Database, owner) -> None:
    user = make_user(owner)
    with db.unit_of_work(user["id"]) as conn:
        row = add_audit(conn, user_id=user["id"])

    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.unit_of_work(user["id"]) as conn:
        conn.execute("UPDATE audit_log SET action = 'forged' WHERE id = %s", (row["id"],))
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.unit_of_work(user["id"]) as conn:
        conn.execute("DELETE FROM audit_log WHERE id = %s", (row["id"],))
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.unit_of_work(user["id"]) as conn:
        conn.execute("TRUNCATE audit_log")

    with db.read_only(user["id"]) as conn:
        kept = conn.execute("SELECT action FROM audit_log").fetchall()
    assert kept == [{"action": "create"}]


def test_even_the_owner_role_cannot_rewrite_history(db: Database, owner) -> None:
    user = make_user(owner)
    with db.unit_of_work(user["id"]) as conn:
        add_audit(conn, user_id=user["id"])
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user["id"]),))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            with owner.transaction():
                owner.execute("UPDATE audit_log SET action = 'forged'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            with owner.transaction():
                owner.execute("DELETE FROM audit_log")


def test_audit_changes_must_be_an_object(db: Database, owner) -> None:
    user = make_user(owner)
    with pytest.raises(ValidationFailed) as caught, db.unit_of_work(user["id"]) as conn:
        conn.execute(
            "INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, actor) "
            "VALUES (%s, 'contact', gen_random_uuid(), 'create', '[1]', 'system')",
            (user["id"],),
        )
    assert caught.value.details == {"constraint": "audit_log_changes_object"}


def test_users_email_and_timezone_are_checked_by_the_database(owner) -> None:
    with pytest.raises(psycopg.errors.CheckViolation, match="users_timezone_iana"):
        make_user(owner, timezone="Mars/Olympus_Mons")
    with pytest.raises(psycopg.errors.CheckViolation, match="users_email_normalised"):
        make_user(owner, email="Mixed@Example.com")
    assert make_user(owner, timezone="Europe/Berlin")["timezone"] == "Europe/Berlin"
