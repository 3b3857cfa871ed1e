"""The worker's side of an import: run it in the business's own units of work (docs/imports.md).

The job carries only ids; the file is on the ``imports`` row. Applying is idempotent and each
batch commits with its progress, so a retried or resumed job continues where the last stopped.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from crm.clients.postgres_client import Database
from crm.imports import runner
from crm.utils.user_context import UserContext

ACTOR = "worker:import"


def run_import(db: Database, user_id: UUID, import_id: UUID) -> dict[str, Any]:
    with db.unit_of_work(user_id) as conn:
        row = conn.execute("SELECT timezone FROM users WHERE id = %s", (user_id,)).fetchone()
    if row is None:
        return {"status": "no such business"}
    user = UserContext(user_id, row["timezone"], actor=ACTOR)
    result = runner.run_import(db, user, import_id)
    if result is None:
        return {"status": "nothing to run"}
    return {"status": result["status"], "done_rows": result["done_rows"], **result["counts"]}
