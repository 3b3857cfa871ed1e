"""Importing Square's customer export at size: a 20,000-row file through the import runner.

Starts its own `crm serve` (embedded stack), adds a business, and imports
``customers_csv(20_000)`` from tests/data/square/make_customers.py (every quirk of the test
fixture, 6 % bad rows, 1 % repeats) with the runner the worker's job and the CLI use, as the
app role under RLS, in batches of 500 rows (one unit of work each):

(a) preview: read, match and store the preview (seconds);
(b) import: rows per second over the whole file (goal: >= 1,000 rows/s on 2 cores);
(c) the same file again: nothing new, rows per second (idempotence at size);
and checks that search finds an imported customer by a custom-field value.
"""

from __future__ import annotations

import time

import psycopg
from psycopg.rows import dict_row

from bench.api_latency import Server
from bench.core import Context, Result
from crm.clients.postgres_client import Database
from crm.imports import runner
from crm.utils.user_context import UserContext, user_context
from tests.data.square.make_customers import customers_csv

ROWS = 20_000
GOAL_ROWS_PER_S = 1000
EMAIL = "imports@bench.example"
TIMEZONE = "America/Chicago"


def _import(db: Database, user: UserContext, content: str) -> tuple[float, float, dict]:
    started = time.perf_counter()
    row = runner.create_preview(
        db, user, kind="square_customers", filename="bench.csv", content=content
    )
    preview_s = time.perf_counter() - started
    with db.unit_of_work(user.user_id) as conn:
        conn.execute("UPDATE imports SET status = 'queued' WHERE id = %s", (row["id"],))
    started = time.perf_counter()
    result = runner.run_import(db, user, row["id"])
    run_s = time.perf_counter() - started
    assert result is not None and result["status"] == "done", result
    return preview_s, run_s, result


def measure(ctx: Context) -> list[Result]:
    server = Server()
    content = customers_csv(ROWS)
    try:
        server.start()
        server.wait_healthy()
        urls = server.stack()["postgres"]["urls"]
        with psycopg.connect(urls["superuser"], autocommit=True, row_factory=dict_row) as raw:
            uid = raw.execute(
                "INSERT INTO users (email, display_name, business_name, timezone) "
                "VALUES (%s, 'Bench Owner', 'Bench Imports', %s) RETURNING id",
                (EMAIL, TIMEZONE),
            ).fetchone()["id"]
        user = UserContext(uid, TIMEZONE, actor="bench:import")
        db = Database(urls["app"])
        db.open()
        try:
            preview_s, run_s, first = _import(db, user, content)
            _, again_s, second = _import(db, user, content)
            with user_context(user), db.unit_of_work(uid) as conn:
                from crm.core.services import contact_service

                found = contact_service.search(conn, "rouge fonce", limit=5)
        finally:
            db.close()
    finally:
        server.stop()
    rate = ROWS / run_s
    counts = first["counts"]
    return [
        Result(
            "import_square_preview_s",
            round(preview_s, 1),
            "s",
            notes=f"{ROWS:,} rows read, matched and previewed in one unit of work",
        ),
        Result(
            "import_square_rows_per_s",
            round(rate),
            "rows/s",
            target=f">= {GOAL_ROWS_PER_S:,}",
            ok=rate >= GOAL_ROWS_PER_S,
            notes=f"{ROWS:,} rows in {run_s:.1f} s: {counts['new']:,} new, "
            f"{counts['unchanged']:,} unchanged, {counts['invalid']:,} invalid; "
            f"search finds a custom-field value: {bool(found)}",
        ),
        Result(
            "import_square_again_rows_per_s",
            round(ROWS / again_s),
            "rows/s",
            ok=second["counts"]["new"] == 0 and second["counts"]["updated"] == 0,
            notes=f"same file again: {second['counts']['unchanged']:,} unchanged, "
            f"{second['counts']['new']} new",
        ),
    ]
