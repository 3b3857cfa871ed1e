"""Each business's reports show its own rows only (RLS), and nobody without a session reads any.

Business B (America/New_York, tests/reports/conftest.py): seventeen customers Zed Town01..Town17
in the towns Town01..Town17 (postal codes 10001..10017), one completed visit each at 14:00 local
on 2026-02-01..17 with a custom line of $10 x n, no clock time; invoice BI ($170.00, Town17's
visit) sent 2026-03-15 with $30.00 paid on 03-20."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import error, read
from tests.reports.conftest import REPORTS, SPRING_2026, YEAR_2026, World, report

# The reports that name their own business's rows over 2026 (ids, names, places): B has no
# catalog services, so its services report names nothing of its own.
NAMED_BY_A = ("report_services", "report_areas", "report_receivables", "report_customers")
NAMED_BY_B = ("report_areas", "report_receivables", "report_customers")


def fingerprints(world: World, which: str) -> set[str]:
    """Strings only that business's rows can put in a report: ids, names, places."""
    business = world.a if which == "a" else world.b
    marks = {str(row["id"]) for row in business.contacts.values()}
    marks |= {str(row["id"]) for row in business.invoices.values()}
    marks |= {str(row["id"]) for row in business.services.values()}
    marks |= {row["display_name"] for row in business.contacts.values()}
    if which == "a":
        marks |= {"Springfield", "SPRINGFIELD", "Shelbyville", "62701", "62702", "62565"}
    else:
        marks |= {f"Town{n:02d}" for n in range(1, 18)} | {f"100{n:02d}" for n in range(1, 18)}
    return marks


@pytest.mark.parametrize("type_", REPORTS)
def test_no_report_shows_the_other_business(world: World, type_: str) -> None:
    for params in (YEAR_2026, SPRING_2026, {"from": "2024-01-01", "to": "2026-12-31"}):
        seen_by_a = json.dumps(report(world.a.client, type_, **params))
        seen_by_b = json.dumps(report(world.b.client, type_, **params))
        assert not [m for m in fingerprints(world, "b") if m in seen_by_a], params
        assert not [m for m in fingerprints(world, "a") if m in seen_by_b], params
    # The check above can fail: the same reports do show each business's own marks.
    seen_by_a = json.dumps(report(world.a.client, type_, **YEAR_2026))
    seen_by_b = json.dumps(report(world.b.client, type_, **YEAR_2026))
    assert bool([m for m in fingerprints(world, "a") if m in seen_by_a]) is (type_ in NAMED_BY_A)
    assert bool([m for m in fingerprints(world, "b") if m in seen_by_b]) is (type_ in NAMED_BY_B)
    # And A's own figures are A's alone (every one is checked in test_report_figures.py).
    totals = {
        "report_revenue": ("totals", "invoiced_cents", 49500),
        "report_services": (None, "total_cents", 105501),
        "report_areas": (None, "jobs", 5),
        "report_work": ("jobs", "completed", 5),
        "report_receivables": (None, "total_cents", 27000),
        "report_customers": ("lost", "count", 1),
    }
    part, name, value = totals[type_]
    got = report(world.a.client, type_, **(SPRING_2026 if type_ == "report_revenue" else YEAR_2026))
    assert (got[part] if part else got)[name] == value


def test_b_revenue(world: World) -> None:
    got = report(world.b.client, "report_revenue", **SPRING_2026)
    # BI sent 2026-03-15 (170.00) and 30.00 paid 03-20; nothing in April or a year before.
    assert [(m["month"], m["invoiced_cents"], m["collected_cents"]) for m in got["months"]] == [
        ("2026-03", 17000, 3000),
        ("2026-04", 0, 0),
    ]
    assert got["totals"] == {
        "invoiced_cents": 17000,
        "collected_cents": 3000,
        "tips_cents": 0,
        "previous_invoiced_cents": 0,
        "previous_collected_cents": 0,
        "previous_tips_cents": 0,
        "invoiced_change_pct": None,
        "collected_change_pct": None,
    }


