"""The reports (docs/reports.md) over HTTP at full size, with and without candidate indexes.

Starts its own `crm serve`, loads bench/datagen.py's data set (the big business: 10,000
contacts, 50,000 tickets), gives it two years of history and money (bench/reports_data.py:
invoices, payments, refunds, tips, untidy addresses), signs in through the email link and times
GET /api/data?type=report_* for each report over three ranges: this month, this year and the
longest range allowed (1,096 days to today). p50 / p95 after warm-up, against 100 ms p95.

Then each candidate index is created in the bench database (never in a migration) and dropped
again, twice, the reports it could help timed without and with it in turn (A/B/A/B: on a shared
machine the drift over minutes is larger than most indexes' effect); last, all of them together.
Each row reads "p95 with the index"; its notes give without -> with for every range.

Last, the Reports pages' bytes (first load and repeat, in Chromium, gzip as served), through
bench/page_weight.py's helpers, once the pages exist (see ``page_bytes``).

Environment: BENCH_REPORTS_INDEXES=0 skips the index rounds (baseline and pages only).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg

from bench import datagen, page_weight, reports_data
from bench.api_latency import Server, sign_in
from bench.core import DEFAULT_ITERATIONS, Context, Result
from bench.reports_data import CANDIDATES, Candidate

REPORTS = ("revenue", "services", "areas", "work", "receivables", "customers")
PAGES = REPORTS  # /reports/<name>
TARGET_MS = 100.0
DEFAULT_N = 40
WARMUP = 2
# Per report x range: stop early once CASE_BUDGET_S is spent (after MIN_SAMPLES), or 4x that
# (after 3): a report that takes seconds gets a few samples, not the bench's whole budget.
MIN_SAMPLES = 5
CASE_BUDGET_S = 2.0
LONGEST_DAYS = 1096
# The index rounds skip a report whose p50 is this many times over target (no index decides
# that); the single-index rounds also skip the month range (small either way).
HOPELESS = 10
INDEX_RANGES = ("year", "3y")
AB_BLOCKS = 2  # without / with, alternated this many times
AB_BUDGET_S = 0.6  # per case and block


@dataclass
class Case:
    report: str
    range_key: str
    params: dict[str, str]
    samples_ms: list[float] = field(default_factory=list)
    size: int = 0
    error: str | None = None

    def pct(self, p: float) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def ranges(today: date) -> list[tuple[str, str, date, date]]:
    """(key, label, from, to): this month, this year, and the longest range to today."""
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    longest = today - timedelta(days=LONGEST_DAYS - 1)
    return [
        ("month", "this month", today.replace(day=1), month_end),
        ("year", "this year", date(today.year, 1, 1), date(today.year, 12, 31)),
        ("3y", f"last {LONGEST_DAYS:,} days", longest, today),
    ]


def _cases(
    reports: Sequence[str], today: date, keys: Sequence[str] = ("month", "year", "3y")
) -> list[Case]:
    return [
        Case(
            report,
            key,
            {"type": f"report_{report}", "from": start.isoformat(), "to": end.isoformat()},
        )
        for report in reports
        for key, _, start, end in ranges(today)
        if key in keys
    ]


def probe(client: httpx.Client) -> dict[str, str | None]:
    """Per report: None when the data type answers, else what it answered."""
    found: dict[str, str | None] = {}
    for report in REPORTS:
        try:
            response = client.get("/api/data", params={"type": f"report_{report}"})
        except httpx.HTTPError as exc:
            found[report] = repr(exc)
            continue
        found[report] = (
            None if response.status_code == 200 else f"{response.status_code} {response.text}"
        )
    return found


def time_cases(
    client: httpx.Client,
    cases: list[Case],
    n: int,
    *,
    budget: float = CASE_BUDGET_S,
    keep: bool = False,
) -> None:
    """WARMUP requests, then up to ``n`` timed ones per case (``budget`` seconds each)."""
    for case in cases:
        if not keep:
            case.samples_ms = []
        try:
            for _ in range(WARMUP):
                response = client.get("/api/data", params=case.params)
                response.raise_for_status()
            case.size = len(response.content)
            spent = 0.0
            for i in range(n):
                if (i >= MIN_SAMPLES and spent > budget) or (i >= 3 and spent > 4 * budget):
                    break
                started = time.perf_counter()
                response = client.get("/api/data", params=case.params)
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                spent += elapsed
                case.samples_ms.append(elapsed * 1000)
        except httpx.HTTPStatusError as exc:
            case.error = f"{exc.response.status_code}: {exc.response.text[:300]}"
        except httpx.HTTPError as exc:
            case.error = repr(exc)


def _baseline_rows(cases: list[Case], n: int) -> list[Result]:
    results: list[Result] = []
    labels = {key: label for key, label, _, _ in ranges(date.today())}
    for case in cases:
        name = f"reports_{case.report}_{case.range_key}"
        if case.error or not case.samples_ms:
            results.append(Result(f"{name}_p95_ms", None, "ms", ok=False, notes=case.error))
            continue
        p95 = case.pct(95)
        short = "" if len(case.samples_ms) >= n else f" (time budget hit, of {n})"
        results += [
            Result(
                f"{name}_p50_ms",
                round(case.pct(50), 1),
                "ms",
                notes=f"{labels[case.range_key]} {case.params['from']}..{case.params['to']}: "
                f"{len(case.samples_ms)} requests{short} after {WARMUP} warm-up, "
                f"{case.size:,} B JSON",
            ),
            Result(
                f"{name}_p95_ms",
                round(p95, 1),
                "ms",
                target=f"<= {TARGET_MS:g} ms",
                ok=p95 <= TARGET_MS,
            ),
        ]
    return results


def _compare_rows(
    label: str, before: list[Case], after: list[Case], reports: Sequence[str]
) -> list[Result]:
    """One row per report: the worst p95 with the index(es); notes: without -> with."""
    rows: list[Result] = []
    was = {(c.report, c.range_key): c for c in before}
    for report in reports:
        mine = [c for c in after if c.report == report and c.samples_ms]
        if not mine:
            continue
        parts = []
        for case in mine:
            old = was.get((report, case.range_key))
            if old is None or not old.samples_ms:
                continue
            parts.append(
                f"{case.range_key} p50 {old.pct(50):.1f}->{case.pct(50):.1f}, "
                f"p95 {old.pct(95):.1f}->{case.pct(95):.1f}"
            )
        worst = max(c.pct(95) for c in mine)
        rows.append(
            Result(
                f"reports_idx_{label}_{report}_p95_ms",
                round(worst, 1),
                "ms",
                target=f"<= {TARGET_MS:g} ms",
                ok=worst <= TARGET_MS,
                notes="worst range with the index; without -> with (ms): " + "; ".join(parts),
            )
        )
    return rows


def _create(raw: psycopg.Connection[Any], candidates: Sequence[Candidate]) -> float:
    started = time.perf_counter()
    for candidate in candidates:
        raw.execute(candidate.ddl.encode())  # constant DDL
    raw.execute("ANALYZE tickets, line_items, invoices, payments, time_entries")
    return time.perf_counter() - started


def _drop(raw: psycopg.Connection[Any], candidates: Sequence[Candidate]) -> None:
    for candidate in candidates:
        raw.execute(f"DROP INDEX IF EXISTS bench_{candidate.name}".encode())


def _ab(
    client: httpx.Client,
    raw: psycopg.Connection[Any],
    candidates: Sequence[Candidate],
    cases: tuple[list[Case], list[Case]],
    n: int,
) -> float:
    """Without, with, without, with (index built and dropped in between): the machine's own
    drift over minutes would otherwise read as the index's effect. Returns the build time."""
    without, with_ = cases
    build_s = 0.0
    for _ in range(AB_BLOCKS):
        time_cases(client, without, n // AB_BLOCKS, budget=AB_BUDGET_S, keep=True)
        try:
            build_s = _create(raw, candidates)
            time_cases(client, with_, n // AB_BLOCKS, budget=AB_BUDGET_S, keep=True)
        finally:
            _drop(raw, candidates)
    return build_s


def index_rounds(
    client: httpx.Client,
    raw: psycopg.Connection[Any],
    baseline: list[Case],
    reports: Sequence[str],
    today: date,
    n: int,
) -> list[Result]:
    """Each candidate alone on the reports it may help, then all of them together."""
    results: list[Result] = []
    slow = {c.report for c in baseline if c.samples_ms and c.pct(50) > HOPELESS * TARGET_MS}
    for candidate in CANDIDATES:
        mine = [r for r in candidate.reports if r in reports and r not in slow]
        if not mine:
            continue
        pair = (_cases(mine, today, INDEX_RANGES), _cases(mine, today, INDEX_RANGES))
        build_s = _ab(client, raw, [candidate], pair, n)
        rows = _compare_rows(candidate.name, *pair, mine)
        if rows:
            rows[0] = replace(rows[0], notes=f"{rows[0].notes} (built in {build_s:.1f} s)")
        results += rows
    fast = [r for r in reports if r not in slow]
    pair = (_cases(fast, today), _cases(fast, today))
    _ab(client, raw, CANDIDATES, pair, n)
    results += _compare_rows("all", *pair, fast)
    if slow:
        results.append(
            Result(
                "reports_idx_skipped",
                len(slow),
                "",
                notes=f"not re-timed with indexes (p50 over {HOPELESS}x the target without them, "
                f"so no index decides it): {', '.join(sorted(slow))}",
            )
        )
    return results


# -- The Reports pages' bytes -----------------------------------------------------------------
# ENABLED AUTOMATICALLY: runs for every /reports/<name> that answers 200 (signed in); a page
# that is still missing gets one "not there yet" row instead. Same counting as page_weight.py
# (CDP encoded bytes, headers included, gzip as served): first load with an empty cache
# (HTML + CSS + JS), repeat load (HTML only, the rest cached).


def page_bytes(base: str, email: str, client: httpx.Client) -> list[Result]:
    there = [p for p in PAGES if client.get(f"/reports/{p}").status_code == 200]
    missing = [p for p in PAGES if p not in there]
    results: list[Result] = []
    if missing:
        results.append(
            Result(
                "reports_pages_missing",
                len(missing),
                "",
                notes="not measured yet (no 200): " + ", ".join(f"/reports/{p}" for p in missing),
            )
        )
    if not there:
        return results
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=page_weight.CHROMIUM, args=page_weight.ARGS
        )
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page_weight._sign_in(page, base, email)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        for name in there:
            cdp.send("Network.clearBrowserCache")
            first = page_weight._load(page, cdp, f"{base}/reports/{name}")
            repeat = page_weight._load(page, cdp, f"{base}/reports/{name}")
            first_kb, repeat_kb = first.bytes / 1024, repeat.bytes / 1024
            results += [
                Result(
                    f"page_reports_{name}_first_kb",
                    round(first_kb, 1),
                    "KB",
                    target=f"<= {page_weight.FIRST_KB:g} KB",
                    ok=first_kb <= page_weight.FIRST_KB,
                    notes=f"/reports/{name} (this month, the big business): "
                    f"{len(first.requests)} request(s) first, {len(repeat.requests)} on repeat",
                ),
                Result(
                    f"page_reports_{name}_repeat_kb",
                    round(repeat_kb, 1),
                    "KB",
                    target=f"<= {page_weight.REPEAT_KB:g} KB",
                    ok=repeat_kb <= page_weight.REPEAT_KB,
                ),
            ]
        browser.close()
    return results


# -- the measurement --------------------------------------------------------------------------


def _iterations(ctx: Context) -> int:
    return DEFAULT_N if ctx.iterations == DEFAULT_ITERATIONS else ctx.iterations


def measure(ctx: Context) -> list[Result]:
    n = _iterations(ctx)
    server = Server()
    results: list[Result] = []
    try:
        server.start()
        server.wait_healthy()
        superuser_url = server.stack()["postgres"]["urls"]["superuser"]
        dataset = datagen.load(superuser_url)
        money = reports_data.enrich(superuser_url, dataset.timezone)
        held = reports_data.summary(superuser_url, dataset.big_user_id)
        results.append(
            Result(
                "reports_data_load_s",
                round(dataset.total_seconds + money.seconds, 1),
                "s",
                notes=f"datagen {dataset.total_seconds:.1f} s + history and money "
                f"{money.seconds:.1f} s (report facts rebuilt in {money.facts_seconds:.1f} s); "
                f"big business: tickets {held['first']}..{held['last']}, "
                f"{held['completed']:,} completed, {held['line_items']:,} lines, "
                f"{held['time_entries']:,} clock entries, {held['invoices']:,} invoices "
                f"({held['owing']:,} owing), {held['payments']:,} payments",
            )
        )
        today = datetime.now(ZoneInfo(dataset.timezone)).date()
        with (
            httpx.Client(base_url=server.base_url, timeout=60) as client,
            psycopg.connect(superuser_url, autocommit=True) as raw,
        ):
            sign_in(client, dataset.big_email)
            found = probe(client)
            ready = [r for r in REPORTS if found[r] is None]
            for report in REPORTS:
                if found[report] is not None:
                    results.append(
                        Result(
                            f"reports_{report}_p95_ms",
                            None,
                            "ms",
                            ok=False,
                            notes=f"report_{report} not available: {found[report]}"[:300],
                        )
                    )
            baseline = _cases(ready, today)
            time_cases(client, baseline, n)
            results += _baseline_rows(baseline, n)
            if ready and os.environ.get("BENCH_REPORTS_INDEXES", "1") != "0":
                results += index_rounds(client, raw, baseline, ready, today, n)
            results += page_bytes(server.base_url, dataset.big_email, client)
    finally:
        server.stop()
    return results
