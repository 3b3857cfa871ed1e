"""Due for service over the data API, on the real database: the interval from the history's
median gap, a close-out reach-out or a plan; booked and one-visit customers left out; the weeks
window, the order, and nothing seen by another business."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, error, make, read

CHICAGO = ZoneInfo("America/Chicago")


def today() -> date:
    return datetime.now(CHICAGO).date()


def at(day: date, hour: int = 9) -> str:
    return datetime.combine(day, time(hour), tzinfo=CHICAGO).isoformat()


def customer(client: TestClient, name: str, *, city: str = "Huntsville") -> dict[str, Any]:
    contact = make(client, "contact", first_name=name, last_name="Tester", phone="2565550100")
    make(client, "address", contact_id=contact["id"], line1="1 Elm St", city=city)
    return contact


def visit(client: TestClient, contact: dict[str, Any], day: date, **next_step: Any) -> str:
    """A completed visit on ``day``: booked then, clocked in and closed out now."""
    ticket = make(client, "ticket", contact_id=contact["id"], scheduled_start=at(day))
    done(act(client, "ticket", "clock_in", id=ticket["id"]))
    draft = done(
        act(
            client,
            "ticket",
            "close_out_preview",
            ticket_id=ticket["id"],
            duration_minutes=60,
            line_items=[],
            notes="",
            next_step=next_step or {"kind": "none"},
        )
    )
    closed = act(
        client, "ticket", "close", ticket_id=ticket["id"], draft_id=draft["draft_id"], decisions=[]
    )
    assert done(closed)["ticket"]["status"] == "completed"
    return str(ticket["id"])


def history(client: TestClient, name: str, last_weeks_ago: int, *, gap_weeks: int = 6) -> Any:
    """Three visits ``gap_weeks`` apart, the last ``last_weeks_ago`` weeks ago."""
    contact = customer(client, name)
    last = today() - timedelta(weeks=last_weeks_ago)
    for n in (2, 1, 0):
        visit(client, contact, last - timedelta(weeks=gap_weeks * n))
    return contact


def due(client: TestClient, **filters: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = done(read(client, "due_for_service", **filters))
    return rows


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["contact"]["display_name"]: row for row in rows}


@pytest.fixture
def book(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    """Customers with every kind of history (see each assertion)."""
    people = {"history": history(client, "Hana", 5)}

    reach = customer(client, "Rita")
    last = visit(client, reach, today() - timedelta(weeks=3))
    reach_day = today() + timedelta(weeks=2)
    done(
        act(
            client,
            "message",
            "schedule",
            kind="reach_out",
            contact_id=reach["id"],
            ticket_id=last,
            subject="Time again?",
            body="Shall we come back?",
            scheduled_for=at(reach_day, 10),
        )
    )
    people["reach_out"] = reach

    planned = customer(client, "Pat")
    for n in (3, 2):
        visit(client, planned, today() - timedelta(weeks=6 * n))  # a 6-week history…
    plan = done(
        act(
            client,
            "plan",
            "create",
            contact_id=planned["id"],
            rrule="FREQ=WEEKLY;INTERVAL=4;BYDAY=TU",
            start_date=(today() + timedelta(days=1)).isoformat(),
            start_time="09:00",
            duration_minutes=60,
        )
    )
    done(act(client, "plan", "end", id=plan["id"], reason="Trying it without a plan"))
    people["plan"] = planned  # …but the plan said every 4 weeks

    booked = history(client, "Bo", 5)
    make(client, "ticket", contact_id=booked["id"], scheduled_start=at(today() + timedelta(days=3)))
    people["booked"] = booked

    once = customer(client, "Olly")
    visit(client, once, today() - timedelta(weeks=10))
    people["once"] = once

    people["later"] = history(client, "Lou", 1)  # due in 5 weeks
    return people


def test_each_interval_source_gives_the_due_date(client: TestClient, book: dict[str, Any]) -> None:
    rows = by_name(due(client))
    assert set(rows) == {"Hana Tester", "Rita Tester", "Pat Tester"}

    hana = rows["Hana Tester"]
    last_day = today() - timedelta(weeks=5)
    assert hana["interval_source"] == "history" and hana["interval_days"] == 42
    assert hana["last_visit"]["date"] == last_day.isoformat()
    assert hana["due_on"] == (last_day + timedelta(weeks=6)).isoformat()
    assert hana["days_until_due"] == 7
    assert hana["completed_visits"] == 3
    assert hana["contact"]["address"]["city"] == "Huntsville"
    assert hana["reach_out_pending"] is False and hana["booked"] is None

    rita = rows["Rita Tester"]
    assert rita["interval_source"] == "reach_out" and rita["interval_days"] == 35
    assert rita["due_on"] == (today() + timedelta(weeks=2)).isoformat()
    assert rita["reach_out_pending"] is True  # the planned one is still to go

    pat = rows["Pat Tester"]
    assert pat["interval_source"] == "plan" and pat["interval_days"] == 28
    assert pat["due_on"] == (today() - timedelta(weeks=12) + timedelta(weeks=4)).isoformat()
    assert pat["days_until_due"] == -56


def test_most_overdue_first_and_the_weeks_window(client: TestClient, book: dict[str, Any]) -> None:
    names = [row["contact"]["display_name"] for row in due(client)]
    assert names == ["Pat Tester", "Hana Tester", "Rita Tester"]
    assert [r["contact"]["display_name"] for r in due(client, weeks=1)] == [
        "Pat Tester",
        "Hana Tester",
    ]
    assert "Lou Tester" in by_name(due(client, weeks=8))
    assert "Lou Tester" not in by_name(due(client, weeks=4))
    assert due(client, city="Nowhere") == []
    assert len(due(client, city="huntsville")) == 3
    error(read(client, "due_for_service", weeks=0), 422, "VALIDATION_ERROR")
    error(read(client, "due_for_service", weeks=53), 422, "VALIDATION_ERROR")
    error(read(client, "due_for_service", weeks="four"), 422, "VALIDATION_ERROR")


def test_one_contact_by_id_says_why_it_is_or_is_not_listed(
    client: TestClient, book: dict[str, Any]
) -> None:
    booked = done(read(client, "due_for_service", id=book["booked"]["id"]))
    assert booked["booked"] is not None and booked["interval_source"] == "history"
    once = done(read(client, "due_for_service", id=book["once"]["id"]))
    assert once["completed_visits"] == 1 and once["due_on"] is None
    nobody = "00000000-0000-0000-0000-000000000000"
    error(read(client, "due_for_service", id=nobody), 404, "NOT_FOUND")


def test_do_not_contact_and_deleted_customers_are_left_out(
    client: TestClient, book: dict[str, Any]
) -> None:
    hana = book["history"]
    done(act(client, "contact", "update", id=hana["id"], preferred_contact_method="none"))
    assert "Hana Tester" not in by_name(due(client))
    done(act(client, "contact", "update", id=hana["id"], preferred_contact_method="any"))
    pat = book["plan"]
    done(act(client, "contact", "delete", id=pat["id"]))
    assert set(by_name(due(client))) == {"Hana Tester", "Rita Tester"}


def test_another_business_sees_nothing(
    app: FastAPI, client: TestClient, book: dict[str, Any], owner: Any
) -> None:
    from tests.factories import make_user

    intruder = make_user(owner, email="nosy@example.com", business_name="Nosy Panes")
    cookie, session = app.state.auth.sessions.create(intruder["id"])
    other = TestClient(app, base_url="http://localhost")
    other.cookies.set("crm_session", cookie, domain="localhost.local")
    other.headers["X-CSRF-Token"] = session.csrf_token
    assert len(due(client, weeks=52)) == 4
    assert due(other, weeks=52) == []
    error(read(other, "due_for_service", id=book["history"]["id"]), 404, "NOT_FOUND")
