"""Print the results as a plain table and write the same numbers to JSON."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.core import Result

OUT_DIR = Path(__file__).parent / "out"
COLUMNS = ("name", "value", "unit", "target", "ok")


def _cells(result: Result) -> tuple[str, ...]:
    value = "-" if result.value is None else str(result.value)
    ok = "" if result.ok is None else ("yes" if result.ok else "NO")
    return (result.name, value, result.unit, result.target or "", ok)


def format_table(results: Sequence[Result]) -> str:
    rows = [COLUMNS, *(_cells(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(width) if i == 1 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * width for width in widths)
    lines = [line(rows[0]), rule, *(line(row) for row in rows[1:])]
    notes = [f"  {r.name}: {r.notes}" for r in results if r.notes]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


def document(results: Sequence[Result]) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": [
            {key: value for key, value in asdict(r).items() if value is not None or key == "value"}
            for r in results
        ],
    }


def write_json(results: Sequence[Result], path: Path | None = None) -> Path:
    path = path or OUT_DIR / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document(results), indent=2) + "\n")
    return path
