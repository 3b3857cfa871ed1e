"""Tickets: scheduling, staff, the clock, the state machine, line items, immutability."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from crm.clients.postgres_client import Database
from crm.errors import Conflict, TicketImmutable
from tests.api.helpers import act, done, error, make, read


@pytest.fixture
def job(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    contact = make(client, "contact", first_name="Ann", last_name="Lee")
    address = make(client, "address", contact_id=contact["id"], line1="1 Main St")
    ticket = make(
        client,
        "ticket",
        contact_id=contact["id"],
        scheduled_start="2026-12-01T09:00:00-06:00",
        duration_minutes=90,
        title="Windows, inside and out",
    )
    return {"contact": contact, "address": address, "ticket": ticket}


def complete(owner: psycopg.Connection, user_id: Any, ticket_id: str) -> None:
    """Close-out arrives with its own issue; until then tests complete tickets in SQL."""
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        owner.execute("UPDATE tickets SET status = 'in_progress' WHERE id = %s", (ticket_id,))
        owner.execute("UPDATE tickets SET status = 'completed' WHERE id = %s", (ticket_id,))


def test_ticket_gets_the_primary_address_and_local_times(
    client: TestClient, job: dict[str, Any]
) -> None:
    ticket = job["ticket"]
    assert ticket["address_id"] == job["address"]["id"]
    assert ticket["scheduled_start"] == "2026-12-01T09:00:00-06:00"
    assert ticket["status"] == "scheduled"
    assert ticket["confirmation_status"] == "unconfirmed"


def test_naive_datetimes_are_refused(client: TestClient, job: dict[str, Any]) -> None:
    err = error(
        act(
            client,
            "ticket",
            "create",
            contact_id=job["contact"]["id"],
            scheduled_start="2026-12-01T09:00:00",
        ),
        422,
        "VALIDATION_ERROR",
    )
    assert err["details"]["fields"][0]["field"] == "scheduled_start"


def test_address_of_another_contact_is_refused(client: TestClient, job: dict[str, Any]) -> None:
    other = make(client, "contact", first_name="Zed")
    error(
        act(
            client,
            "ticket",
            "create",
            contact_id=other["id"],
            address_id=job["address"]["id"],
            scheduled_start="2026-12-01T09:00:00Z",
        ),
        422,
        "VALIDATION_ERROR",
    )


def test_update_and_assign_staff(client: TestClient, job: dict[str, Any]) -> None:
    tid = job["ticket"]["id"]
    sam = make(client, "staff", name="Sam")
    kim = make(client, "staff", name="Kim")
    moved = done(
        act(client, "ticket", "update", id=tid, scheduled_start="2026-12-02T14:30:00-06:00")
    )
    assert moved["scheduled_start"] == "2026-12-02T14:30:00-06:00"
    assert moved["duration_minutes"] == 90
    done(act(client, "ticket", "assign_staff", id=tid, staff_ids=[sam["id"], kim["id"]]))
    detail = done(read(client, "tickets", id=tid, include="staff,audit_trail,contact,address"))
    assert [s["name"] for s in detail["staff"]] == ["Kim", "Sam"]
    assert detail["contact"]["display_name"] == "Ann Lee"
    assert detail["address"]["line1"] == "1 Main St"
    assert [a["action"] for a in detail["audit_trail"]] == ["create", "update", "assign_staff"]
    done(act(client, "staff", "delete", id=kim["id"]))
    assert [s["name"] for s in done(read(client, "staff"))] == ["Sam"]
    error(act(client, "ticket", "assign_staff", id=tid, staff_ids=[kim["id"]]), 404, "NOT_FOUND")


def test_clock_in_and_out(client: TestClient, job: dict[str, Any]) -> None:
    tid = job["ticket"]["id"]
    started = done(act(client, "ticket", "clock_in", id=tid))
    assert started["status"] == "in_progress"
    err = error(act(client, "ticket", "clock_in", id=tid), 409, "CLOCK_STATE_CONFLICT")
    assert "already clocked in" in err["message"]
    stopped = done(act(client, "ticket", "clock_out", id=tid))
    assert stopped["time_entry"]["ended_at"] is not None
    err = error(act(client, "ticket", "clock_out", id=tid), 409, "CLOCK_STATE_CONFLICT")
    assert "not clocked in" in err["message"]
    done(act(client, "ticket", "clock_in", id=tid))
    done(act(client, "ticket", "clock_out", id=tid))
    detail = done(read(client, "tickets", id=tid, include="time_entries,audit_trail"))
    assert len(detail["time_entries"]) == 2
    assert detail["clocked_minutes"] >= 0
    actions = [a["action"] for a in detail["audit_trail"]]
    assert actions == ["create", "clock_in", "in_progress", "clock_out", "clock_in", "clock_out"]


def running_entries(owner: psycopg.Connection, user_id: Any) -> list[dict[str, Any]]:
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        return owner.execute("SELECT * FROM time_entries WHERE ended_at IS NULL").fetchall()


def test_clocking_into_a_second_ticket_stops_the_first(
    client: TestClient, job: dict[str, Any], owner: psycopg.Connection, signed_in: dict[str, Any]
) -> None:
    first = job["ticket"]["id"]
    bob = make(client, "contact", first_name="Bob", last_name="Marsh")
    second = make(client, "ticket", contact_id=bob["id"], scheduled_start="2026-12-01T11:00:00Z")
    assert done(act(client, "ticket", "clock_in", id=first))["stopped_clock"] is None
    moved = done(act(client, "ticket", "clock_in", id=second["id"]))
    assert moved["stopped_clock"]["ticket_id"] == first
    assert moved["stopped_clock"]["minutes"] == 0
    assert moved["stopped_clock"]["customer"] == "Ann Lee"
    running = running_entries(owner, signed_in["id"])
    assert [str(e["ticket_id"]) for e in running] == [second["id"]]
    before = done(read(client, "tickets", id=first, include="time_entries,audit_trail"))
    assert before["status"] == "in_progress"  # still to close out; only its clock stopped
    assert all(e["ended_at"] is not None for e in before["time_entries"])
    stop = before["audit_trail"][-1]
    assert stop["action"] == "clock_out"
    assert stop["changes"]["clocked_in_on"]["new"] == second["id"]
    # Clocking back into the first ticket stops the second one's clock the same way.
    back = done(act(client, "ticket", "clock_in", id=first))
    assert back["stopped_clock"]["ticket_id"] == second["id"]
    assert back["stopped_clock"]["customer"] == "Bob Marsh"


def test_two_clock_ins_at_once_leave_one_clock_running(
    app: Any, client: TestClient, owner: psycopg.Connection, signed_in: dict[str, Any]
) -> None:
    ann = make(client, "contact", first_name="Ann")
    tickets = [
        make(client, "ticket", contact_id=ann["id"], scheduled_start=f"2026-12-0{d}T15:00:00Z")
        for d in (1, 2)
    ]
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def go(ticket_id: str) -> None:
        browser = TestClient(app, base_url="http://localhost")
        browser.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")
        browser.headers["X-CSRF-Token"] = signed_in["csrf_token"]
        barrier.wait()
        results[ticket_id] = act(browser, "ticket", "clock_in", id=ticket_id)

    threads = [threading.Thread(target=go, args=(t["id"],)) for t in tickets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers = {tid: done(response) for tid, response in results.items()}
    assert len(running_entries(owner, signed_in["id"])) == 1
    # They took turns: the second one stopped the first one's clock.
    stopped = [a["stopped_clock"] for a in answers.values() if a["stopped_clock"]]
    assert len(stopped) == 1 and stopped[0]["ticket_id"] in answers


def test_the_database_refuses_a_second_running_clock(
    db: Database, client: TestClient, job: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    other = make(
        client, "ticket", contact_id=job["contact"]["id"], scheduled_start="2026-12-03T15:00:00Z"
    )
    done(act(client, "ticket", "clock_in", id=job["ticket"]["id"]))
    with pytest.raises(Conflict), db.unit_of_work(signed_in["id"]) as conn:
        conn.execute(
            "INSERT INTO time_entries (user_id, ticket_id, started_at) "
            "VALUES (current_setting('app.current_user_id')::uuid, %s, now())",
            (other["id"],),
        )


def test_current_ticket_is_the_running_clock_not_one_clocked_out(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    ann = make(client, "contact", first_name="Ann", last_name="Lee")
    # Both began minutes ago and are not over yet, so they count as today's at any hour.
    now = datetime.now(UTC)
    started = make(
        client,
        "ticket",
        contact_id=ann["id"],
        scheduled_start=(now - timedelta(minutes=20)).isoformat(),
    )
    later = make(
        client,
        "ticket",
        contact_id=ann["id"],
        scheduled_start=(now - timedelta(minutes=10)).isoformat(),
    )
    done(act(client, "ticket", "clock_in", id=started["id"]))
    assert done(read(client, "tickets", current="true"))["id"] == started["id"]
    done(act(client, "ticket", "clock_out", id=started["id"]))
    current = done(read(client, "tickets", current="true"))
    assert current["id"] == later["id"] and current["status"] == "scheduled"


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        ([("mark_no_show", {})], ("clock_in", {})),
        ([("cancel", {"reason": "rain"})], ("mark_no_show", {})),
        ([("clock_in", {})], ("mark_no_show", {})),
        ([("cancel", {"reason": "rain"})], ("cancel", {"reason": "again"})),
    ],
)
def test_state_machine_refusals(
    client: TestClient, job: dict[str, Any], steps: list[Any], refused: Any
) -> None:
    tid = job["ticket"]["id"]
    for action, data in steps:
        done(act(client, "ticket", action, id=tid, **data))
    action, data = refused
    response = act(client, "ticket", action, id=tid, **data)
    assert response.status_code == 409
    assert response.json()["error"]["code"] in ("INVALID_STATUS_TRANSITION", "CONFLICT")


def test_cancel_needs_a_reason_and_records_it(client: TestClient, job: dict[str, Any]) -> None:
    tid = job["ticket"]["id"]
    error(act(client, "ticket", "cancel", id=tid), 422, "VALIDATION_ERROR")
    cancelled = done(act(client, "ticket", "cancel", id=tid, reason="customer sold the house"))
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "customer sold the house"
    err = error(act(client, "ticket", "clock_in", id=tid), 409, "CONFLICT")
    assert "cancelled" in err["message"]


def test_line_items_follow_pricing_modes(client: TestClient, job: dict[str, Any]) -> None:
    tid = job["ticket"]["id"]
    fixed = make(
        client, "service", name="Exterior wash", pricing_mode="fixed", unit_price_cents=15000
    )
    flexible = make(
        client, "service", name="Gutter clean", pricing_mode="flexible", unit_price_cents=8000
    )
    per_unit = make(
        client,
        "service",
        name="Screens",
        pricing_mode="per_unit",
        unit_price_cents=350,
        unit_label="screen",
    )
    product = make(
        client, "service", name="Squeegee", pricing_mode="product", unit_price_cents=1299
    )

    a = done(act(client, "line_item", "add", ticket_id=tid, service_id=fixed["id"]))
    assert (a["total_cents"], a["total_formatted"]) == (15000, "$150.00")
    b = done(
        act(
            client,
            "line_item",
            "add",
            ticket_id=tid,
            service_id=flexible["id"],
            unit_price_cents=9500,
        )
    )
    assert b["total_cents"] == 9500
    c = done(
        act(client, "line_item", "add", ticket_id=tid, service_id=per_unit["id"], quantity="22")
    )
    assert (c["total_cents"], c["unit_label"]) == (7700, "screen")
    d = done(act(client, "line_item", "add", ticket_id=tid, service_id=product["id"], quantity=2))
    assert d["total_cents"] == 2598
    e = done(
        act(
            client,
            "line_item",
            "add",
            ticket_id=tid,
            description="Ladder fee",
            unit_price_cents=500,
        )
    )
    assert e["pricing_mode"] == "flexible"

    error(
        act(client, "line_item", "add", ticket_id=tid, service_id=fixed["id"], unit_price_cents=1),
        422,
        "VALIDATION_ERROR",
    )
    error(
        act(client, "line_item", "update", id=a["id"], unit_price_cents=100),
        422,
        "VALIDATION_ERROR",
    )
    assert (
        done(act(client, "line_item", "update", id=b["id"], unit_price_cents=11000))["total_cents"]
        == 11000
    )
    assert (
        done(act(client, "line_item", "update", id=c["id"], quantity="20"))["total_cents"] == 7000
    )
    done(act(client, "line_item", "remove", id=e["id"]))

    detail = done(read(client, "tickets", id=tid, include="line_items"))
    assert [i["description"] for i in detail["line_items"]] == [
        "Exterior wash",
        "Gutter clean",
        "Screens",
        "Squeegee",
    ]
    assert detail["total_cents"] == 15000 + 11000 + 7000 + 2598
    assert detail["total_formatted"] == "$355.98"
    assert len(done(read(client, "line_items", ticket_id=tid))) == 4

    done(act(client, "service", "retire", id=product["id"]))
    error(
        act(client, "line_item", "add", ticket_id=tid, service_id=product["id"]),
        409,
        "SERVICE_RETIRED",
    )
    assert product["id"] not in [s["id"] for s in done(read(client, "services"))]
    assert product["id"] in [
        s["id"] for s in done(read(client, "services", include_retired="true"))
    ]


def test_completed_ticket_is_frozen(
    client: TestClient, job: dict[str, Any], owner: psycopg.Connection, signed_in: dict[str, Any]
) -> None:
    tid = job["ticket"]["id"]
    service = make(client, "service", name="Wash", pricing_mode="flexible", unit_price_cents=100)
    item = done(act(client, "line_item", "add", ticket_id=tid, service_id=service["id"]))
    note = make(client, "note", ticket_id=tid, body="Dog named Rex")
    complete(owner, signed_in["id"], tid)

    for response in (
        act(client, "ticket", "update", id=tid, title="changed"),
        act(client, "ticket", "cancel", id=tid, reason="x"),
        act(client, "ticket", "delete", id=tid),
        act(client, "ticket", "clock_in", id=tid),
        act(client, "line_item", "add", ticket_id=tid, service_id=service["id"]),
        act(client, "line_item", "update", id=item["id"], unit_price_cents=5),
        act(client, "line_item", "remove", id=item["id"]),
        act(client, "note", "update", id=note["id"], body="changed"),
        act(client, "note", "delete", id=note["id"]),
    ):
        error(response, 409, "TICKET_IMMUTABLE")


def test_database_refuses_changes_to_completed_tickets_even_from_the_app_role(
    db: Database,
    owner: psycopg.Connection,
    client: TestClient,
    job: dict[str, Any],
    signed_in: dict[str, Any],
) -> None:
    tid = job["ticket"]["id"]
    make(client, "note", ticket_id=tid, body="gate code 1234")
    complete(owner, signed_in["id"], tid)
    statements = [
        ("UPDATE tickets SET title = 'forged' WHERE id = %s", (tid,)),
        ("UPDATE tickets SET status = 'scheduled' WHERE id = %s", (tid,)),
        ("UPDATE notes SET body = 'forged' WHERE ticket_id = %s", (tid,)),
        (
            "INSERT INTO time_entries (user_id, ticket_id, started_at) "
            "VALUES (current_setting('app.current_user_id')::uuid, %s, now())",
            (tid,),
        ),
        ("SELECT soft_delete('tickets', %s)", (tid,)),
    ]
    for statement, params in statements:
        with pytest.raises(TicketImmutable), db.unit_of_work(signed_in["id"]) as conn:
            conn.execute(statement, params)
    assert done(read(client, "tickets", id=tid))["title"] == "Windows, inside and out"


def test_tickets_by_local_date_range_and_current(client: TestClient, job: dict[str, Any]) -> None:
    cid = job["contact"]["id"]
    late = make(client, "ticket", contact_id=cid, scheduled_start="2026-12-01T23:30:00-06:00")
    next_day = make(client, "ticket", contact_id=cid, scheduled_start="2026-12-02T00:30:00-06:00")
    day = done(read(client, "tickets", **{"from": "2026-12-01", "to": "2026-12-01"}))
    assert [t["id"] for t in day] == [job["ticket"]["id"], late["id"]]
    two = done(read(client, "tickets", **{"from": "2026-12-01", "to": "2026-12-02"}))
    assert [t["id"] for t in two][-1] == next_day["id"]
    error(read(client, "tickets", **{"from": "yesterday"}), 422, "VALIDATION_ERROR")
    done(act(client, "ticket", "clock_in", id=late["id"]))
    current = done(read(client, "tickets", current="true"))
    assert current["id"] == late["id"]
    assert [t["id"] for t in done(read(client, "tickets", status="in_progress"))] == [late["id"]]
