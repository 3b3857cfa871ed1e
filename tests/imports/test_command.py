"""`crm import square-customers` as an owner types it (in-process, against the test database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from crm.cli import main
from crm.config import Settings
from crm.imports import command
from tests.factories import make_user
from tests.imports.conftest import SQUARE


@pytest.fixture
def cli_business(
    settings: Settings, owner: psycopg.Connection[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.setattr(command, "import_settings", lambda data_dir: settings)
    return make_user(owner, email="owner@sparkle.example")


def _contacts(owner: psycopg.Connection[dict[str, Any]], user_id: Any) -> int:
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        return int(owner.execute("SELECT count(*) AS n FROM contacts").fetchone()["n"])


def test_dry_run_prints_the_preview_and_imports_nothing(
    cli_business: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = SQUARE / "customers.csv"
    code = main(
        [
            "import",
            "square-customers",
            str(file),
            "--business-email",
            "Owner@Sparkle.example",
            "--dry-run",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "500 rows — 465 new, 0 updated, 5 unchanged, 30 invalid" in out
    assert "Renée Søren" in out
    assert "line 16: no name" in out
    assert "dry run: nothing was imported" in out
    assert _contacts(owner, cli_business["id"]) == 0


def test_import_runs_with_a_progress_bar_and_again_changes_nothing(
    cli_business: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [
        "import",
        "square-customers",
        str(SQUARE / "customers.csv"),
        "--business-email",
        "owner@sparkle.example",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "imported customers.csv: 465 new, 0 updated, 5 unchanged, 30 invalid" in out
    assert _contacts(owner, cli_business["id"]) == 465
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "imported customers.csv: 0 new, 0 updated, 470 unchanged, 30 invalid" in out
    assert _contacts(owner, cli_business["id"]) == 465


def test_unknown_business_and_wrong_file_exit_non_zero(
    cli_business: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = str(SQUARE / "not_customers.csv")
    assert main(["import", "square-customers", file, "--business-email", "nobody@x.example"]) == 2
    assert "no active business signs in with nobody@x.example" in capsys.readouterr().err
    assert (
        main(["import", "square-customers", file, "--business-email", "owner@sparkle.example"]) == 1
    )
    assert "not a Square customer export" in capsys.readouterr().err
    missing = str(tmp_path / "missing.csv")
    assert (
        main(["import", "square-customers", missing, "--business-email", "owner@sparkle.example"])
        == 2
    )


def test_square_appointments_imports_with_the_same_command_shape(
    cli_business: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = SQUARE / "appointments.csv"
    args = ["import", "square-appointments", str(file), "--business-email", "owner@sparkle.example"]
    assert main([*args, "--dry-run"]) == 0
    assert "10 rows — 8 new, 0 updated, 0 unchanged, 2 invalid" in capsys.readouterr().out
    assert main(args) == 0
    assert "8 new" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 new, 0 updated, 8 unchanged, 2 invalid" in capsys.readouterr().out
    with owner.transaction():
        owner.execute(
            "SELECT set_config('app.current_user_id', %s, true)", (str(cli_business["id"]),)
        )
        assert owner.execute("SELECT count(*) AS n FROM tickets").fetchone()["n"] == 8
