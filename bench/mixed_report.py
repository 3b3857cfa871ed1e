"""What a mixed-load run records (per-route timings, a health probe) and the rows it reports."""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, field

import httpx

from bench.core import Result
from bench.mixed_setup import CLOSEOUT_EVERY, REQUEST_TIMEOUT_S, THINK_S, Tech

HEALTH_INTERVAL_S = 0.1
MAX_REQUESTS = 250_000  # a hard stop, whatever the duration
PAGE_TARGET_MS = 50.0
SETUP_GOAL_S = 30.0  # not checked: the stack's cold start alone varies
ERROR_EXAMPLES = 3


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


class Stop(Exception):
    """The run's time (or request budget) is up."""


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
            raise Stop

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


# -- the results ------------------------------------------------------------------------------


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


def report(
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
