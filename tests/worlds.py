"""Pieces of the rich test worlds that more than one suite builds (backups, exports): a second
business's client, a plan and a waitlist entry, and messaging with a message really sent."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from crm.config import Settings
from crm.jobs.worker import BackgroundWorker, WorkerOptions
from tests.api.helpers import act, done, make, read
from tests.conftest import BASE_URL


def signed_in_client(app: Any, user_id: Any) -> TestClient:
    """A signed-in client for a business (without `with`: the app's lifespan, and its pools,
    belong to the test's own `client`)."""
    other = TestClient(app, base_url=BASE_URL)
    cookie, session = app.state.auth.sessions.create(user_id)
    other.cookies.set("crm_session", cookie, domain="localhost.local")
    other.headers["X-CSRF-Token"] = session.csrf_token
    return other


def plan_and_waitlist(client: TestClient, contact_id: Any, service_id: Any, soon: datetime) -> None:
    """A service plan every 6 weeks and a waitlist entry, both for ``contact_id``."""
    make(
        client,
        "plan",
        contact_id=contact_id,
        rrule="FREQ=WEEKLY;INTERVAL=6;BYDAY=TH",
        start_date=(soon + timedelta(days=7)).date().isoformat(),
        start_time="10:00",
        lines=[{"service_id": service_id}],
        crew_note="Side gate sticks",
        confirm_overlaps=True,
    )
    make(
        client,
        "waitlist",
        contact_id=contact_id,
        services=[{"service_id": service_id}],
        weekdays=[1, 2],
        earliest_time="09:00",
        latest_date=(soon + timedelta(days=60)).date().isoformat(),
    )


def messaging_with_a_sent_message(
    client: TestClient, settings: Settings, contact_id: Any, worker_name: str
) -> None:
    """Messaging and invoice settings, a template of the business's own, and a message sent by
    a real worker (its attempt, its unsubscribe link, the queue's periodic sweep)."""
    done(act(client, "messaging", "update", quiet_start="00:00", quiet_end="00:00"))
    done(act(client, "invoice_settings", "update", tax_rate_bp=825, phone="(256) 555-0100"))
    done(
        act(
            client,
            "message_template",
            "save",
            kind="reminder",
            subject="See you {{ reminder_when }}",
            body="Hi {{ customer_first_name }}",
            sms="Hi",
        )
    )
    worker = BackgroundWorker(settings, WorkerOptions(1, worker_name))
    worker.start()
    try:
        sent = done(
            act(
                client,
                "message",
                "schedule",
                kind="custom",
                contact_id=contact_id,
                subject="Spring special",
                body="Book before April",
                scheduled_for=datetime.now(UTC).isoformat(),
            )
        )
        deadline = time.monotonic() + 15
        while done(read(client, "messages", id=sent["id"]))["status"] != "sent":
            assert time.monotonic() < deadline, "the message was not sent"
            time.sleep(0.1)
    finally:
        worker.stop()
