"""SQL for sign-in and accounts.

Look-ups before anyone is signed in go through crm_auth's SECURITY DEFINER functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import psycopg

from crm.auth.types import AuthUser
from crm.clients.postgres_client import Connection, translate_errors
from crm.errors import Conflict, NotFound, ValidationFailed
from crm.utils.timezone import is_valid_timezone


@dataclass(frozen=True)
class StartedLogin:
    account_id: UUID
    display_name: str
    business_name: str


@dataclass(frozen=True)
class Consumed:
    status: str
    account_id: UUID | None
    next_path: str | None
    attempts_left: int = 0


def start_login(
    conn: Connection,
    *,
    email: str,
    token_hash: bytes,
    pending_hash: bytes,
    code_hash: bytes,
    next_path: str | None,
    ttl_seconds: int,
) -> StartedLogin | None:
    row = conn.execute(
        "SELECT * FROM auth_start_login(%s, %s, %s, %s, %s, make_interval(secs => %s))",
        (email, token_hash, pending_hash, code_hash, next_path, ttl_seconds),
    ).fetchone()
    if row is None:
        return None
    return StartedLogin(row["account_id"], row["display_name"], row["business_name"])


def consume_link(conn: Connection, *, token_hash: bytes) -> Consumed:
    row = conn.execute("SELECT * FROM auth_consume_link(%s)", (token_hash,)).fetchone()
    assert row is not None
    return Consumed(row["status"], row["account_id"], row["next_path"])


def consume_code(
    conn: Connection, *, pending_hash: bytes, code_hash: bytes, max_attempts: int
) -> Consumed:
    row = conn.execute(
        "SELECT * FROM auth_consume_code(%s, %s, %s)", (pending_hash, code_hash, max_attempts)
    ).fetchone()
    assert row is not None
    return Consumed(row["status"], row["account_id"], row["next_path"], row["attempts_left"])


def load_active_user(conn: Connection, user_id: UUID) -> AuthUser | None:
    """Inside the user's own unit of work (RLS shows only their row)."""
    row = conn.execute(
        "SELECT id, email, display_name, business_name, timezone, is_active "
        "FROM users WHERE id = %s",
        (user_id,),
    ).fetchone()
    if row is None or not row["is_active"]:
        return None
    return AuthUser(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        business_name=row["business_name"],
        timezone=row["timezone"],
    )


# -- administration (CLI, as the owner role acting through crm_auth) ---------------------------


def _as_auth_role(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SET LOCAL ROLE crm_auth")


def create_user(
    conn: psycopg.Connection[Any],
    *,
    email: str,
    business_name: str,
    timezone: str,
    display_name: str,
) -> UUID:
    """Create a business owner account; refuses duplicates and unknown timezones clearly."""
    if not is_valid_timezone(timezone):
        raise ValidationFailed(
            f"{timezone!r} is not an IANA timezone; use a name like America/Chicago"
        )
    if not business_name.strip():
        raise ValidationFailed("the business name must not be empty")
    user_id = uuid4()
    with conn.transaction():
        _as_auth_role(conn)
        exists = conn.execute("SELECT 1 FROM users WHERE email = %s", (email,)).fetchone()
        if exists:
            raise Conflict(f"an account for {email} already exists")
        with translate_errors():
            conn.execute(
                "INSERT INTO users (id, email, display_name, business_name, timezone) "
                "VALUES (%s, %s, %s, %s, %s)",
                (user_id, email, display_name.strip(), business_name.strip(), timezone),
            )
    return user_id


def deactivate_user(conn: psycopg.Connection[Any], *, email: str) -> UUID:
    with conn.transaction():
        _as_auth_role(conn)
        row = conn.execute(
            "UPDATE users SET is_active = false WHERE email = %s RETURNING id", (email,)
        ).fetchone()
    if row is None:
        raise NotFound(f"no account for {email}")
    return UUID(str(row[0] if not isinstance(row, dict) else row["id"]))


def any_user_exists(conn: psycopg.Connection[Any]) -> bool:
    with conn.transaction():
        _as_auth_role(conn)
        return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None
