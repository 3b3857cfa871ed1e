"""Backups a one-machine business can trust: a business's whole history goes into one file and
comes back exactly, into a fresh data folder, with the same roles, owners, grants and RLS.

Real servers throughout: the session stack's PostgreSQL holds the original (a per-test copy of
the migrated database), and the restore starts a second embedded stack of its own.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from crm.clients.vault_client import VaultClient
from crm.config import Settings, load_settings
from crm.db.migrate import latest_version
from crm.db.roles import APP_ROLE
from crm.embedded import backup, config_file, daily_backups, restore
from crm.embedded.stack import EmbeddedStack
from crm.main import Resources, connect, create_app
from tests.api.helpers import act, closeout_job, done, make, preview_input, read
from tests.auth.helpers import request_login
from tests.conftest import BASE_URL
from tests.factories import make_user
from tests.worlds import messaging_with_a_sent_message, plan_and_waitlist, signed_in_client

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

pytestmark = pytest.mark.slow


CATALOG = {
    "relations": "SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner) AS owner, "
    "c.relacl::text AS acl, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
    "WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1",
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default, "
    "is_generated, generation_expression FROM information_schema.columns "
    "WHERE table_schema = 'public' ORDER BY 1, 2",
    "constraints": "SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) "
    "AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
    "WHERE schemaname = 'public' ORDER BY 1, 2",
    "policies": "SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check "
    "FROM pg_policies WHERE schemaname = 'public' ORDER BY 1, 2",
    "triggers": "SELECT tgrelid::regclass::text AS rel, tgname, tgenabled, "
    "pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2",
    "functions": "SELECT p.oid::regprocedure::text AS name, pg_get_userbyid(p.proowner) AS owner, "
    "p.proacl::text AS acl, p.prosecdef, p.proconfig::text AS config, md5(p.prosrc) AS src "
    "FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1",
    "schema": "SELECT nspname, pg_get_userbyid(nspowner) AS owner, nspacl::text AS acl "
    "FROM pg_namespace WHERE nspname = 'public'",
    "extensions": "SELECT extname, pg_get_userbyid(extowner) AS owner, extversion, "
    "extnamespace::regnamespace::text AS schema FROM pg_extension ORDER BY 1",
    "database": "SELECT pg_get_userbyid(datdba) AS owner, datacl::text AS acl "
    "FROM pg_database WHERE datname = current_database()",
    "roles": "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, "
    "rolbypassrls FROM pg_roles WHERE rolname LIKE 'crm\\_%' ORDER BY 1",
    "memberships": "SELECT r.rolname AS role, m.rolname AS member FROM pg_auth_members a "
    "JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member "
    "WHERE m.rolname LIKE 'crm\\_%' ORDER BY 1, 2",
    "sequences": "SELECT sequencename, last_value FROM pg_sequences "
    "WHERE schemaname = 'public' ORDER BY 1",
}


def _tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind = 'r' ORDER BY 1"
    ).fetchall()
    return [next(iter(r.values())) if isinstance(r, dict) else r[0] for r in rows]


def _rows(conn: psycopg.Connection[Any], table: str) -> list[str]:
    """Every row of ``table`` as its full text form, in a stable order."""
    query = f'SELECT t::text AS row FROM public."{table}" t ORDER BY 1'  # noqa: S608 - catalog name
    return [r["row"] if isinstance(r, dict) else r[0] for r in conn.execute(query).fetchall()]


def _catalog(conn: psycopg.Connection[Any]) -> dict[str, list[Any]]:
    return {name: conn.execute(query).fetchall() for name, query in CATALOG.items()}


def _connect(url: str) -> psycopg.Connection[Any]:
    from psycopg.rows import dict_row

    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


# -- a business with a history ----------------------------------------------------------------


@pytest.fixture
def business(
    app: Any,
    client: TestClient,
    signed_in: dict[str, Any],
    owner: psycopg.Connection,
    database: TestDatabase,
    settings: Settings,
) -> dict[str, Any]:
    """Two businesses; the first with every kind of row the app writes, made through the API."""
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    job = closeout_job(client, start=(soon - timedelta(days=3)).isoformat())
    contact = job["contact"]
    done(act(client, "contact", "update", id=contact["id"], email="edna@example.com"))
    other = make(client, "contact", first_name="Rosa", last_name="Díaz", phone="256 555 0142")
    make(client, "address", contact_id=other["id"], line1="12 Oak Ave", city="Huntsville")
    staff = make(client, "staff", name="Sam")
    done(act(client, "ticket", "assign_staff", id=job["ticket"]["id"], staff_ids=[staff["id"]]))
    done(act(client, "ticket", "clock_in", id=job["ticket"]["id"]))
    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job)))
    decisions = [{"key": p["key"], "decision": "accept"} for p in draft["proposed_attributes"]]
    done(
        act(
            client,
            "ticket",
            "close",
            ticket_id=job["ticket"]["id"],
            draft_id=draft["draft_id"],
            decisions=decisions,
        )
    )
    make(client, "note", contact_id=other["id"], body="Prefers mornings; side gate sticks")
    make(client, "attribute", contact_id=other["id"], key="pets.dog_name", value="Pepper")
    plan_and_waitlist(client, other["id"], job["wash"]["service_id"], soon)
    done(
        act(
            client,
            "import",
            "preview",
            kind="square_customers",
            filename="customers.csv",
            content="Square Customer ID,First Name,Last Name,Email Address,Phone Number\n"
            "SQ1,Edna,Whitfield,edna@example.com,(256) 555-0134\n",
        )
    )
    # Any other CSV, started: its mapping is remembered (import_mappings).
    mapped = done(
        act(
            client,
            "import",
            "preview",
            kind="csv",
            filename="clients.csv",
            content="Name,E-mail\nEdna Whitfield,edna@example.com\n",
            mapping={"Name": "full_name", "E-mail": "email"},
        )
    )
    done(act(client, "import", "start", id=mapped["id"]))
    invoice = done(act(client, "invoice", "create_from_ticket", ticket_id=job["ticket"]["id"]))
    done(act(client, "invoice", "mark_sent", id=invoice["id"]))
    done(act(client, "invoice", "record_payment", invoice_id=invoice["id"], amount_cents=5000))
    standalone = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=other["id"],
            lines=[{"description": "Screens", "quantity": "3", "unit_price_cents": 500}],
        )
    )
    done(act(client, "invoice", "void", id=standalone["id"]))
    upcoming = make(client, "ticket", contact_id=other["id"], scheduled_start=soon.isoformat())
    done(
        act(
            client,
            "message",
            "schedule",
            kind="reminder",
            contact_id=other["id"],
            ticket_id=upcoming["id"],
            subject="See you soon",
            body="Hi Rosa",
            scheduled_for=(soon - timedelta(days=1)).isoformat(),
        )
    )
    done(act(client, "ticket", "clock_in", id=upcoming["id"]))  # a close-out left half-way
    done(
        act(
            client,
            "ticket",
            "close_out_preview",
            ticket_id=upcoming["id"],
            duration_minutes=30,
            line_items=[],
            notes="Side gate sticks",
            next_step={"kind": "none"},
        )
    )
    gone = make(client, "contact", first_name="Gone")
    done(act(client, "contact", "delete", id=gone["id"]))
    # An API token, and a delete it asked for that waits for the owner's approval.
    token = done(act(client, "api_token", "create", name="Assistant", scope="write"))
    asked = client.post(
        "/api/actions",
        json={"domain": "contact", "action": "delete", "data": {"id": other["id"]}},
        headers={"Authorization": f"Bearer {token['token']}"},
    )
    assert asked.status_code == 202, asked.text
    messaging_with_a_sent_message(client, settings, contact["id"], "backup")

    second = make_user(owner, email="second@example.com", business_name="Second Shine")
    # Extra clients without `with`: the app's lifespan (and its pools) belongs to `client`.
    make(signed_in_client(app, second["id"]), "contact", first_name="Zed", last_name="Other")
    anonymous = TestClient(app, base_url=BASE_URL)  # a sign-in: login_attempts, events
    assert request_login(anonymous, "second@example.com").status_code in (200, 303)
    with database.superuser() as su:
        su.execute(
            "INSERT INTO llm_usage (user_id, purpose, provider, model, latency_ms, ok) "
            "VALUES (%s, 'extraction', 'local', 'qwen3:1.7b', 812, true)",
            (signed_in["id"],),
        )
    return {"user": signed_in, "second": second, "contact": contact, "other": other}


# -- the round trip ---------------------------------------------------------------------------


@pytest.fixture
def restore_root() -> Iterator[Path]:
    """Short and under the temp dir like the session stack's (PostgreSQL's socket path)."""
    root = Path(tempfile.mkdtemp(prefix="crm-restore-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_backup_and_restore_round_trip_is_exact(
    stack: EmbeddedStack,
    database: TestDatabase,
    business: dict[str, Any],
    restore_root: Path,
) -> None:
    source, restored = restore_root / "source", restore_root / "restored"
    config_file.set_values(source, "crm/app", ["TRUSTED_PROXIES=127.0.0.1"])
    config_file.set_values(
        source,
        "crm/sms",
        [
            "SMS_PROVIDER=twilio",
            "TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef",
            "TWILIO_AUTH_TOKEN=tw-se",
            "TWILIO_FROM=+12565550100",
        ],
    )
    with _connect(database.superuser_url) as su:
        tables = _tables(su)
        original = {t: _rows(su, t) for t in tables}
        original_catalog = _catalog(su)
    # A stopped worker unregisters itself: the queue's worker list is empty between runs.
    empty = sorted(t for t, rows in original.items() if not rows and t != "procrastinate_workers")
    assert empty == [], f"the business left these tables empty: {empty}"

    result = backup.create_backup(
        database.superuser_url, backup.default_path(source), config_file=source / "config.json"
    )
    assert result.path.parent == source.resolve() / "backups"
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    manifest = result.manifest
    assert manifest["tables"] == {t: len(rows) for t, rows in original.items()}
    assert manifest["migration_version"] == latest_version()
    with tarfile.open(result.path) as tar:
        assert sorted(tar.getnames()) == ["config.json", "database.dump", "manifest.json"]
    _assert_no_stack_secrets(stack, result.path)

    outcome = restore.restore_backup(result.path, restored)
    assert outcome.tables == manifest["tables"]
    assert (restored / "config.json").read_bytes() == (source / "config.json").read_bytes()
    assert stat.S_IMODE((restored / "config.json").stat().st_mode) == 0o600
    assert not (restored / "stack.json").exists(), "restore must stop its stack"
    fresh = json.loads((restored / "secrets.json").read_text())
    assert set(fresh.values()).isdisjoint(json.loads((stack.data_dir / "secrets.json").read_text()))

    # Start the restored folder as `crm serve` would, and compare everything.
    new = EmbeddedStack(restored, base_url=BASE_URL, echo_mail=False)
    info = new.start()
    try:
        with _connect(info.superuser_url) as su:
            assert _tables(su) == tables
            for table in tables:
                assert _rows(su, table) == original[table], f"{table} differs after restore"
            assert _catalog(su) == original_catalog
        _assert_rls_holds(info.app_url, business)
        _assert_app_serves_a_signed_in_read(new, business)
    finally:
        new.stop()


def _assert_no_stack_secrets(stack: EmbeddedStack, path: Path) -> None:
    """No role, Valkey or app secret of the running stack is anywhere in the file, even in the
    dump's decompressed SQL."""
    secrets = json.loads((stack.data_dir / "secrets.json").read_text()).values()
    with backup.open_bundle(path) as (manifest, config, dump):
        script = subprocess.run(
            [backup.pg_tool("pg_restore"), "--file=-", str(dump)],
            capture_output=True,
            check=True,
        ).stdout
        assert b"CREATE TABLE public.contacts" in script
        everything = script + json.dumps(manifest).encode() + (config or b"")
    assert not [s for s in secrets if s.encode() in everything]
    assert b"postgres_superuser" not in path.read_bytes()


