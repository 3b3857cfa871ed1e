"""Scheduled messages over HTTP: scheduling, dedupe, cancelling, reads, ticket cancellation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, error, make, read
from tests.factories import make_user

WHEN = datetime(2030, 5, 1, 14, 0, tzinfo=UTC)  # 09:00 in Chicago (CDT)
MISSING = "00000000-0000-4000-8000-000000000000"


def contact(client: TestClient, first_name: str = "Ann") -> dict[str, Any]:
    return make(client, "contact", first_name=first_name, last_name="Lee")


def ticket(client: TestClient, contact_id: str) -> dict[str, Any]:
    return make(client, "ticket", contact_id=contact_id, scheduled_start=WHEN, duration_minutes=60)


def invoice(client: TestClient, contact_id: str) -> dict[str, Any]:
    result: dict[str, Any] = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=contact_id,
            lines=[{"description": "Windows", "quantity": "1", "unit_price_cents": 9000}],
        )
    )
    return result


def schedule(client: TestClient, contact_id: str, **data: Any) -> Any:
    data.setdefault("kind", "reminder")
    data.setdefault("subject", "See you tomorrow")
    data.setdefault("body", "We'll be there at 9.")
    data.setdefault("scheduled_for", WHEN)
    return act(client, "message", "schedule", contact_id=contact_id, **data)


def as_owner(owner: Any, user_id: Any, statement: str, params: tuple[Any, ...]) -> None:
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        owner.execute(statement, params)


# -- schedule --------------------------------------------------------------------------------


def test_schedule_a_message(client: TestClient, signed_in: dict) -> None:
    ann = contact(client)
    job = ticket(client, ann["id"])
    message = done(schedule(client, ann["id"], ticket_id=job["id"], dedupe_key="reminder:1"))
    assert message["status"] == "pending"
    assert message["kind"] == "reminder"
    assert message["contact_id"] == ann["id"] and message["ticket_id"] == job["id"]
    assert message["invoice_id"] is None
    assert message["subject"] == "See you tomorrow"
    assert message["dedupe_key"] == "reminder:1"
    assert message["attempts"] == 0 and message["sent_at"] is None
    # Stored as an instant, shown in the business's timezone.
    assert message["scheduled_for"] == "2030-05-01T09:00:00-05:00"

    got = done(read(client, "messages", id=message["id"], include="audit_trail"))
    assert got["subject"] == "See you tomorrow"
    assert [r["action"] for r in got["audit_trail"]] == ["create"]
    assert got["audit_trail"][0]["changes"]["kind"] == {"old": None, "new": "reminder"}


def test_schedule_a_message_about_an_invoice(client: TestClient, signed_in: dict) -> None:
    ann = contact(client)
    bill = invoice(client, ann["id"])
    message = done(
        schedule(
            client,
            ann["id"],
            kind="invoice",
            invoice_id=bill["id"],
            scheduled_for="2030-05-01T09:00:00+02:00",
        )
    )
    assert message["invoice_id"] == bill["id"]
    assert message["scheduled_for"] == "2030-05-01T02:00:00-05:00"


def test_naive_datetime_is_rejected(client: TestClient, signed_in: dict) -> None:
    ann = contact(client)
    err = error(
        schedule(client, ann["id"], scheduled_for="2030-05-01T09:00:00"), 422, "VALIDATION_ERROR"
    )
    assert [f["field"] for f in err["details"]["fields"]] == ["scheduled_for"]


@pytest.mark.parametrize(
    "data",
    [
        {"channel": "sms"},
        {"kind": "spam"},
        {"subject": ""},
        {"body": "   "},
        {"scheduled_for": "tomorrow"},
        {"dedupe_key": ""},
        {"ticket_id": "not-an-id"},
    ],
)
def test_schedule_input_is_validated(
    client: TestClient, signed_in: dict, data: dict[str, Any]
) -> None:
    ann = contact(client)
    error(schedule(client, ann["id"], **data), 422, "VALIDATION_ERROR")


def test_unknown_references_are_404(client: TestClient, signed_in: dict) -> None:
    ann = contact(client)
    error(schedule(client, MISSING), 404, "NOT_FOUND")
    error(schedule(client, ann["id"], ticket_id=MISSING), 404, "NOT_FOUND")
    error(schedule(client, ann["id"], invoice_id=MISSING), 404, "NOT_FOUND")


def test_another_businesss_records_are_404(
    app: Any, client: TestClient, signed_in: dict, owner: Any
) -> None:
    ann = contact(client)
    job = ticket(client, ann["id"])
    bill = invoice(client, ann["id"])
    message = done(schedule(client, ann["id"]))

    user = make_user(owner, business_name="Other Co")
    cookie, session = app.state.auth.sessions.create(user["id"])
    other = TestClient(app, base_url="http://localhost")
    other.cookies.set("crm_session", cookie, domain="localhost.local")
    other.headers["X-CSRF-Token"] = session.csrf_token
    theirs = contact(other)

    error(schedule(other, ann["id"]), 404, "NOT_FOUND")
    error(schedule(other, theirs["id"], ticket_id=job["id"]), 404, "NOT_FOUND")
    error(schedule(other, theirs["id"], invoice_id=bill["id"]), 404, "NOT_FOUND")
    error(act(other, "message", "cancel", id=message["id"]), 404, "NOT_FOUND")
    error(read(other, "messages", id=message["id"]), 404, "NOT_FOUND")
    assert done(read(other, "messages")) == []


def test_a_ticket_or_invoice_of_another_contact_is_422(client: TestClient, signed_in: dict) -> None:
    ann, bob = contact(client), contact(client, "Bob")
    job = ticket(client, bob["id"])
    bill = invoice(client, bob["id"])
    err = error(schedule(client, ann["id"], ticket_id=job["id"]), 422, "VALIDATION_ERROR")
    assert err["details"]["fields"][0]["field"] == "ticket_id"
    err = error(schedule(client, ann["id"], invoice_id=bill["id"]), 422, "VALIDATION_ERROR")
    assert err["details"]["fields"][0]["field"] == "invoice_id"


def test_a_duplicate_dedupe_key_is_409(client: TestClient, signed_in: dict) -> None:
    ann = contact(client)
    first = done(schedule(client, ann["id"], dedupe_key="confirm:42"))
    err = error(schedule(client, ann["id"], dedupe_key="confirm:42"), 409, "MESSAGE_EXISTS")
    assert "confirm:42" in err["message"]
    assert err["details"] == {
        "dedupe_key": "confirm:42",
        "message_id": first["id"],
        "status": "pending",
    }
    # A key is used once, even after its message is cancelled.
    done(act(client, "message", "cancel", id=first["id"]))
    error(schedule(client, ann["id"], dedupe_key="confirm:42"), 409, "MESSAGE_EXISTS")
    # Messages without a key never collide.
    done(schedule(client, ann["id"]))
    done(schedule(client, ann["id"]))
    assert len(done(read(client, "messages"))) == 3


def test_concurrent_schedules_with_one_dedupe_key_make_one_message(
    app: Any, client: TestClient, signed_in: dict
) -> None:
    ann = contact(client)
    browsers = []
    for _ in range(4):
        browser = TestClient(app, base_url="http://localhost")
        browser.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")
        browser.headers["X-CSRF-Token"] = signed_in["csrf_token"]
        browsers.append(browser)
    barrier = threading.Barrier(len(browsers))
    codes: list[str] = []

    def go(browser: TestClient) -> None:
        barrier.wait()
        response = schedule(browser, ann["id"], dedupe_key="race:1")
        body = response.json()
        codes.append("ok" if body["success"] else body["error"]["code"])

    threads = [threading.Thread(target=go, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The loser of a true race hits the unique constraint; it still gets the same clear 409.
    assert sorted(codes) == ["MESSAGE_EXISTS"] * 3 + ["ok"]
    assert len(done(read(client, "messages"))) == 1


@pytest.mark.parametrize("action", ["cancel", "mark_no_show"])
def test_no_new_messages_for_a_cancelled_ticket(
    client: TestClient, signed_in: dict, action: str
) -> None:
    ann = contact(client)
    job = ticket(client, ann["id"])
    done(act(client, "ticket", action, id=job["id"], reason="Rained out"))
    err = error(schedule(client, ann["id"], ticket_id=job["id"]), 409, "CONFLICT")
    assert "no more messages" in err["message"]


# -- cancel ----------------------------------------------------------------------------------


def test_cancel_a_pending_message(client: TestClient, signed_in: dict) -> None:
    ann = contact(client)
    message = done(schedule(client, ann["id"]))
    cancelled = done(act(client, "message", "cancel", id=message["id"]))
    assert cancelled["status"] == "cancelled"

    err = error(
        act(client, "message", "cancel", id=message["id"]), 409, "INVALID_STATUS_TRANSITION"
    )
    assert err["details"] == {"from": "cancelled", "to": "cancelled"}
    assert "Only a pending message" in err["message"]

    trail = done(read(client, "audit", entity_id=message["id"]))
    assert [(r["entity_type"], r["action"]) for r in trail] == [
        ("message", "create"),
        ("message", "cancel"),
    ]
    assert trail[1]["changes"] == {"status": {"old": "pending", "new": "cancelled"}}


@pytest.mark.parametrize("status", ["sending", "sent", "failed", "skipped"])
def test_only_pending_messages_can_be_cancelled(
    client: TestClient, signed_in: dict, owner: Any, status: str
) -> None:
    ann = contact(client)
    message = done(schedule(client, ann["id"]))
    as_owner(
        owner,
        signed_in["id"],
        "UPDATE scheduled_messages SET status = %s WHERE id = %s",
        (status, message["id"]),
    )
    err = error(
        act(client, "message", "cancel", id=message["id"]), 409, "INVALID_STATUS_TRANSITION"
    )
    assert err["details"] == {"from": status, "to": "cancelled"}
    assert done(read(client, "messages", id=message["id"]))["status"] == status


def test_cancel_input_is_validated(client: TestClient, signed_in: dict) -> None:
    error(act(client, "message", "cancel", id=MISSING), 404, "NOT_FOUND")
    error(act(client, "message", "cancel", id=MISSING, reason="x"), 422, "VALIDATION_ERROR")
    error(act(client, "message", "cancel"), 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("action", ["cancel", "mark_no_show", "delete"])
def test_cancelling_a_ticket_cancels_its_pending_messages(
    client: TestClient, signed_in: dict, owner: Any, action: str
) -> None:
    ann = contact(client)
    job, other_job = ticket(client, ann["id"]), ticket(client, ann["id"])
    reminder = done(schedule(client, ann["id"], ticket_id=job["id"]))
    already_sent = done(schedule(client, ann["id"], ticket_id=job["id"], kind="follow_up"))
    as_owner(
        owner,
        signed_in["id"],
        "UPDATE scheduled_messages SET status = 'sent' WHERE id = %s",
        (already_sent["id"],),
    )
    elsewhere = done(schedule(client, ann["id"], ticket_id=other_job["id"]))
    unrelated = done(schedule(client, ann["id"], kind="reach_out"))

    data = {"reason": "Customer moved"} if action != "delete" else {}
    done(act(client, "ticket", action, id=job["id"], **data))

    def status(message: dict[str, Any]) -> str:
        result: str = done(read(client, "messages", id=message["id"]))["status"]
        return result

    assert status(reminder) == "cancelled"
    assert status(already_sent) == "sent"
    assert status(elsewhere) == "pending"
    assert status(unrelated) == "pending"
    trail = done(read(client, "audit", entity_id=reminder["id"]))
    assert [r["action"] for r in trail] == ["create", "cancel"]
    assert trail[1]["changes"] == {"status": {"old": "pending", "new": "cancelled"}}


# -- reads -----------------------------------------------------------------------------------


def test_message_reads_filter_and_order(client: TestClient, signed_in: dict) -> None:
    # Only the messages scheduled here: no automatic confirmation or reminders for the booking.
    done(act(client, "messaging", "update", confirmations=False, reminder_minutes=[]))
    ann, bob = contact(client), contact(client, "Bob")
    job = ticket(client, ann["id"])
    # Chicago is UTC-5 in May: 04:30Z on May 2 is 23:30 on May 1 locally.
    late = done(schedule(client, ann["id"], scheduled_for="2030-05-02T04:30:00Z"))
    early = done(schedule(client, ann["id"], ticket_id=job["id"], scheduled_for=WHEN))
    next_day = done(schedule(client, bob["id"], scheduled_for="2030-05-02T05:30:00Z"))
    cancelled = done(schedule(client, bob["id"], scheduled_for="2030-04-30T12:00:00Z"))
    done(act(client, "message", "cancel", id=cancelled["id"]))

    def ids(**filters: Any) -> list[str]:
        return [m["id"] for m in done(read(client, "messages", **filters))]

    assert ids() == [cancelled["id"], early["id"], late["id"], next_day["id"]]
    assert ids(**{"from": "2030-05-01", "to": "2030-05-01"}) == [early["id"], late["id"]]
    assert ids(**{"from": "2030-05-02"}) == [next_day["id"]]
    assert ids(to="2030-04-30") == [cancelled["id"]]
    assert ids(status="pending") == [early["id"], late["id"], next_day["id"]]
    assert ids(status="cancelled") == [cancelled["id"]]
    assert ids(contact_id=bob["id"]) == [cancelled["id"], next_day["id"]]
    assert ids(ticket_id=job["id"]) == [early["id"]]
    assert ids(contact_id=ann["id"], status="pending", to="2030-05-01") == [
        early["id"],
        late["id"],
    ]
    with_trail = done(read(client, "messages", include="audit_trail", status="cancelled"))
    assert [r["action"] for r in with_trail[0]["audit_trail"]] == ["create", "cancel"]
    assert ids(limit=2) == [cancelled["id"], early["id"]]

    error(read(client, "messages", **{"from": "May 1"}), 422, "VALIDATION_ERROR")
    error(read(client, "messages", status="queued"), 422, "VALIDATION_ERROR")
    error(read(client, "messages", ticket_id="nope"), 422, "VALIDATION_ERROR")
    assert ids(kind="reminder") == ids() and ids(kind="invoice") == []
    assert ids(channel="email") == ids() and ids(channel="sms") == []
    error(read(client, "messages", kind="spam"), 422, "VALIDATION_ERROR")
    error(read(client, "messages", channel="fax"), 422, "VALIDATION_ERROR")
    error(read(client, "messages", colour="red"), 400, "BAD_REQUEST")
    error(read(client, "messages", id=MISSING), 404, "NOT_FOUND")


def test_capabilities_describe_messages(client: TestClient, signed_in: dict) -> None:
    caps = done(client.get("/api/capabilities"))
    actions = caps["domains"]["message"]["actions"]
    assert sorted(actions) == ["cancel", "retry", "schedule"]
    assert all(a["description"] for a in actions.values())
    assert caps["data_types"]["messages"]["filters"] == [
        "channel",
        "contact_id",
        "from",
        "invoice_id",
        "kind",
        "status",
        "ticket_id",
        "to",
    ]
    assert caps["data_types"]["messages"]["includes"] == ["audit_trail", "attempts", "quiet_wait"]
