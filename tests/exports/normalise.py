"""Two exports compared apart from ids and timestamps: every id becomes the content of the row it
names (recursively), so the same business exported twice compares equal whatever its ids."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from crm.exports import spec
from crm.exports.build import _CONTACT_CHILDREN, _GRANDCHILDREN
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


def data_json_rows(zip_bytes: bytes) -> dict[str, list[dict[str, Any]]]:
    """data.json taken apart again: every entity's rows, as the CSVs list them."""
    data = json.loads(zipfile.ZipFile(io.BytesIO(zip_bytes)).read("data.json"))
    rows: dict[str, list[dict[str, Any]]] = {e.name: [] for e in spec.ENTITIES}
    under = {
        "business": ("invoice_settings", "messaging_settings", "message_templates"),
        "contacts": tuple(e.name for e in _CONTACT_CHILDREN),
        **{parent: tuple(e.name for e in kids) for parent, kids in _GRANDCHILDREN.items()},
    }

    def take(name: str, row: dict[str, Any]) -> None:
        nested = {k: v for k, v in row.items() if k in under.get(name, ())}
        rows[name].append({k: v for k, v in row.items() if k not in nested})
        for child, value in nested.items():
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    take(child, item)

    take("business", data["business"])
    for name in ("staff", "services", "contacts", "audit"):
        for row in data[name]:
            take(name, row)
    return rows


def normalised(
    zip_bytes: bytes, *, imported: bool = False, from_json: bool = False
) -> dict[str, list[str]]:
    """Each CSV (or data.json's rows) as a sorted list of rows without ids or timestamps.

    ``imported=False`` applies the import's documented changes to the original (messages that
    were pending come back cancelled); the import's own audit row is dropped from the other.
    """
    rows = data_json_rows(zip_bytes) if from_json else read_export(io.BytesIO(zip_bytes))
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
