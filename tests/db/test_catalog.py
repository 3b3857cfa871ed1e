"""The schema convention, checked from the catalog so every future table is covered too.

Any table with a user_id column must have row-level security enabled and forced, a policy
with USING and WITH CHECK on current_setting('app.current_user_id') (no missing_ok), and
UNIQUE (user_id, id); every foreign key between such tables must include user_id.
"""

from __future__ import annotations

import psycopg
import pytest

# Tables that hold no tenant data (they need no user_id). The app role may not read them:
# schema_migrations only holds version numbers; login_attempts is reachable only through
# crm_auth's functions; security_events is insert-only for the app.
NOT_TENANT_DATA = {"schema_migrations", "security_events", "login_attempts"}
# procrastinate's job queue (docs/messaging.md): job arguments are a business id and a row id,
# never customer data; the app role defers and runs jobs, and each job reads its row under RLS.
JOB_QUEUE = {
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
}
CONTEXT = "current_setting('app.current_user_id'::text)"


def _tables(conn: psycopg.Connection) -> dict[str, dict]:
    rows = conn.execute(
        """
        SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
               EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped)
                   AS has_user_id,
               EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped)
                   AS has_id
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        """
    ).fetchall()
    return {r["name"]: r for r in rows}


def _policies(conn: psycopg.Connection, table: str) -> list[dict]:
    return conn.execute(
        "SELECT policyname, qual, with_check, cmd, permissive FROM pg_policies "
        "WHERE schemaname = 'public' AND tablename = %s",
        (table,),
    ).fetchall()


def tenant_tables(conn: psycopg.Connection) -> list[str]:
    return sorted(name for name, t in _tables(conn).items() if t["has_user_id"])


def convention_violations(conn: psycopg.Connection) -> list[str]:
    problems: list[str] = []
    tables = _tables(conn)
    tenant = {name for name, t in tables.items() if t["has_user_id"]} | {"users"}
    for name, table in sorted(tables.items()):
        if name not in tenant:
            if name not in NOT_TENANT_DATA | JOB_QUEUE:
                problems.append(f"{name}: no user_id column and not declared as non-tenant data")
            continue
        if not table["rls"]:
            problems.append(f"{name}: row-level security is not enabled")
        if not table["forced"]:
            problems.append(f"{name}: row-level security is not forced")
        policies = _policies(conn, name)
        if not policies:
            problems.append(f"{name}: has no policy")
        column = "id" if name == "users" else "user_id"
        for policy in policies:
            for clause in ("qual", "with_check"):
                text = policy[clause] or ""
                if CONTEXT not in text or f"{column} = " not in text:
                    problems.append(
                        f"{name}.{policy['policyname']}: {clause} does not compare {column} "
                        f"with {CONTEXT}: {text!r}"
                    )
                if "true)" in text.replace(" ", ""):
                    problems.append(f"{name}.{policy['policyname']}: uses missing_ok")
            if policy["cmd"] != "ALL" or policy["permissive"] != "PERMISSIVE":
                problems.append(f"{name}.{policy['policyname']}: must be one policy FOR ALL")
        if name != "users" and table["has_id"] and not _has_unique(conn, name, ["user_id", "id"]):
            problems.append(f"{name}: lacks UNIQUE (user_id, id)")
    problems += _foreign_key_violations(conn, tenant)
    return problems


def _has_unique(conn: psycopg.Connection, table: str, columns: list[str]) -> bool:
    rows = conn.execute(
        """
        SELECT array_agg(a.attname::text ORDER BY a.attname) AS cols
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN unnest(con.conkey) AS k(attnum) ON true
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE c.relname = %s AND con.contype IN ('u', 'p')
        GROUP BY con.oid
        """,
        (table,),
    ).fetchall()
    return any(sorted(r["cols"]) == sorted(columns) for r in rows)


def _foreign_key_violations(conn: psycopg.Connection, tenant: set[str]) -> list[str]:
    rows = conn.execute(
        """
        SELECT con.conname, src.relname AS src, dst.relname AS dst,
               array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
                     ORDER BY k.i) AS src_cols,
               array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                     ORDER BY k.i) AS dst_cols
        FROM pg_constraint con
        JOIN pg_class src ON src.oid = con.conrelid
        JOIN pg_class dst ON dst.oid = con.confrelid
        JOIN pg_namespace n ON n.oid = src.relnamespace
        WHERE con.contype = 'f' AND n.nspname = 'public'
        """
    ).fetchall()
    problems = []
    for fk in rows:
        if fk["src"] not in tenant or fk["dst"] not in tenant:
            continue
        pairs = dict(zip(fk["src_cols"], fk["dst_cols"], strict=True))
        if fk["dst"] == "users":
            ok = pairs.get("user_id") == "id"
        else:
            ok = pairs.get("user_id") == "user_id"
        if not ok:
            problems.append(
                f"{fk['src']}.{fk['conname']}: foreign key to {fk['dst']} does not include user_id"
            )
    return problems


