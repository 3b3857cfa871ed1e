"""Service plans on the real database, the harder cases: monthly and yearly rules booked as
real tickets (the 31st on the last day of shorter months, the 2nd Tuesday, the first Monday
of April and October) at the same wall-clock time; a completed and a detached visit left
alone by "this and following" and "all"; overlaps refused on a change too; ending a plan tells
the customers who knew of a visit."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, error, make, read
from tests.api.plan_world import local, make_plan, new_customer, next_weekday, today
from tests.api.plan_world import visits as visits_of
from tests.api.test_invoices import as_owner, complete


@pytest.fixture
def customer(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    return new_customer(client)


def _first_of_next_month() -> date:
    day = today()
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _months(start: date, count: int) -> list[tuple[int, int]]:
    return [
        (start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1)
        for i in range(count)
    ]


def test_the_31st_is_booked_on_the_last_day_of_shorter_months(
    client: TestClient, customer: dict[str, Any]
) -> None:
    start = _first_of_next_month()
    plan = make_plan(
        client, customer, rrule="FREQ=MONTHLY;BYMONTHDAY=31", start_date=start.isoformat()
    )
    assert plan["summary"] == "Every month on the 31st at 9:00 AM"
    booked = visits_of(client, plan["id"])
    assert len(booked) >= 11
    expected = [
        date(year, month, min(31, calendar.monthrange(year, month)[1]))
        for year, month in _months(start, len(booked))
    ]
    assert [local(v).date() for v in booked] == expected
    assert any(d.day < 31 for d in expected)  # at least one short month in the year
    assert {(local(v).hour, local(v).minute) for v in booked} == {(9, 0)}
    offsets = {local(v).utcoffset() for v in booked}
    assert offsets == {timedelta(hours=-6), timedelta(hours=-5)}  # both sides of DST


def test_the_second_tuesday_of_every_month(client: TestClient, customer: dict[str, Any]) -> None:
    start = _first_of_next_month()
    plan = make_plan(
        client,
        customer,
        rrule="FREQ=MONTHLY;BYDAY=2TU",
        start_date=start.isoformat(),
        start_time="14:30",
    )
    booked = visits_of(client, plan["id"])
    months = _months(start, len(booked))
    for visit, (year, month) in zip(booked, months, strict=True):
        day = local(visit)
        assert (day.year, day.month, day.weekday()) == (year, month, 1)
        assert 8 <= day.day <= 14  # the second Tuesday
        assert (day.hour, day.minute) == (14, 30)


def test_the_first_monday_of_april_and_october(
    client: TestClient, customer: dict[str, Any]
) -> None:
    plan = make_plan(
        client,
        customer,
        rrule="FREQ=YEARLY;BYMONTH=4,10;BYDAY=1MO",
        start_date=_first_of_next_month().isoformat(),
    )
    assert plan["summary"] == "Every year in April and October on the 1st Monday at 9:00 AM"
    booked = visits_of(client, plan["id"])
    assert sorted(local(v).month for v in booked) == [4, 10]  # a year ahead: one of each
    for visit in booked:
        day = local(visit)
        assert day.weekday() == 0 and day.day <= 7 and day.hour == 9


def test_following_and_all_leave_completed_and_detached_visits_alone(
    client: TestClient, customer: dict[str, Any], owner: Any, signed_in: dict[str, Any]
) -> None:
    plan = make_plan(client, customer)
    booked = visits_of(client, plan["id"])
    finished, pivot, detached = booked[0], booked[1], booked[3]
    done(act(client, "ticket", "clock_in", id=finished["id"]))
    complete(owner, signed_in["id"], finished["id"])
    done(act(client, "ticket", "update", id=detached["id"], duration_minutes=120))

    # "All" from a plan with a completed visit: the completed one keeps its time.
    done(act(client, "plan", "update", id=plan["id"], scope="all", start_time="10:00"))
    # "This and following" from the second visit: the detached one keeps its own time.
    result = done(
        act(
            client,
            "plan",
            "update",
            id=plan["id"],
            scope="following",
            ticket_id=pivot["id"],
            start_time="11:00",
        )
    )
    every = {v["id"]: v for v in visits_of(client, plan["id"]) + visits_of(client, result["id"])}
    first = done(read(client, "tickets", id=finished["id"]))
    assert first["status"] == "completed" and local(first).hour == 9
    kept = done(read(client, "tickets", id=detached["id"]))
    assert kept["plan_detached"] and local(kept).hour == 9 and kept["duration_minutes"] == 120
    for visit in every.values():
        if visit["id"] not in (finished["id"], detached["id"]):
            assert local(visit).hour == 11, visit
    # A completed visit can't be the start of a change.
    error(
        act(
            client,
            "plan",
            "update",
            id=plan["id"],
            scope="this",
            ticket_id=finished["id"],
            start_time="12:00",
        ),
        409,
        "CONFLICT",
    )


def test_a_change_that_overlaps_another_job_is_listed_and_needs_a_yes(
    client: TestClient, customer: dict[str, Any]
) -> None:
    plan = make_plan(client, customer)
    second = visits_of(client, plan["id"])[1]
    day = local(second).date()
    other = make(client, "contact", first_name="Bob", last_name="Marsh")
    clash = make(
        client,
        "ticket",
        contact_id=other["id"],
        scheduled_start=local(second).replace(hour=11).isoformat(),
        staff_ids=[customer["jo"]["id"]],
    )
    refused = error(
        act(client, "plan", "update", id=plan["id"], scope="all", start_time="10:30"),
        409,
        "PLAN_OVERLAPS",
    )
    [visit] = refused["details"]["visits"]
    assert visit["date"] == day.isoformat()
    assert visit["overlaps"][0]["ticket_id"] == clash["id"]
    assert {local(v).hour for v in visits_of(client, plan["id"])} == {9}  # nothing changed
    saved = done(
        act(
            client,
            "plan",
            "update",
            id=plan["id"],
            scope="all",
            start_time="10:30",
            confirm_overlaps=True,
        )
    )
    assert saved["summary"] == "Every 4 weeks on Tuesday at 10:30 AM"
    assert {(local(v).hour, local(v).minute) for v in visits_of(client, plan["id"])} == {(10, 30)}


def test_ending_a_plan_tells_the_customer_of_the_visit_they_were_reminded_of(
    client: TestClient, customer: dict[str, Any], owner: Any, signed_in: dict[str, Any]
) -> None:
    done(act(client, "contact", "update", id=customer["contact"]["id"], email="ann@example.com"))
    plan = make_plan(client, customer, start_date=next_weekday(1).isoformat())
    booked = visits_of(client, plan["id"])
    # The first visit's reminder has gone out; the others are still pending.
    as_owner(
        owner,
        signed_in["id"],
        "UPDATE scheduled_messages SET status = 'sent', sent_at = now() "
        "WHERE ticket_id = %s AND kind = 'reminder'",
        (booked[0]["id"],),
    )
    ended = done(act(client, "plan", "end", id=plan["id"], reason="Moving away"))
    assert ended["cancelled"] == len(booked)

    def kinds(ticket: dict[str, Any]) -> dict[str, str]:
        rows = done(read(client, "messages", ticket_id=ticket["id"]))
        return {m["kind"]: m["status"] for m in rows}

    assert kinds(booked[0]) == {"reminder": "sent", "cancellation": "pending"}
    for later in booked[1:]:
        assert kinds(later) == {"reminder": "cancelled"}  # never told of it: no notice
