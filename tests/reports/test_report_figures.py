"""Every figure of every report of business A (tests/reports/conftest.py), read over the data
API: the month and day edges in the business's timezone, both 2026 clock changes, the year
before, what must not count (drafts, voids, removed payments, cancelled jobs), the age buckets of
what is owed today, lost and new customers; then the range checks and /api/capabilities.

The expected numbers are written out by hand from the world's table, with the arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.api.helpers import done, error, read
from tests.reports.conftest import REPORTS, SPRING_2026, YEAR_2026, World, report


def person(world: World, key: str, *, email: bool = False) -> dict[str, Any]:
    contact = world.a.contacts[key]
    view = {"id": contact["id"], "display_name": contact["display_name"]}
    if email:
        view["email"] = contact["email"]
    return view


def month(name: str, inv: int, col: int, prev_inv: int, prev_col: int) -> dict[str, Any]:
    return {
        "month": name,
        "invoiced_cents": inv,
        "collected_cents": col,
        "previous_invoiced_cents": prev_inv,
        "previous_collected_cents": prev_col,
    }


# -- revenue ---------------------------------------------------------------------------------


def test_revenue_by_month_against_the_year_before(world: World) -> None:
    got = report(world.a.client, "report_revenue", **SPRING_2026)
    assert got == {
        "from": "2026-03-01",
        "to": "2026-04-30",
        "compare_from": "2025-03-01",
        "compare_to": "2025-04-30",
        "months": [
            # March: I2 (300.00, sent 23:30 CDT 03-31 = 04:30 UTC 04-01); I5 void and I6 draft
            # left out. Collected: I2's 100.00 paid 03-31. A year before: I1 200.00 sent and
            # paid (03-10, 03-15).
            month("2026-03", 30000, 10000, 20000, 20000),
            # April: I3 125.00 (sent 04-02) + I4 70.00 (never sent, paid, created 04-20) =
            # 195.00. Collected: I2 200.00 (04-01) - 50.00 refund (04-10) + I4 70.00 (04-20) =
            # 220.00; I3's 125.00 payment was removed. A year before: I7 102.00 sent 23:30 CDT
            # 2025-04-30 (May 1 in UTC), paid in May (outside).
            month("2026-04", 19500, 22000, 10200, 0),
        ],
        "totals": {
            "invoiced_cents": 49500,  # 300.00 + 195.00
            "collected_cents": 32000,  # 100.00 + 220.00
            "tips_cents": 1500,  # on I2's 04-01 payment, never inside collected
            "previous_invoiced_cents": 30200,  # 200.00 + 102.00
            "previous_collected_cents": 20000,
            "previous_tips_cents": 1000,  # on I1's 2025-03-15 payment
            "invoiced_change_pct": 63.9,  # (49500 - 30200) / 30200 = 63.907 %
            "collected_change_pct": 60.0,  # (32000 - 20000) / 20000
        },
    }


def test_revenue_on_the_day_edges_with_partial_months(world: World) -> None:
    got = report(world.a.client, "report_revenue", **{"from": "2026-03-31", "to": "2026-04-01"})
    assert got == {
        "from": "2026-03-31",
        "to": "2026-04-01",
        "compare_from": "2025-03-31",
        "compare_to": "2025-04-01",
        "months": [
            # 03-31 only: I2 sent that evening (local), and its 100.00 paid that day.
            month("2026-03", 30000, 10000, 0, 0),
            # 04-01 only: the 200.00 payment (its 15.00 tip apart); nothing invoiced.
            month("2026-04", 0, 20000, 0, 0),
        ],
        "totals": {
            "invoiced_cents": 30000,
            "collected_cents": 30000,
            "tips_cents": 1500,
            "previous_invoiced_cents": 0,
            "previous_collected_cents": 0,
            "previous_tips_cents": 0,
            "invoiced_change_pct": None,  # nothing a year before: no division by zero
            "collected_change_pct": None,
        },
    }
    # April 1 alone has none of the invoice sent at 04:30 UTC that day.
    april_first = report(
        world.a.client, "report_revenue", **{"from": "2026-04-01", "to": "2026-04-01"}
    )
    assert april_first["totals"]["invoiced_cents"] == 0
    assert april_first["totals"]["collected_cents"] == 20000


def test_revenue_compares_29_february_with_the_28th(world: World) -> None:
    got = report(world.a.client, "report_revenue", **{"from": "2028-02-29", "to": "2028-03-01"})
    assert (got["compare_from"], got["compare_to"]) == ("2027-02-28", "2027-03-01")
    assert got["months"] == [
        month("2028-02", 0, 0, 0, 0),
        month("2028-03", 0, 0, 0, 0),
    ]


def test_without_a_range_a_report_covers_this_month(world: World) -> None:
    first = world.today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    for type_ in REPORTS:
        got = report(world.a.client, type_)
        assert (got["from"], got["to"]) == (first.isoformat(), last.isoformat()), type_


def test_money_also_comes_formatted(world: World) -> None:
    totals = done(read(world.a.client, "report_revenue", **SPRING_2026))["totals"]
    assert totals["invoiced_formatted"] == "$495.00"


# -- by service ------------------------------------------------------------------------------


def test_services_and_pricing_modes(world: World) -> None:
    services = world.a.services
    got = report(world.a.client, "report_services", **YEAR_2026)
    # Completed 2026 visits: T2 (windows 170.00, gutters 150.00, -20.00), T4 (custom 40.00,
    # windows 85.00), T6 (house 200.00), T5 (gutters 180.01), T3 (house 200.00, kit 2 x 25.00).
    # Cancelled T8, no-show T9, in-progress T11 and the 2024/2025 visits are left out.
    assert got == {
        "from": "2026-01-01",
        "to": "2026-12-31",
        "services": [
            row(services["house"]["id"], "House wash", "fixed", 40000, 2, 20000),  # T3, T6
            # 150.00 + 180.01 = 330.01 over 2 jobs = 165.005, rounded half up.
            row(services["gutters"]["id"], "Gutters", "flexible", 33001, 2, 16501),
            row(services["windows"]["id"], "Windows", "per_unit", 25500, 2, 12750),  # T2, T4
            row(services["kit"]["id"], "Squeegee kit", "product", 5000, 1, 5000),
            row(None, "Not from the catalog", None, 4000, 1, 4000),
        ],
        "pricing_modes": [
            mode("fixed", 40000, 2, 20000),
            # Gutters 330.01 + the custom line 40.00 (a custom line is flexible) over T2, T4,
            # T5: 370.01 / 3 = 123.336...
            mode("flexible", 37001, 3, 12334),
            mode("per_unit", 25500, 2, 12750),
            mode("product", 5000, 1, 5000),
        ],
        "discounts_cents": -2000,
        # 400.00 + 330.01 + 255.00 + 50.00 + 40.00 - 20.00
        "total_cents": 105501,
        "jobs": 5,
    }


def row(
    service_id: Any, name: str, pricing_mode: Any, revenue: int, jobs: int, average: int
) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "name": name,
        "pricing_mode": pricing_mode,
        "revenue_cents": revenue,
        "jobs": jobs,
        "average_cents": average,
    }


def mode(name: str, revenue: int, jobs: int, average: int) -> dict[str, Any]:
    return {"pricing_mode": name, "revenue_cents": revenue, "jobs": jobs, "average_cents": average}


def test_services_of_the_year_before(world: World) -> None:
    got = report(world.a.client, "report_services", **{"from": "2025-01-01", "to": "2025-12-31"})
    services = world.a.services
    # T12 Gus windows x5 (42.50), T7 Eve windows x12 (102.00), T1 Alice house wash (200.00).
    assert got["services"] == [
        row(services["house"]["id"], "House wash", "fixed", 20000, 1, 20000),
        row(services["windows"]["id"], "Windows", "per_unit", 14450, 2, 7225),
    ]
    assert (got["discounts_cents"], got["total_cents"], got["jobs"]) == (0, 34450, 3)


# -- by area ---------------------------------------------------------------------------------


def area(name: str, revenue: int, jobs: int) -> dict[str, Any]:
    return {"name": name, "revenue_cents": revenue, "jobs": jobs, "other": False}


def test_areas_by_city_and_postal_code(world: World) -> None:
    got = report(world.a.client, "report_areas", **YEAR_2026)
    # Work value per completed 2026 job, discounts included: T2 300.00 (Alice, Springfield
    # 62701), T3 250.00 (Ben, SPRINGFIELD 62702), T4 125.00 (Cara, Springfield, no postal
    # code), T6 200.00 (Fay, Shelbyville 62565), T5 180.01 (Dan, no address).
    assert got == {
        "from": "2026-01-01",
        "to": "2026-12-31",
        "cities": [
            # One city whatever the case; spelled as two of its three addresses spell it.
            area("Springfield", 67500, 3),  # 300.00 + 250.00 + 125.00
            area("Shelbyville", 20000, 1),
            area("(none)", 18001, 1),
        ],
        "postal_codes": [
            area("(none)", 30501, 2),  # Cara 125.00 + Dan 180.01
            area("62701", 30000, 1),
            area("62702", 25000, 1),
            area("62565", 20000, 1),
        ],
        "total_cents": 105501,
        "jobs": 5,
    }


# -- work ------------------------------------------------------------------------------------


def weeks(first: str, last: str, completed: dict[str, int]) -> list[dict[str, Any]]:
    """Every Monday from ``first`` to ``last``, with the given counts (0 elsewhere)."""
    day, end, rows = date.fromisoformat(first), date.fromisoformat(last), []
    while day <= end:
        rows.append({"week_start": day.isoformat(), "completed": completed.get(day.isoformat(), 0)})
        day += timedelta(days=7)
    return rows


def heat(*cells: tuple[int, int, int]) -> list[dict[str, int]]:
    return [{"weekday": d, "hour": h, "jobs": n} for d, h, n in sorted(cells)]


def sorted_heat(got: dict[str, Any]) -> list[dict[str, int]]:
    return sorted(got["heat"], key=lambda c: (c["weekday"], c["hour"]))


def test_work_over_a_year(world: World) -> None:
    got = report(world.a.client, "report_work", **YEAR_2026)
    # 2026-01-01 is a Thursday: the first week starts Monday 2025-12-29, the last 12-28.
    assert got["weeks"] == weeks(
        "2025-12-29",
        "2026-12-28",
        {
            "2026-03-02": 1,  # T2, Sunday 03-08
            "2026-03-30": 1,  # T4, Wednesday 04-01
            "2026-04-13": 1,  # T6, Wednesday 04-15
            "2026-06-08": 1,  # T5, Sunday 06-14 19:30 CDT (already Monday in UTC)
            "2026-10-26": 1,  # T3, Sunday 11-01
        },
    )
    assert got["hours"] == {
        # T2 100 + T3 (90 across the fall-back hour + 120) + T4 66 + T6 60; T11's running clock
        # (no end) left out.
        "worked_minutes": 436,
        # Booked durations, cancelled T8 (240) left out: T2 90 + T3 120 + T4 60 + T6 90 +
        # T5 60 + no-show T9 45 + T11 30.
        "scheduled_minutes": 495,
    }
    assert got["jobs"] == {
        "completed": 5,
        "timed": 4,  # T5 has no clock time
        "average_worked_minutes": 109,  # (100 + 210 + 66 + 60) / 4
        "average_estimate_minutes": 90,  # (90 + 120 + 60 + 90) / 4
    }
    assert got["rates"] == {
        # T2 T3 T4 T5 T6 completed, T8 cancelled, T9 no-show, T11 in progress.
        "booked": 8,
        "cancelled": 1,
        "no_show": 1,
        "cancelled_pct": 12.5,
        "no_show_pct": 12.5,
    }
    assert sorted_heat(got) == heat(
        (3, 10, 2),  # Wednesday 10:00: T4 and the no-show T9
        (3, 11, 1),  # T6
        (7, 9, 2),  # Sunday 09:00 on both clock-change days: T2 (CDT) and T3 (CST)
        (7, 10, 1),  # T11
        (7, 19, 1),  # T5
    )
    assert (got["from"], got["to"]) == ("2026-01-01", "2026-12-31")
    assert set(got) == {"from", "to", "weeks", "hours", "jobs", "rates", "heat"}


def test_work_on_the_fall_back_sunday(world: World) -> None:
    got = report(world.a.client, "report_work", **{"from": "2026-11-01", "to": "2026-11-01"})
    assert got == {
        "from": "2026-11-01",
        "to": "2026-11-01",
        "weeks": [{"week_start": "2026-10-26", "completed": 1}],
        # 06:15-07:45 UTC is 01:15 CDT to 01:45 CST: 90 real minutes, then 120.
        "hours": {"worked_minutes": 210, "scheduled_minutes": 120},
        "jobs": {
            "completed": 1,
            "timed": 1,
            "average_worked_minutes": 210,
            "average_estimate_minutes": 120,
        },
        "rates": {
            "booked": 1,
            "cancelled": 0,
            "no_show": 0,
            "cancelled_pct": 0.0,
            "no_show_pct": 0.0,
        },
        "heat": heat((7, 9, 1)),
    }


def test_work_on_the_spring_forward_sunday(world: World) -> None:
    got = report(world.a.client, "report_work", **{"from": "2026-03-08", "to": "2026-03-08"})
    assert got["weeks"] == [{"week_start": "2026-03-02", "completed": 1}]
    assert got["hours"] == {"worked_minutes": 100, "scheduled_minutes": 90}
    assert got["heat"] == heat((7, 9, 1))


def test_work_counts_clock_time_on_the_local_day_it_started(world: World) -> None:
    # T6's clock ran 23:50 CDT on 04-14 to 00:50 on 04-15; its visit is on 04-15.
    the_14th = report(world.a.client, "report_work", **{"from": "2026-04-14", "to": "2026-04-14"})
    assert the_14th["hours"] == {"worked_minutes": 60, "scheduled_minutes": 0}
    assert the_14th["jobs"] == {
        "completed": 0,
        "timed": 0,
        "average_worked_minutes": None,
        "average_estimate_minutes": None,
    }
    assert the_14th["rates"] == {
        "booked": 0,
        "cancelled": 0,
        "no_show": 0,
        "cancelled_pct": None,
        "no_show_pct": None,
    }
    assert the_14th["heat"] == []
    the_15th = report(world.a.client, "report_work", **{"from": "2026-04-15", "to": "2026-04-15"})
    assert the_15th["hours"] == {"worked_minutes": 0, "scheduled_minutes": 90}
    assert the_15th["jobs"] == {
        "completed": 1,
        "timed": 1,
        "average_worked_minutes": 60,
        "average_estimate_minutes": 90,
    }


def test_a_sunday_evening_visit_stays_on_sunday(world: World) -> None:
    # T5: 19:30 CDT on Sunday 06-14 is 00:30 UTC on Monday 06-15.
    sunday = report(world.a.client, "report_work", **{"from": "2026-06-14", "to": "2026-06-14"})
    assert sunday["weeks"] == [{"week_start": "2026-06-08", "completed": 1}]
    assert sunday["heat"] == heat((7, 19, 1))
    monday = report(world.a.client, "report_work", **{"from": "2026-06-15", "to": "2026-06-15"})
    assert monday["weeks"] == [{"week_start": "2026-06-15", "completed": 0}]
    assert monday["heat"] == []


def test_cancellation_rates_in_march(world: World) -> None:
    got = report(world.a.client, "report_work", **{"from": "2026-03-01", "to": "2026-03-31"})
    # T2 completed, T8 cancelled, T9 no-show: a third each.
    assert got["rates"] == {
        "booked": 3,
        "cancelled": 1,
        "no_show": 1,
        "cancelled_pct": 33.3,
        "no_show_pct": 33.3,
    }
    assert got["hours"] == {"worked_minutes": 100, "scheduled_minutes": 135}  # 90 + 45
    assert sorted_heat(got) == heat((3, 10, 1), (7, 9, 1))  # T9 counts, cancelled T8 not


# -- receivables -----------------------------------------------------------------------------


def test_receivables_by_age_today(world: World) -> None:
    today = world.today
    invoices = world.a.invoices

    def owed(key: str, contact: str, issued: date, due: date, total: int, paid: int) -> Any:
        age = (today - issued).days
        bucket = "0-30" if age <= 30 else "31-60" if age <= 60 else "61-90" if age <= 90 else "90+"
        return {
            "id": invoices[key]["id"],
            "number": invoices[key]["number"],
            "contact": person(world, contact, email=True),
            "issued_on": issued.isoformat(),
            "due_on": due.isoformat(),
            "age_days": age,
            "bucket": bucket,
            "total_cents": total,
            "paid_cents": paid,
            "balance_cents": total - paid,
        }

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    expected = {
        "as_of": today.isoformat(),
        "buckets": [
            {"bucket": "0-30", "count": 1, "balance_cents": 1000},  # R30, 30 days old
            {"bucket": "31-60", "count": 1, "balance_cents": 1500},  # R31: 20.00 - 5.00 paid
            {"bucket": "61-90", "count": 1, "balance_cents": 3000},  # R90
            # R91 40.00 + I2 50.00 (300.00 - 100.00 - 200.00 + 50.00 refunded) + I3 125.00
            # (its payment removed).
            {"bucket": "90+", "count": 3, "balance_cents": 21500},
        ],
        # Oldest first. I2 was sent 23:30 CDT on 03-31: its invoiced day is the 31st. Paid
        # I1, I4, I7, void I5 and draft I6 owe nothing.
        "invoices": [
            owed("I2", "alice", date(2026, 3, 31), date(2026, 4, 14), 30000, 25000),
            owed("I3", "cara", date(2026, 4, 2), date(2026, 4, 16), 12500, 0),
            owed("R91", "gus", ago(91), ago(91 - 14), 4000, 0),
            owed("R90", "dan", ago(90), ago(90 - 14), 3000, 0),
            owed("R31", "ben", ago(31), ago(31 - 14), 2000, 500),
            owed("R30", "fay", ago(30), ago(30 - 14), 1000, 0),
        ],
        "total_cents": 27000,
        "count": 6,
    }
    got = report(world.a.client, "report_receivables", **YEAR_2026)
    assert got == {"from": "2026-01-01", "to": "2026-12-31", **expected}
    # The range is accepted but changes nothing: what is owed is a fact of today.
    older = report(
        world.a.client, "report_receivables", **{"from": "2024-01-01", "to": "2024-01-31"}
    )
    assert older == {"from": "2024-01-01", "to": "2024-01-31", **expected}


# -- customers -------------------------------------------------------------------------------


def top(world: World, key: str, revenue: int, visits: int, last: str) -> dict[str, Any]:
    return {
        "contact": person(world, key),
        "revenue_cents": revenue,
        "visits": visits,
        "last_visit": last,
    }


def test_customers_over_a_year(world: World) -> None:
    got = report(world.a.client, "report_customers", **YEAR_2026)
    months = {f"2026-{m:02d}": (0, 0) for m in range(1, 13)}
    months.update(
        {
            "2026-03": (0, 1),  # Alice (first visit 2025-03-10): returning
            "2026-04": (2, 0),  # Cara and Fay, both first visits
            "2026-06": (1, 0),  # Dan
            "2026-11": (1, 0),  # Ben (his March ticket was cancelled)
        }
    )
    assert got == {
        "from": "2026-01-01",
        "to": "2026-12-31",
        "months": [{"month": m, "new": n, "returning": r} for m, (n, r) in months.items()],
        # Lifetime work value up to 2026-12-31 (discounts included).
        "top": [
            top(world, "alice", 50000, 2, "2026-03-08"),  # T1 200.00 + T2 300.00
            top(world, "ben", 25000, 1, "2026-11-01"),
            top(world, "fay", 20000, 1, "2026-04-15"),
            top(world, "dan", 18001, 1, "2026-06-14"),
            top(world, "eve", 13600, 2, "2025-02-10"),  # T14 34.00 + T7 102.00
            top(world, "cara", 12500, 1, "2026-04-01"),
            top(world, "gus", 4250, 1, "2025-01-20"),
        ],
        # Cutoff 2026-12-31 - 18 months. Eve last came 2025-02-10; Gus (2025-01-20) has
        # T13 booked for 2027.
        "lost": {
            "count": 1,
            "cutoff": "2025-06-30",
            "customers": [{"contact": person(world, "eve"), "last_visit": "2025-02-10"}],
        },
        # Due for service today: only Eve has two visit days (gap 62 days: due 2025-04-13);
        # Alice has T11 booked, everyone else one visit.
        "due_count": 1,
    }


def test_customers_up_to_an_earlier_day(world: World) -> None:
    got = report(world.a.client, "report_customers", **{"from": "2026-04-01", "to": "2026-06-30"})
    assert got["months"] == [
        {"month": "2026-04", "new": 2, "returning": 0},
        {"month": "2026-05", "new": 0, "returning": 0},
        {"month": "2026-06", "new": 1, "returning": 0},
    ]
    # Ben's November visit is after `to`: not in his lifetime yet.
    assert got["top"] == [
        top(world, "alice", 50000, 2, "2026-03-08"),
        top(world, "fay", 20000, 1, "2026-04-15"),
        top(world, "dan", 18001, 1, "2026-06-14"),
        top(world, "eve", 13600, 2, "2025-02-10"),
        top(world, "cara", 12500, 1, "2026-04-01"),
        top(world, "gus", 4250, 1, "2025-01-20"),
    ]
    # Cutoff 2024-12-30: Eve's last visit (2025-02-10) is after it.
    assert got["lost"] == {"count": 0, "cutoff": "2024-12-30", "customers": []}


def test_a_first_visit_ever_is_new(world: World) -> None:
    got = report(world.a.client, "report_customers", **{"from": "2024-12-01", "to": "2025-03-31"})
    assert got["months"] == [
        {"month": "2024-12", "new": 1, "returning": 0},  # Eve's first visit
        {"month": "2025-01", "new": 1, "returning": 0},  # Gus
        {"month": "2025-02", "new": 0, "returning": 1},  # Eve again
        {"month": "2025-03", "new": 1, "returning": 0},  # Alice
    ]


# -- the range and the registry --------------------------------------------------------------


@pytest.mark.parametrize("type_", REPORTS)
def test_a_bad_range_names_the_field(world: World, type_: str) -> None:
    client = world.a.client

    def refused(field: str, **params: str) -> None:
        err = error(read(client, type_, **params), 422, "VALIDATION_ERROR")
        assert [f["field"] for f in err["details"]["fields"]] == [field], err

    refused("from", **{"from": "2026-05-01", "to": "2026-04-30"})
    refused("from", **{"from": "2026-13-01", "to": "2026-12-31"})
    refused("to", **{"from": "2026-01-01", "to": "2026-02-30"})
    refused("to", **{"from": "2026-01-01", "to": "soon"})
    # Both days count: 2023-01-01 to 2025-12-31 is 365 + 366 + 365 = 1,096 days.
    done(read(client, type_, **{"from": "2023-01-01", "to": "2025-12-31"}))
    refused("to", **{"from": "2023-01-01", "to": "2026-01-01"})  # 1,097 days


def test_every_report_is_a_data_type_in_the_capabilities(world: World) -> None:
    response = world.a.client.get("/api/capabilities")
    assert response.status_code == 200, response.text
    types = response.json()["data"]["data_types"]
    for type_ in REPORTS:
        assert type_ in types
        assert types[type_]["filters"] == ["from", "to"]
