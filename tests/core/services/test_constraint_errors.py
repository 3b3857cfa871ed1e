"""A constraint the database enforces becomes the same domain error the service's own check
gives, translated at the client boundary (services name the constraint, never a driver error)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from crm.clients.postgres_client import Database
from crm.core.exceptions import InvoiceExists, MessageExists
from crm.core.models.business import BusinessUpdate
from crm.core.models.contact import ContactCreate
from crm.core.models.invoice import InvoiceFromTicket
from crm.core.models.scheduled_message import MessageSchedule
from crm.core.models.ticket import LineItemAdd, TicketCreate
from crm.core.services import (
    business_service,
    contact_service,
    invoice_service,
    line_item_service,
    message_service,
    ticket_service,
)
from crm.errors import AppError, ValidationFailed
from crm.utils.user_context import UserContext, user_context
from tests.factories import make_user

if TYPE_CHECKING:
    from tests.conftest import TestDatabase


@pytest.fixture
def business(owner: psycopg.Connection[dict[str, Any]]) -> UserContext:
    user = make_user(owner)
    return UserContext(user_id=user["id"], timezone=user["timezone"])


def test_a_timezone_the_database_refuses_is_a_validation_error_on_timezone(
    db: Database, business: UserContext
) -> None:
    # As if Python's zone list knew a name PostgreSQL's does not.
    data = BusinessUpdate.model_construct(timezone="Mars/Olympus")
    with user_context(business), db.unit_of_work(business.user_id) as conn:
        with pytest.raises(ValidationFailed) as caught:
            business_service.update(conn, data)
        # Only the refused update was rolled back (a savepoint): the unit of work goes on.
        assert business_service.get(conn)["timezone"] == "America/Chicago"
    assert caught.value.details == {
        "fields": [{"field": "timezone", "message": "not accepted by the database"}]
    }


def test_a_second_live_invoice_for_a_ticket_is_refused_by_the_index(
    db: Database, business: UserContext
) -> None:
    with user_context(business), db.unit_of_work(business.user_id) as conn:
        ann = contact_service.create(conn, ContactCreate(first_name="Ann"))
        ticket = ticket_service.create(
            conn,
            TicketCreate(contact_id=ann["id"], scheduled_start=datetime(2026, 12, 1, tzinfo=UTC)),
        )
        line_item_service.add_line_item(
            conn,
            LineItemAdd(ticket_id=ticket["id"], description="Windows", unit_price_cents=15000),
        )
        first = invoice_service.create_from_ticket(conn, InvoiceFromTicket(ticket_id=ticket["id"]))
        values = {k: first[k] for k in ("contact_id", "ticket_id", "tax_rate_bp", "due_on")}
        line = {
            "description": "Windows",
            "quantity": 1,
            "unit_label": "",
            "unit_price_cents": 15000,
            "total_cents": 15000,
        }
        # Past the service's own check, as a concurrent request would be.
        with pytest.raises(InvoiceExists):
            invoice_service._insert_invoice(conn, {**values, "number": 2, "notes": ""}, [line])
        count = conn.execute("SELECT count(*) AS n FROM invoices").fetchone()
    assert count == {"n": 1}


def _wait_for_a_lock_wait(database: TestDatabase) -> None:
    with database.superuser() as admin:
        for _ in range(200):
            waiting = admin.execute(
                "SELECT count(*) AS n FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if waiting and waiting["n"]:
                return
            time.sleep(0.05)
    raise AssertionError("the second schedule never waited on the first one's key")


def test_a_dedupe_key_taken_by_a_concurrent_request_is_message_exists(
    db: Database, database: TestDatabase, business: UserContext
) -> None:
    with user_context(business), db.unit_of_work(business.user_id) as conn:
        ann = contact_service.create(conn, ContactCreate(first_name="Ann"))
    data = MessageSchedule(
        kind="reminder",
        contact_id=ann["id"],
        subject="Tomorrow",
        body="See you at 9.",
        scheduled_for=datetime(2026, 12, 1, tzinfo=UTC),
        dedupe_key="reminder:1",
    )
    errors: list[AppError] = []

    def second() -> None:
        with user_context(business):
            try:
                with db.unit_of_work(business.user_id) as conn:
                    message_service.schedule(conn, data)
            except AppError as exc:
                errors.append(exc)

    with user_context(business), db.unit_of_work(business.user_id) as conn:
        message_service.schedule(conn, data)
        # The second request's check can't see this uncommitted row; its insert waits on it.
        racer = threading.Thread(target=second)
        racer.start()
        _wait_for_a_lock_wait(database)
    racer.join(timeout=10)

    assert len(errors) == 1 and isinstance(errors[0], MessageExists)
    # From the constraint, not the service's look-up (which names the existing message).
    assert errors[0].details == {"dedupe_key": "reminder:1"}
