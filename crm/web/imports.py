"""Pages: Settings → Import — upload a Square customer export, check the preview, import it,
and follow the worker's progress (docs/web.md; the import itself: crm/imports/)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from crm.auth.body_limits import BodyLimit
from crm.core.models.imports import MAX_CONTENT
from crm.imports import values
from crm.imports.any_csv import ATTRIBUTE, TARGETS
from crm.imports.square_customers import decode
from crm.web.common import Outcome, page, perform, read, redirect, render
from crm.web.contact_facts import term_label, value_display
from crm.web.formats import money
from crm.web.forms import FormData, clean, summary
from crm.web.uploads import FileField, Upload

router = APIRouter(include_in_schema=False)

UPLOAD_PATH = "/settings/import"
MAX_FILE_BYTES = MAX_CONTENT
MAX_FILE_TEXT = f"{MAX_FILE_BYTES // (1024 * 1024)} MB"
TOO_LARGE = (
    f"The file is larger than {MAX_FILE_TEXT}. Split it into smaller files (by the first "
    "letter of the last name, say) and import each one."
)
# The file plus the form around it; past this the middleware refuses the upload unread.
UPLOADS = {UPLOAD_PATH: BodyLimit(MAX_FILE_BYTES + 1024 * 1024, TOO_LARGE)}

KINDS = {
    "square_customers": "Square customers",
    "square_appointments": "Square appointments",
    "csv": "Any other CSV (Jobber, Housecall Pro, a spreadsheet)",
}
# Shown in the list, not yet choosable.
COMING: tuple[str, ...] = ()
ACTIVE = ("queued", "running")
STATUSES = {
    "previewed": "Not imported yet",
    "queued": "Waiting",
    "running": "Importing",
    "done": "Imported",
    "failed": "Stopped",
}

SquareFile = Annotated[Upload, Depends(FileField("file", max_bytes=MAX_FILE_BYTES))]


@router.get(UPLOAD_PATH, response_class=HTMLResponse)
@page
def upload_page(request: Request) -> HTMLResponse:
    return _upload_page(request)


@router.post(UPLOAD_PATH, response_class=HTMLResponse)
def upload(request: Request, upload: SquareFile) -> Response:
    """Read the file and store its preview; nothing is imported until it is started."""
    kind = upload.form.get("kind", "")
    if kind not in KINDS:
        return _upload_page(request, kind=kind, fields={"kind": "Choose what the file is."})
    if upload.too_large:
        return _upload_page(request, kind=kind, status=413, fields={"file": TOO_LARGE})
    if upload.data is None:
        fields = {"file": "Choose the file you exported from Square."}
        return _upload_page(request, kind=kind, fields=fields)
    if not upload.data.strip():
        fields = {"file": f"{upload.filename} is empty: export your customers again."}
        return _upload_page(request, kind=kind, fields=fields)
    data = {"kind": kind, "filename": upload.filename, "content": decode(upload.data)}
    outcome = perform(request, "import", "preview", data)
    if not outcome.ok:
        return _upload_page(request, kind=kind, outcome=outcome, status=outcome.status)
    if kind == "csv":
        return redirect(f"/imports/{outcome.result['id']}/mapping")
    return redirect(f"/imports/{outcome.result['id']}")


@router.get("/imports/{import_id}/mapping", response_class=HTMLResponse)
@page
def mapping_page(request: Request, import_id: UUID) -> HTMLResponse:
    return _mapping_page(request, import_id)


@router.post("/imports/{import_id}/mapping", response_class=HTMLResponse)
def save_mapping(request: Request, import_id: UUID, form: FormData) -> Response:
    """Any other CSV: what each column is (one select per column), then the preview."""
    found: dict[str, Any] = read(request, "imports", id=import_id)
    mapping = {
        column["header"]: str(form.get(f"column-{i}", "ignore"))
        for i, column in enumerate(found.get("columns") or [])
    }
    outcome = perform(request, "import", "map", {"id": str(import_id), "mapping": mapping})
    if not outcome.ok:
        error = summary(clean(outcome.fields), outcome.error, "Not mapped")
        return _mapping_page(request, import_id, chosen=mapping, error=error, status=outcome.status)
    return redirect(f"/imports/{import_id}")


@router.get("/imports/{import_id}", response_class=HTMLResponse)
@page
def import_page(request: Request, import_id: UUID) -> HTMLResponse:
    return _import_page(request, import_id)


@router.post("/imports/{import_id}/start", response_class=HTMLResponse)
def start_import(request: Request, import_id: UUID) -> Response:
    """Queue the import for the worker; its page then shows the progress."""
    outcome = perform(request, "import", "start", {"id": str(import_id)})
    if not outcome.ok:
        return _import_page(request, import_id, error=outcome.error, status=outcome.status)
    return redirect(f"/imports/{import_id}")


def _upload_page(
    request: Request,
    *,
    kind: str = "square_customers",
    status: int = 422,
    fields: dict[str, str] | None = None,
    outcome: Outcome | None = None,
) -> HTMLResponse:
    fields = {**(clean(outcome.fields) if outcome else {}), **(fields or {})}
    # What the action says of the file's text is said of the file chosen.
    for name in ("content", "filename"):
        if name in fields:
            fields["file"] = fields.pop(name)
    error = summary(fields, outcome.error if outcome else None, "Not read")
    return render(
        request,
        "imports/upload.html",
        status=status if error else 200,
        section="settings",
        kinds=list(KINDS.items()),
        coming=COMING,
        kind=kind,
        max_size=MAX_FILE_TEXT,
        fields=fields,
        error=error,
        past=read(request, "imports", limit=20),
        statuses=STATUSES,
    )


def _mapping_page(
    request: Request,
    import_id: UUID,
    *,
    chosen: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    found: dict[str, Any] = read(request, "imports", id=import_id)
    current = chosen or found.get("mapping") or {}
    columns = []
    for i, column in enumerate(found.get("columns") or []):
        selected = current.get(column["header"], column["suggested"])
        options = [(key, label) for key, label in TARGETS.items()]
        custom = ATTRIBUTE + values.key_for(column["header"])
        extra = [t for t in (selected, custom) if t.startswith(ATTRIBUTE)]
        for target in dict.fromkeys(extra):
            key = target.removeprefix(ATTRIBUTE)
            options.append((target, f"Keep as “{term_label(key)}”"))
        columns.append({**column, "name": f"column-{i}", "selected": selected, "options": options})
    return render(
        request,
        "imports/mapping.html",
        status=status if error else 200,
        section="settings",
        found=found,
        columns=columns,
        editable=found["kind"] == "csv" and found["status"] == "previewed",
        error=error,
    )


def _import_page(
    request: Request, import_id: UUID, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    found: dict[str, Any] = read(request, "imports", id=import_id)
    counts = found["counts"] or {}
    return render(
        request,
        "imports/detail.html",
        status=status if error else 200,
        section="settings",
        found=found,
        rows=[{**row, "facts": _facts(row.get("facts") or {})} for row in found["preview"] or []],
        kind_name=KINDS.get(found["kind"], found["kind"]),
        counts=counts,
        to_import=int(counts.get("new", 0)) + int(counts.get("updated", 0)),
        active=found["status"] in ACTIVE,
        statuses=STATUSES,
        error=error,
    )


def _facts(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """A preview row's facts as the contact card words them; cents as money."""
    out = []
    for key, value in facts.items():
        if key.endswith("_cents") and isinstance(value, int):
            out.append((term_label(key.removesuffix("_cents")), money(value)))
        else:
            out.append((term_label(key), value_display(key, value)))
    return out
