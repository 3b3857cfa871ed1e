"""Mixed load: technicians browsing and closing out at once against ONE `crm serve`.

Starts ``crm serve`` the way bench/api_latency.py does (its own embedded stack in a fresh
temporary folder, listening on 127.0.0.1 only), loads one business per technician with
bench/datagen.py's generator (contacts, addresses, tickets over +-1 year with a handful today,
notes, attributes), signs every technician in through the real email-link flow, then runs the
technicians concurrently from one asyncio event loop for a fixed time. Each technician loops,
with a random think time between requests (seeded RNG): the calendar day, the week, a ticket
page, a contact search, a contact page; every few loops a close-out of one of today's tickets
(ticket page, clock in with the page form, read its lines, ``ticket.close_out_preview`` with
the rule extractor, ``ticket.close`` with a decision per proposed attribute), creating a ticket
through the API once today's are all done.

Reported: throughput, p50/p95/p99 per route template, unexpected statuses and connection
errors per route, and the latency of ``GET /api/health/live`` probed every 100 ms from a
separate thread during the run (it shows whether anything blocks the server's event loop).

Run it alone:   python -m bench mixed_load        (BENCH_MIXED_SECONDS, BENCH_MIXED_USERS)
        or:     python -m bench.mixed_load --seconds 10 --users 20
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import psutil
import psycopg
from psycopg.rows import dict_row

from bench import datagen
from bench.api_latency import Server, sign_in
from bench.core import Context, Result

DEFAULT_SECONDS = 60.0
DEFAULT_USERS = 20
ENV_SECONDS = "BENCH_MIXED_SECONDS"
ENV_USERS = "BENCH_MIXED_USERS"
MAX_SECONDS = 900.0
# Every technician signs in through POST /auth/login from 127.0.0.1, which the server limits
# to 30 per IP per 15 minutes by default.
MAX_USERS = 25
SEED = 20260502
THINK_S = (0.2, 1.0)
CLOSEOUT_EVERY = 3  # loops; staggered per technician
REQUEST_TIMEOUT_S = 10.0
HEALTH_INTERVAL_S = 0.1
MAX_REQUESTS = 250_000  # a hard stop, whatever the duration
PAGE_TARGET_MS = 50.0
SETUP_GOAL_S = 30.0  # not checked: the stack's cold start alone varies
ERROR_EXAMPLES = 3
SIGN_IN_WORKERS = 5

# One business per technician: a one-person window-cleaning business, tickets over +-1 year
# (8 of them today). Small enough that loading 20 of them takes ~10 s.
SIZES = datagen.Sizes(
    contacts=500,
    second_addresses=50,
    tickets=800,
    notes=800,
    attributes_per_contact=2,
    staff=2,
)

NOTES = (
    "Elderly woman, very nice. 20+ screens. Dog named Biscuit, keep gate closed. "
    "Bring the extension ladder.",
    "Gate code 4521, park on the street. Two story house, takes longer than usual.",
    "Young family, dog named Max in the back yard. Hard water spots on the sunroom glass.",
    "Nobody home, left the invoice on the door. Screens were filthy again.",
    "Retired couple, very particular about streaks. Bring the extension ladder next time.",
)

IDS = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TICKET_LINK = re.compile(rf'href="/tickets/({IDS})"')
CONTACT_LINK = re.compile(rf'href="/contacts/({IDS})"')


@dataclass(frozen=True)
class Route:
    slug: str
    label: str
    page: bool  # an HTML page (or its form post): the 50 ms p95 goal applies


ROUTES = (
    Route("calendar_day", "GET /", True),
    Route("calendar_week", "GET /?view=week", True),
    Route("ticket_page", "GET /tickets/{id}", True),
    Route("contact_search", "GET /contacts?q={q}", True),
    Route("contact_page", "GET /contacts/{id}", True),
    Route("clock_in_form", "POST /tickets/{id}/clock-in (page form, 303)", True),
    Route("ticket_read", "GET /api/data?type=tickets&id={id}&include=line_items", False),
    Route("ticket_create", "POST /api/actions ticket.create", False),
    Route("line_item_add", "POST /api/actions line_item.add", False),
    Route("closeout_preview", "POST /api/actions ticket.close_out_preview", False),
    Route("ticket_close", "POST /api/actions ticket.close", False),
)
BY_SLUG = {route.slug: route for route in ROUTES}


class _Stop(Exception):
    """The run's time (or request budget) is up."""