def test_b_services_and_areas_with_the_other_row(world: World) -> None:
    services = report(world.b.client, "report_services", **YEAR_2026)
    # 10.00 + 20.00 + ... + 170.00 = 1,530.00 over 17 jobs, all custom lines.
    assert services["services"] == [
        {
            "service_id": None,
            "name": "Not from the catalog",
            "pricing_mode": None,
            "revenue_cents": 153000,
            "jobs": 17,
            "average_cents": 9000,
        }
    ]
    assert services["pricing_modes"] == [
        {"pricing_mode": "flexible", "revenue_cents": 153000, "jobs": 17, "average_cents": 9000}
    ]
    assert (services["discounts_cents"], services["total_cents"], services["jobs"]) == (
        0,
        153000,
        17,
    )

    areas = report(world.b.client, "report_areas", **YEAR_2026)
    # The top 15 (Town17 at 170.00 down to Town03 at 30.00), then Other: Town02 + Town01.
    other = {"name": "Other", "other": True, "places": 2, "revenue_cents": 3000, "jobs": 2}
    cities = [
        {"name": f"Town{n:02d}", "revenue_cents": n * 1000, "jobs": 1, "other": False}
        for n in range(17, 2, -1)
    ]
    postal = [
        {"name": f"100{n:02d}", "revenue_cents": n * 1000, "jobs": 1, "other": False}
        for n in range(17, 2, -1)
    ]
    assert areas["cities"] == [*cities, other]
    assert areas["postal_codes"] == [*postal, other]
    assert (areas["total_cents"], areas["jobs"]) == (153000, 17)


def test_b_work_in_its_own_timezone(world: World) -> None:
    got = report(world.b.client, "report_work", **{"from": "2026-02-01", "to": "2026-02-28"})
    assert got["hours"] == {"worked_minutes": 0, "scheduled_minutes": 1020}  # 17 x 60
    assert got["jobs"] == {
        "completed": 17,
        "timed": 0,
        "average_worked_minutes": None,
        "average_estimate_minutes": None,
    }
    assert got["rates"] == {
        "booked": 17,
        "cancelled": 0,
        "no_show": 0,
        "cancelled_pct": 0.0,
        "no_show_pct": 0.0,
    }
    # 2026-02-01 is a Sunday. 14:00 in New York (13:00 in Chicago): Sundays 1, 8, 15;
    # Mondays 2, 9, 16; Tuesdays 3, 10, 17; then two each Wednesday to Saturday.
    assert sorted(got["heat"], key=lambda c: c["weekday"]) == [
        {"weekday": day, "hour": 14, "jobs": n}
        for day, n in ((1, 3), (2, 3), (3, 2), (4, 2), (5, 2), (6, 2), (7, 3))
    ]
    # Weeks from Monday 01-26 (holding Sunday 02-01) to Monday 02-23.
    assert got["weeks"] == [
        {"week_start": "2026-01-26", "completed": 1},
        {"week_start": "2026-02-02", "completed": 7},
        {"week_start": "2026-02-09", "completed": 7},
        {"week_start": "2026-02-16", "completed": 2},
        {"week_start": "2026-02-23", "completed": 0},
    ]


def test_b_receivables_and_customers(world: World) -> None:
    today = datetime.now(ZoneInfo("America/New_York")).date()
    owed = report(world.b.client, "report_receivables", **YEAR_2026)
    age = (today - date(2026, 3, 15)).days
    assert owed["as_of"] == today.isoformat()
    assert owed["buckets"] == [
        {"bucket": "0-30", "count": 0, "balance_cents": 0},
        {"bucket": "31-60", "count": 0, "balance_cents": 0},
        {"bucket": "61-90", "count": 0, "balance_cents": 0},
        {"bucket": "90+", "count": 1, "balance_cents": 14000},
    ]
    invoice = world.b.invoices["BI"]
    town17 = world.b.contacts["b17"]
    assert owed["invoices"] == [
        {
            "id": invoice["id"],
            "number": invoice["number"],
            "contact": {
                "id": town17["id"],
                "display_name": "Zed Town17",
                "email": "zed.town17@example.com",
            },
            "issued_on": "2026-03-15",
            "due_on": "2026-03-29",
            "age_days": age,
            "bucket": "90+",
            "total_cents": 17000,
            "paid_cents": 3000,
            "balance_cents": 14000,
        }
    ]
    assert (owed["total_cents"], owed["count"]) == (14000, 1)

    customers = report(world.b.client, "report_customers", **YEAR_2026)
    assert [(m["month"], m["new"], m["returning"]) for m in customers["months"][:3]] == [
        ("2026-01", 0, 0),
        ("2026-02", 17, 0),
        ("2026-03", 0, 0),
    ]
    assert [(t["contact"]["display_name"], t["revenue_cents"]) for t in customers["top"]] == [
        (f"Zed Town{n:02d}", n * 1000) for n in range(17, 0, -1)
    ]
    assert customers["lost"] == {"count": 0, "cutoff": "2025-06-30", "customers": []}
    assert customers["due_count"] == 0


@pytest.mark.parametrize("type_", REPORTS)
def test_a_request_without_a_session_is_refused(stranger: TestClient, type_: str) -> None:
    error(read(stranger, type_, **YEAR_2026), 401, "UNAUTHENTICATED")
