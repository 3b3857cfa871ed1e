"""Preview and run an import: the one path the action, the worker's job and the CLI share.

*Preview*: read the file (no connection held), then one unit of work matches every row and
stores an ``imports`` row (status ``previewed``) with the counts, the bad rows and the first
rows as they will be stored. *Run*: claim the row (``running``), read the file again, and apply
it in batches of ``BATCH_ROWS``, each its own unit of work in that business (RLS) that also
moves ``done_rows`` and the counts; then ``done`` (the file is cleared) or ``failed`` with the
reason. A run that stopped half way (a worker killed) resumes at ``done_rows``: every batch
committed its rows and its progress together.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection, Database
from crm.core import audit
from crm.core.sanitise import redact
from crm.errors import AppError, Conflict, NotFound, ValidationFailed
from crm.imports import any_csv, square_customers
from crm.imports.apply import Source
from crm.imports.kinds import KINDS as _KINDS
from crm.imports.kinds import Kind
from crm.imports.values import region_of
from crm.utils.user_context import UserContext, user_context

log = logging.getLogger("crm.imports")

BATCH_ROWS = 500
PREVIEW_ROWS = 20
MAX_ERRORS = 1000
MAX_BYTES = 25 * 1024 * 1024
OUTCOMES = ("new", "updated", "unchanged", "invalid")
KINDS = tuple(_KINDS)

# Everything but the file itself.
COLUMNS = (
    "id, kind, filename, status, total_rows, done_rows, counts, errors, preview, failure, "
    "mapping, columns, created_at, started_at, finished_at, updated_at"
)

_COLUMNS = sql.SQL(COLUMNS)

Progress = Callable[[int, int], None]


class ImportNotMappable(Conflict):
    code = "IMPORT_NOT_MAPPABLE"
    default_message = "Only a CSV import that has not been started can be mapped."


class FileTooLarge(ValidationFailed):
    code = "IMPORT_FILE_TOO_LARGE"
    default_message = "The file is larger than 25 MB; split it and import each part."


def business_region(conn: Connection) -> str:
    """Where the business's customers' local phone numbers are: the country of the business's
    own number (Settings → Invoices), else the US."""
    row = conn.execute("SELECT phone FROM invoice_settings LIMIT 1").fetchone()
    return region_of(row["phone"]) if row and row["phone"] else "US"


def read(
    content: str,
    *,
    region: str,
    kind: str = square_customers.KIND,
    timezone: str = "UTC",
    mapping: dict[str, str] | None = None,
) -> tuple[str, list[Any]]:
    """The file as kept and its rows; card numbers and SSNs are redacted first, as from any
    other input."""
    if len(content.encode()) > MAX_BYTES:
        raise FileTooLarge()
    cleaned, _ = redact(content)
    return cleaned, _KINDS[kind].parse(cleaned, region, timezone, mapping)


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    errors: list[dict[str, Any]]


def summarise(plans: list[Any]) -> Summary:
    tally = Counter("updated" if p.outcome == "update" else p.outcome for p in plans)
    errors = [{"line": p.line, "reason": p.reason} for p in plans if p.outcome == "invalid"]
    return Summary({k: tally.get(k, 0) for k in OUTCOMES}, errors[:MAX_ERRORS])


def create_preview(
    db: Database,
    user: UserContext,
    *,
    kind: str,
    filename: str,
    content: str,
    mapping: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Store a previewed import of ``content`` and return it (without the file).

    Any other CSV without a mapping stores the file and its columns (samples, the suggested or
    remembered mapping) and no rows yet; ``remap`` then previews it with the owner's mapping."""
    with user_context(user):
        with db.unit_of_work(user.user_id) as conn:
            region = business_region(conn)
        handler = _KINDS[kind]
        columns: list[dict[str, Any]] = []
        if kind == any_csv.KIND:
            with db.unit_of_work(user.user_id) as conn:
                remembered = remembered_mapping(conn, any_csv.headers(content))
            columns = [c.as_dict() for c in any_csv.columns(content, remembered)]
        content, rows = read(
            content, region=region, kind=kind, timezone=user.timezone, mapping=mapping
        )
        with db.unit_of_work(user.user_id) as conn:
            plans = handler.plan(conn, rows)
            summary = summarise(plans)
            row = conn.execute(
                sql.SQL(
                    "INSERT INTO imports (user_id, kind, filename, content, total_rows, counts, "
                    "errors, preview, mapping, columns) VALUES "
                    "(current_setting('app.current_user_id')::uuid, "
                    "%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING {}"
                ).format(_COLUMNS),
                (
                    kind,
                    filename,
                    content.encode(),
                    len(rows),
                    Jsonb(summary.counts),
                    Jsonb(summary.errors),
                    Jsonb([handler.preview_row(p) for p in plans[:PREVIEW_ROWS]]),
                    Jsonb(mapping) if mapping is not None else None,
                    Jsonb(columns),
                ),
            ).fetchone()
            assert row is not None
            audit.record(
                conn,
                entity_type="import",
                entity_id=row["id"],
                action="create",
                changes={
                    "filename": {"old": None, "new": filename},
                    "kind": {"old": None, "new": kind},
                    "total_rows": {"old": None, "new": len(rows)},
                },
            )
            return row


