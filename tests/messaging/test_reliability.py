"""Delivery as customers see it under load and failure: many worker processes, one of them
killed, a mail server that is down for a minute or refuses a recipient, and a job of one
business that can never touch another's message.

The workers are real `crm worker` processes reading their settings from a Vault mount of the
test's own (the database of the test, a mail server of the test's own), tuned by the same
environment variables an operator would set.
"""

from __future__ import annotations

import collections
import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from psycopg import sql

from crm.auth.email_service import EmailService
from crm.clients.postgres_client import Database
from crm.clients.vault_client import AppRoleCredentials
from crm.config import Settings
from crm.embedded.processes import free_port
from crm.embedded.smtp import HOST, Outbox, parse_message
from crm.embedded.stack import EmbeddedStack
from crm.jobs.worker import sender_options
from crm.messaging.sender import Claim, Sender
from crm.utils.timezone import utc_now
from tests.conftest import BASE_URL
from tests.messaging.conftest import unique_email
from tests.messaging.worker_process import WorkerProcess, spawn_workers, write_worker_secrets

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

from tests.messaging.queue_data import (
    Owner,
    acting_as,
    all_in,
    attempts,
    business,
    due_now,
    header_id,
    messages,
    schedule,
    wait_until,
)


class Catcher:
    """A mail server of the test's own: it can go down and come back on the same port, and
    refuses chosen recipients for good (550), as a real server does for an unknown mailbox."""

    def __init__(self, folder: Path, *, refuse: frozenset[str] = frozenset()) -> None:
        self.outbox = Outbox(folder)
        self.port = free_port(HOST)
        self.refuse = refuse
        self.refused: list[str] = []
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname=HOST, port=self.port, ready_timeout=10)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.casefold() in self.refuse:
            self.refused.append(address)
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.outbox.add(
            parse_message(raw, rcpt_tos=list(envelope.rcpt_tos), mail_from=str(envelope.mail_from))
        )
        return "250 Message accepted for delivery"

    def count(self) -> int:
        return sum(1 for _ in self.outbox.folder.glob("[0-9]*.json"))

    def caught(self) -> list[dict[str, Any]]:
        return self.outbox.messages(limit=1_000_000)


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[Catcher]:
    running = Catcher(tmp_path / "outbox")
    running.start()
    try:
        yield running
    finally:
        running.stop()


WorkerStarter = Callable[..., list[WorkerProcess]]


@pytest.fixture
def start_workers(
    stack: EmbeddedStack,
    database: TestDatabase,
    scratch_mount: tuple[str, AppRoleCredentials],
    tmp_path: Path,
) -> Iterator[WorkerStarter]:
    """``start_workers(count, port, **environment)``: `crm worker` processes sending to the
    mail server on ``port``; all stopped (by pid) before the test's database is dropped."""
    assert stack.info is not None and stack.openbao is not None
    mount, credentials = scratch_mount
    admin = stack.openbao.admin()
    valkey_url = stack.info.valkey_url
    running: list[WorkerProcess] = []

    def registered() -> int:
        with database.owner() as conn:
            row = conn.execute("SELECT count(*) AS n FROM procrastinate_workers").fetchone()
        assert row is not None
        return int(row["n"])

    def start(count: int, smtp_port: int, **tuning: str) -> list[WorkerProcess]:
        write_worker_secrets(
            admin,
            mount,
            database_url=database.app_url,
            valkey_url=valkey_url,
            smtp_host=HOST,
            smtp_port=smtp_port,
            base_url=BASE_URL,
        )
        workers = spawn_workers(
            count, credentials, log_dir=tmp_path, registered=registered, tuning=tuning
        )
        running.extend(workers)
        return workers

    try:
        yield start
    finally:
        for worker in running:
            worker.stop()


# -- many workers ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_thousand_due_messages_across_three_workers_go_out_once_each(
    owner: Owner, catcher: Catcher, start_workers: WorkerStarter
) -> None:
    workers = start_workers(3, catcher.port)
    user_id = business(owner)
    expected = schedule(owner, user_id, due_now(1000))

    started = time.monotonic()
    wait_until(lambda: catcher.count() >= 1000, timeout=180, what="1,000 emails caught")
    wait_until(all_in(owner, user_id, {"sent"}), timeout=30, what="every message marked sent")
    seconds = time.monotonic() - started

    caught = catcher.caught()
    assert len(caught) == 1000
    ids = collections.Counter(m["message_id"] for m in caught)
    assert ids.most_common(1)[0][1] == 1, "a Message-ID was delivered twice"
    assert set(ids) == {header_id(m) for m in expected}
    assert {m["message_id"]: m["to"] for m in caught} == {
        header_id(m): [to] for m, to in expected.items()
    }
    rows = messages(owner, user_id)
    assert {(r["status"], r["attempts"]) for r in rows.values()} == {("sent", 1)}
    shares = [w.sent() for w in workers]
    print(f"\n1,000 messages in {seconds:.1f}s; sent per worker process: {shares}")
    assert sum(shares) == 1000 and min(shares) > 0, shares


