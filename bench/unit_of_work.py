"""Per-request cost of the app's RLS unit of work versus the same query on a raw connection.

(a) ``Database.read_only(user_id)``: pool checkout, BEGIN + set_config, query, COMMIT, return.
(b) one superuser connection (bypasses RLS), explicit ``user_id`` filter, BEGIN/query/COMMIT.
(c) the same raw query in autocommit, no transaction (informational floor).
"""

from __future__ import annotations

import gc
import math
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import dict_row

from bench.core import Context, Result
from crm.clients.postgres_client import Database

WARMUP = 200
BLOCK = 100
AUDIT_ROWS = 200
RATIO_TARGET = 1.5

QUERY = (
    "SELECT id, action, created_at FROM audit_log WHERE entity_type = 'contact' "
    "ORDER BY created_at DESC LIMIT 20"
)
RAW_QUERY = (
    "SELECT id, action, created_at FROM audit_log WHERE entity_type = 'contact' "
    "AND user_id = %s ORDER BY created_at DESC LIMIT 20"
)

Operation = Callable[[], list[Any]]


def make_user(owner: psycopg.Connection[Any]) -> uuid.UUID:
    """A business, inserted as in tests/factories.py: RLS is forced, so act as the new user."""
    user_id = uuid.uuid4()
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        owner.execute(
            "INSERT INTO users (id, email, display_name, business_name, timezone) "
            "VALUES (%s, %s, %s, %s, %s)",
            (
                user_id,
                f"bench-{user_id.hex[:8]}@example.com",
                "Bench Owner",
                "Bench Windows",
                "America/Chicago",
            ),
        )
    return user_id


def add_audit_rows(db: Database, user_id: uuid.UUID, count: int) -> None:
    """One unit of work per row, so every row gets its own created_at."""
    for _ in range(count):
        with db.unit_of_work(user_id) as conn:
            conn.execute(
                "INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, actor) "
                "VALUES (%s, 'contact', %s, 'update', "
                '\'{"name": {"old": "Ann", "new": "Anne"}}\', %s)',
                (user_id, uuid.uuid4(), f"user:{user_id}"),
            )


def percentile(sorted_ns: list[int], pct: float) -> float:
    """Nearest-rank percentile of already sorted nanosecond samples, in microseconds."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_ns)))
    return sorted_ns[rank - 1] / 1000


def run_interleaved(ops: dict[str, Operation], iterations: int) -> dict[str, list[int]]:
    """Warm each operation up, then time them in alternating blocks to spread out drift."""
    for op in ops.values():
        for _ in range(WARMUP):
            op()
    samples: dict[str, list[int]] = {name: [] for name in ops}
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        done = 0
        while done < iterations:
            size = min(BLOCK, iterations - done)
            for name, op in ops.items():
                out = samples[name]
                for _ in range(size):
                    t0 = clock()
                    op()
                    out.append(clock() - t0)
            done += size
    finally:
        gc.enable()
    return samples


def measure(ctx: Context) -> list[Result]:
    info = ctx.session.stack()
    with psycopg.connect(info.owner_url, autocommit=True) as owner:
        user_id = make_user(owner)

    db = Database(info.app_url)
    db.open()
    try:
        add_audit_rows(db, user_id, AUDIT_ROWS)
        with psycopg.connect(info.superuser_url, autocommit=True, row_factory=dict_row) as raw:
            # Fresh statistics so autovacuum does not change the plan halfway through.
            raw.execute("ANALYZE audit_log")

            def rls_unit_of_work() -> list[Any]:
                with db.read_only(user_id) as conn:
                    return conn.execute(QUERY).fetchall()

            def raw_transaction() -> list[Any]:
                with raw.transaction():
                    return raw.execute(RAW_QUERY, (user_id,)).fetchall()

            def raw_autocommit() -> list[Any]:
                return raw.execute(RAW_QUERY, (user_id,)).fetchall()

            ops: dict[str, Operation] = {
                "uow_rls": rls_unit_of_work,
                "raw_tx": raw_transaction,
                "raw_autocommit": raw_autocommit,
            }
            rows = {name: len(op()) for name, op in ops.items()}
            if len(set(rows.values())) != 1 or rows["uow_rls"] != 20:
                raise RuntimeError(f"the three variants disagree on the result: {rows}")
            samples = run_interleaved(ops, ctx.iterations)
    finally:
        db.close()

    stats: dict[str, tuple[float, float]] = {}
    for name, ns in samples.items():
        ns.sort()
        stats[name] = (percentile(ns, 50), percentile(ns, 95))

    results: list[Result] = []
    notes = {
        "uow_rls": "Database.read_only: checkout, BEGIN+set_config, query, COMMIT",
        "raw_tx": "superuser conn, explicit user_id filter, BEGIN/query/COMMIT",
        "raw_autocommit": "superuser conn, explicit user_id filter, no transaction",
    }
    for name, (p50, p95) in stats.items():
        results.append(Result(f"{name}_p50_us", round(p50, 1), "us", notes=notes[name]))
        results.append(Result(f"{name}_p95_us", round(p95, 1), "us"))
    for label, index in (("p50", 0), ("p95", 1)):
        ratio = stats["uow_rls"][index] / stats["raw_tx"][index]
        results.append(
            Result(
                f"uow_vs_raw_{label}_ratio",
                round(ratio, 3),
                "x",
                target=f"<= {RATIO_TARGET:g}",
                ok=ratio <= RATIO_TARGET,
                notes=f"{label}(uow_rls) / {label}(raw_tx); {ctx.iterations} iterations "
                f"after {WARMUP} warm-up, interleaved in blocks of {BLOCK}",
            )
        )
    return results
