"""Write a business's export zip: every file read in one snapshot, as the app role, under RLS.

Isolation is the database's job: every query runs in ``db.snapshot(user_id)`` (REPEATABLE READ,
read-only, the tenant set transaction-locally), so no statement here can see another business's
rows, and all files agree with each other even while the app keeps writing.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from crm.clients.postgres_client import Connection, Database
from crm.exports import spec
from crm.exports.readme import FORMAT_VERSION, readme_text
from crm.exports.values import Formatter, stub_row

# Contacts read per round of data.json's nested queries: bounded memory for any size.
BATCH = 500
_FETCH = 2000
# Nested under each contact in data.json, in this order.
_CONTACT_CHILDREN = (
    spec.ADDRESSES,
    spec.ATTRIBUTES,
    spec.NOTES,
    spec.PLANS,
    spec.TICKETS,
    spec.INVOICES,
    spec.MESSAGES,
    spec.WAITLIST,
)
_GRANDCHILDREN = {
    "tickets": (spec.LINE_ITEMS, spec.TIME_ENTRIES, spec.TICKET_STAFF),
    "invoices": (spec.INVOICE_LINES, spec.PAYMENTS),
    "messages": (spec.MESSAGE_ATTEMPTS,),
}


def build_export(db: Database, user_id: UUID) -> bytes:
    """The whole export as bytes (tests, small businesses); see ``write_export``."""
    buffer = io.BytesIO()
    write_export(db, user_id, buffer)
    return buffer.getvalue()


def export_to_file(db: Database, user_id: UUID, path: Path) -> dict[str, int]:
    """Write the export to ``path`` (0600) and return the rows per file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".crm-export-", delete=False) as tmp:
        try:
            counts = write_export(db, user_id, tmp)
            tmp.flush()
            Path(tmp.name).chmod(0o600)
            Path(tmp.name).replace(path)
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise
    return counts


def write_export(db: Database, user_id: UUID, out: IO[bytes]) -> dict[str, int]:
    """Write the zip into ``out``; returns the rows written per CSV."""
    counts: dict[str, int] = {}
    with db.snapshot(user_id) as conn, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        business = conn.execute(spec.BUSINESS.select()).fetchone()
        assert business is not None, "the signed-in business must see its own row"
        fmt = Formatter(business["timezone"])
        stubs = {name: _stub_ids(conn, name, query) for name, query in spec.STUBS.items()}
        for entity in spec.ENTITIES:
            counts[entity.name] = _write_csv(zf, conn, fmt, entity, stubs.get(entity.name, []))
        with _text_entry(zf, "data.json", bom=False) as text:
            _write_data_json(text, conn, fmt, stubs)
        exported_at = datetime.now(UTC).astimezone(fmt.zone)
        zf.writestr(
            "README.txt",
            readme_text(
                business=business["business_name"],
                timezone=business["timezone"],
                exported_at=exported_at,
            ),
        )
    return counts


def export_filename(business_name: str, today: str) -> str:
    """crm-export-<business>-<date>.zip, the business name reduced to safe characters."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in business_name.lower()).strip("-")
    slug = "-".join(part for part in slug.split("-") if part)[:40] or "business"
    return f"crm-export-{slug}-{today}.zip"


def _stub_ids(conn: Connection, entity: str, referenced: str) -> list[UUID]:
    rows = conn.execute(
        f"SELECT r.id FROM ({referenced}) r WHERE r.id IS NOT NULL AND NOT EXISTS "  # noqa: S608
        f"(SELECT 1 FROM {entity} e WHERE e.id = r.id) ORDER BY r.id"
    ).fetchall()
    return [row["id"] for row in rows]


def _rows(conn: Connection, query: str, params: tuple[Any, ...] = ()) -> Iterator[dict[str, Any]]:
    """Stream a query's rows through a server-side cursor (the transaction is open)."""
    with conn.cursor(name="crm_export") as cursor:
        cursor.itersize = _FETCH
        cursor.execute(query, params)
        yield from cursor


