"""Service plans over the API, on the real database: visits booked a year ahead at the same
wall-clock time across both DST changes; edits to one visit, this and following, or all
future ones change exactly the right tickets; skip, pause, resume and end; overlaps."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crm.clients.postgres_client import Database
from crm.jobs.plans import extend_plans
from tests.api.helpers import act, done, error, make, read
from tests.api.plan_world import CHICAGO, local, new_customer, next_weekday, today, visits
from tests.api.plan_world import make_plan as _plan


@pytest.fixture
def customer(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    return new_customer(client)


def test_a_plan_books_a_year_of_visits_at_the_same_local_time(
    client: TestClient, customer: dict[str, Any]
) -> None:
    plan = _plan(client, customer)
    assert plan["summary"] == "Every 4 weeks on Tuesday at 9:00 AM"
    assert plan["address_id"] == customer["address"]["id"]  # the primary address
    booked = visits(client, plan["id"])
    assert plan["created"] == len(booked) in (13, 14)
    first = date.fromisoformat(booked[0]["plan_occurrence"])
    assert first == next_weekday(1)
    for index, visit in enumerate(booked):
        start = local(visit)
        # Every 28 days, Tuesday 9:00 on the wall clock, winter and summer time alike.
        assert start.date() == first + timedelta(days=28 * index)
        assert (start.hour, start.minute, start.weekday()) == (9, 0, 1)
        assert visit["status"] == "scheduled" and not visit["plan_detached"]
    offsets = {local(v).utcoffset() for v in booked}
    assert offsets == {timedelta(hours=-6), timedelta(hours=-5)}  # both sides of DST
    ticket = done(read(client, "tickets", id=booked[2]["id"], include="line_items,staff"))
    assert [(li["description"], li["quantity"]) for li in ticket["line_items"]] == [
        ("Windows", "20")
    ]
    assert [s["name"] for s in ticket["staff"]] == ["Jo"]
    assert ticket["total_cents"] == 20 * 500
    assert plan["next_visits"][0]["id"] == booked[0]["id"]


def test_extending_twice_or_from_two_workers_creates_nothing_new(
    client: TestClient, customer: dict[str, Any], db: Database
) -> None:
    plan = _plan(client, customer)
    booked = visits(client, plan["id"])
    before = len(booked)
    assert extend_plans(db) == {"plans": 0, "visits": 0}  # already a year ahead
    # As if the last run was 90 days ago (its visits since then not made yet): two workers
    # extend at once.
    through = done(read(client, "plans", id=plan["id"]))["generated_through"]
    cut = date.fromisoformat(through) - timedelta(days=90)
    missing = [v for v in booked if date.fromisoformat(v["plan_occurrence"]) > cut]
    assert len(missing) >= 3
    for visit in missing:
        done(act(client, "ticket", "delete", id=visit["id"]))
    _rewind(db, plan["id"], days=90)
    results: list[dict[str, int]] = []
    together = threading.Barrier(2)

    def worker() -> None:
        together.wait(timeout=30)  # both start at the same moment
        results.append(extend_plans(db))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    after = visits(client, plan["id"])
    assert len(after) == before  # each made again once, by one worker or the other
    assert sum(r["visits"] for r in results) == len(missing)
    occurrences = [v["plan_occurrence"] for v in after]
    assert len(occurrences) == len(set(occurrences))


def _rewind(db: Database, plan_id: str, *, days: int) -> None:
    """Pretend the plan was last extended ``days`` earlier (as the superuser would see it)."""
    with db.system() as conn:
        owner = conn.execute(
            "SELECT user_id FROM plans_to_extend(%s, 1000) WHERE plan_id = %s",
            (date(2100, 1, 1), plan_id),
        ).fetchone()
    assert owner is not None
    with db.unit_of_work(owner["user_id"]) as conn:
        conn.execute(
            "UPDATE plans SET generated_through = generated_through - %s WHERE id = %s",
            (days, plan_id),
        )


def test_a_new_day_adds_the_next_visit(
    client: TestClient, customer: dict[str, Any], db: Database
) -> None:
    plan = _plan(client, customer)
    last = visits(client, plan["id"])[-1]
    with db.system() as conn:
        owner = conn.execute(
            "SELECT user_id FROM plans_to_extend(%s, 1000) WHERE plan_id = %s",
            (date(2100, 1, 1), plan["id"]),
        ).fetchone()
    # The last visit deleted and the horizon set back a week before it (the worker extends
    # plans more than a day behind, and the last visit can fall on the horizon day itself, as
    # it does when this runs on a Monday): one run makes it again.
    done(act(client, "ticket", "delete", id=last["id"]))
    with db.unit_of_work(owner["user_id"]) as conn:
        conn.execute(
            "UPDATE plans SET generated_through = %s WHERE id = %s",
            (date.fromisoformat(last["plan_occurrence"]) - timedelta(days=7), plan["id"]),
        )
    assert extend_plans(db)["visits"] == 1
    assert extend_plans(db)["visits"] == 0
    again = visits(client, plan["id"])[-1]
    assert again["plan_occurrence"] == last["plan_occurrence"] and again["id"] != last["id"]


def test_this_visit_only_detaches_it_and_the_series_leaves_it_alone(
    client: TestClient, customer: dict[str, Any]
) -> None:
    plan = _plan(client, customer)
    booked = visits(client, plan["id"])
    moved = booked[1]
    wednesday = (local(moved) + timedelta(days=1)).date()
    result = done(
        act(
            client,
            "plan",
            "update",
            id=plan["id"],
            scope="this",
            ticket_id=moved["id"],
            start_date=wednesday.isoformat(),
        )
    )
    assert result["ticket"]["plan_detached"] is True
    assert local(result["ticket"]).date() == wednesday and local(result["ticket"]).hour == 9
    # The whole series to 10:00: every other future visit moves, the detached one stays.
    changed = done(act(client, "plan", "update", id=plan["id"], scope="all", start_time="10:00"))
    assert changed["visits"]["changed"] == len(booked) - 1
    assert changed["summary"] == "Every 4 weeks on Tuesday at 10:00 AM"
    after = {v["id"]: v for v in visits(client, plan["id"])}
    assert len(after) == len(booked)
    for visit in after.values():
        expected = (9, wednesday) if visit["id"] == moved["id"] else (10, None)
        assert local(visit).hour == expected[0]
        if expected[1]:
            assert local(visit).date() == expected[1]
    # Editing a plan's visit through the ticket itself detaches it too.
    other = booked[3]
    done(act(client, "ticket", "update", id=other["id"], duration_minutes=120))
    assert done(read(client, "tickets", id=other["id"]))["plan_detached"] is True


def test_this_and_following_splits_the_plan(client: TestClient, customer: dict[str, Any]) -> None:
    plan = _plan(client, customer)
    booked = visits(client, plan["id"])
    pivot = booked[4]
    result = done(
        act(
            client,
            "plan",
            "update",
            id=plan["id"],
            scope="following",
            ticket_id=pivot["id"],
            start_time="10:00",
            lines=[{"service_id": customer["windows"]["id"], "quantity": 24}],
        )
    )
    new_id, old = result["id"], result["split_from"]
    assert new_id != plan["id"] and old["id"] == plan["id"]
    assert (
        old["until_date"]
        == (date.fromisoformat(pivot["plan_occurrence"]) - timedelta(days=1)).isoformat()
    )
    earlier = visits(client, plan["id"])
    later = visits(client, new_id)
    assert [v["id"] for v in earlier] == [v["id"] for v in booked[:4]]
    assert [v["id"] for v in later][: len(booked) - 4] == [v["id"] for v in booked[4:]]
    assert all(local(v).hour == 9 for v in earlier)
    assert all(local(v).hour == 10 for v in later)
    lines = done(read(client, "tickets", id=later[0]["id"], include="line_items"))["line_items"]
    assert [li["quantity"] for li in lines] == ["24"]
    lines = done(read(client, "tickets", id=earlier[-1]["id"], include="line_items"))["line_items"]
    assert [li["quantity"] for li in lines] == ["20"]
    # The numbering carries on across the split.
    assert result["first_number"] == 5


def test_a_new_rule_for_all_moves_the_days(client: TestClient, customer: dict[str, Any]) -> None:
    plan = _plan(client, customer)
    booked = visits(client, plan["id"])
    # A visit under way is the crew's: the rule change leaves it alone (completed ones too:
    # test_plan_series).
    first = booked[0]
    done(act(client, "ticket", "clock_in", id=first["id"]))
    done(act(client, "ticket", "clock_out", id=first["id"]))
    changed = done(
        act(
            client,
            "plan",
            "update",
            id=plan["id"],
            scope="all",
            rrule="FREQ=WEEKLY;INTERVAL=4;BYDAY=TH",
        )
    )
    assert changed["summary"] == "Every 4 weeks on Thursday at 9:00 AM"
    after = visits(client, plan["id"])
    live = [v for v in after if v["id"] != first["id"]]
    assert all(local(v).weekday() == 3 for v in live)
    assert done(read(client, "tickets", id=first["id"]))["status"] == "in_progress"
    assert changed["visits"]["deleted"] == len(booked) - 1


def test_skip_pause_resume_and_end(client: TestClient, customer: dict[str, Any]) -> None:
    plan = _plan(client, customer)
    booked = visits(client, plan["id"])
    skipped = done(act(client, "plan", "skip", ticket_id=booked[1]["id"], reason="On holiday"))
    assert skipped["status"] == "cancelled" and "On holiday" in skipped["cancel_reason"]
    error(act(client, "plan", "skip", ticket_id=booked[1]["id"], reason="again"), 409, "CONFLICT")

    paused = done(act(client, "plan", "pause", id=plan["id"]))
    assert paused["status"] == "paused" and paused["removed"] == len(booked) - 1
    assert [v["status"] for v in visits(client, plan["id"])] == ["cancelled"]
    error(act(client, "plan", "pause", id=plan["id"]), 409, "CONFLICT")

    resumed = done(act(client, "plan", "resume", id=plan["id"]))
    assert resumed["status"] == "active"
    again = visits(client, plan["id"])
    assert len(again) == len(booked)  # the skipped visit stays skipped, the rest came back
    assert sum(v["status"] == "cancelled" for v in again) == 1

    ended = done(act(client, "plan", "end", id=plan["id"], reason="Moved away"))
    assert ended["status"] == "ended" and ended["cancelled"] == len(booked) - 1
    assert {v["status"] for v in visits(client, plan["id"])} == {"cancelled"}
    error(act(client, "plan", "resume", id=plan["id"]), 409, "CONFLICT")
    error(
        act(client, "plan", "update", id=plan["id"], scope="all", start_time="10:00"),
        409,
        "CONFLICT",
    )
    trail = done(read(client, "audit", entity_id=plan["id"]))
    assert [row["action"] for row in trail] == ["create", "update", "update", "update"]


def test_overlapping_visits_are_listed_and_need_a_yes(
    client: TestClient, customer: dict[str, Any]
) -> None:
    start = next_weekday(1)
    other = make(client, "contact", first_name="Bob", last_name="Marsh")
    clash = make(
        client,
        "ticket",
        contact_id=other["id"],
        scheduled_start=datetime(start.year, start.month, start.day, 9, 30, tzinfo=CHICAGO),
        staff_ids=[customer["jo"]["id"]],
    )
    refused = error(
        act(
            client,
            "plan",
            "create",
            contact_id=customer["contact"]["id"],
            rrule="FREQ=WEEKLY;INTERVAL=4;BYDAY=TU",
            start_date=start.isoformat(),
            start_time="09:00",
            staff_ids=[customer["jo"]["id"]],
        ),
        409,
        "PLAN_OVERLAPS",
    )
    [visit] = refused["details"]["visits"]
    assert visit["date"] == start.isoformat()
    assert visit["overlaps"][0]["ticket_id"] == clash["id"]
    assert done(read(client, "plans")) == []  # nothing saved
    saved = _plan(client, customer, start_date=start.isoformat(), confirm_overlaps=True)
    assert len(saved["overlaps"]) == 1


def test_bad_plans_are_refused_clearly(client: TestClient, customer: dict[str, Any]) -> None:
    bad = error(
        act(
            client,
            "plan",
            "create",
            contact_id=customer["contact"]["id"],
            rrule="FREQ=HOURLY",
            start_date=today().isoformat(),
            start_time="09:00",
        ),
        422,
        "VALIDATION_ERROR",
    )
    assert bad["details"]["fields"][0]["field"] == "rrule"
    other = make(client, "contact", first_name="Zed")
    elsewhere = make(client, "address", contact_id=other["id"], line1="1 Elm St")
    error(
        act(
            client,
            "plan",
            "create",
            contact_id=customer["contact"]["id"],
            address_id=elsewhere["id"],
            rrule="FREQ=WEEKLY",
            start_date=today().isoformat(),
            start_time="09:00",
        ),
        422,
        "VALIDATION_ERROR",
    )
    plan = _plan(client, customer)
    error(
        act(client, "plan", "update", id=plan["id"], scope="following", start_time="10:00"),
        422,
        "VALIDATION_ERROR",
    )


def test_a_plans_visits_get_reminders_but_no_confirmation_requests(
    client: TestClient, customer: dict[str, Any]
) -> None:
    done(act(client, "contact", "update", id=customer["contact"]["id"], email="ann@example.com"))
    plan = _plan(client, customer)
    booked = visits(client, plan["id"])
    for visit in (booked[0], booked[-1]):
        kinds = {m["kind"] for m in done(read(client, "messages", ticket_id=visit["id"]))}
        assert kinds == {"reminder"}, kinds
    # A visit moved on its own is a normal reschedule: it asks the customer to confirm.
    done(
        act(
            client,
            "plan",
            "update",
            id=plan["id"],
            scope="this",
            ticket_id=booked[0]["id"],
            start_time="11:00",
        )
    )
    kinds = {m["kind"] for m in done(read(client, "messages", ticket_id=booked[0]["id"]))}
    assert "reminder" in kinds
