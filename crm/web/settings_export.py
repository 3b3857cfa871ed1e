"""Settings → Export: download everything of the business as one zip (docs/export.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from crm.clients.postgres_client import Database
from crm.exports import export_filename, write_export
from crm.utils.timezone import business_today
from crm.utils.user_context import get_current_user

router = APIRouter(include_in_schema=False)


@router.get("/settings/export.zip")
def download_export(request: Request) -> FileResponse:
    """The zip is written to a temporary file (one snapshot), then streamed and deleted."""
    user = get_current_user()
    db: Database = request.app.state.resources.db
    with tempfile.NamedTemporaryFile(prefix="crm-export-", suffix=".zip", delete=False) as tmp:
        path = Path(tmp.name)
        try:
            write_export(db, user.user_id, tmp)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    with db.read_only(user.user_id) as conn:
        row = conn.execute("SELECT business_name FROM users").fetchone()
    name = export_filename(
        row["business_name"] if row else "", business_today(user.timezone).isoformat()
    )
    return FileResponse(
        path,
        media_type="application/zip",
        filename=name,
        headers={"Cache-Control": "no-store, private", "Pragma": "no-cache"},
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
