"""Square export fixtures (tests/data/square, frozen) and a business to import them into."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crm.clients.postgres_client import Database
from crm.config import Settings
from crm.imports import runner
from crm.jobs.worker import BackgroundWorker, WorkerOptions
from crm.utils.user_context import UserContext
from tests.factories import make_user

SQUARE = Path(__file__).resolve().parents[1] / "data" / "square"


def square_file(name: str) -> str:
    """A fixture file exactly as Square (or a spreadsheet) saved it, BOM included."""
    return (SQUARE / name).read_bytes().decode("utf-8")


@pytest.fixture
def business(owner: psycopg.Connection[dict[str, Any]]) -> UserContext:
    user = make_user(owner)
    return UserContext(user["id"], user["timezone"], actor="test:import")


def preview_and_run(
    db: Database, user: UserContext, content: str, *, filename: str = "customers.csv"
) -> dict[str, Any]:
    """Preview, queue (as import.start would, without the job) and run in-process."""
    row = runner.create_preview(
        db, user, kind="square_customers", filename=filename, content=content
    )
    with db.unit_of_work(user.user_id) as conn:
        conn.execute("UPDATE imports SET status = 'queued' WHERE id = %s", (row["id"],))
    result = runner.run_import(db, user, row["id"])
    assert result is not None
    return result


@pytest.fixture
def worker(settings: Settings) -> Iterator[BackgroundWorker]:
    running = BackgroundWorker(settings, WorkerOptions(concurrency=2, name="test-imports"))
    running.start()
    try:
        yield running
    finally:
        running.stop()
