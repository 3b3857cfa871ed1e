"""Development-only routes (embedded stack): the SMTP catcher's outbox."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

router = APIRouter(prefix="/dev", tags=["dev"], include_in_schema=False)


@router.get("/outbox.json")
def outbox_json(request: Request) -> JSONResponse:
    """Caught emails, newest first (a bare list, for scripts and tests)."""
    return JSONResponse(request.app.state.resources.outbox.messages())


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request) -> HTMLResponse:
    messages = request.app.state.resources.outbox.messages()
    return request.app.state.templates.TemplateResponse(
        request, "dev/outbox.html", {"messages": messages}
    )
