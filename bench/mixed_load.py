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

import argparse
import asyncio
import re
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psutil

from bench.api_latency import Server
from bench.core import Context, Result
from bench.mixed_report import HealthProbe, Recorder, Stop, report
from bench.mixed_setup import (
    CLOSEOUT_EVERY,
    DEFAULT_SECONDS,
    DEFAULT_USERS,
    ENV_SECONDS,
    ENV_USERS,
    REQUEST_TIMEOUT_S,
    THINK_S,
    Tech,
    prepare,
    settings,
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
        except Stop:
            pass


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


def run(seconds: float | None = None, users: int | None = None) -> list[Result]:
    secs, count = settings(seconds, users)
    server = Server()
    try:
        techs, rows, setup = prepare(server, count)
        assert server.proc is not None
        server_proc, client_proc = psutil.Process(server.proc.pid), psutil.Process()

        def processes() -> dict[str, list[psutil.Process]]:
            stack = [p for p in server._leftovers() if p.pid != server_proc.pid]
            return {"server": [server_proc], "stack": stack, "client": [client_proc]}

        rec = Recorder()
        probe, cpu = asyncio.run(_drive(server.base_url, techs, secs, rec, processes))
        if server.proc.poll() is not None:
            raise RuntimeError(f"crm serve exited during the run:\n{server.log_tail()}")
        return report(rec, probe, techs, setup, cpu, rows)
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
