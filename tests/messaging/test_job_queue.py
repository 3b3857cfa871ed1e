"""The job queue: a message saved is a job queued (and a rolled-back one is not), and health
shows whether workers are there to run them."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from crm.db.migrate import MigrationError, expand_includes
from crm.utils.timezone import utc_now
from tests.api.helpers import act, done, make


def _jobs(owner, message_id: str) -> list[dict]:
    return owner.execute(
        "SELECT status, scheduled_at, args FROM procrastinate_jobs "
        "WHERE task_name = 'crm.send_message' AND args->>'message_id' = %s",
        (message_id,),
    ).fetchall()


def test_a_scheduled_message_is_a_job_for_its_time(client, signed_in, owner) -> None:
    contact = make(client, "contact", first_name="Ann", email="ann@example.com")
    when = (utc_now() + timedelta(days=2)).replace(microsecond=0)
    message = done(
        act(
            client,
            "message",
            "schedule",
            kind="custom",
            contact_id=contact["id"],
            subject="Hello",
            body="Hi Ann",
            scheduled_for=when.isoformat(),
        )
    )
    [job] = _jobs(owner, message["id"])
    assert job["status"] == "todo" and job["scheduled_at"] == when
    assert job["args"] == {"user_id": str(signed_in["id"]), "message_id": message["id"]}


def test_a_rolled_back_booking_queues_nothing(client, signed_in, owner, resources) -> None:
    from crm.core.models.ticket import TicketCreate
    from crm.core.services import ticket_service
    from crm.utils.user_context import UserContext, user_context

    contact = make(client, "contact", first_name="Ann", email="ann@example.com")
    count = "SELECT count(*) AS n FROM procrastinate_jobs"
    before = owner.execute(count).fetchone()["n"]
    booking = TicketCreate(contact_id=contact["id"], scheduled_start=utc_now() + timedelta(days=3))
    user = UserContext(signed_in["id"], signed_in["timezone"])
    with pytest.raises(RuntimeError), user_context(user):
        with resources.db.unit_of_work(user.user_id) as conn:
            ticket_service.create(conn, booking)
            assert conn.execute(count).fetchone()["n"] > before  # queued, inside
            raise RuntimeError("the rest of the request failed")
    assert owner.execute(count).fetchone()["n"] == before
    with user_context(user), resources.db.unit_of_work(user.user_id) as conn:
        ticket_service.create(conn, booking)
    assert owner.execute(count).fetchone()["n"] > before


def test_health_shows_the_workers_and_what_waits_for_them(client, signed_in, settings) -> None:
    from crm.jobs.worker import BackgroundWorker, WorkerOptions

    contact = make(client, "contact", first_name="Ann", email="ann@example.com")
    done(
        act(
            client,
            "message",
            "schedule",
            kind="custom",
            contact_id=contact["id"],
            subject="Hello",
            body="Hi Ann",
            scheduled_for=utc_now().isoformat(),
        )
    )
    jobs = done(client.get("/api/health"))["jobs"]
    assert jobs["workers"] == 0 and jobs["due"] >= 1
    assert "no worker" in jobs["warning"]
    worker = BackgroundWorker(settings, WorkerOptions(2, "health"))
    worker.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            jobs = done(client.get("/api/health"))["jobs"]
            if jobs["workers"] >= 1 and jobs["due"] == 0:
                break
            time.sleep(0.2)
        assert jobs["workers"] >= 1 and jobs["due"] == 0, jobs
        assert "warning" not in jobs
    finally:
        worker.stop()


def test_migration_includes_name_an_installed_file() -> None:
    expanded = expand_includes("--! include procrastinate sql/schema.sql\nSELECT 1;")
    assert "CREATE TABLE procrastinate_jobs" in expanded
    with pytest.raises(MigrationError, match="not installed"):
        expand_includes("--! include no_such_package sql/schema.sql")
