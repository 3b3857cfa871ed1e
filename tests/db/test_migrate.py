"""Migrations are applied once, in order, recorded, and never silently edited."""

from __future__ import annotations

import pytest

from crm.db.migrate import MigrationError, available_migrations, latest_version, migrate


def test_migrations_are_recorded_in_order(owner) -> None:
    rows = owner.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert [r["version"] for r in rows] == [m.version for m in available_migrations()]
    assert rows[0] == {"version": "0001", "name": "foundation"}
    assert latest_version() == rows[-1]["version"]


def test_migrate_again_applies_nothing(database) -> None:
    assert migrate(database.owner_url) == []


def test_edited_migration_is_refused(database, owner) -> None:
    owner.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = '0001'")
    with pytest.raises(MigrationError, match="0001_foundation was changed"):
        migrate(database.owner_url)
