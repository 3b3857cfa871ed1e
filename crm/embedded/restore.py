"""`crm restore`: a backup file into a new or empty embedded data folder."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from crm.db import roles
from crm.db.migrate import latest_version, migrate
from crm.embedded.backup import (
    BackupError,
    RestoreRefused,
    error_line,
    open_bundle,
    pg_client,
    pg_tool,
    table_counts,
)

log = logging.getLogger("crm.backup")


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    manifest: dict[str, Any]
    tables: dict[str, int]
    migrated: list[str]
    seconds: float


def restore_backup(path: Path, data_dir: Path) -> RestoreResult:
    """Restore ``path`` into a new or empty embedded data folder, then stop its stack.

    The folder gets a fresh stack (new secrets, roles and an empty database); the dump is then
    restored as the superuser (owners, grants, policies and FORCE RLS come back as dumped, the
    extensions are created first as their recorded owners), pending migrations are applied, and
    every table's row count is checked against the manifest. On failure the folder is emptied.
    """
    from crm.embedded.stack import DATABASE, EmbeddedStack

    started = time.monotonic()
    data_dir = data_dir.resolve()
    _require_empty(data_dir)
    with open_bundle(path) as (manifest, config, dump):
        version = str(manifest.get("migration_version", "0000"))
        if version > latest_version():
            raise RestoreRefused(
                f"{path} has schema {version}, newer than this crm knows ({latest_version()}); "
                "upgrade crm first"
            )
        created = not data_dir.exists()
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        stack = EmbeddedStack(data_dir, echo_mail=False)
        try:
            if config is not None:
                _write_private(data_dir / "config.json", config)
            log.info("restoring %s: starting a fresh embedded stack in %s", path.name, data_dir)
            with _quiet("crm.migrate"):  # its migrations are replaced by the dump at once
                info = stack.start()
            secrets = json.loads((data_dir / "secrets.json").read_text())
            with psycopg.connect(stack_superuser(info.superuser_url), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(DATABASE))
                )
            roles.bootstrap(
                stack_superuser(info.superuser_url),
                database=DATABASE,
                owner_password=secrets["postgres_owner"],
                app_password=secrets["postgres_app"],
            )
            _restore_dump(info.superuser_url, manifest, dump)
            migrated = migrate(info.owner_url)
            with psycopg.connect(info.superuser_url, autocommit=True) as conn:
                tables = table_counts(conn)
                conn.execute("ANALYZE")
            expected = {k: int(v) for k, v in manifest["tables"].items()}
            wrong = [t for t, n in expected.items() if tables.get(t) != n]
            if wrong:
                raise BackupError(f"row counts differ from the backup in: {', '.join(wrong)}")
        except BaseException:
            with contextlib.suppress(Exception):
                stack.stop()
            _empty(data_dir, remove=created)
            raise
        stack.stop()
    return RestoreResult(data_dir, manifest, tables, migrated, time.monotonic() - started)


def stack_superuser(url: str) -> str:
    """The superuser URL on the maintenance database (to drop and create the app database)."""
    return psycopg.conninfo.make_conninfo(url, dbname="postgres")


def _restore_dump(superuser_url: str, manifest: dict[str, Any], dump: Path) -> None:
    # CREATE EXTENSION has no owner in a dump: create each as the role that owned it.
    with psycopg.connect(superuser_url, autocommit=True) as conn:
        for ext in manifest.get("extensions", []):
            create = sql.SQL("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}").format(
                sql.Identifier(ext["name"]), sql.Identifier(ext["schema"])
            )
            try:
                with conn.transaction():
                    conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(ext["owner"])))
                    conn.execute(create)
            except psycopg.Error as exc:  # no such role, or not a trusted extension
                log.warning("creating extension %s as the superuser: %s", ext["name"], exc)
                conn.execute(create)
    conninfo, env = pg_client(superuser_url)
    result = subprocess.run(
        [pg_tool("pg_restore"), "--exit-on-error", "--single-transaction", "--no-password",
         f"--dbname={conninfo}", str(dump)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {error_line(result.stderr)}")


def _require_empty(data_dir: Path) -> None:
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise RestoreRefused(
            f"{data_dir} is not empty; crm restore only fills a new or empty data folder"
        )


def _empty(data_dir: Path, *, remove: bool) -> None:
    """After a failed restore: leave the folder as it was (absent, or empty)."""
    if remove:
        shutil.rmtree(data_dir, ignore_errors=True)
        return
    for entry in data_dir.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    target = logging.getLogger(logger)
    level = target.level
    target.setLevel(logging.WARNING)
    try:
        yield
    finally:
        target.setLevel(level)
