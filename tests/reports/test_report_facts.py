"""The report facts (migration 0018) follow every change the reports must see: a timezone
change rebuilds them, a soft-deleted ticket leaves, a percent discount repriced by its trigger,
a voided invoice, a removed payment, and a business imported from an export."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from crm.exports import build_export, import_export
from tests.api.helpers import make
from tests.factories import make_user
from tests.reports.conftest import (
    NEW_YORK,
    REPORTS,
    Business,
    World,
    at,
    report,
)
from tests.worlds import signed_in_client

DAY_10 = {"from": "2026-05-10", "to": "2026-05-10"}
DAY_11 = {"from": "2026-05-11", "to": "2026-05-11"}
MAY = {"from": "2026-05-01", "to": "2026-05-31"}


@pytest.fixture(scope="module")
def c(world: World, report_app: Any) -> Iterator[Business]:
    """Business C (New York): one catalog service, one customer."""
    owner = world.a.owner
    user = make_user(owner, business_name="Late Panes", timezone="UTC")
    business = Business(signed_in_client(report_app, user["id"]), owner, user["id"], NEW_YORK)
    business.act("business", "update", timezone="America/New_York")
    business.services["wash"] = make(
        business.client, "service", name="Wash", pricing_mode="fixed", unit_price_cents=10000
    )
    business.contact("zoe", "Zoe", "Late", city="Albany", postal="12207")
    yield business


def _services(b: Business, params: dict[str, str]) -> dict[str, Any]:
    return report(b.client, "report_services", **params)


def test_a_late_evening_visit_moves_day_when_the_timezone_changes(c: Business) -> None:
    # 23:30 in New York on May 10 is 03:30 UTC on May 11.
    c.ticket("late", "zoe", at("2026-05-10", "23:30", NEW_YORK), [("wash", {"quantity": "1"})])
    c.complete("late", [])
    assert _services(c, DAY_10)["jobs"] == 1
    assert report(c.client, "report_work", **DAY_10)["jobs"]["completed"] == 1
    c.act("business", "update", timezone="UTC")
    try:
        assert _services(c, DAY_10)["jobs"] == 0
        moved = _services(c, DAY_11)
        assert moved["jobs"] == 1 and moved["total_cents"] == 10000
        work = report(c.client, "report_work", **DAY_11)
        assert work["jobs"]["completed"] == 1
        assert work["heat"] == [{"weekday": 1, "hour": 3, "jobs": 1}]
    finally:
        c.act("business", "update", timezone="America/New_York")
    assert _services(c, DAY_10)["jobs"] == 1


def test_a_deleted_ticket_leaves_the_reports(c: Business) -> None:
    c.ticket("gone", "zoe", at("2026-05-20", "10:00", NEW_YORK), [("wash", {"quantity": "1"})])
    before = report(c.client, "report_work", **MAY)["rates"]["booked"]
    c.act("ticket", "delete", id=c.tickets["gone"]["id"])
    assert report(c.client, "report_work", **MAY)["rates"]["booked"] == before - 1


def test_a_percent_discount_is_repriced_in_the_figures(c: Business) -> None:
    c.ticket("pct", "zoe", at("2026-05-25", "10:00", NEW_YORK), [("wash", {"quantity": "1"})])
    ticket_id = c.tickets["pct"]["id"]
    c.act("line_item", "add_discount", ticket_id=ticket_id, percent_bp=1000)
    # Another line after the discount: the trigger reprices it to -10 % of 200.00.
    extra = c.act(
        "line_item", "add", ticket_id=ticket_id, service_id=c.services["wash"]["id"], quantity="1"
    )
    c.tickets["pct"]["lines"].append(extra)
    c.complete("pct", [])
    day = {"from": "2026-05-25", "to": "2026-05-25"}
    services = _services(c, day)
    assert services["discounts_cents"] == -2000
    assert services["total_cents"] == 18000
    assert services["services"][0]["revenue_cents"] == 20000
    assert report(c.client, "report_areas", **day)["total_cents"] == 18000


def test_a_voided_invoice_and_a_removed_payment_leave_revenue(c: Business) -> None:
    june = {"from": "2026-06-01", "to": "2026-06-30"}
    c.bill_standalone("V", "zoe", 5000, "2026-06-30")
    c.send("V", at("2026-06-05", "10:00", NEW_YORK))
    c.bill_standalone("P", "zoe", 7000, "2026-06-30")
    c.send("P", at("2026-06-06", "10:00", NEW_YORK))
    payment = c.pay("P", 7000, "2026-06-07")
    totals = report(c.client, "report_revenue", **june)["totals"]
    assert (totals["invoiced_cents"], totals["collected_cents"]) == (12000, 7000)
    c.act("invoice", "void", id=c.invoices["V"]["id"], reason="Sent twice")
    c.act("invoice", "remove_payment", payment_id=payment["id"], reason="Twice")
    totals = report(c.client, "report_revenue", **june)["totals"]
    assert (totals["invoiced_cents"], totals["collected_cents"]) == (7000, 0)


def test_an_imported_business_has_the_same_reports(world: World, report_app: Any) -> None:
    db = report_app.state.resources.db
    zipped = build_export(db, world.b.user_id)
    new = make_user(world.a.owner, business_name="Moved Panes", timezone="America/New_York")
    import_export(db, new["id"], io.BytesIO(zipped))
    moved = signed_in_client(report_app, new["id"])
    for type_ in REPORTS:
        if type_ == "report_receivables":
            continue  # of today, and the invoice numbers and ids differ
        params = {"from": "2026-01-01", "to": "2026-12-31"}
        was, now = report(world.b.client, type_, **params), report(moved, type_, **params)
        assert _without_ids(now) == _without_ids(was), type_
    assert report(moved, "report_services", **params)["jobs"] == 17


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in ("id", "service_id")}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value