# -- settings ----------------------------------------------------------------------------


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, not {raw!r}") from exc


def settings(seconds: float | None = None, users: int | None = None) -> tuple[float, int]:
    """Duration and technician count: arguments, else the environment, else the defaults."""
    secs = seconds if seconds is not None else _env_number(ENV_SECONDS, DEFAULT_SECONDS)
    count = users if users is not None else int(_env_number(ENV_USERS, DEFAULT_USERS))
    if not 1 <= secs <= MAX_SECONDS:
        raise ValueError(f"duration must be 1..{MAX_SECONDS:g} s, not {secs:g}")
    if not 1 <= count <= MAX_USERS:
        raise ValueError(f"technicians must be 1..{MAX_USERS}, not {count}")
    return secs, count


# -- data ----------------------------------------------------------------------------------


@dataclass
class Tech:
    """One technician = one business account, its own session and its own RNG."""

    index: int
    email: str
    user_id: UUID
    rng: random.Random
    closable: deque[str] = field(default_factory=deque)  # today's tickets not yet done
    ticket_ids: list[str] = field(default_factory=list)  # this week's, if the page has none
    contact_ids: list[str] = field(default_factory=list)
    search_terms: list[str] = field(default_factory=list)
    service: tuple[str, int] = ("", 0)  # a per-unit service: id, unit price
    cookies: httpx.Cookies | None = None
    csrf: str = ""
    closeouts: int = 0


