"""Create the owner and app roles and the database (embedded stack; documented for production)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

OWNER_ROLE = "crm_owner"
APP_ROLE = "crm_app"
# Owns the few SECURITY DEFINER functions that must find a user before one is known (sign-in).
# It cannot log in; the app role may only EXECUTE those functions.
AUTH_ROLE = "crm_auth"


def bootstrap(
    superuser_conninfo: str, *, database: str, owner_password: str, app_password: str
) -> None:
    """Idempotently create both roles (with passwords) and the database owned by the owner role.

    The app role can log in and use the schema, but is no superuser, cannot bypass row-level
    security, and owns nothing.
    """
    with psycopg.connect(superuser_conninfo, autocommit=True) as conn:
        _ensure_role(conn, OWNER_ROLE, owner_password, extra="NOSUPERUSER NOBYPASSRLS")
        _ensure_role(
            conn,
            APP_ROLE,
            app_password,
            extra="NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION",
        )
        _ensure_auth_role(conn)
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(OWNER_ROLE)
                )
            )
        conn.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
        )
        conn.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(APP_ROLE)
            )
        )
    db_conninfo = psycopg.conninfo.make_conninfo(superuser_conninfo, dbname=database)
    with psycopg.connect(db_conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(OWNER_ROLE)))
        conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(APP_ROLE)))


def _ensure_role(conn: psycopg.Connection[Any], name: str, password: str, *, extra: str) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(
        sql.SQL("{} ROLE {} WITH LOGIN PASSWORD {} " + extra).format(
            sql.SQL(verb), sql.Identifier(name), sql.Literal(password)
        )
    )


def _ensure_auth_role(conn: psycopg.Connection[Any]) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (AUTH_ROLE,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(
        sql.SQL("{} ROLE {} WITH NOLOGIN NOSUPERUSER BYPASSRLS").format(
            sql.SQL(verb), sql.Identifier(AUTH_ROLE)
        )
    )
    # The owner must be able to hand function ownership to the auth role in migrations.
    conn.execute(
        sql.SQL("GRANT {} TO {}").format(sql.Identifier(AUTH_ROLE), sql.Identifier(OWNER_ROLE))
    )
