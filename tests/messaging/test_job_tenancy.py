"""A job carries its business: acting for one business, the sender, a stray job or the claim
itself can never read or change another business's message."""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg.rows import dict_row

from crm.auth.email_service import EmailService
from crm.clients.postgres_client import Database
from crm.config import Settings
from crm.embedded.smtp import Outbox
from crm.jobs.worker import BackgroundWorker, WorkerOptions, sender_options
from crm.messaging.sender import Sender
from tests.messaging.queue_data import (
    Owner,
    acting_as,
    attempts,
    business,
    due_now,
    messages,
    schedule,
    wait_until,
)

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

# The sender's claim, word for word (checked against its source below).
CLAIM_SQL = "SELECT * FROM scheduled_messages WHERE id = %s FOR UPDATE SKIP LOCKED"


# -- tenant isolation -------------------------------------------------------------------------


def _without_jobs(owner: Owner, message_ids: list[uuid.UUID]) -> None:
    """Remove the jobs the trigger deferred, so only the jobs a test defers can touch them."""
    owner.execute(
        "DELETE FROM procrastinate_jobs WHERE (args->>'message_id')::uuid = ANY(%s)",
        (message_ids,),
    )


def _defer(app_url: str, args: dict[str, str]) -> int:
    """A send job deferred exactly as the trigger does, with arguments of our choosing."""
    with psycopg.connect(app_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW('messages', "
            "'crm.send_message', 0, NULL, NULL, %s::jsonb, now())"
            "::procrastinate_job_to_defer_v1]))",
            (json.dumps(args),),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _jobs_done(owner: Owner, job_ids: list[int]) -> Callable[[], bool]:
    def check() -> bool:
        row = owner.execute(
            "SELECT count(*) AS n FROM procrastinate_jobs "
            "WHERE id = ANY(%s) AND status IN ('todo', 'doing')",
            (job_ids,),
        ).fetchone()
        return row is not None and row["n"] == 0

    return check


def test_the_sender_acting_for_one_business_cannot_send_anothers_message(
    owner: Owner, db: Database, settings: Settings, outbox: Outbox
) -> None:
    a, b = business(owner), business(owner)
    [(message_a, to_a)] = schedule(owner, a, due_now(1)).items()
    before = messages(owner, a)[message_a]
    sender = Sender(db, EmailService(settings.smtp), None, sender_options(settings, env={}))

    assert asyncio.run(sender.send(b, message_a)) == "gone or being handled"
    assert asyncio.run(sender.send(uuid.uuid4(), message_a)) == "no such business"
    assert messages(owner, a)[message_a] == before
    assert attempts(owner, a) == {}
    assert outbox.messages(to=to_a) == []

    assert asyncio.run(sender.send(a, message_a)) == "sent"  # the same call, the right business
    assert len(outbox.wait_for(1, to=to_a, timeout=5)) == 1


def test_jobs_with_mismatched_arguments_are_harmless(
    owner: Owner, database: TestDatabase, settings: Settings, outbox: Outbox
) -> None:
    a, b = business(owner), business(owner)
    [(message_a, to_a)] = schedule(owner, a, due_now(1)).items()
    [(message_b, to_b)] = schedule(owner, b, due_now(1)).items()
    _without_jobs(owner, [message_a, message_b])
    before = {**messages(owner, a), **messages(owner, b)}
    strays = [
        {"user_id": str(b), "message_id": str(message_a)},
        {"user_id": str(a), "message_id": str(message_b)},
        {"user_id": str(uuid.uuid4()), "message_id": str(message_a)},
        {"user_id": "not-a-uuid", "message_id": str(message_b)},
    ]
    job_ids = [_defer(database.app_url, args) for args in strays]

    worker = BackgroundWorker(settings, WorkerOptions(concurrency=2, name="isolation"))
    worker.start()
    try:
        wait_until(_jobs_done(owner, job_ids), timeout=30, what="the stray jobs ran")
        assert {**messages(owner, a), **messages(owner, b)} == before
        assert attempts(owner, a) == {} and attempts(owner, b) == {}
        assert outbox.messages(to=to_a) == [] and outbox.messages(to=to_b) == []

        # The same worker sends both once the arguments match.
        _defer(database.app_url, {"user_id": str(a), "message_id": str(message_a)})
        _defer(database.app_url, {"user_id": str(b), "message_id": str(message_b)})
        assert len(outbox.wait_for(1, to=to_a, timeout=15)) == 1
        assert len(outbox.wait_for(1, to=to_b, timeout=15)) == 1
    finally:
        worker.stop()


def test_the_claim_under_another_business_sees_and_changes_nothing(
    owner: Owner, database: TestDatabase
) -> None:
    assert CLAIM_SQL in inspect.getsource(Sender.claim)
    a, b = business(owner), business(owner)
    [message_a] = schedule(owner, a, due_now(1))
    with psycopg.connect(database.app_url, row_factory=dict_row) as app:
        with acting_as(app, b):
            assert app.execute(CLAIM_SQL, (message_a,)).fetchone() is None
            changed = app.execute(
                "UPDATE scheduled_messages SET status = 'sending' WHERE id = %s", (message_a,)
            )
            assert changed.rowcount == 0
        with pytest.raises(psycopg.errors.ForeignKeyViolation), acting_as(app, b):
            app.execute(
                "INSERT INTO message_attempts (user_id, message_id, channel, outcome) "
                "VALUES (%s, %s, 'email', 'sent')",
                (b, message_a),
            )
        with acting_as(app, a):
            found = app.execute(CLAIM_SQL, (message_a,)).fetchone()
            assert found is not None and found["status"] == "pending"
