"""One value of an export, as CSV text and as JSON: the only place the formats are decided."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crm.core.models.common import format_money
from crm.exports.spec import Column, Entity


def _jsonable(value: Any) -> Any:
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal,)):
        return str(value)
    if not isinstance(value, (str, int, float, bool, dict)) and value is not None:
        return str(value)
    return value


class Formatter:
    """Formats rows of one business: datetimes in its timezone, with the offset."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def json_value(self, column: Column, value: Any) -> Any:
        if value is None:
            return None
        kind = column.kind
        if kind in ("id", "ref"):
            return str(value)
        if kind == "datetime":
            assert isinstance(value, datetime)
            return value.astimezone(self.zone).isoformat()
        if kind in ("date", "time", "numeric"):
            return _jsonable(value)
        if kind in ("list", "refs", "json"):
            return _jsonable(value)
        return value

    def csv_values(self, column: Column, value: Any) -> list[str]:
        """The CSV cell(s) of one column: money gives cents and text."""
        if column.kind == "money":
            return ["", ""] if value is None else [str(int(value)), format_money(int(value))]
        shown = self.json_value(column, value)
        if shown is None:
            return [""]
        if column.kind in ("list", "refs", "json"):
            return [json.dumps(shown, ensure_ascii=False, sort_keys=True)]
        if isinstance(shown, bool):
            return ["true" if shown else "false"]
        return [str(shown)]

    def csv_row(self, entity: Entity, row: dict[str, Any]) -> list[str]:
        return [cell for c in entity.columns for cell in self.csv_values(c, row[c.name])]

    def json_row(self, entity: Entity, row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c in entity.columns:
            value = row[c.name]
            if c.kind == "money":
                cents, text = c.headers()
                out[cents] = None if value is None else int(value)
                out[text] = None if value is None else format_money(int(value))
            else:
                out[c.name] = self.json_value(c, value)
        return out


def stub_row(entity: Entity, row_id: Any) -> dict[str, Any]:
    """A deleted row still referenced: its id, deleted=true, nothing else known."""
    row: dict[str, Any] = {c.name: None for c in entity.columns}
    row["id"] = row_id
    row["deleted"] = True
    return row