def remap(
    db: Database, user: UserContext, import_id: UUID, mapping: dict[str, str]
) -> dict[str, Any]:
    """Preview a previewed CSV import again with ``mapping``."""
    with user_context(user):
        with db.unit_of_work(user.user_id) as conn:
            found = conn.execute(
                "SELECT kind, status, content FROM imports WHERE id = %s", (import_id,)
            ).fetchone()
            if found is None:
                raise NotFound(f"No import with id {import_id}.")
            if found["kind"] != any_csv.KIND or found["status"] != "previewed":
                raise ImportNotMappable()
            region = business_region(conn)
        content = square_customers.decode(bytes(found["content"]))
        _, rows = read(content, region=region, kind=any_csv.KIND, mapping=mapping)
        handler = _KINDS[any_csv.KIND]
        with db.unit_of_work(user.user_id) as conn:
            plans = handler.plan(conn, rows)
            summary = summarise(plans)
            row = conn.execute(
                sql.SQL(
                    "UPDATE imports SET total_rows = %s, counts = %s, errors = %s, preview = %s, "
                    "mapping = %s WHERE id = %s AND status = 'previewed' RETURNING {}"
                ).format(_COLUMNS),
                (
                    len(rows),
                    Jsonb(summary.counts),
                    Jsonb(summary.errors),
                    Jsonb([handler.preview_row(p) for p in plans[:PREVIEW_ROWS]]),
                    Jsonb(mapping),
                    import_id,
                ),
            ).fetchone()
            if row is None:
                raise ImportNotMappable()
            audit.record(
                conn,
                entity_type="import",
                entity_id=import_id,
                action="map",
                changes={"mapping": {"old": None, "new": mapping}},
            )
            return row


def remembered_mapping(conn: Connection, headers: list[str]) -> dict[str, str] | None:
    row = conn.execute(
        "SELECT mapping FROM import_mappings WHERE signature = %s",
        (any_csv.signature(headers),),
    ).fetchone()
    return dict(row["mapping"]) if row else None


def remember_mapping(conn: Connection, columns: list[dict[str, Any]], mapping: Any) -> None:
    """The business's mapping for files with these headers, suggested next time."""
    headers = [c["header"] for c in columns]
    conn.execute(
        "INSERT INTO import_mappings (user_id, signature, mapping) VALUES "
        "(current_setting('app.current_user_id')::uuid, %s, %s) "
        "ON CONFLICT (user_id, signature) DO UPDATE SET mapping = EXCLUDED.mapping",
        (any_csv.signature(headers), Jsonb(mapping)),
    )


def get(conn: Connection, import_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        sql.SQL("SELECT {} FROM imports WHERE id = %s").format(_COLUMNS), (import_id,)
    ).fetchone()