def _lock_waiters(database: TestDatabase) -> int:
    with database.superuser() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    assert row is not None
    return int(row["n"])


@contextmanager
def parked(database: TestDatabase, table: str, *, slots: int) -> Iterator[None]:
    """Hold a SHARE lock on ``table`` until ``slots`` worker connections wait for it: every
    job slot of every worker is then stopped at the same step, so a kill lands there."""
    with database.superuser() as conn, conn.transaction():
        conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.Identifier(table)))
        wait_until(
            lambda: _lock_waiters(database) >= slots,
            timeout=30,
            what=f"{slots} job slots waiting on {table}",
        )
        yield


@pytest.mark.slow
def test_killed_workers_lose_nothing_and_resend_with_the_same_message_id(
    owner: Owner, database: TestDatabase, catcher: Catcher, start_workers: WorkerStarter
) -> None:
    first, second, survivor = start_workers(3, catcher.port, CRM_SENDING_STUCK_SECONDS="3")
    user_id = business(owner)
    expected = schedule(owner, user_id, due_now(1000))

    wait_until(lambda: catcher.count() >= 200, timeout=120, what="200 emails caught")
    # Killed after delivering, before recording it: its messages stay `sending`; the sweep
    # sends them again (the customer gets each twice, under one Message-ID).
    with parked(database, "message_attempts", slots=3 * 4):
        first.kill()
    at_first = catcher.count()
    wait_until(lambda: catcher.count() >= at_first + 100, timeout=60, what="100 more caught")
    # Killed while claiming (writing the unsubscribe link): the claims roll back, the rows
    # stay pending, and their only jobs stay taken by a worker that is gone.
    with parked(database, "public_links", slots=2 * 4):
        second.kill()
    at_second = catcher.count()
    wait_until(all_in(owner, user_id, {"sent"}), timeout=150, what="every message sent")

    caught = catcher.caught()
    per_recipient: dict[str, collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    for mail in caught:
        [to] = mail["to"]
        per_recipient[to][mail["message_id"]] += 1
    # Every message arrived, under its own Message-ID only; a repeat carries the same one.
    assert {to: set(ids) for to, ids in per_recipient.items()} == {
        to: {header_id(m)} for m, to in expected.items()
    }
    duplicates = len(caught) - len(expected)
    twice = sum(1 for ids in per_recipient.values() if ids.total() > 1)
    resent = sum(1 for m in messages(owner, user_id).values() if m["attempts"] > 1)
    print(
        f"\n{len(caught)} emails for {len(expected)} messages ({duplicates} duplicates, "
        f"{twice} recipients got theirs more than once, each time the same Message-ID); "
        f"pid {first.pid} killed after {at_first} deliveries, pid {second.pid} after "
        f"{at_second}; {resent} rows sent again; the survivor sent {survivor.sent()}"
    )
    assert duplicates >= 4  # the first victim's four slots had each delivered one
    assert duplicates <= resent


def test_a_late_finish_leaves_a_message_to_the_attempt_that_owns_it(
    owner: Owner, db: Database, settings: Settings
) -> None:
    """A worker slower than ``stuck_after``: the sweep hands its message to a new attempt;
    the old attempt's outcome is recorded but must not move the message."""
    user_id = business(owner)
    [message_id] = schedule(owner, user_id, due_now(1))
    options = replace(sender_options(settings, env={}), stuck_after=0.01)
    sender = Sender(db, EmailService(settings.smtp), None, options)

    slow = sender.claim(user_id, message_id)
    assert isinstance(slow, Claim)
    time.sleep(0.05)
    assert sender.sweep()["stuck"] == 1
    again = sender.claim(user_id, message_id)
    assert isinstance(again, Claim) and again.attempt == 2

    sender.finish(slow, "retry", "mail server timed out")
    row = messages(owner, user_id)[message_id]
    assert (row["status"], row["attempts"]) == ("sending", 2)
    sender.finish(again, "sent", "")
    row = messages(owner, user_id)[message_id]
    assert row["status"] == "sent"
    assert [a["outcome"] for a in attempts(owner, user_id)[message_id]] == ["retry", "sent"]


# -- the mail server fails -------------------------------------------------------------------

RETRY_DELAYS = (4, 8, 12, 12, 12, 12, 12, 12)
DOWN_SECONDS = 60


@pytest.mark.slow
def test_messages_due_while_the_mail_server_is_down_go_out_when_it_is_back(
    owner: Owner, tmp_path: Path, start_workers: WorkerStarter
) -> None:
    mail = Catcher(tmp_path / "down")  # not started: the mail server is down
    start_workers(2, mail.port, CRM_MESSAGE_RETRY_DELAYS=",".join(map(str, RETRY_DELAYS)))
    user_id = business(owner)
    went_down = utc_now()
    # Some due at once, the rest spread over the first half of the outage.
    due = [went_down] * 10 + [went_down + timedelta(seconds=3 * i) for i in range(1, 11)]
    expected = schedule(owner, user_id, due)

    time.sleep(DOWN_SECONDS)
    assert mail.count() == 0
    assert not any(m["status"] == "sent" for m in messages(owner, user_id).values())
    mail.start()
    try:
        wait_until(
            all_in(owner, user_id, {"sent"}), timeout=max(RETRY_DELAYS) + 30, what="all sent"
        )
        caught = mail.caught()
    finally:
        mail.stop()

    assert sorted(m["message_id"] for m in caught) == sorted(header_id(m) for m in expected)
    tries = attempts(owner, user_id)
    rows = messages(owner, user_id)
    for message_id, row in rows.items():
        outcomes = [a["outcome"] for a in tries[message_id]]
        assert outcomes[-1] == "sent" and set(outcomes[:-1]) == {"retry"}, outcomes
        assert row["attempts"] == len(outcomes) and row["last_error"] == ""
        for attempt in tries[message_id][:-1]:
            assert f"{HOST}:{mail.port} refused or could not be reached" in attempt["detail"]
        # No storm: each retry waited (about) its delay.
        times = [a["attempted_at"] for a in tries[message_id]]
        for gap, delay in zip(
            (b - a for a, b in itertools.pairwise(times)), RETRY_DELAYS, strict=False
        ):
            assert gap.total_seconds() >= delay - 1, (message_id, times)
    retries = sum(len(t) - 1 for t in tries.values())
    print(f"\n{len(caught)} delivered after {DOWN_SECONDS}s down; {retries} retries recorded")


@pytest.mark.slow
def test_a_refused_recipient_fails_once_with_the_reason_and_is_not_retried(
    owner: Owner, tmp_path: Path, start_workers: WorkerStarter
) -> None:
    unknown = unique_email("nobody")
    mail = Catcher(tmp_path / "refusing", refuse=frozenset({unknown}))
    mail.start()
    try:
        start_workers(1, mail.port, CRM_MESSAGE_RETRY_DELAYS="1,1,1")
        user_id = business(owner)
        good = schedule(owner, user_id, due_now(3))
        with acting_as(owner, user_id):
            contact = owner.execute(
                "INSERT INTO contacts (user_id, first_name, email) VALUES (%s, 'No', %s) "
                "RETURNING id",
                (user_id, unknown),
            ).fetchone()
            assert contact is not None
            bad = owner.execute(
                "INSERT INTO scheduled_messages (user_id, kind, contact_id, subject, body, "
                "scheduled_for) VALUES (%s, 'custom', %s, 'Hello', 'Hi.', now()) RETURNING id",
                (user_id, contact["id"]),
            ).fetchone()
            assert bad is not None
        wait_until(
            all_in(owner, user_id, {"sent", "failed"}), timeout=30, what="all sent or failed"
        )
        time.sleep(4)  # a retry would have come by now (delays of 1 s)
        caught = mail.caught()
    finally:
        mail.stop()

    assert sorted(m["to"][0] for m in caught) == sorted(good.values())
    assert mail.refused == [unknown]
    row = messages(owner, user_id)[bad["id"]]
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "refused the recipient" in row["last_error"]
    [attempt] = attempts(owner, user_id)[bad["id"]]
    assert attempt["outcome"] == "failed" and attempt["detail"] == row["last_error"]
