"""Error handlers and the request-context middleware (request id, unknown errors → 500)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm.errors import AppError, BadRequest, InternalError, NotFound, ValidationFailed
from crm.responses import render_error
from crm.utils.request_id import new_request_id, request_id_context

log = logging.getLogger("crm.api")

REQUEST_ID_HEADER = "X-Request-ID"


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
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(
            allowed_methods(request.app.router.routes, request.scope)
        )
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
        with request_id_context(new_request_id()) as request_id:
            await self._handle(scope, receive, send, request_id)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
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


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in _leaves(routes):
        match, _ = route.matches({**scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    if methods:
        methods.add("OPTIONS")
    return sorted(methods)


def _leaves(routes: Sequence[Any]) -> Iterator[Any]:
    """Routes, with included routers opened up (FastAPI keeps them as one entry each)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            yield from contexts()
        else:
            yield route


class AllowedMethodsMiddleware:
    """`OPTIONS` answers 204 with every method the path has (no CORS: same-origin app)."""

    def __init__(self, app: ASGIApp, *, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            methods = allowed_methods(self.routes(), scope)
            if methods:
                await Response(status_code=204, headers={"Allow": ", ".join(methods)})(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)
