"""The response envelope, request ids, and the one place errors become responses."""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm.errors import AppError, BadRequest, InternalError, NotFound, RateLimited, ValidationFailed
from crm.utils.timezone import utc_now

log = logging.getLogger("crm.api")

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: ContextVar[str | None] = ContextVar("crm_request_id", default=None)


def current_request_id() -> str | None:
    """The server-generated id of the request being handled, if any."""
    return _request_id.get()


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


async def _app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return render_error(request, exc)


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    mapped: AppError
    if exc.status_code == 404:
        mapped = NotFound("No such page or endpoint.")
    elif exc.status_code == 405:
        mapped = BadRequest("That method is not allowed here.")
        mapped.status = 405
        mapped.code = "METHOD_NOT_ALLOWED"
    elif exc.status_code >= 500:
        mapped = InternalError()
    else:
        mapped = BadRequest(str(exc.detail))
        mapped.status = exc.status_code
    response = render_error(request, mapped)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
            "message": err.get("msg", "invalid"),
        }
        for err in exc.errors()
    ]
    return render_error(request, ValidationFailed(details={"fields": fields}))


def install_error_handlers(app: FastAPI) -> None:
    """Register the one error path for AppError, HTTP errors and validation errors."""
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)


class RequestContextMiddleware:
    """Give each request a server-generated id and turn unknown exceptions into a 500.

    Any X-Request-ID sent by the client is ignored: ids in our logs are ours.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != REQUEST_ID_HEADER.lower().encode()
                ]
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except AppError as exc:
            # Raised by middleware (host check, body limit, sign-in, CSRF) outside the router.
            if started:
                raise
            response = render_error(Request(scope), exc)
            await response(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            request = Request(scope)
            response = render_error(request, InternalError())
            await response(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)
