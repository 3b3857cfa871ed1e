"""Read an export zip back: every CSV checked against the declarations and parsed to values."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from crm.errors import ValidationFailed
from crm.exports import spec

Rows = dict[str, list[dict[str, Any]]]
# Bigger than any real export's CSV (a 10,000-contact business writes ~100 MB in all).
MAX_MEMBER_BYTES = 2_000_000_000


class NotAnExport(ValidationFailed):
    """The file is not a crm export zip, or one of its files is damaged."""


def read_export(source: Path | IO[bytes]) -> Rows:
    """Every entity's rows, parsed; refuses a file that is not an export of this format."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise NotAnExport(f"not a zip file: {exc}") from exc
    with zf:
        names = set(zf.namelist())
        missing = [e.file for e in spec.ENTITIES if e.file not in names]
        if missing:
            raise NotAnExport(
                "not a crm export (missing " + ", ".join(missing) + "); "
                "make one with `crm export` or Settings → Export"
            )
        rows: Rows = {}
        for entity in spec.ENTITIES:
            info = zf.getinfo(entity.file)
            if info.file_size > MAX_MEMBER_BYTES:
                raise NotAnExport(f"{entity.file} is too large")
            with zf.open(info) as raw:
                rows[entity.name] = _parse_csv(entity, raw)
    if len(rows["business"]) != 1:
        raise NotAnExport("business.csv must have exactly one row")
    return rows


def _parse_csv(entity: spec.Entity, raw: IO[bytes]) -> list[dict[str, Any]]:
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = next(reader, None)
    if header != entity.headers():
        raise NotAnExport(
            f"{entity.file} does not have the expected columns "
            f"({', '.join(entity.headers())}); was it edited, or made by another version?"
        )
    out = []
    for line, cells in enumerate(reader, start=2):
        if len(cells) != len(header):
            raise NotAnExport(f"{entity.file} line {line}: {len(cells)} cells, not {len(header)}")
        record = dict(zip(header, cells, strict=True))
        try:
            out.append({c.name: parse_value(c, record[c.name]) for c in entity.columns})
        except (ValueError, InvalidOperation, json.JSONDecodeError) as exc:
            raise NotAnExport(f"{entity.file} line {line}: {exc}") from exc
    return out


def parse_value(column: spec.Column, cell: str) -> Any:
    """One CSV cell back to its value (ids stay text: the import maps them to new ones)."""
    if cell == "":
        if column.nullable or column.kind not in ("text",):
            return None if column.kind != "text" or column.nullable else ""
        return ""
    kind = column.kind
    if kind in ("id", "ref", "text"):
        return cell
    if kind in ("int", "money"):
        return int(cell)
    if kind == "bool":
        if cell not in ("true", "false"):
            raise ValueError(f"{column.name} must be true or false")
        return cell == "true"
    if kind == "numeric":
        return Decimal(cell)
    if kind == "datetime":
        value = datetime.fromisoformat(cell)
        if value.tzinfo is None:
            raise ValueError(f"{column.name} has no UTC offset")
        return value
    if kind == "date":
        return date.fromisoformat(cell)
    if kind == "time":
        return time.fromisoformat(cell)
    if kind in ("json", "list", "refs"):
        return json.loads(cell)
    raise AssertionError(f"unknown kind {kind}")
