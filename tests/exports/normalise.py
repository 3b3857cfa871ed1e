"""Two exports compared apart from ids and timestamps: every id becomes the content of the row it
names (recursively), so the same business exported twice compares equal whatever its ids."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from crm.exports import spec
from crm.exports.load_work import PENDING_NOTE
from crm.exports.read_zip import read_export

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DROPPED = {"id", "created_at", "updated_at"}
SELF_REFS = {"referred_by_id", "split_from", "refund_of"}


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _swap(value: Any, keys: dict[str, str]) -> Any:
    """Ids anywhere in a value (columns, JSON, lists) become the key of the row they name."""
    if isinstance(value, str) and _UUID.match(value):
        return keys.get(value, "<unknown id>")
    if isinstance(value, list):
        return [_swap(v, keys) for v in value]
    if isinstance(value, dict):
        return {k: _swap(v, keys) for k, v in value.items()}
    return value


def normalised(zip_bytes: bytes, *, imported: bool = False) -> dict[str, list[str]]:
    """Each CSV as a sorted list of rows without ids or timestamps.

    ``imported=False`` applies the import's documented changes to the original (messages that
    were pending come back cancelled); the import's own audit row is dropped from the other.
    """
    rows = read_export(io.BytesIO(zip_bytes))
    keys: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for entity in spec.ENTITIES:
        result = []
        for row in rows[entity.name]:
            row = dict(row)
            if entity.name == "business":
                row.pop("email")
            if (
                entity.name == "messages"
                and not imported
                and row["status"] in ("pending", "sending")
            ):
                row["status"], row["skip_reason"] = "cancelled", PENDING_NOTE
            if entity.name == "audit":
                if imported and row["actor"] == "import":
                    continue
                # Ids inside old changes are history: they are not rewritten by an import.
                row["changes"] = json.loads(
                    re.sub(r'"[0-9a-f-]{36}"', '"<id>"', _dump(row["changes"]))
                )
            content = {k: _swap(v, keys) for k, v in row.items() if k not in DROPPED | SELF_REFS}
            key = f"{entity.name}:{_dump(content)}"
            if "id" in row and entity.name != "audit":
                keys[row["id"]] = key
            result.append((row, content))
        out[entity.name] = sorted(
            _dump({**content, **{k: _swap(row[k], keys) for k in SELF_REFS if k in row}})
            for row, content in result
        )
    return out
