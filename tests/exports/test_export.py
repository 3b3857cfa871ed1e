"""What is in an export: every file and column, money and time formats, and only one business."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from crm import cli
from crm.clients.postgres_client import Database
from crm.config import Settings
from crm.exports import build_export, export_filename, spec
from crm.exports import cli as export_cli
from crm.exports.read_zip import NotAnExport, read_export


def _csv(zf: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    with zf.open(name) as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")))


def test_every_file_has_its_declared_columns_and_the_readme_describes_them(
    db: Database, rich: dict[str, Any]
) -> None:
    zf = zipfile.ZipFile(io.BytesIO(build_export(db, rich["user"]["id"])))

    assert set(zf.namelist()) == {e.file for e in spec.ENTITIES} | {"data.json", "README.txt"}
    readme = zf.read("README.txt").decode()
    for entity in spec.ENTITIES:
        with zf.open(entity.file) as raw:
            assert raw.read(3) == b"\xef\xbb\xbf"  # a BOM, so spreadsheets read UTF-8
        header = next(csv.reader(io.TextIOWrapper(zf.open(entity.file), encoding="utf-8-sig")))
        assert header == entity.headers()
        assert entity.file in readme
        for column in header:
            assert f"  {column} " in readme, (entity.file, column)


def test_money_times_and_values_are_written_as_documented(
    db: Database, rich: dict[str, Any]
) -> None:
    zf = zipfile.ZipFile(io.BytesIO(build_export(db, rich["user"]["id"])))
    timezone = _csv(zf, "business.csv")[0]["timezone"]
    invoices = _csv(zf, "invoices.csv")
    payments = _csv(zf, "payments.csv")
    tickets = _csv(zf, "tickets.csv")
    attributes = _csv(zf, "attributes.csv")

    paid = next(i for i in invoices if i["status"] == "partial")
    assert paid["paid_cents"] == "4000" and paid["paid_formatted"] == "$40.00"
    refund = next(p for p in payments if p["kind"] == "refund")
    assert refund["amount_cents"] == "-1000" and refund["amount_formatted"] == "-$10.00"
    assert refund["refund_of"] in {p["id"] for p in payments}
    start = datetime.fromisoformat(tickets[0]["scheduled_start"])
    assert start.utcoffset() == start.astimezone(ZoneInfo(timezone)).utcoffset()
    assert tickets[0]["scheduled_start"][-6] in "+-"  # ISO 8601 with the offset
    dog = next(
        a
        for a in attributes
        if a["key"] == "pets.dog_name" and a["contact_id"] == rich["other"]["id"]
    )
    assert json.loads(dog["value"]) == "Pepper"
    assert next(a for a in attributes if a["key"] == "property.windows")["address_id"]
    data = json.loads(zf.read("data.json"))
    rosa = next(c for c in data["contacts"] if c["first_name"] == "Rosa")
    assert [a["line1"] for a in rosa["addresses"]] == ["12 Oak Ave"]
    assert rosa["plans"] and rosa["waitlist_entries"] and rosa["invoices"]
    edna = next(c for c in data["contacts"] if c["id"] == rich["contact"]["id"])
    job = next(t for t in edna["tickets"] if t["status"] == "completed")
    assert job["line_items"] and job["time_entries"] and job["ticket_staff"]
    assert edna["invoices"][0]["payments"][0]["amount_cents"] == 5000


def test_deleted_rows_still_referenced_are_id_only_rows(db: Database, rich: dict[str, Any]) -> None:
    zf = zipfile.ZipFile(io.BytesIO(build_export(db, rich["user"]["id"])))
    contacts = {c["id"]: c for c in _csv(zf, "contacts.csv")}
    staff = {s["id"]: s for s in _csv(zf, "staff.csv")}

    for row in _csv(zf, "tickets.csv"):
        assert row["contact_id"] in contacts
    for row in _csv(zf, "ticket_staff.csv"):
        assert row["staff_id"] in staff
    gone = [c for c in contacts.values() if c["deleted"] == "true"]
    assert len(gone) == 1 and gone[0]["first_name"] == ""
    assert [s["name"] for s in staff.values() if s["deleted"] == "false"] == ["Lee"]


def test_nothing_of_another_business_is_in_an_export(db: Database, rich: dict[str, Any]) -> None:
    data = build_export(db, rich["user"]["id"])
    other = build_export(db, rich["second"]["id"])
    first_id = str(rich["user"]["id"])
    zf = zipfile.ZipFile(io.BytesIO(data))
    everything = "".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())
    theirs = zipfile.ZipFile(io.BytesIO(other))
    their_text = "".join(theirs.read(n).decode("utf-8-sig") for n in theirs.namelist())

    for marker in (
        "Zed",
        "Otherbiz",
        "zed@other.test",
        "99 Elsewhere Rd",
        "SECOND-BUSINESS-NOTE",
        "Quinn",
        "second@example.com",
        "Second Shine",
        rich["zed"]["id"],
        str(rich["second"]["id"]),
    ):
        assert marker not in everything, marker
    for marker in (
        "Rosa",
        "12 Oak Ave",
        "Pepper",
        "edna@example.com",
        rich["other"]["id"],
        first_id,
    ):
        assert marker not in their_text, marker
    assert "Zed" in their_text and "SECOND-BUSINESS-NOTE" in their_text
    rows = read_export(io.BytesIO(other))
    assert [c["first_name"] for c in rows["contacts"]] == ["Zed"]
    assert rows["tickets"] == [] and rows["invoices"] == []


def test_a_file_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("contacts.csv", "id,first_name\n")
    with pytest.raises(NotAnExport, match=r"missing business\.csv"):
        read_export(bad)
    with pytest.raises(NotAnExport, match="not a zip"):
        read_export(io.BytesIO(b"first_name,last_name\n"))


def test_the_file_name_is_safe() -> None:
    assert export_filename("Shine & Co. / Décor", "2026-05-01") == (
        "crm-export-shine-co-décor-2026-05-01.zip"
    )
    assert export_filename("***", "2026-05-01") == "crm-export-business-2026-05-01.zip"


def test_the_commands_export_and_import_a_business(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    db: Database,
    owner: psycopg.Connection,
    rich: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.factories import make_user

    monkeypatch.setattr(export_cli.worker_command, "worker_settings", lambda _dir: settings)
    out = tmp_path / "out" / "business.zip"
    email = rich["user"]["email"]

    assert cli.main(["export", "--business-email", email.upper(), "--out", str(out)]) == 0
    assert "exported" in capsys.readouterr().out
    assert out.stat().st_mode & 0o777 == 0o600
    new = make_user(owner, email="moved@example.com", business_name="Moved")
    assert cli.main(["import", "export-zip", str(out), "--business-email", new["email"]]) == 0
    printed = capsys.readouterr().out
    assert "contacts" in printed and "came in cancelled" in printed
    assert cli.main(["import", "export-zip", str(out), "--business-email", new["email"]]) == 1
    assert "already has contacts" in capsys.readouterr().err