class _text_entry:
    """A zip entry opened for text: UTF-8 (with a BOM for spreadsheets), no newline translation."""

    def __init__(self, zf: zipfile.ZipFile, name: str, *, bom: bool) -> None:
        self._raw = zf.open(name, "w", force_zip64=True)
        self._text = io.TextIOWrapper(
            self._raw, encoding="utf-8-sig" if bom else "utf-8", newline=""
        )

    def __enter__(self) -> io.TextIOWrapper:
        return self._text

    def __exit__(self, *exc: object) -> None:
        self._text.close()


def _write_csv(
    zf: zipfile.ZipFile, conn: Connection, fmt: Formatter, entity: spec.Entity, stubs: list[UUID]
) -> int:
    count = 0
    with _text_entry(zf, entity.file, bom=True) as text:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(entity.headers())
        for row in _rows(conn, entity.select()):
            writer.writerow(fmt.csv_row(entity, row))
            count += 1
        for row_id in stubs:
            writer.writerow(fmt.csv_row(entity, stub_row(entity, row_id)))
            count += 1
    return count


def _write_data_json(
    text: io.TextIOWrapper, conn: Connection, fmt: Formatter, stubs: dict[str, list[UUID]]
) -> None:
    """data.json, streamed: the business, its catalog, each contact with everything under it."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=False)

    def rows(entity: spec.Entity) -> list[dict[str, Any]]:
        return [fmt.json_row(entity, r) for r in conn.execute(entity.select()).fetchall()]

    business = rows(spec.BUSINESS)[0]
    business["invoice_settings"] = next(iter(rows(spec.INVOICE_SETTINGS)), None)
    business["messaging_settings"] = next(iter(rows(spec.MESSAGING_SETTINGS)), None)
    business["message_templates"] = rows(spec.MESSAGE_TEMPLATES)
    text.write(f'{{"format": "crm-export", "version": {FORMAT_VERSION},\n')
    text.write(f'"business": {dump(business)},\n')
    staff = rows(spec.STAFF)
    staff += [fmt.json_row(spec.STAFF, stub_row(spec.STAFF, i)) for i in stubs["staff"]]
    text.write(f'"staff": {dump(staff)},\n"services": {dump(rows(spec.SERVICES))},\n')
    text.write('"contacts": [')
    first = True
    for batch in _contact_batches(conn, fmt, stubs["contacts"]):
        for contact in batch:
            text.write(("\n" if first else ",\n") + dump(contact))
            first = False
    text.write('\n],\n"audit": [')
    first = True
    for row in _rows(conn, spec.AUDIT.select()):
        text.write(("\n" if first else ",\n") + dump(fmt.json_row(spec.AUDIT, row)))
        first = False
    text.write("\n]}\n")


def _contact_batches(
    conn: Connection, fmt: Formatter, stub_ids: list[UUID]
) -> Iterator[list[dict[str, Any]]]:
    live = [fmt.json_row(spec.CONTACTS, r) for r in conn.execute(spec.CONTACTS.select()).fetchall()]
    contacts = live + [fmt.json_row(spec.CONTACTS, stub_row(spec.CONTACTS, i)) for i in stub_ids]
    for start in range(0, len(contacts), BATCH):
        batch = contacts[start : start + BATCH]
        ids = [UUID(c["id"]) for c in batch]
        by_contact: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for entity in _CONTACT_CHILDREN:
            children = _nested(conn, fmt, entity, ids)
            for row in children:
                by_contact[row["contact_id"]][entity.name].append(row)
        for contact in batch:
            nested = by_contact.get(contact["id"], {})
            for entity in _CONTACT_CHILDREN:
                contact[entity.name] = nested.get(entity.name, [])
        yield batch


def _nested(
    conn: Connection, fmt: Formatter, entity: spec.Entity, contact_ids: list[UUID]
) -> list[dict[str, Any]]:
    """One child entity's rows for a batch of contacts, with their own children attached."""
    where = f"{entity.contact_expr} = ANY(%s)"
    rows = [fmt.json_row(entity, r) for r in conn.execute(entity.select(where), (contact_ids,))]
    for child in _GRANDCHILDREN.get(entity.name, ()):
        assert child.parent is not None
        key = child.parent[1]
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in conn.execute(child.select(f"{child.contact_expr} = ANY(%s)"), (contact_ids,)):
            grouped[str(r[key])].append(fmt.json_row(child, r))
        for row in rows:
            row[child.name] = grouped.get(row["id"], [])
    return rows