def test_every_tenant_table_follows_the_convention(owner: psycopg.Connection) -> None:
    assert "audit_log" in tenant_tables(owner)
    assert convention_violations(owner) == []


def test_catalog_check_catches_a_table_without_forced_rls(owner: psycopg.Connection) -> None:
    """The checker itself must fail on the mistakes it exists to catch."""
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', gen_random_uuid()::text, true)")
        owner.execute(
            "CREATE TABLE sloppy (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id))"
        )
        owner.execute("ALTER TABLE sloppy ENABLE ROW LEVEL SECURITY")
        owner.execute(
            "CREATE TABLE child (id uuid PRIMARY KEY, user_id uuid NOT NULL, "
            "sloppy_id uuid REFERENCES sloppy (id))"
        )
        problems = convention_violations(owner)
        owner.execute("ROLLBACK")
    joined = "\n".join(problems)
    assert "sloppy: row-level security is not forced" in joined
    assert "sloppy: has no policy" in joined
    assert "sloppy: lacks UNIQUE (user_id, id)" in joined
    assert "child: row-level security is not enabled" in joined
    assert "foreign key to sloppy does not include user_id" in joined


@pytest.mark.parametrize("missing_ok", [True])
def test_catalog_check_rejects_missing_ok_policies(
    owner: psycopg.Connection, missing_ok: bool
) -> None:
    with owner.transaction():
        owner.execute(
            "CREATE TABLE lenient "
            "(id uuid PRIMARY KEY, user_id uuid NOT NULL, UNIQUE (user_id, id))"
        )
        owner.execute("ALTER TABLE lenient ENABLE ROW LEVEL SECURITY")
        owner.execute("ALTER TABLE lenient FORCE ROW LEVEL SECURITY")
        owner.execute(
            "CREATE POLICY lenient_tenant ON lenient "
            "USING (user_id = current_setting('app.current_user_id', true)::uuid) "
            "WITH CHECK (user_id = current_setting('app.current_user_id', true)::uuid)"
        )
        problems = convention_violations(owner)
        owner.execute("ROLLBACK")
    assert any("lenient.lenient_tenant" in p for p in problems)


def test_app_role_is_unprivileged_and_owns_nothing(owner: psycopg.Connection) -> None:
    role = owner.execute(
        "SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolcanlogin "
        "FROM pg_roles WHERE rolname = 'crm_app'"
    ).fetchone()
    assert role == {
        "rolsuper": False,
        "rolbypassrls": False,
        "rolcreatedb": False,
        "rolcreaterole": False,
        "rolcanlogin": True,
    }
    owned = owner.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "WHERE r.rolname = 'crm_app' "
        "UNION ALL SELECT p.proname FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner "
        "WHERE r.rolname = 'crm_app' "
        "UNION ALL SELECT n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner "
        "WHERE r.rolname = 'crm_app'"
    ).fetchall()
    assert owned == []
    owner_role = owner.execute(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'crm_owner'"
    ).fetchone()
    assert owner_role == {"rolsuper": False, "rolbypassrls": False}


def test_app_role_needs_a_password(database) -> None:
    without = psycopg.conninfo.make_conninfo(database.app_url, password="wrong")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(without, connect_timeout=3)


def test_app_role_cannot_read_non_tenant_tables(owner: psycopg.Connection) -> None:
    rows = owner.execute(
        "SELECT t, has_table_privilege('crm_app', t, 'SELECT') AS can_select, "
        "has_table_privilege('crm_app', t, 'INSERT') AS can_insert, "
        "has_table_privilege('crm_app', t, 'UPDATE') AS can_update, "
        "has_table_privilege('crm_app', t, 'DELETE') AS can_delete "
        "FROM unnest(%s::text[]) AS t",
        (sorted(NOT_TENANT_DATA - {"schema_migrations"}),),
    ).fetchall()
    assert {
        r["t"]: (r["can_select"], r["can_insert"], r["can_update"], r["can_delete"]) for r in rows
    } == {
        "login_attempts": (False, False, False, False),
        "security_events": (False, True, False, False),
    }


def test_only_the_nologin_auth_role_bypasses_rls(owner: psycopg.Connection) -> None:
    bypass = owner.execute(
        "SELECT rolname, rolcanlogin FROM pg_roles "
        "WHERE rolbypassrls AND NOT rolsuper AND rolname LIKE 'crm%%'"
    ).fetchall()
    assert bypass == [{"rolname": "crm_auth", "rolcanlogin": False}]
    member = owner.execute("SELECT pg_has_role('crm_app', 'crm_auth', 'MEMBER') AS m").fetchone()
    assert member == {"m": False}