def _assert_rls_holds(app_url: str, business: dict[str, Any]) -> None:
    with _connect(app_url) as app:
        role = app.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert role == {"rolsuper": False, "rolbypassrls": False}
        tenant = app.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND (c.relname = "
            "'users' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
            "AND a.attname = 'user_id' AND NOT a.attisdropped))"
        ).fetchall()
        assert len(tenant) >= 15
        assert [t["relname"] for t in tenant if not t["relforcerowsecurity"]] == []
        assert [t["relname"] for t in tenant if not t["relrowsecurity"]] == []
        # No user context: an error, never every business's rows.
        with pytest.raises(psycopg.Error):
            app.execute("SELECT count(*) FROM contacts").fetchone()
        # Switching row security off is refused, not a way around the policies.
        app.execute("SET row_security = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("SELECT count(*) FROM contacts").fetchone()
        app.execute("RESET row_security")
        with app.transaction():
            app.execute(
                "SELECT set_config('app.current_user_id', %s, true)",
                (str(business["second"]["id"]),),
            )
            names = app.execute("SELECT first_name FROM contacts").fetchall()
            users = app.execute("SELECT email FROM users").fetchall()
        assert names == [{"first_name": "Zed"}]
        assert users == [{"email": "second@example.com"}]
        assert app.execute(
            "SELECT has_table_privilege(%s, 'login_attempts', 'SELECT') AS p", (APP_ROLE,)
        ).fetchone() == {"p": False}


def _assert_app_serves_a_signed_in_read(new: EmbeddedStack, business: dict[str, Any]) -> None:
    assert new.info is not None
    vault = VaultClient(new.info.credentials)
    vault.login()
    settings = load_settings(vault, embedded_outbox=str(new.info.outbox_dir))
    resources: Resources = connect(settings, vault)
    try:
        app = create_app(resources)
        with signed_in_client(app, business["user"]["id"]) as client:
            contacts = done(read(client, "contacts"))
            assert {c["first_name"] for c in contacts} == {"Edna", "Rosa"}
            found = done(read(client, "contacts", search="Díaz"))
            assert [c["id"] for c in found] == [business["other"]["id"]]
            tickets = done(read(client, "tickets", include="line_items,notes"))
            assert {t["status"] for t in tickets if not t["plan_id"]} == {
                "completed",
                "in_progress",
            }
            [plan] = done(read(client, "plans", include="visits"))
            assert plan["summary"] == "Every 6 weeks on Thursday at 10:00 AM"
            assert {t["id"] for t in plan["visits"]} == {t["id"] for t in tickets if t["plan_id"]}
            assert len(plan["visits"]) >= 8
            # Writes work too: sequences and invoice numbers continue where they were.
            again = make(client, "contact", first_name="After", last_name="Restore")
            assert done(read(client, "contacts", id=again["id"]))["last_name"] == "Restore"
    finally:
        resources.close()


# -- refusals ---------------------------------------------------------------------------------


def test_restore_refuses_a_folder_that_is_not_empty(
    database: TestDatabase, tmp_path: Path, restore_root: Path
) -> None:
    result = backup.create_backup(database.superuser_url, tmp_path / "one.crmbackup")
    target = tmp_path / "in-use"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(backup.RestoreRefused, match="not empty"):
        restore.restore_backup(result.path, target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]

    damaged = tmp_path / "damaged.crmbackup"
    with tarfile.open(result.path) as tar:
        member = tar.getmember("database.dump")
    data = bytearray(result.path.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0xFF  # inside the dump
    damaged.write_bytes(bytes(data))
    with pytest.raises(backup.RestoreRefused, match=r"damaged|not a crm backup"):
        restore.restore_backup(damaged, restore_root / "new")
    assert not (restore_root / "new").exists()
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.create_backup(database.superuser_url, result.path)


def test_the_owner_role_alone_cannot_back_up(database: TestDatabase, tmp_path: Path) -> None:
    """FORCE RLS applies to the owner too: it would dump nothing, so it is refused by name."""
    with pytest.raises(backup.BackupError, match="crm_owner is subject to row-level security"):
        backup.create_backup(database.owner_url, tmp_path / "x.crmbackup")
    assert list(tmp_path.iterdir()) == []


# -- the daily backup -------------------------------------------------------------------------


def _fake_backup(folder: Path, when: datetime) -> Path:
    path = folder / f"crm-{when.astimezone(UTC):%Y%m%d-%H%M%S}{backup.SUFFIX}"
    path.write_bytes(b"old")
    return path


def test_retention_keeps_fourteen_days(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime(2026, 6, 20, 3, 0, tzinfo=UTC)
    daily = [_fake_backup(folder, now - timedelta(days=d)) for d in range(21)]
    mine = folder / "keep-me.tar"
    mine.write_bytes(b"not ours")
    stale = folder / ".crm-abc.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (now.timestamp() - 2 * 86400,) * 2)

    removed = daily_backups.prune(folder, now=now)
    assert sorted(removed) == sorted(daily[15:])
    assert sorted(p for p in folder.iterdir()) == sorted([*daily[:15], mine])

    # Old backups are never all deleted: the newest stays, however old.
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    old = [_fake_backup(lonely, now - timedelta(days=d)) for d in (40, 30)]
    assert daily_backups.prune(lonely, now=now) == [old[0]]
    assert list(lonely.iterdir()) == [old[1]]


def test_daily_backup_writes_prunes_and_reports(
    app: Any, client: TestClient, database: TestDatabase, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    ancient = _fake_backup(folder, datetime.now(UTC) - timedelta(days=15))
    daily = daily_backups.DailyBackups(tmp_path, database.superuser_url)
    assert daily.summary()["status"] == "stale"

    result = daily.run_once()
    assert result is not None and result.path.exists()
    assert not ancient.exists()
    summary = daily.summary()
    assert summary["status"] == "ok" and summary["file"] == result.path.name
    assert summary["age_hours"] < 0.1

    assert "backup" not in done(client.get("/api/health"))  # not run here: nothing shown
    app.state.backup_status = daily.summary
    shown = done(client.get("/api/health"))["backup"]
    assert shown["status"] == "ok" and shown["last_good_at"] == summary["last_good_at"]


def test_a_failed_daily_backup_is_loud_and_shown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = daily_backups.DailyBackups(tmp_path, "postgresql://nobody@/nowhere?host=/nonexistent")
    with caplog.at_level(logging.ERROR, logger="crm.backup"):
        assert broken.run_once() is None
    assert "DAILY BACKUP FAILED" in caplog.text
    summary = broken.summary()
    assert summary["status"] == "failing" and "cannot connect" in summary["last_error"]
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())


def test_the_thread_takes_the_first_backup_soon_after_start(
    database: TestDatabase, tmp_path: Path
) -> None:
    daily = daily_backups.DailyBackups(tmp_path, database.superuser_url, first_delay=0.2).start()
    try:
        deadline = time.monotonic() + 30
        while not daily_backups.backups_in(tmp_path / "backups") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        daily.stop()
    assert len(daily_backups.backups_in(tmp_path / "backups")) == 1

    # Already one today: a restart does not take another one right away.
    again = daily_backups.DailyBackups(tmp_path, database.superuser_url, first_delay=0.2).start()
    time.sleep(1.0)
    again.stop()
    assert len(daily_backups.backups_in(tmp_path / "backups")) == 1
