"""import.preview / import.start and the `imports` data type over the API, the job in a real
worker, and tenant isolation."""

from __future__ import annotations

import time
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from crm.clients.postgres_client import Database
from crm.imports import runner
from crm.jobs.worker import BackgroundWorker
from crm.utils.user_context import UserContext
from tests.api.helpers import act, done, error, read
from tests.factories import make_user
from tests.imports.conftest import square_file


def _preview(client: TestClient, name: str = "customers.csv") -> dict[str, Any]:
    result: dict[str, Any] = done(
        act(
            client,
            "import",
            "preview",
            kind="square_customers",
            filename=name,
            content=square_file(name),
        )
    )
    return result


def _wait_done(client: TestClient, import_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        row: dict[str, Any] = done(read(client, "imports", id=import_id))
        seen.append((row["status"], row["done_rows"]))
        if row["status"] in ("done", "failed"):
            return {**row, "seen": seen}
        time.sleep(0.2)
    raise AssertionError(f"import {import_id} did not finish: {seen[-5:]}")


def test_preview_start_and_the_worker_imports_it(
    client: TestClient, signed_in: dict[str, Any], worker: BackgroundWorker
) -> None:
    previewed = _preview(client)
    assert previewed["status"] == "previewed"
    assert previewed["counts"] == {"new": 465, "updated": 0, "unchanged": 5, "invalid": 30}
    assert "content" not in previewed
    started = done(act(client, "import", "start", id=previewed["id"]))
    assert started["status"] == "queued"
    finished = _wait_done(client, previewed["id"])
    assert finished["status"] == "done", finished["failure"]
    assert finished["done_rows"] == finished["total_rows"] == 500
    assert finished["counts"] == previewed["counts"]
    assert finished["errors"][0] == {
        "line": 16,
        "reason": "no name: First Name, Last Name and Company Name are all empty",
    }
    found = done(read(client, "contacts", search="Rouge foncé", limit=200))
    assert found and all(c["external_id"].startswith("SQ") for c in found)
    listed = done(read(client, "imports"))
    assert [r["id"] for r in listed] == [previewed["id"]]
    assert "errors" not in listed[0] and "preview" not in listed[0]
    trail = done(read(client, "imports", id=previewed["id"], include="audit_trail"))
    assert [a["action"] for a in trail["audit_trail"]] == ["create", "start", "done"]
    assert trail["audit_trail"][-1]["actor"] == "worker:import"
    # Started once only.
    error(act(client, "import", "start", id=previewed["id"]), 409, "IMPORT_NOT_STARTABLE")


def test_wrong_columns_is_one_422_naming_the_missing_columns(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    err = error(
        act(
            client,
            "import",
            "preview",
            kind="square_customers",
            filename="not_customers.csv",
            content=square_file("not_customers.csv"),
        ),
        422,
        "IMPORT_WRONG_COLUMNS",
    )
    assert "Square Customer ID" in err["message"] and "Phone Number" in err["message"]
    assert done(read(client, "imports")) == []


def test_another_business_cannot_read_or_start_my_import(
    app: Any,
    client: TestClient,
    signed_in: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
) -> None:
    mine = _preview(client, "customers_tab.tsv")
    other = make_user(owner, business_name="Other Windows")
    cookie, session = app.state.auth.sessions.create(other["id"])
    client.cookies.set("crm_session", cookie, domain="localhost.local")
    client.headers["X-CSRF-Token"] = session.csrf_token
    # Same email as my file's first row: a leak across businesses would fill their contact.
    theirs = done(
        act(client, "contact", "create", first_name="Siobhán", email="siobhn.dubois0@example.com")
    )
    assert done(read(client, "imports")) == []
    error(read(client, "imports", id=mine["id"]), 404, "NOT_FOUND")
    error(act(client, "import", "start", id=mine["id"]), 404, "NOT_FOUND")
    # My import, run, never touches their contacts.
    client.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")
    client.headers["X-CSRF-Token"] = signed_in["csrf_token"]
    db: Database = app.state.resources.db
    user = UserContext(signed_in["id"], signed_in["timezone"])
    with db.unit_of_work(user.user_id) as conn:
        conn.execute("UPDATE imports SET status = 'queued' WHERE id = %s", (mine["id"],))
    assert runner.run_import(db, user, mine["id"])["counts"]["new"] == 56
    with db.unit_of_work(other["id"]) as conn:
        rows = conn.execute("SELECT id, last_name, external_id, phone FROM contacts").fetchall()
        assert [(str(r["id"]), r["last_name"], r["external_id"], r["phone"]) for r in rows] == [
            (theirs["id"], "", "", "")
        ]
        assert conn.execute("SELECT count(*) AS n FROM attributes").fetchone()["n"] == 0
        assert conn.execute("SELECT count(*) AS n FROM imports").fetchone()["n"] == 0
