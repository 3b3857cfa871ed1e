"""The waitlist through the API: entries, which fit a slot and in what order, and booking one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, error, make, read

CHICAGO = ZoneInfo("America/Chicago")
# Far enough ahead never to be expired or in the past; 2031-06-02 is a Monday.
MONDAY = date(2031, 6, 2)


def local(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHICAGO).isoformat()


@pytest.fixture
def world(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    contact = make(client, "contact", first_name="Rosa", last_name="Díaz", email="rosa@example.com")
    address = make(client, "address", contact_id=contact["id"], line1="12 Oak Ave")
    screens = make(
        client,
        "service",
        name="Screens",
        pricing_mode="per_unit",
        unit_price_cents=350,
        unit_label="screen",
        default_duration_minutes=3,
    )
    wash = make(
        client,
        "service",
        name="Wash",
        pricing_mode="fixed",
        unit_price_cents=9000,
        default_duration_minutes=60,
    )
    return {"contact": contact, "address": address, "screens": screens, "wash": wash}


def entry(client: TestClient, w: dict[str, Any], **data: Any) -> dict[str, Any]:
    base = {
        "contact_id": w["contact"]["id"],
        "address_id": w["address"]["id"],
        "services": [{"service_id": w["wash"]["id"]}],
        "earliest_date": MONDAY.isoformat(),
        "latest_date": (MONDAY + timedelta(days=30)).isoformat(),
    }
    return make(client, "waitlist", **{**base, **data})


def fitting(client: TestClient, start: str, minutes: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = done(
        read(client, "waitlist", slot_start=start, slot_minutes=minutes)
    )
    return rows


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in rows]


# -- create and validation ---------------------------------------------------------------------


def test_an_entry_keeps_the_wishes_and_takes_its_duration_from_the_catalog(
    client: TestClient, world: dict[str, Any]
) -> None:
    made = entry(
        client,
        world,
        services=[
            {"service_id": world["wash"]["id"]},
            {"service_id": world["screens"]["id"], "quantity": "20"},
        ],
        weekdays=[5, 1, 1],
        earliest_time="09:00",
        latest_time="12:30",
        note="Prefers mornings",
    )
    assert made["status"] == "open" and made["expired"] is False
    assert made["duration_minutes"] == 120  # 60 + 20 screens of 3 minutes
    assert made["weekdays"] == [1, 5]
    assert (made["earliest_time"], made["latest_time"]) == ("09:00", "12:30")
    assert made["services"][1] == {"service_id": world["screens"]["id"], "quantity": "20"}
    assert done(read(client, "waitlist", id=made["id"]))["note"] == "Prefers mornings"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekdays": [0]}, "weekdays.0"),
        ({"weekdays": [8]}, "weekdays.0"),
        ({"earliest_time": "25:00"}, "earliest_time"),
        ({"earliest_time": "09:00+02:00"}, "earliest_time"),
        ({"services": []}, "services"),
        ({"latest_date": "2101-01-01"}, "latest_date"),
        ({"duration_minutes": 2}, "duration_minutes"),
        ({"note": "x\x00"}, "note"),
    ],
)
def test_bad_wishes_are_a_422_naming_the_field(
    client: TestClient, world: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    data = {
        "contact_id": world["contact"]["id"],
        "services": [{"service_id": world["wash"]["id"]}],
        "latest_date": "2031-07-01",
        **change,
    }
    response = act(client, "waitlist", "create", **data)
    err = error(response, 422, "VALIDATION_ERROR")
    assert field in [f["field"] for f in err["details"]["fields"]]


def test_inconsistent_wishes_are_refused(client: TestClient, world: dict[str, Any]) -> None:
    base = {"contact_id": world["contact"]["id"], "services": [{"service_id": world["wash"]["id"]}]}
    window = act(
        client,
        "waitlist",
        "create",
        **base,
        latest_date="2031-07-01",
        earliest_time="12:00",
        latest_time="09:00",
    )
    error(window, 422, "VALIDATION_ERROR")
    dates = act(
        client, "waitlist", "create", **base, earliest_date="2031-07-02", latest_date="2031-07-01"
    )
    error(dates, 422, "VALIDATION_ERROR")
    twice = act(
        client,
        "waitlist",
        "create",
        contact_id=world["contact"]["id"],
        services=[{"service_id": world["wash"]["id"], "quantity": "2"}],
        latest_date="2031-07-01",
    )
    assert error(twice, 422, "VALIDATION_ERROR")["details"]["fields"][0]["field"] == (
        "services.0.quantity"
    )
    other = make(client, "contact", first_name="Bo")
    theirs = make(client, "address", contact_id=other["id"], line1="9 Elm St")
    error(
        act(
            client, "waitlist", "create", **base, address_id=theirs["id"], latest_date="2031-07-01"
        ),
        422,
        "VALIDATION_ERROR",
    )
    done(act(client, "service", "retire", id=world["wash"]["id"]))
    error(
        act(client, "waitlist", "create", **base, latest_date="2031-07-01"), 409, "SERVICE_RETIRED"
    )


# -- what fits a slot --------------------------------------------------------------------------


def test_the_weekday_must_be_allowed(client: TestClient, world: dict[str, Any]) -> None:
    fridays = entry(client, world, weekdays=[5])
    anyday = entry(client, world)
    assert ids(fitting(client, local(MONDAY, 9), 60)) == [anyday["id"]]
    friday = MONDAY + timedelta(days=4)
    assert set(ids(fitting(client, local(friday, 9), 60))) == {fridays["id"], anyday["id"]}


def test_the_whole_visit_lies_inside_the_window_and_the_slot(
    client: TestClient, world: dict[str, Any]
) -> None:
    morning = entry(client, world, earliest_time="09:00", latest_time="12:00")
    assert ids(fitting(client, local(MONDAY, 11), 60)) == [morning["id"]]
    assert fitting(client, local(MONDAY, 11, 30), 60) == []  # would end 12:30
    assert fitting(client, local(MONDAY, 12), 120) == []
    # A long gap that opens before the window: offered at the window's start.
    [early] = fitting(client, local(MONDAY, 7), 180)
    assert early["fit_start"] == local(MONDAY, 9)
    # The slot must hold the whole visit.
    assert fitting(client, local(MONDAY, 9), 45) == []


def test_the_window_is_local_time_on_both_sides_of_a_dst_change(
    client: TestClient, world: dict[str, Any]
) -> None:
    """9:00 local is 15:00 UTC in winter and 14:00 UTC in summer; the window follows the clock."""
    winter, summer = date(2031, 1, 6), date(2031, 6, 2)
    made = entry(
        client,
        world,
        earliest_date=winter.isoformat(),
        latest_date=summer.isoformat(),
        earliest_time="09:00",
        latest_time="10:00",
    )
    at = lambda d, h: datetime(d.year, d.month, d.day, h, tzinfo=UTC).isoformat()  # noqa: E731
    assert ids(fitting(client, at(winter, 15), 60)) == [made["id"]]
    [later] = fitting(client, at(winter, 14), 120)
    assert datetime.fromisoformat(later["fit_start"]) == datetime.fromisoformat(at(winter, 15))
    assert fitting(client, at(winter, 14), 60) == []  # 8:00 CST
    assert ids(fitting(client, at(summer, 14), 60)) == [made["id"]]  # 9:00 CDT
    assert fitting(client, at(summer, 15), 60) == []  # 10:00 CDT
    # The night the clocks spring forward (2031-03-09): midnight to 3:00 local is 2 hours.
    night = entry(
        client,
        world,
        earliest_date="2031-03-09",
        latest_date="2031-03-09",
        latest_time="03:00",
        duration_minutes=150,
    )
    assert night["id"] not in ids(fitting(client, local(date(2031, 3, 9), 0), 600))
    shorter = entry(
        client,
        world,
        earliest_date="2031-03-09",
        latest_date="2031-03-09",
        latest_time="03:00",
        duration_minutes=120,
    )
    assert shorter["id"] in ids(fitting(client, local(date(2031, 3, 9), 0), 600))


def test_dates_and_duration_must_fit(client: TestClient, world: dict[str, Any]) -> None:
    later = entry(client, world, earliest_date=(MONDAY + timedelta(days=7)).isoformat())
    long = entry(client, world, duration_minutes=180)
    assert ids(fitting(client, local(MONDAY, 9), 120)) == []
    assert ids(fitting(client, local(MONDAY, 9), 180)) == [long["id"]]
    assert ids(fitting(client, local(MONDAY + timedelta(days=7), 9), 60)) == [later["id"]]
    assert fitting(client, local(MONDAY + timedelta(days=31), 9), 600) == []


def test_an_entry_past_its_latest_date_is_expired_and_fits_nothing(
    client: TestClient, world: dict[str, Any], owner: psycopg.Connection, signed_in: dict[str, Any]
) -> None:
    made = entry(client, world)
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(signed_in["id"]),))
        owner.execute(
            "UPDATE waitlist_entries SET earliest_date = '2020-01-01', latest_date = '2020-02-01' "
            "WHERE id = %s",
            (made["id"],),
        )
    listed = done(read(client, "waitlist", status="open"))
    assert [(r["id"], r["expired"]) for r in listed] == [(made["id"], True)]
    assert fitting(client, local(date(2020, 1, 6), 9), 600) == []
    refused = act(client, "waitlist", "book", id=made["id"], scheduled_start=local(MONDAY, 9))
    error(refused, 409, "WAITLIST_ENTRY_EXPIRED")
    # A later latest date revives it.
    revived = done(act(client, "waitlist", "update", id=made["id"], latest_date="2031-07-01"))
    assert revived["expired"] is False


def test_best_first_is_waiting_longest_then_the_tightest_window(
    client: TestClient, world: dict[str, Any], owner: psycopg.Connection, signed_in: dict[str, Any]
) -> None:
    loose = entry(client, world)
    tight = entry(client, world, weekdays=[1], earliest_time="08:00", latest_time="11:00")
    newest = entry(client, world, weekdays=[1], earliest_time="09:00", latest_time="10:00")
    oldest = entry(client, world)
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(signed_in["id"]),))
        for row, joined in ((oldest, "2026-01-05"), (newest, "2026-03-01")):
            owner.execute(
                "UPDATE waitlist_entries SET created_at = %s::date + time '15:00' WHERE id = %s",
                (joined, row["id"]),
            )
        for row in (loose, tight):  # the same day, loose first
            owner.execute(
                "UPDATE waitlist_entries SET created_at = timestamptz '2026-02-02 15:00+00' + "
                "CASE WHEN id = %s THEN interval '0' ELSE interval '1 hour' END WHERE id = %s",
                (loose["id"], row["id"]),
            )
    best = fitting(client, local(MONDAY, 9), 60)
    assert ids(best) == [oldest["id"], tight["id"], loose["id"], newest["id"]]
    assert ids(
        done(read(client, "waitlist", slot_start=local(MONDAY, 9), slot_minutes=60, limit=1))
    ) == [oldest["id"]]


def test_a_bad_slot_filter_is_a_422_naming_it(client: TestClient, world: dict[str, Any]) -> None:
    for params, field in (
        ({"slot_start": "2031-06-02T09:00", "slot_minutes": 60}, "slot_start"),
        ({"slot_start": "tomorrow", "slot_minutes": 60}, "slot_start"),
        ({"slot_start": local(MONDAY, 9), "slot_minutes": 0}, "slot_minutes"),
        ({"slot_start": local(MONDAY, 9), "slot_minutes": "\u0661\u0662"}, "slot_minutes"),
        ({"slot_start": local(MONDAY, 9)}, "slot_minutes"),
        ({"slot_start": local(MONDAY, 9), "slot_minutes": "9" * 5000}, "slot_minutes"),
    ):
        err = error(read(client, "waitlist", **params), 422, "VALIDATION_ERROR")
        assert [f["field"] for f in err["details"]["fields"]] == [field]


# -- booking -----------------------------------------------------------------------------------


def test_booking_creates_the_ticket_with_lines_and_closes_the_entry(
    client: TestClient, world: dict[str, Any]
) -> None:
    made = entry(
        client,
        world,
        services=[
            {"service_id": world["wash"]["id"]},
            {"service_id": world["screens"]["id"], "quantity": "20"},
        ],
        note="Call first",
    )
    staff = make(client, "staff", name="Sam")
    booked = done(
        act(
            client,
            "waitlist",
            "book",
            id=made["id"],
            scheduled_start=local(MONDAY, 9),
            staff_ids=[staff["id"]],
        )
    )
    assert booked["status"] == "booked"
    ticket_id = booked["ticket"]["id"]
    assert booked["booked_ticket_id"] == ticket_id
    ticket = done(read(client, "tickets", id=ticket_id, include="line_items,staff,notes"))
    assert ticket["scheduled_start"] == local(MONDAY, 9)
    assert ticket["duration_minutes"] == 120
    assert ticket["address_id"] == world["address"]["id"]
    assert [(i["description"], i["quantity"]) for i in ticket["line_items"]] == [
        ("Wash", "1"),
        ("Screens", "20"),
    ]
    assert ticket["total_cents"] == 9000 + 20 * 350
    assert [s["name"] for s in ticket["staff"]] == ["Sam"]
    assert [n["body"] for n in ticket["notes"]] == ["Call first"]
    messages = done(read(client, "messages", ticket_id=ticket_id))
    assert "appointment_confirmation" in [m["kind"] for m in messages]
    history = done(read(client, "waitlist", id=made["id"], include="audit_trail"))["audit_trail"]
    assert [a["action"] for a in history] == ["create", "booked"]
    # Booked: refused a second time, and no longer offered.
    again = act(client, "waitlist", "book", id=made["id"], scheduled_start=local(MONDAY, 13))
    error(again, 409, "WAITLIST_ENTRY_CLOSED")
    assert fitting(client, local(MONDAY, 13), 600) == []
    assert len(done(read(client, "tickets", contact_id=world["contact"]["id"]))) == 1


def test_a_refused_booking_saves_nothing(client: TestClient, world: dict[str, Any]) -> None:
    made = entry(client, world)
    done(act(client, "service", "retire", id=world["wash"]["id"]))
    error(
        act(client, "waitlist", "book", id=made["id"], scheduled_start=local(MONDAY, 9)),
        409,
        "SERVICE_RETIRED",
    )
    assert done(read(client, "tickets")) == []
    assert done(read(client, "waitlist", id=made["id"]))["status"] == "open"


def test_removed_entries_are_not_offered_or_changed(
    client: TestClient, world: dict[str, Any]
) -> None:
    made = entry(client, world)
    assert done(act(client, "waitlist", "remove", id=made["id"]))["status"] == "removed"
    assert fitting(client, local(MONDAY, 9), 600) == []
    error(act(client, "waitlist", "remove", id=made["id"]), 409, "WAITLIST_ENTRY_CLOSED")
    error(act(client, "waitlist", "update", id=made["id"], note="x"), 409, "WAITLIST_ENTRY_CLOSED")
    assert ids(done(read(client, "waitlist", status="removed"))) == [made["id"]]


def test_a_deleted_address_leaves_the_wish_and_books_at_the_primary(
    client: TestClient, world: dict[str, Any]
) -> None:
    rental = make(client, "address", contact_id=world["contact"]["id"], line1="3 Rental Rd")
    made = entry(client, world, address_id=rental["id"])
    done(act(client, "address", "delete", id=rental["id"]))
    assert done(read(client, "waitlist", id=made["id"]))["address_id"] is None
    booked = done(act(client, "waitlist", "book", id=made["id"], scheduled_start=local(MONDAY, 9)))
    assert booked["ticket"]["address_id"] == world["address"]["id"]


def test_a_deleted_contact_s_entries_are_not_listed(
    client: TestClient, world: dict[str, Any]
) -> None:
    other = make(client, "contact", first_name="Gone")
    entry(client, world, contact_id=other["id"], address_id=None)
    done(act(client, "contact", "delete", id=other["id"]))
    assert done(read(client, "waitlist")) == []
    assert fitting(client, local(MONDAY, 9), 600) == []
