"""Development-only routes (embedded stack): the SMTP catcher's outbox."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from crm.dependencies import AppResources

router = APIRouter(prefix="/dev", tags=["dev"], include_in_schema=False)


def _messages(resources: AppResources) -> list[dict[str, Any]]:
    assert resources.outbox is not None, "the dev routes are mounted only with the catcher"
    return resources.outbox.messages()


@router.get("/outbox.json")
def outbox_json(resources: AppResources) -> JSONResponse:
    """Caught emails, newest first (a bare list, for scripts and tests)."""
    return JSONResponse(_messages(resources))


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, resources: AppResources) -> HTMLResponse:
    messages = _messages(resources)
    return request.app.state.templates.TemplateResponse(
        request, "dev/outbox.html", {"messages": messages}
    )
