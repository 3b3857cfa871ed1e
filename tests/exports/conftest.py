"""A business with every kind of row, made through the API (as tests/embedded/test_backup.py's),
plus a second business with data of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from crm.config import Settings
from tests.api.helpers import act, closeout_job, done, make, preview_input
from tests.factories import make_user
from tests.worlds import messaging_with_a_sent_message, plan_and_waitlist, signed_in_client


@pytest.fixture
def rich(
    app: Any,
    client: TestClient,
    signed_in: dict[str, Any],
    owner: psycopg.Connection,
    settings: Settings,
) -> dict[str, Any]:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    job = closeout_job(client, start=(soon - timedelta(days=3)).isoformat())
    contact = job["contact"]
    done(act(client, "contact", "update", id=contact["id"], email="edna@example.com"))
    other = make(
        client,
        "contact",
        first_name="Rosa",
        last_name="Díaz",
        phone="256 555 0142",
        referred_by_id=contact["id"],
    )
    home = make(client, "address", contact_id=other["id"], line1="12 Oak Ave", city="Huntsville")
    sam = make(client, "staff", name="Sam")
    make(client, "staff", name="Lee", phone="256 555 0199")
    done(act(client, "ticket", "assign_staff", id=job["ticket"]["id"], staff_ids=[sam["id"]]))
    done(act(client, "ticket", "clock_in", id=job["ticket"]["id"]))
    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job)))
    decisions = [{"key": p["key"], "decision": "accept"} for p in draft["proposed_attributes"]]
    done(
        act(
            client,
            "ticket",
            "close",
            ticket_id=job["ticket"]["id"],
            draft_id=draft["draft_id"],
            decisions=decisions,
        )
    )
    # Sam leaves; the completed job keeps pointing at him.
    done(act(client, "staff", "delete", id=sam["id"]))
    make(client, "note", contact_id=other["id"], body="Prefers mornings; side gate sticks")
    make(client, "attribute", contact_id=other["id"], key="pets.dog_name", value="Pepper")
    make(
        client,
        "attribute",
        contact_id=other["id"],
        address_id=home["id"],
        key="property.windows",
        value=26,
    )
    plan_and_waitlist(client, other["id"], job["wash"]["service_id"], soon)
    invoice = done(act(client, "invoice", "create_from_ticket", ticket_id=job["ticket"]["id"]))
    done(act(client, "invoice", "mark_sent", id=invoice["id"]))
    paid = done(
        act(client, "invoice", "record_payment", invoice_id=invoice["id"], amount_cents=5000)
    )
    done(
        act(
            client,
            "invoice",
            "refund",
            payment_id=paid["payment"]["id"],
            amount_cents=1000,
            reason="Missed a pane",
        )
    )
    standalone = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=other["id"],
            lines=[{"description": "Screens", "quantity": "3", "unit_price_cents": 500}],
        )
    )
    done(act(client, "invoice", "void", id=standalone["id"]))
    upcoming = make(client, "ticket", contact_id=other["id"], scheduled_start=soon.isoformat())
    done(
        act(
            client,
            "message",
            "schedule",
            kind="reminder",
            contact_id=other["id"],
            ticket_id=upcoming["id"],
            subject="See you soon",
            body="Hi Rosa",
            scheduled_for=(soon - timedelta(days=1)).isoformat(),
        )
    )
    # A past customer who was deleted: their paid history stays.
    gone = make(client, "contact", first_name="Gone")
    past = make(
        client,
        "ticket",
        contact_id=gone["id"],
        scheduled_start=(soon - timedelta(days=30)).isoformat(),
    )
    done(act(client, "ticket", "cancel", id=past["id"], reason="Moved away"))
    done(act(client, "contact", "delete", id=gone["id"]))
    messaging_with_a_sent_message(client, settings, contact["id"], "export")

    second = make_user(owner, email="second@example.com", business_name="Second Shine")
    theirs = signed_in_client(app, second["id"])
    zed = make(theirs, "contact", first_name="Zed", last_name="Otherbiz", email="zed@other.test")
    make(theirs, "address", contact_id=zed["id"], line1="99 Elsewhere Rd", city="Faraway")
    make(theirs, "note", contact_id=zed["id"], body="SECOND-BUSINESS-NOTE")
    make(theirs, "staff", name="Quinn Otherstaff")
    return {
        "user": signed_in,
        "second": second,
        "contact": contact,
        "other": other,
        "zed": zed,
    }
