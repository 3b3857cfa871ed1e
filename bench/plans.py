"""Service plans at a business's full size: expanding 1,000 plans a year ahead, and the calendar.

Starts its own `crm serve` (embedded stack), signs a business in through the email link, and
gives it 1,000 customers with an address, a per-unit service and four staff (raw SQL, as an
import would). Then:

(a) expansion: 1,000 plans (800 every 4 weeks on a weekday, 200 monthly on a day) inserted
    with nothing generated yet, and the worker's own `extend_plans` run against the app role
    (RLS, one unit of work per plan): seconds and visits per second for ≈ 13,000 visits,
    each with its service line and staff (the business has no messaging contacts, so no
    reminders are planned: that cost is the messaging bench's);
(b) a second run finds nothing to do (idempotence at size), timed;
(c) `plan.create` over HTTP for 30 more plans (each books its year and checks overlaps):
    p50 / p95 per plan;
(d) the calendar week at that size: GET /api/data?type=tickets for a week — the first page
    (default limit) against the calendar's 15 ms p95 target (bench/api_latency.py), and every
    visit of the week (limit 1000) reported beside it.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
from psycopg.rows import dict_row

from bench.api_latency import TARGET_MS, Server, sign_in
from bench.core import Context, Result
from crm.clients.postgres_client import Database
from crm.jobs.plans import extend_plans

PLANS = 1000
CREATE_N = 30
WEEK_N = 200
WARMUP = 20
EMAIL = "plans@bench.example"
TIMEZONE = "America/Chicago"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _business(raw: psycopg.Connection[dict[str, Any]]) -> tuple[uuid.UUID, dict[str, Any]]:
    """The signed-in business, given customers, a service and staff; its id and those."""
    user = raw.execute("SELECT id FROM users WHERE email = %s", (EMAIL,)).fetchone()
    assert user is not None
    uid = user["id"]
    service = raw.execute(
        "INSERT INTO services (user_id, name, pricing_mode, unit_price_cents, unit_label, "
        "default_duration_minutes) VALUES (%s, 'Windows', 'per_unit', 500, 'window', 5) "
        "RETURNING id",
        (uid,),
    ).fetchone()
    staff = [
        raw.execute(
            "INSERT INTO staff (user_id, name) VALUES (%s, %s) RETURNING id", (uid, f"Crew {n}")
        ).fetchone()["id"]
        for n in range(4)
    ]
    customers = []
    for n in range(PLANS):
        contact = raw.execute(
            "INSERT INTO contacts (user_id, first_name, last_name) VALUES (%s, %s, %s) "
            "RETURNING id",
            (uid, f"Plan{n}", "Customer"),
        ).fetchone()["id"]
        address = raw.execute(
            "INSERT INTO addresses (user_id, contact_id, line1, city, is_primary) "
            "VALUES (%s, %s, %s, 'Huntsville', true) RETURNING id",
            (uid, contact, f"{n} Bench St"),
        ).fetchone()["id"]
        customers.append((contact, address))
    return uid, {"service": service["id"], "staff": staff, "customers": customers}


def _insert_plans(
    raw: psycopg.Connection[dict[str, Any]], uid: uuid.UUID, world: dict[str, Any]
) -> None:
    """1,000 plans with nothing generated yet, as if imported: the worker books them."""
    rng = random.Random(13)
    tomorrow = datetime.now(ZoneInfo(TIMEZONE)).date() + timedelta(days=1)
    lines = f'[{{"service_id": "{world["service"]}", "quantity": "20"}}]'
    for n, (contact, address) in enumerate(world["customers"]):
        if n % 5 == 4:
            rule = f"FREQ=MONTHLY;BYMONTHDAY={rng.randint(1, 28)}"
        else:
            rule = f"FREQ=WEEKLY;INTERVAL=4;BYDAY={rng.choice(WEEKDAYS)}"
        raw.execute(
            "INSERT INTO plans (user_id, contact_id, address_id, rrule, start_date, start_time, "
            "duration_minutes, lines, staff_ids) VALUES (%s, %s, %s, %s, %s, %s, 90, %s, %s)",
            (
                uid,
                contact,
                address,
                rule,
                tomorrow + timedelta(days=rng.randrange(28)),  # a real book starts spread out
                f"{rng.randint(8, 15)}:{rng.choice(('00', '30'))}",
                lines,
                [world["staff"][n % 4]],
            ),
        )


def measure(ctx: Context) -> list[Result]:
    server = Server()
    results: list[Result] = []
    try:
        server.start()
        server.wait_healthy()
        urls = server.stack()["postgres"]["urls"]
        with (
            httpx.Client(base_url=server.base_url, timeout=60) as client,
            psycopg.connect(urls["superuser"], autocommit=True, row_factory=dict_row) as raw,
        ):
            raw.execute(
                "INSERT INTO users (email, display_name, business_name, timezone) "
                "VALUES (%s, 'Bench Owner', 'Bench Plans', %s)",
                (EMAIL, TIMEZONE),
            )
            sign_in(client, EMAIL)
            uid, world = _business(raw)
            _insert_plans(raw, uid, world)
            raw.execute("ANALYZE")
            db = Database(urls["app"])
            db.open()
            try:
                started = time.perf_counter()
                first = extend_plans(db)
                seconds = time.perf_counter() - started
                started = time.perf_counter()
                second = extend_plans(db)
                again_s = time.perf_counter() - started
            finally:
                db.close()
            lines = raw.execute(
                "SELECT count(*) AS n FROM line_items l JOIN tickets t ON t.id = l.ticket_id "
                "WHERE t.plan_id IS NOT NULL"
            ).fetchone()["n"]
            results += [
                Result(
                    "plans_expand_1000_s",
                    round(seconds, 1),
                    "s",
                    notes=f"{first['plans']:,} plans -> {first['visits']:,} visits a year "
                    f"ahead ({lines:,} service lines), one unit of work per plan",
                ),
                Result(
                    "plans_expand_visits_per_s",
                    round(first["visits"] / seconds),
                    "visits/s",
                ),
                Result(
                    "plans_expand_again_s",
                    round(again_s, 2),
                    "s",
                    ok=second["visits"] == 0,
                    notes=f"second run: {second['plans']} plans behind, "
                    f"{second['visits']} visits made",
                ),
            ]
            raw.execute("ANALYZE")
            results += _create_over_http(client, world)
            results += _calendar_week(client)
    finally:
        server.stop()
    return results


def _create_over_http(client: httpx.Client, world: dict[str, Any]) -> list[Result]:
    csrf = client.get("/auth/session").json()["data"]["csrf_token"]
    start = datetime.now(ZoneInfo(TIMEZONE)).date() + timedelta(days=2)
    samples = []
    for n in range(CREATE_N):
        contact, address = world["customers"][n]
        started = time.perf_counter()
        response = client.post(
            "/api/actions",
            headers={"X-CSRF-Token": csrf},
            json={
                "domain": "plan",
                "action": "create",
                "data": {
                    "contact_id": str(contact),
                    "address_id": str(address),
                    "rrule": "FREQ=WEEKLY;INTERVAL=4;BYDAY=" + WEEKDAYS[n % 5],
                    "start_date": start.isoformat(),
                    "start_time": "17:00",
                    "staff_ids": [str(world["staff"][n % 4])],
                    "lines": [{"service_id": str(world["service"]), "quantity": "20"}],
                    "confirm_overlaps": True,
                },
            },
        )
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return [
        Result("plan_create_http_p50_ms", round(_percentile(samples, 50), 1), "ms"),
        Result(
            "plan_create_http_p95_ms",
            round(_percentile(samples, 95), 1),
            "ms",
            notes=f"{CREATE_N} plans, each booking ~13 visits with a line and staff and "
            "checking each visit for overlaps",
        ),
    ]


def _calendar_week(client: httpx.Client) -> list[Result]:
    today = datetime.now(UTC).astimezone(ZoneInfo(TIMEZONE)).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=35)  # plans in full swing
    week = {"type": "tickets", "from": monday.isoformat(), "to": str(monday + timedelta(6))}
    first = _week(client, week, "plans_calendar_week", TARGET_MS)
    return first + _week(client, {**week, "limit": "1000"}, "plans_calendar_week_all", None)


def _week(
    client: httpx.Client, params: dict[str, str], name: str, target: float | None
) -> list[Result]:
    """GET the week WARMUP + WEEK_N times; p50 and p95 (against ``target`` if any)."""
    samples = []
    rows = 0
    for n in range(WARMUP + WEEK_N):
        started = time.perf_counter()
        response = client.get("/api/data", params=params)
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        rows = len(response.json()["data"])
        if n >= WARMUP:
            samples.append(elapsed)
    p95 = _percentile(samples, 95)
    return [
        Result(f"{name}_p50_ms", round(_percentile(samples, 50), 2), "ms"),
        Result(
            f"{name}_p95_ms",
            round(p95, 2),
            "ms",
            target=f"<= {target:g} ms" if target else None,
            ok=None if target is None else p95 <= target,
            notes=f"a week five weeks out: {rows} visits of {PLANS:,} plans "
            f"(limit {params.get('limit', 'default')}), over HTTP",
        ),
    ]
