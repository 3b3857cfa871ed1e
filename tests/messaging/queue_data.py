"""Messages in bulk for the queue tests: businesses, literal messages due at given times,
and what became of them, read through the owner role under each business's RLS."""

from __future__ import annotations

import collections
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg

from crm.auth.email_service import message_id_for
from crm.embedded.stack import SMTP_FROM
from crm.utils.timezone import utc_now
from tests.factories import make_user
from tests.messaging.conftest import unique_email

Owner = psycopg.Connection[dict[str, Any]]


def business(owner: Owner) -> uuid.UUID:
    """A business with quiet hours off, so nothing here depends on the time of day."""
    user_id: uuid.UUID = make_user(owner)["id"]
    with acting_as(owner, user_id):
        owner.execute(
            "INSERT INTO messaging_settings (user_id, quiet_start, quiet_end) "
            "VALUES (%s, '00:00', '00:00')",
            (user_id,),
        )
    return user_id


@contextmanager
def acting_as(conn: Owner, user_id: uuid.UUID) -> Iterator[Owner]:
    """A transaction on ``conn`` acting as one business (RLS is forced even for the owner)."""
    with conn.transaction():
        conn.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        yield conn


def schedule(
    owner: Owner, user_id: uuid.UUID, due: list[datetime], *, name: str = "customer"
) -> dict[uuid.UUID, str]:
    """One literal ('custom') email per due time, each to a contact of its own, in one
    transaction (the trigger defers a job for each); returns message id -> recipient."""
    emails = [unique_email(f"{name}{i}") for i in range(len(due))]
    with acting_as(owner, user_id):
        contacts = owner.execute(
            "INSERT INTO contacts (user_id, first_name, email) "
            "SELECT %s, 'Customer', e FROM unnest(%s::text[]) AS e RETURNING id, email",
            (user_id, emails),
        ).fetchall()
        email_of = {c["id"]: c["email"] for c in contacts}
        messages = owner.execute(
            "INSERT INTO scheduled_messages (user_id, kind, contact_id, subject, body, "
            "scheduled_for) SELECT %s, 'custom', c, 'Your windows', 'See you on Tuesday.', d "
            "FROM unnest(%s::uuid[], %s::timestamptz[]) AS t(c, d) RETURNING id, contact_id",
            (user_id, list(email_of), due),
        ).fetchall()
    return {m["id"]: email_of[m["contact_id"]] for m in messages}


def due_now(count: int) -> list[datetime]:
    return [utc_now()] * count


def messages(owner: Owner, user_id: uuid.UUID) -> dict[uuid.UUID, dict[str, Any]]:
    with acting_as(owner, user_id):
        rows = owner.execute("SELECT * FROM scheduled_messages").fetchall()
    return {row["id"]: row for row in rows}


def attempts(owner: Owner, user_id: uuid.UUID) -> dict[uuid.UUID, list[dict[str, Any]]]:
    with acting_as(owner, user_id):
        rows = owner.execute("SELECT * FROM message_attempts ORDER BY attempted_at").fetchall()
    found: dict[uuid.UUID, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        found[row["message_id"]].append(row)
    return found


def header_id(message_id: uuid.UUID) -> str:
    return message_id_for(f"msg-{message_id}", SMTP_FROM)


def wait_until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout:.0f}s: {what}")
        time.sleep(0.2)


def all_in(owner: Owner, user_id: uuid.UUID, statuses: set[str]) -> Callable[[], bool]:
    return lambda: all(m["status"] in statuses for m in messages(owner, user_id).values())
