"""Versioned SQL migrations, applied in order by the owner role and recorded."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
from psycopg.rows import dict_row

from crm.clients.postgres_client import connect_direct
from crm.errors import ConfigurationError

log = logging.getLogger("crm.migrate")

_FILENAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same for every migrator.
_LOCK_KEY = 7_400_211_001
# `--! include PACKAGE PATH` on a line of its own applies a SQL file shipped inside an installed
# package there (the job queue's schema, docs/messaging.md). The checksum covers the line, so a
# new version of that package's schema needs a new migration, never an edit.
_INCLUDE = re.compile(r"^--! include (?P<package>[a-z_]+) (?P<path>[\w./-]+\.sql)$", re.MULTILINE)


class MigrationError(ConfigurationError):
    pass


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations() -> list[Migration]:
    """Migrations shipped with the package, in version order."""
    folder = resources.files("crm.db").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _FILENAME.match(entry.name)
        if match:
            found.append(Migration(match["version"], match["name"], entry.read_text("utf-8")))
        elif entry.name.endswith(".sql"):
            raise MigrationError(f"migration file {entry.name} does not match NNNN_name.sql")
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {versions}")
    return found


def expand_includes(text: str) -> str:
    """The migration's SQL with each include line replaced by the file it names."""

    def included(match: re.Match[str]) -> str:
        try:
            return resources.files(match["package"]).joinpath(match["path"]).read_text("utf-8")
        except (ModuleNotFoundError, OSError) as exc:
            raise MigrationError(
                f"migration includes {match['path']} from {match['package']}, "
                f"which is not installed: {exc}"
            ) from exc

    return _INCLUDE.sub(included, text)


def latest_version() -> str:
    migrations = available_migrations()
    return migrations[-1].version if migrations else "0000"


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def migrate(owner_conninfo: str) -> list[str]:
    """Apply every pending migration; return the versions applied now."""
    applied_now: list[str] = []
    conn: psycopg.Connection[Any] = connect_direct(owner_conninfo, row_factory=dict_row)
    with conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(_CREATE_TABLE)
        conn.execute("GRANT SELECT ON schema_migrations TO crm_app")
        rows = conn.execute("SELECT version, name, checksum FROM schema_migrations").fetchall()
        done = {row["version"]: row for row in rows}
        for migration in available_migrations():
            recorded = done.get(migration.version)
            if recorded is not None:
                if recorded["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version}_{migration.name} was changed after "
                        "it was applied; add a new migration instead"
                    )
                continue
            log.info("applying migration %s_%s", migration.version, migration.name)
            conn.execute(expand_includes(migration.sql).encode())
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
            applied_now.append(migration.version)
    return applied_now


def applied_version(conn: psycopg.Connection[Any]) -> str:
    """The newest applied migration version, as seen by any role allowed to read the table."""
    row = conn.execute("SELECT max(version) AS version FROM schema_migrations").fetchone()
    value = row["version"] if isinstance(row, dict) else (row[0] if row else None)
    return value or "0000"
