"""Tenant isolation through the app role's unit of work, and error translation."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from crm.clients.postgres_client import Database
from crm.errors import Conflict, ServiceUnavailable
from tests.factories import add_audit, make_user


@pytest.fixture
def two_tenants(owner: psycopg.Connection) -> tuple[dict, dict]:
    return make_user(owner, email="a@example.com"), make_user(owner, email="b@example.com")


def test_tenant_sees_only_its_own_rows(db: Database, two_tenants: tuple[dict, dict]) -> None:
    a, b = two_tenants
    with db.unit_of_work(a["id"]) as conn:
        add_audit(conn, user_id=a["id"])
    with db.unit_of_work(b["id"]) as conn:
        add_audit(conn, user_id=b["id"])
        add_audit(conn, user_id=b["id"])

    with db.read_only(a["id"]) as conn:
        rows = conn.execute("SELECT user_id FROM audit_log").fetchall()
        users = conn.execute("SELECT email FROM users").fetchall()
    assert [r["user_id"] for r in rows] == [a["id"]]
    assert [u["email"] for u in users] == ["a@example.com"]

    with db.read_only(b["id"]) as conn:
        assert conn.execute("SELECT count(*) AS n FROM audit_log").fetchone() == {"n": 2}
        # Asking for A's row by id finds nothing, exactly like an id that never existed.
        found = conn.execute("SELECT * FROM users WHERE id = %s", (a["id"],)).fetchone()
    assert found is None


def test_tenant_cannot_insert_rows_for_another(
    db: Database, two_tenants: tuple[dict, dict]
) -> None:
    a, b = two_tenants
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        with db.unit_of_work(a["id"]) as conn:
            add_audit(conn, user_id=b["id"])
    with db.read_only(b["id"]) as conn:
        assert conn.execute("SELECT count(*) AS n FROM audit_log").fetchone() == {"n": 0}


def test_tenant_cannot_update_or_delete_another(
    db: Database, two_tenants: tuple[dict, dict]
) -> None:
    a, b = two_tenants
    with db.unit_of_work(a["id"]) as conn:
        changed = conn.execute(
            "UPDATE users SET business_name = 'Hijacked' WHERE id = %s", (b["id"],)
        ).rowcount
    assert changed == 0
    with db.unit_of_work(a["id"]) as conn:
        # Moving one's own row into another tenant is refused by WITH CHECK... and the id is
        # not even updatable by the app role.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE users SET id = %s WHERE id = %s", (b["id"], a["id"]))
    with db.read_only(b["id"]) as conn:
        row = conn.execute("SELECT business_name FROM users").fetchone()
    assert row == {"business_name": "Sparkle Windows"}


def test_own_rows_can_be_updated(db: Database, two_tenants: tuple[dict, dict]) -> None:
    a, _ = two_tenants
    with db.unit_of_work(a["id"]) as conn:
        conn.execute("UPDATE users SET business_name = 'Clear View' WHERE id = %s", (a["id"],))
    with db.read_only(a["id"]) as conn:
        assert conn.execute("SELECT business_name FROM users").fetchone() == {
            "business_name": "Clear View"
        }


def test_query_without_user_context_errors(db: Database, two_tenants: tuple[dict, dict]) -> None:
    with pytest.raises(psycopg.errors.UndefinedObject, match=r"app\.current_user_id"):
        with db.system() as conn:
            conn.execute("SELECT * FROM audit_log").fetchall()


def test_context_does_not_leak_into_next_checkout(database, two_tenants: tuple[dict, dict]) -> None:
    a, _ = two_tenants
    single = Database(database.app_url)
    single.open()
    try:
        # max_size 10 but one idle connection: the second checkout reuses the first.
        with single.unit_of_work(a["id"]) as conn:
            first_pid = conn.info.backend_pid
            assert conn.execute("SELECT count(*) AS n FROM users").fetchone() == {"n": 1}
        with single.system() as conn:
            assert conn.info.backend_pid == first_pid
            setting = conn.execute(
                "SELECT current_setting('app.current_user_id', true) AS v"
            ).fetchone()
            assert setting is not None and setting["v"] in ("", None)
            with pytest.raises(psycopg.errors.InvalidTextRepresentation):
                conn.execute("SELECT * FROM users").fetchall()
    finally:
        single.close()


def test_read_only_refuses_writes(db: Database, two_tenants: tuple[dict, dict]) -> None:
    a, _ = two_tenants
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), db.read_only(a["id"]) as conn:
        add_audit(conn, user_id=a["id"])


def test_failed_unit_of_work_rolls_back(db: Database, two_tenants: tuple[dict, dict]) -> None:
    a, _ = two_tenants
    with pytest.raises(RuntimeError), db.unit_of_work(a["id"]) as conn:
        add_audit(conn, user_id=a["id"])
        raise RuntimeError("service failed half-way")
    with db.read_only(a["id"]) as conn:
        assert conn.execute("SELECT count(*) AS n FROM audit_log").fetchone() == {"n": 0}


def test_unique_violation_becomes_conflict(owner: psycopg.Connection) -> None:
    make_user(owner, email="dup@example.com")
    from crm.clients.postgres_client import translate_errors

    with pytest.raises(Conflict) as caught, translate_errors():
        make_user(owner, email="dup@example.com")
    assert caught.value.status == 409
    assert "dup@example.com" not in caught.value.message


def test_unit_of_work_needs_a_uuid(db: Database) -> None:
    with pytest.raises(TypeError), db.unit_of_work("not-a-uuid"):  # type: ignore[arg-type]
        pass


def test_unreachable_database_is_service_unavailable(tmp_path) -> None:
    missing = Database(f"host={tmp_path} port=5999 dbname=crm user=crm_app connect_timeout=1")
    with pytest.raises(ServiceUnavailable) as caught:
        missing.open()
    assert caught.value.status == 503
    assert caught.value.details["service"] == "postgres"


def test_user_ids_never_collide_with_context_string(db: Database) -> None:
    # A random, never-inserted user sees an empty world rather than an error.
    with db.read_only(uuid.uuid4()) as conn:
        assert conn.execute("SELECT count(*) AS n FROM users").fetchone() == {"n": 0}
