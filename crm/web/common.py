"""What every page route uses: render with the shared context, read data, run an action."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from crm.auth.security_middleware import auth_state
from crm.clients.postgres_client import Connection
from crm.core.dispatch import Batch, Dispatcher, Reader
from crm.core.services import authorization_service
from crm.errors import AppError, ValidationFailed
from crm.utils.user_context import get_current_user
from crm.web import formats, relative


@dataclass
class Outcome:
    """An action's result for a page: the data, or the errors to show next to the fields."""

    result: Any = None
    error: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    redacted: bool = False
    # The refusal's HTTP status, error code and details (e.g. 409, "INVOICE_EXISTS", {...}).
    status: int = 200
    code: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    state = auth_state(request)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "user": state.user,
            "csrf_token": state.csrf_token,
            "current_ticket": _current_ticket(request) if state.user else None,
            "pending_authorizations": _pending_authorizations(request) if state.user else 0,
            "notice": request.query_params.get("notice"),
            **context,
        },
        status_code=status,
    )
    return response


def _current_ticket(request: Request) -> Any:
    try:
        return read(request, "tickets", current="true", include="contact")
    except AppError as exc:
        if exc.status >= 500:
            raise
        return None


def _pending_authorizations(request: Request) -> int:
    """How many requests from API tokens wait for the owner (the header's badge): one count,
    in the page's own transaction when there is one."""
    try:
        connection = _page_connection.get()
        if connection is not None:
            return authorization_service.pending_count(connection)
        with _dispatcher(request).db.read_only(get_current_user().user_id) as conn:
            return authorization_service.pending_count(conn)
    except AppError as exc:
        if exc.status >= 500:
            raise
        return 0


# The read-only transaction of the page being rendered (see `page`), if any: its reader, and
# its connection for the header's counts that are not registry reads.
_page_reader: ContextVar[Reader | None] = ContextVar("crm_page_reader", default=None)
_page_connection: ContextVar[Connection | None] = ContextVar("crm_page_connection", default=None)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def page(handler: Handler) -> Handler:
    """A GET page whose reads, and the header's current ticket, share one read-only transaction.

    One BEGIN/COMMIT per page instead of one per read: fewer round trips, a consistent view.
    The route must take ``request`` by that name.
    """

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = get_current_user()
        db = _dispatcher(kwargs["request"]).db
        with db.read_only(user.user_id) as conn:
            reader_token = _page_reader.set(Reader(conn, user))
            connection_token = _page_connection.set(conn)
            try:
                return handler(*args, **kwargs)
            finally:
                _page_connection.reset(connection_token)
                _page_reader.reset(reader_token)

    return cast(Handler, wrapper)


def _dispatcher(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.dispatcher
    return dispatcher


def read(
    request: Request,
    type_: str,
    *,
    id: UUID | str | None = None,
    search: str | None = None,
    limit: int = 100,
    include: str = "",
    **filters: str,
) -> Any:
    """One read through the dispatcher (the same loaders as GET /api/data), raw rows."""
    reader = _page_reader.get()
    if reader is not None:
        return reader.read(
            type_,
            id=id or None,
            search=search,
            limit=limit,
            include=include,
            filters={k: v for k, v in filters.items() if v},
        )
    return _dispatcher(request).read(
        get_current_user(),
        type_,
        id=id or None,
        search=search,
        limit=limit,
        include=include,
        filters={k: v for k, v in filters.items() if v},
    )


def perform(request: Request, domain: str, action: str, data: dict[str, Any]) -> Outcome:
    """Run one action as POST /api/actions does; refusals come back per field."""
    try:
        result = _dispatcher(request).run(
            get_current_user(), domain, action, data, client=auth_state(request).client
        )
    except AppError as exc:
        return refused(exc)
    return Outcome(result=result.value, redacted=bool(result.redacted))


def perform_all(request: Request, steps: Callable[[Batch], Any]) -> Outcome:
    """Run ``steps(batch)`` in one unit of work: every action it runs is saved, or none is.

    Label each step (``step(batch, ..., label="lines.2")``) so its errors name the field.
    """
    dispatcher = _dispatcher(request)
    try:
        with dispatcher.batch(get_current_user(), client=auth_state(request).client) as batch:
            result = steps(batch)
    except AppError as exc:
        return refused(exc)
    return Outcome(result=result, redacted=bool(batch.redacted))


def refused(exc: AppError) -> Outcome:
    """An action's refusal as a page shows it; infrastructure failures (5xx) still raise."""
    if exc.status >= 500:
        raise exc
    fields = {f["field"]: f["message"] for f in exc.details.get("fields", [])}
    error = exc.message
    if isinstance(exc, ValidationFailed) and fields and exc.message == exc.default_message:
        error = "Please check the highlighted fields."
    return Outcome(
        error=error, fields=fields, status=exc.status, code=exc.code, details=exc.details
    )


def redirect(url: str, notice: str | None = None) -> RedirectResponse:
    """303 to ``url``, with ``?notice=`` placed before any ``#fragment``."""
    if notice:
        path, hash_, fragment = url.partition("#")
        path += ("&" if "?" in path else "?") + "notice=" + notice
        url = path + hash_ + fragment
    return RedirectResponse(url, status_code=303)


def install_filters(templates: Any) -> None:
    """Jinja filters and globals: money, times in the business's timezone, phones… (formats),
    and times in words ("3 hours ago", "in 23 hours")."""
    formats.install(templates)
    templates.env.filters.update({"ago": relative.ago, "until": relative.until})


# Shown after a redirect (?notice=...): what just happened, in words.
NOTICES = {
    "saved": "Saved.",
    "created": "Created.",
    "deleted": "Deleted.",
    "clocked_in": "Clocked in. The clock is running.",
    "clocked_out": "Clocked out.",
    "cancelled": "Cancelled.",
    "completed": "Ticket completed.",
    "redacted": "A card or social security number was removed from what you typed.",
    "payment": "Payment recorded.",
    "sent": "Marked as sent.",
    "voided": "Invoice voided.",
    "no_show": "Marked as a no-show.",
    "retired": "Retired. It stays on past tickets but can't be added to new ones.",
    "exists": "This ticket already has an invoice (a ticket is billed once), so here it is.",
}