def _load(superuser_url: str, count: int, now: datetime) -> tuple[list[Tech], int, float]:
    """One business per technician, generated and COPYed like bench/datagen.load does."""
    started = time.perf_counter()
    rng = random.Random(SEED)
    tables = datagen._Tables()
    techs: list[Tech] = []
    for i in range(count):
        user_id = datagen._uuid(rng)
        email = f"tech{i:02d}@example.com"
        tables.add(
            "users",
            (user_id, email, f"Technician {i}", f"{rng.choice(datagen.COMPANY_WORDS)} Windows "
             f"{i}", datagen.TIMEZONE, now - timedelta(days=1500)),
        )  # fmt: skip
        datagen._Business(rng, tables, user_id=user_id, sizes=SIZES, now=now).generate()
        techs.append(Tech(i, email, user_id, random.Random(SEED + i)))
    rows = sum(len(r) for r in tables.rows.values())
    users = [t.user_id for t in techs]
    with psycopg.connect(superuser_url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            for name in datagen._Tables.COLUMNS:
                datagen._copy(conn, name, tables.rows[name])
        del tables
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(datagen.SEARCH_SQL, {"users": users})
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")
    return techs, rows, time.perf_counter() - started


def _pick(superuser_url: str, techs: list[Tech], now: datetime) -> None:
    """Per technician: today's open tickets, ids to browse, search terms, a service."""
    zone = ZoneInfo(datagen.TIMEZONE)
    today = now.astimezone(zone).date()
    day_start = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    monday = day_start - timedelta(days=today.weekday())
    with psycopg.connect(superuser_url, autocommit=True, row_factory=dict_row) as raw:
        for tech in techs:
            user = tech.user_id
            tech.closable.extend(
                str(r["id"])
                for r in raw.execute(
                    "SELECT id FROM tickets WHERE user_id = %s AND deleted_at IS NULL "
                    "AND status IN ('scheduled', 'in_progress') "
                    "AND scheduled_start >= %s AND scheduled_start < %s "
                    "ORDER BY status = 'in_progress' DESC, scheduled_start, id",
                    (user, day_start, day_start + timedelta(days=1)),
                ).fetchall()
            )
            tech.ticket_ids = [
                str(r["id"])
                for r in raw.execute(
                    "SELECT id FROM tickets WHERE user_id = %s AND deleted_at IS NULL "
                    "AND scheduled_start >= %s AND scheduled_start < %s ORDER BY id",
                    (user, monday, monday + timedelta(days=7)),
                ).fetchall()
            ]
            contacts = raw.execute(
                "SELECT c.id, c.first_name, c.last_name, c.company, c.phone, a.line1 "
                "FROM contacts c LEFT JOIN addresses a ON a.contact_id = c.id AND a.is_primary "
                "WHERE c.user_id = %s ORDER BY c.id",
                (user,),
            ).fetchall()
            tech.contact_ids = [str(c["id"]) for c in contacts]
            terms: list[str] = []
            for c in tech.rng.sample(contacts, min(40, len(contacts))):
                kind = tech.rng.randrange(5)
                if kind == 0 and c["last_name"]:
                    terms.append(c["last_name"])
                elif kind == 1 and c["first_name"] and c["last_name"]:
                    terms.append(f"{c['first_name']} {c['last_name'][:3]}")
                elif kind == 2 and c["phone"]:
                    terms.append(c["phone"][-4:])
                elif kind == 3 and c["line1"]:
                    terms.append(c["line1"].split(" ", 1)[1].split(" ")[0])  # the street name
                else:
                    terms.append((c["last_name"] or c["company"] or "window")[:4])
            tech.search_terms = terms
            service = raw.execute(
                "SELECT id, unit_price_cents FROM services WHERE user_id = %s "
                "AND pricing_mode = 'per_unit' ORDER BY name LIMIT 1",
                (user,),
            ).fetchone()
            assert service is not None, "datagen makes a per-unit service per business"
            tech.service = (str(service["id"]), int(service["unit_price_cents"]))


def _sign_in_all(base_url: str, techs: list[Tech]) -> None:
    """The real email-link flow per technician, a few at a time."""

    def one(tech: Tech) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            sign_in(client, tech.email)
            tech.csrf = client.get("/auth/session").raise_for_status().json()["data"]["csrf_token"]
            tech.cookies = httpx.Cookies(client.cookies)

    with ThreadPoolExecutor(max_workers=SIGN_IN_WORKERS) as pool:
        for done in [pool.submit(one, tech) for tech in techs]:
            done.result()


# -- recording --------------------------------------------------------------------------------


@dataclass
class Stats:
    samples_ns: list[int] = field(default_factory=list)
    errors: int = 0
    examples: list[str] = field(default_factory=list)


class Recorder:
    def __init__(self) -> None:
        self.routes = {route.slug: Stats() for route in ROUTES}
        self.active = False
        self.deadline = math.inf
        self.total = 0
        self.started = 0.0
        self.last_done = 0.0

    def stop_if_over(self) -> None:
        if time.monotonic() >= self.deadline or self.total >= MAX_REQUESTS:
            raise _Stop

    def ok(self, slug: str, elapsed_ns: int) -> None:
        if self.active:
            self.routes[slug].samples_ns.append(elapsed_ns)
            self.total += 1
            self.last_done = time.monotonic()

    def error(self, slug: str, what: str) -> None:
        if self.active:
            stats = self.routes[slug]
            stats.errors += 1
            if len(stats.examples) < ERROR_EXAMPLES:
                stats.examples.append(what)
        else:
            # Setup and warm-up must work; a failure there is a broken benchmark.
            raise RuntimeError(f"{BY_SLUG[slug].label} failed during warm-up: {what}")


class Driver:
    """The requests one technician makes; every one goes through ``call``."""

    def __init__(self, tech: Tech, client: httpx.AsyncClient, rec: Recorder, origin: str):
        self.tech = tech
        self.client = client
        self.rec = rec
        self.rng = tech.rng
        self.write_headers = {"X-CSRF-Token": tech.csrf, "Origin": origin}

    async def call(
        self,
        slug: str,
        method: str,
        url: str,
        *,
        expect: int = 200,
        **kwargs: Any,
    ) -> httpx.Response | None:
        """One timed request; None (and an error counted) unless it answered ``expect``."""
        self.rec.stop_if_over()
        started = time.perf_counter_ns()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.rec.error(slug, f"{type(exc).__name__}: {exc}"[:200])
            return None
        self.rec.ok(slug, time.perf_counter_ns() - started)
        if response.status_code != expect:
            body = " ".join(response.text.split())[:200]
            self.rec.error(slug, f"{method} {url} -> {response.status_code}: {body}")
            return None
        return response

    async def act(self, slug: str, domain: str, action: str, **data: Any) -> Any:
        response = await self.call(
            slug,
            "POST",
            "/api/actions",
            json={"domain": domain, "action": action, "data": data},
            headers=self.write_headers,
        )
        return None if response is None else response.json()["data"]

    async def think(self) -> None:
        pause = self.rng.uniform(*THINK_S)
        await asyncio.sleep(max(0.0, min(pause, self.rec.deadline - time.monotonic())))

    # -- browsing

    async def browse(self) -> None:
        day = await self.call("calendar_day", "GET", "/")
        await self.think()
        week = await self.call("calendar_week", "GET", "/", params={"view": "week"})
        await self.think()
        seen = [
            m for page in (day, week) if page is not None for m in TICKET_LINK.findall(page.text)
        ]
        ticket = self.rng.choice(seen or self.tech.ticket_ids)
        await self.call("ticket_page", "GET", f"/tickets/{ticket}")
        await self.think()
        term = self.rng.choice(self.tech.search_terms)
        found = await self.call("contact_search", "GET", "/contacts", params={"q": term})
        await self.think()
        ids = CONTACT_LINK.findall(found.text) if found is not None else []
        contact = self.rng.choice(ids or self.tech.contact_ids)
        await self.call("contact_page", "GET", f"/contacts/{contact}")
        await self.think()

    # -- the close-out

    async def _new_ticket(self) -> str | None:
        """Today's tickets are all done: the technician adds a job on site."""
        ticket = await self.act(
            "ticket_create",
            "ticket",
            "create",
            contact_id=self.rng.choice(self.tech.contact_ids),
            scheduled_start=datetime.now(UTC).replace(microsecond=0).isoformat(),
            is_price_estimated=True,
        )
        if ticket is None:
            return None
        service_id, _ = self.tech.service
        line = await self.act(
            "line_item_add",
            "line_item",
            "add",
            ticket_id=ticket["id"],
            service_id=service_id,
            quantity=self.rng.randrange(8, 40),
        )
        return None if line is None else str(ticket["id"])

    async def close_out(self) -> None:
        tid = self.tech.closable.popleft() if self.tech.closable else await self._new_ticket()
        if tid is None:
            return
        page = await self.call("ticket_page", "GET", f"/tickets/{tid}")
        if page is None:
            return
        await self.think()
        if f'action="/tickets/{tid}/clock-in"' in page.text:
            moved = await self.call(
                "clock_in_form",
                "POST",
                f"/tickets/{tid}/clock-in",
                data={"csrf_token": self.tech.csrf},
                headers={"Origin": self.write_headers["Origin"]},
                expect=303,
            )
            if moved is None:
                return
            await self.call("ticket_page", "GET", moved.headers["location"])
            await self.think()
        read = await self.call(
            "ticket_read",
            "GET",
            "/api/data",
            params={"type": "tickets", "id": tid, "include": "line_items"},
        )
        if read is None:
            return
        lines = []
        for line in read.json()["data"]["line_items"]:
            quantity = float(line["quantity"])
            price = int(line["unit_price_cents"])
            if line["pricing_mode"] == "per_unit" and self.rng.random() < 0.3:
                quantity += self.rng.randint(1, 4)  # a few more screens than booked
            elif line["pricing_mode"] == "flexible" and self.rng.random() < 0.3:
                price += 2500
            lines.append(
                {"line_item_id": line["id"], "quantity": f"{quantity:g}", "unit_price_cents": price}
            )
        kind = self.rng.choice(("reach_out", "reach_out", "none", "schedule_now"))
        next_step: dict[str, Any] = {"kind": kind}
        if kind == "reach_out":
            next_step["months"] = self.rng.choice((3, 6, 12))
        elif kind == "schedule_now":
            start = datetime.now(UTC) + timedelta(days=self.rng.randint(14, 90))
            next_step["start"] = start.replace(minute=0, second=0, microsecond=0).isoformat()
        await self.think()
        draft = await self.act(
            "closeout_preview",
            "ticket",
            "close_out_preview",
            ticket_id=tid,
            duration_minutes=self.rng.choice((45, 60, 75, 90, 120)),
            line_items=lines,
            confirm_estimated_prices=True,
            notes=self.rng.choice(NOTES),
            next_step=next_step,
        )
        if draft is None:
            return
        await self.think()
        decisions = [
            {"key": p["key"], "decision": "accept" if self.rng.random() < 0.8 else "reject"}
            for p in draft["proposed_attributes"]
        ]
        closed = await self.act(
            "ticket_close",
            "ticket",
            "close",
            ticket_id=tid,
            draft_id=draft["draft_id"],
            decisions=decisions,
        )
        if closed is not None:
            self.tech.closeouts += 1
        await self.think()

    async def run(self) -> None:
        # Start spread over the first think time, not all at the same instant.
        await asyncio.sleep(self.rng.uniform(*THINK_S))
        loop = 0
        try:
            while True:
                self.rec.stop_if_over()
                await self.browse()
                loop += 1
                if (loop + self.tech.index) % CLOSEOUT_EVERY == 0:
                    await self.close_out()
        except _Stop:
            pass


# -- /api/health/live, from a thread of its own ---------------------------------------------


class HealthProbe(threading.Thread):
    """GET /api/health/live every 100 ms on its own connection, apart from the event loop."""

    def __init__(self, base_url: str) -> None:
        super().__init__(name="health-probe", daemon=True)
        self.base_url = base_url
        self.samples_ns: list[int] = []
        self.failures: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=REQUEST_TIMEOUT_S) as client:
            next_at = time.monotonic()
            while not self.halt.is_set():
                started = time.perf_counter_ns()
                try:
                    response = client.get("/api/health/live")
                    elapsed = time.perf_counter_ns() - started
                    if response.status_code == 200:
                        self.samples_ns.append(elapsed)
                    else:
                        self.failures.append(f"status {response.status_code}")
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__}: {exc}"[:200])
                next_at += HEALTH_INTERVAL_S
                self.halt.wait(max(0.0, next_at - time.monotonic()))


