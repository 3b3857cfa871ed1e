"""The response envelope and the one place an AppError becomes a response.

Used by every edge (api/, auth/, web/), so it sits below them all.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from crm.errors import AppError, RateLimited
from crm.utils.request_id import current_request_id
from crm.utils.timezone import utc_now

log = logging.getLogger("crm.api")


def _meta() -> dict[str, Any]:
    return {
        "timestamp": utc_now().isoformat().replace("+00:00", "Z"),
        "request_id": current_request_id(),
    }


def envelope(
    data: Any = None, *, error: dict[str, Any] | None = None, success: bool = True
) -> dict[str, Any]:
    """Build the body every /api response uses."""
    return {"success": success, "data": data, "error": error, "meta": _meta()}


def ok(
    data: Any = None, *, status: int = 200, warnings: list[dict[str, Any]] | None = None
) -> JSONResponse:
    """A successful envelope response; ``warnings`` (e.g. a redaction) go into ``meta``."""
    body = envelope(data)
    if warnings:
        body["meta"]["warnings"] = warnings
    return JSONResponse(body, status_code=status)


def error_response(exc: AppError) -> JSONResponse:
    """Render an AppError as the JSON envelope with its own status (never 200)."""
    body = envelope(
        None,
        success=False,
        error={"code": exc.code, "message": exc.message, "details": exc.details},
    )
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(body, status_code=exc.status, headers=headers)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path == "/api" or path.endswith(".json"):
        return True
    if request.headers.get("content-type", "").startswith("application/json"):
        return True
    return "application/json" in request.headers.get("accept", "")


def _error_page(request: Request, exc: AppError) -> Response:
    templates = getattr(request.app.state, "templates", None)
    if templates is None:
        return HTMLResponse(f"<h1>{exc.status}</h1><p>{exc.message}</p>", status_code=exc.status)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"error": exc, "request_id": current_request_id()},
        status_code=exc.status,
    )


def render_error(request: Request, exc: AppError) -> Response:
    """JSON envelope for API callers, an error page for browsers."""
    if exc.status >= 500:
        log.warning("%s %s -> %s %s", request.method, request.url.path, exc.status, exc.message)
    if _wants_json(request):
        return error_response(exc)
    response = _error_page(request, exc)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
