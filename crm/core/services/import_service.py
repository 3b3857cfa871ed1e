"""Imports: preview a file from Square, then import it in the worker (docs/imports.md).

``import.preview`` reads the file and stores what importing it would do; ``import.start``
queues the job that applies it (``crm.run_import``, queue ``imports``), deferred in the same
transaction as the status change, so a started import always has its job.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.common import Ref
from crm.core.models.imports import ImportMapping, ImportPreview
from crm.core.registry import REGISTRY, ActionContext, DataQuery
from crm.core.services import base
from crm.errors import Conflict, NotFound, ValidationFailed
from crm.imports import runner

STATUSES = ("previewed", "queued", "running", "done", "failed")
RUN_IMPORT = "crm.run_import"
QUEUE = "imports"

# The list leaves out each import's bad rows and preview; `id=` reads them.
_LIST_COLUMNS = (
    "id, kind, filename, status, total_rows, done_rows, counts, failure, created_at, "
    "started_at, finished_at, updated_at"
)


class ImportNotStartable(Conflict):
    code = "IMPORT_NOT_STARTABLE"
    default_message = "This import has already been started."


@REGISTRY.action("import", "preview", input=ImportPreview, staged=True)
def preview(context: ActionContext, data: ImportPreview) -> dict[str, Any]:
    """Read a Square customer or appointment export, or any other CSV, and show what importing
    it would do; nothing is imported until import.start. A CSV without a mapping returns its
    columns (samples, suggested mapping) and no rows: map it with import.map."""
    if data.mapping is not None and data.kind != "csv":
        raise ValidationFailed("Only a CSV file takes a column mapping.")
    return runner.create_preview(
        context.db,
        context.user,
        kind=data.kind,
        filename=data.filename,
        content=data.content,
        mapping=data.mapping,
    )


@REGISTRY.action("import", "map", input=ImportMapping, staged=True)
def map_columns(context: ActionContext, data: ImportMapping) -> dict[str, Any]:
    """Map a previewed CSV import's columns (header -> first_name, last_name, full_name,
    company, email, phone, source, line1, line2, city, region, postal_code, note,
    attribute:<key> or ignore) and preview it again."""
    return runner.remap(context.db, context.user, data.id, data.mapping)


@REGISTRY.action("import", "start", input=Ref)
def start(conn: Connection, data: Ref) -> dict[str, Any]:
    """Import a previewed file: the worker applies it in batches; follow done_rows."""
    row = base.load(conn, "imports", data.id, label="import", lock=True)
    if row["status"] != "previewed":
        raise ImportNotStartable(f"This import is {row['status']}; preview the file again.")
    if row["kind"] == "csv":
        if row["mapping"] is None:
            raise ImportNotStartable("Choose what each column of the file is first.")
        runner.remember_mapping(conn, row["columns"], row["mapping"])
    conn.execute("UPDATE imports SET status = 'queued' WHERE id = %s", (data.id,))
    conn.execute(
        "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(%s, %s, 0, %s, %s, "
        "jsonb_build_object('user_id', %s::text, 'import_id', %s::text), NULL"
        ")::procrastinate_job_to_defer_v1])",
        (QUEUE, RUN_IMPORT, f"import:{data.id}", f"import:{data.id}", row["user_id"], data.id),
    )
    audit.record(
        conn,
        entity_type="import",
        entity_id=data.id,
        action="start",
        changes={"status": {"old": "previewed", "new": "queued"}},
    )
    found = runner.get(conn, data.id)
    assert found is not None
    return found


@REGISTRY.data_type(
    "imports",
    filters={
        "status": "previewed, queued, running, done or failed",
        "kind": "square_customers, square_appointments or csv",
    },
    includes=("audit_trail",),
)
def load_imports(conn: Connection, query: DataQuery) -> Any:
    """Imports, newest first; by id with its counts, bad rows, preview and progress
    (done_rows of total_rows)."""
    if query.id is not None:
        row = runner.get(conn, query.id)
        if row is None:
            raise NotFound(f"No import with id {query.id}.")
        return base.with_includes(conn, [row], query.include, (base.audit_trail("import"),))[0]
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT {} FROM imports").format(sql.SQL(_LIST_COLUMNS)),
        order=("created_at DESC", "id"),
        equals=("kind",),
        statuses=STATUSES,
        label="import",
    )
    return base.with_includes(conn, rows, query.include, (base.audit_trail("import"),))