# -- the run -------------------------------------------------------------------------------


def _machine_busy_s() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _cpu_seconds(procs: list[psutil.Process]) -> dict[int, float]:
    out: dict[int, float] = {}
    for proc in procs:
        try:
            times = proc.cpu_times()
            out[proc.pid] = times.user + times.system
        except psutil.Error:
            pass
    return out


async def _drive(
    base_url: str,
    techs: list[Tech],
    seconds: float,
    rec: Recorder,
    processes: Callable[[], dict[str, list[psutil.Process]]],
) -> tuple[HealthProbe, dict[str, float]]:
    """Warm up, then run every technician for ``seconds``; the probe and CPU seconds used."""
    timeout = httpx.Timeout(REQUEST_TIMEOUT_S)
    clients = [
        httpx.AsyncClient(base_url=base_url, cookies=tech.cookies, timeout=timeout)
        for tech in techs
    ]
    probe = HealthProbe(base_url)
    try:
        drivers = [
            Driver(tech, client, rec, base_url) for tech, client in zip(techs, clients, strict=True)
        ]
        # Warm-up, untimed: one pass over the pages each (templates, pools, plans). Any
        # failure here raises: the benchmark itself is broken.
        rec.deadline = time.monotonic() + 60
        await asyncio.wait_for(asyncio.gather(*(d.browse() for d in drivers)), timeout=60)
        before = {k: _cpu_seconds(v) for k, v in processes().items()}
        machine_before = _machine_busy_s()
        rec.started = time.monotonic()
        rec.deadline = rec.started + seconds
        rec.active = True
        probe.start()
        tasks = [asyncio.create_task(d.run()) for d in drivers]
        done, pending = await asyncio.wait(tasks, timeout=seconds + 2 * REQUEST_TIMEOUT_S + 5)
        rec.active = False
        after = {k: _cpu_seconds(v) for k, v in processes().items()}
        machine = _machine_busy_s() - machine_before
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            exc = task.exception()
            if exc is not None:
                raise exc
    finally:
        rec.active = False
        probe.halt.set()
        if probe.is_alive():
            probe.join(timeout=REQUEST_TIMEOUT_S + 1)
        for client in clients:
            await client.aclose()
    # A process started during the run (a new database connection) counts whole.
    cpu = {k: sum(t - before[k].get(pid, 0.0) for pid, t in after[k].items()) for k in after}
    cpu["machine"] = machine
    return probe, cpu