def run_import(
    db: Database,
    user: UserContext,
    import_id: UUID,
    *,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> dict[str, Any] | None:
    """Apply a queued (or interrupted) import; None when there is nothing to run."""
    with user_context(user):
        claimed = _claim(db, user, import_id)
        if claimed is None:
            return None
        try:
            handler = _KINDS[claimed["kind"]]
            _, rows = read(
                square_customers.decode(bytes(claimed["content"])),
                region=claimed["region"],
                kind=handler.name,
                timezone=user.timezone,
                mapping=claimed["mapping"],
            )
            source = Source(import_id, claimed["filename"], handler.label)
            done = claimed["done_rows"]
            total = len(rows)
            if progress is not None:
                progress(done, total)
            # Statistics go stale only when a file writes thousands of rows: one batch's worth
            # never needs the refresh (ANALYZE reads a sample of every business's rows).
            refresh = total > batch_rows
            batches = 0
            while done < total:
                batch = rows[done : done + batch_rows]
                if not _apply_batch(db, user, import_id, handler, batch, source, total=total):
                    return _current(db, user, import_id)
                done += len(batch)
                batches += 1
                if refresh and batches & (batches - 1) == 0:  # after batch 1, 2, 4, 8...
                    _refresh_statistics(db, user)
                if progress is not None:
                    progress(done, total)
            finished = _finish(db, user, import_id)
            if refresh:
                _refresh_statistics(db, user)  # for the next preview of a file this size
            return finished
        except Exception as exc:
            if not isinstance(exc, AppError):
                log.exception("import %s failed", import_id)
            _fail(db, user, import_id, exc)
            return _current(db, user, import_id)


def _claim(db: Database, user: UserContext, import_id: UUID) -> dict[str, Any] | None:
    with db.unit_of_work(user.user_id) as conn:
        row = conn.execute(
            "UPDATE imports SET status = 'running', started_at = coalesce(started_at, now()), "
            "counts = CASE WHEN done_rows = 0 THEN %s ELSE counts END, "
            "errors = CASE WHEN done_rows = 0 THEN '[]' ELSE errors END "
            "WHERE id = %s AND status IN ('queued', 'running') AND content IS NOT NULL "
            "RETURNING id, kind, filename, content, done_rows, mapping",
            (Jsonb(dict.fromkeys(OUTCOMES, 0)), import_id),
        ).fetchone()
        if row is None:
            return None
        return {**row, "region": business_region(conn)}


def _apply_batch(
    db: Database,
    user: UserContext,
    import_id: UUID,
    handler: Kind,
    batch: list[Any],
    source: Source,
    *,
    total: int,
) -> bool:
    """One batch and its progress, all or nothing; False when the import is no longer
    running (another run finished it)."""
    with db.unit_of_work(user.user_id) as conn:
        current = conn.execute(
            "SELECT status, counts, errors FROM imports WHERE id = %s FOR UPDATE", (import_id,)
        ).fetchone()
        if current is None or current["status"] != "running":
            return False
        plans = handler.plan(conn, batch, lock=True)
        handler.apply(conn, plans, source=source)
        summary = summarise(plans)
        counts = {k: int(current["counts"].get(k, 0)) + summary.counts[k] for k in OUTCOMES}
        errors = (list(current["errors"]) + summary.errors)[:MAX_ERRORS]
        conn.execute(
            "UPDATE imports SET done_rows = done_rows + %s, total_rows = %s, counts = %s, "
            "errors = %s WHERE id = %s",
            (len(batch), total, Jsonb(counts), Jsonb(errors), import_id),
        )
    return True


def _refresh_statistics(db: Database, user: UserContext) -> None:
    """The planner's picture of the tables the import writes, brought up to date (migration
    0020): without it the next batch's look-up of existing contacts was planned for the table
    as it was before the import, and took seconds."""
    with db.unit_of_work(user.user_id) as conn:
        conn.execute("SELECT refresh_import_statistics()")


def _finish(db: Database, user: UserContext, import_id: UUID) -> dict[str, Any] | None:
    with db.unit_of_work(user.user_id) as conn:
        row = conn.execute(
            sql.SQL(
                "UPDATE imports SET status = 'done', finished_at = now(), content = NULL "
                "WHERE id = %s AND status = 'running' RETURNING {}"
            ).format(_COLUMNS),
            (import_id,),
        ).fetchone()
        if row is not None:
            audit.record(
                conn,
                entity_type="import",
                entity_id=import_id,
                action="done",
                changes={"status": {"old": "running", "new": "done"}, "counts": row["counts"]},
            )
        return row or get(conn, import_id)


def _fail(db: Database, user: UserContext, import_id: UUID, exc: Exception) -> None:
    reason = (
        exc.message
        if isinstance(exc, AppError)
        else (
            f"The import stopped unexpectedly ({type(exc).__name__}); the rows before it are "
            "saved. Start it again from a new preview, or contact support."
        )
    )
    with db.unit_of_work(user.user_id) as conn:
        row = conn.execute(
            "UPDATE imports SET status = 'failed', finished_at = now(), failure = %s "
            "WHERE id = %s AND status = 'running' RETURNING id",
            (reason[:2000], import_id),
        ).fetchone()
        if row is not None:
            audit.record(
                conn,
                entity_type="import",
                entity_id=import_id,
                action="failed",
                changes={"status": {"old": "running", "new": "failed"}, "failure": reason},
            )


def _current(db: Database, user: UserContext, import_id: UUID) -> dict[str, Any] | None:
    with db.unit_of_work(user.user_id) as conn:
        return get(conn, import_id)
