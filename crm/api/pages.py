"""Signed-in pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from crm.auth.security_middleware import auth_state

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    state = auth_state(request)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "home.html", {"user": state.user, "csrf_token": state.csrf_token}
    )
    return response
