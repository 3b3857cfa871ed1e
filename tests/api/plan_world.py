"""A customer with an address, a per-window service and a crew member, and plans for them:
what the plan tests share."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.api.helpers import act, done, make, read

CHICAGO = ZoneInfo("America/Chicago")


def today() -> date:
    return datetime.now(CHICAGO).date()


def next_weekday(weekday: int, after: date | None = None) -> date:
    day = (after or today()) + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def visits(client: TestClient, plan_id: str) -> list[dict[str, Any]]:
    return done(read(client, "plans", id=plan_id, include="visits"))["visits"]


def local(ticket: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(ticket["scheduled_start"]).astimezone(CHICAGO)


def new_customer(client: TestClient) -> dict[str, Any]:
    contact = make(client, "contact", first_name="Ann", last_name="Lee")
    address = make(client, "address", contact_id=contact["id"], line1="12 Oak St")
    windows = make(
        client,
        "service",
        name="Windows",
        pricing_mode="per_unit",
        unit_price_cents=500,
        unit_label="window",
    )
    jo = make(client, "staff", name="Jo")
    return {"contact": contact, "address": address, "windows": windows, "jo": jo}


def make_plan(client: TestClient, customer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data = {
        "contact_id": customer["contact"]["id"],
        "rrule": "FREQ=WEEKLY;INTERVAL=4;BYDAY=TU",
        "start_date": next_weekday(1).isoformat(),
        "start_time": "09:00",
        "duration_minutes": 90,
        "staff_ids": [customer["jo"]["id"]],
        "lines": [{"service_id": customer["windows"]["id"], "quantity": 20}],
        "title": "Windows, inside and out",
        **extra,
    }
    return done(act(client, "plan", "create", **data))