def _pct_ms(sorted_ns: list[int], pct: float) -> float:
    """Nearest-rank percentile, in ms (as bench/api_latency.py computes them)."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_ns)))
    return sorted_ns[rank - 1] / 1e6


def _route_rows(rec: Recorder, elapsed: float) -> list[Result]:
    results: list[Result] = []
    for route in ROUTES:
        stats = rec.routes[route.slug]
        prefix = f"mixed_{route.slug}"
        samples = sorted(stats.samples_ns)
        examples = "; ".join(stats.examples)
        errors = Result(
            f"{prefix}_errors",
            stats.errors,
            "count",
            target="0",
            ok=stats.errors == 0,
            notes=f"e.g. {examples}" if examples else None,
        )
        if not samples:
            results.append(
                Result(
                    errors.name,
                    stats.errors,
                    "count",
                    target="0",
                    ok=stats.errors == 0,
                    notes=f"{route.label}: no request in this run"
                    + (f"; e.g. {examples}" if examples else ""),
                )
            )
            continue
        p95 = _pct_ms(samples, 95)
        target = f"<= {PAGE_TARGET_MS:g} ms" if route.page else None
        results += [
            Result(
                f"{prefix}_p50_ms",
                round(_pct_ms(samples, 50), 2),
                "ms",
                notes=f"{route.label}: {len(samples)} requests ({len(samples) / elapsed:.1f}/s), "
                f"max {samples[-1] / 1e6:.1f} ms",
            ),
            Result(
                f"{prefix}_p95_ms",
                round(p95, 2),
                "ms",
                target=target,
                ok=p95 <= PAGE_TARGET_MS if route.page else None,
            ),
            Result(f"{prefix}_p99_ms", round(_pct_ms(samples, 99), 2), "ms"),
            errors,
        ]
    return results


def _report(
    rec: Recorder,
    probe: HealthProbe,
    techs: list[Tech],
    setup: dict[str, float],
    cpu: dict[str, float],
    rows: int,
) -> list[Result]:
    elapsed = max(rec.last_done, rec.deadline) - rec.started
    total = sum(len(s.samples_ns) for s in rec.routes.values())
    errors = sum(s.errors for s in rec.routes.values())
    pages = sorted(ns for route in ROUTES if route.page for ns in rec.routes[route.slug].samples_ns)
    closeouts = sum(t.closeouts for t in techs)
    setup_s = sum(setup.values())
    results = [
        Result(
            "mixed_setup_s",
            round(setup_s, 1),
            "s",
            notes=", ".join(f"{k} {v:.1f} s" for k, v in setup.items())
            + f"; {rows:,} rows for {len(techs)} businesses (sized for ~{SETUP_GOAL_S:g} s)",
        ),
        Result(
            "mixed_throughput_rps",
            round(total / elapsed, 1),
            "req/s",
            notes=f"{total} requests in {elapsed:.1f} s by {len(techs)} technicians (one business "
            f"and one session each) against one `crm serve` on {os.cpu_count()} CPUs; think time "
            f"{THINK_S[0]:g}-{THINK_S[1]:g} s; a close-out every {CLOSEOUT_EVERY} loops",
        ),
        Result(
            "mixed_closeouts",
            closeouts,
            "count",
            notes="tickets completed through ticket.close during the run",
        ),
        Result(
            "mixed_errors",
            errors,
            "count",
            target="0",
            ok=errors == 0,
            notes="unexpected statuses and connection errors, all routes",
        ),
    ]
    if pages:
        p95 = _pct_ms(pages, 95)
        results.append(
            Result(
                "mixed_pages_p95_ms",
                round(p95, 2),
                "ms",
                target=f"<= {PAGE_TARGET_MS:g} ms",
                ok=p95 <= PAGE_TARGET_MS,
                notes=f"every page request together ({len(pages)}): p50 "
                f"{_pct_ms(pages, 50):.1f} ms, p99 {_pct_ms(pages, 99):.1f} ms",
            )
        )
    results += _route_rows(rec, elapsed)
    health = sorted(probe.samples_ns)
    failures = len(probe.failures)
    if health:
        results += [
            Result(
                "mixed_health_live_p95_ms",
                round(_pct_ms(health, 95), 2),
                "ms",
                notes=f"GET /api/health/live every {HEALTH_INTERVAL_S * 1000:.0f} ms from its own "
                f"thread and connection during the run: {len(health)} probes, p50 "
                f"{_pct_ms(health, 50):.2f} ms, p99 {_pct_ms(health, 99):.2f} ms",
            ),
            Result("mixed_health_live_max_ms", round(health[-1] / 1e6, 2), "ms"),
        ]
    results.append(
        Result(
            "mixed_health_live_errors",
            failures,
            "count",
            target="0",
            ok=failures == 0,
            notes=f"e.g. {'; '.join(probe.failures[:ERROR_EXAMPLES])}" if failures else None,
        )
    )
    ours = cpu["server"] + cpu["stack"] + cpu["client"]
    others = max(0.0, cpu["machine"] - ours) / elapsed
    results.append(
        Result(
            "mixed_server_cpu_cores",
            round(cpu["server"] / elapsed, 2),
            "cores",
            notes=f"CPU time / wall time during the run: crm serve {cpu['server'] / elapsed:.2f}, "
            f"its PostgreSQL/Valkey/OpenBao {cpu['stack'] / elapsed:.2f}, this load generator "
            f"{cpu['client'] / elapsed:.2f}, everything else on the machine {others:.2f} (of "
            f"{os.cpu_count()} CPUs; 1-min load average at the end {os.getloadavg()[0]:.2f})",
        )
    )
    return results


def run(seconds: float | None = None, users: int | None = None) -> list[Result]:
    secs, count = settings(seconds, users)
    server = Server()
    setup: dict[str, float] = {}
    try:
        started = time.perf_counter()
        server.start()
        server.wait_healthy()
        setup["server start"] = time.perf_counter() - started
        superuser_url = server.stack()["postgres"]["urls"]["superuser"]
        now = datetime.now(UTC)
        techs, rows, setup["data load"] = _load(superuser_url, count, now)
        started = time.perf_counter()
        _pick(superuser_url, techs, now)
        _sign_in_all(server.base_url, techs)
        setup[f"{count} sign-ins"] = time.perf_counter() - started
        assert server.proc is not None
        server_proc, client_proc = psutil.Process(server.proc.pid), psutil.Process()

        def processes() -> dict[str, list[psutil.Process]]:
            stack = [p for p in server._leftovers() if p.pid != server_proc.pid]
            return {"server": [server_proc], "stack": stack, "client": [client_proc]}

        rec = Recorder()
        probe, cpu = asyncio.run(_drive(server.base_url, techs, secs, rec, processes))
        if server.proc.poll() is not None:
            raise RuntimeError(f"crm serve exited during the run:\n{server.log_tail()}")
        return _report(rec, probe, techs, setup, cpu, rows)
    finally:
        server.stop()


def measure(ctx: Context) -> list[Result]:
    """`python -m bench mixed_load`: duration and technicians from the environment."""
    return run()


def main(argv: list[str] | None = None) -> int:
    from bench.report import format_table, write_json

    parser = argparse.ArgumentParser(
        prog="python -m bench.mixed_load",
        description="Technicians browsing and closing out against one `crm serve`.",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help=f"timed duration (default: ${ENV_SECONDS} or {DEFAULT_SECONDS:g})",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=None,
        help=f"technicians, one business each (default: ${ENV_USERS} or {DEFAULT_USERS})",
    )
    parser.add_argument(
        "--json", action="store_true", help="also write bench/out/latest.json (replacing it)"
    )
    args = parser.parse_args(argv)
    # SIGTERM becomes SystemExit, so the `finally` that stops the server runs.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        settings(args.seconds, args.users)
    except ValueError as exc:
        parser.error(str(exc))
    results = run(args.seconds, args.users)
    print(format_table(results))
    if args.json:
        print(f"\nwrote {write_json(results)}")
    return 0 if all(r.ok is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
