"""What every page route uses: render with the shared context, read data, run an action."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from crm.api.actions import redact_input, validation_details
from crm.auth.security_middleware import auth_state
from crm.core.models.common import format_money
from crm.core.registry import REGISTRY, DataQuery
from crm.errors import AppError, ValidationFailed
from crm.utils.timezone import to_business_time
from crm.utils.user_context import get_current_user


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
            "notice": request.query_params.get("notice"),
            **context,
        },
        status_code=status,
    )
    return response


def _current_ticket(request: Request) -> Any:
    try:
        return read(request, "tickets", current="true", include="contact")
    except AppError:
        return None


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
    """One read through the registry (the same loaders as GET /api/data), raw rows."""
    user = get_current_user()
    spec = REGISTRY.data_types[type_]
    query = DataQuery(
        timezone=user.timezone,
        id=UUID(str(id)) if id else None,
        search=search,
        limit=limit,
        include=frozenset(i for i in include.split(",") if i),
        filters={k: v for k, v in filters.items() if v},
    )
    with request.app.state.resources.db.read_only(user.user_id) as conn:
        return spec.loader(conn, query)


def perform(request: Request, domain: str, action: str, data: dict[str, Any]) -> Outcome:
    """Run one action as POST /api/actions does; validation problems come back per field."""
    spec = REGISTRY.actions[(domain, action)]
    try:
        parsed = spec.input.model_validate(data)
    except ValidationError as exc:
        details = validation_details(exc)["fields"]
        return Outcome(
            error="Please check the highlighted fields.",
            fields={f["field"]: f["message"].removeprefix("Value error, ") for f in details},
            status=422,
            code="VALIDATION_ERROR",
        )
    parsed, redacted = redact_input(spec.input, parsed)
    user = get_current_user()
    if redacted:
        request.app.state.auth.security.record(
            "redacted",
            client=auth_state(request).client,
            account_id=user.user_id,
            details={"action": f"{domain}.{action}", "fields": redacted},
        )
    try:
        with request.app.state.resources.db.unit_of_work(user.user_id) as conn:
            result = spec.handler(conn, parsed)
    except ValidationFailed as exc:
        fields = {f["field"]: f["message"] for f in exc.details.get("fields", [])}
        return Outcome(
            error=exc.message, fields=fields, status=exc.status, code=exc.code, details=exc.details
        )
    except AppError as exc:
        if exc.status >= 500:
            raise
        return Outcome(error=exc.message, status=exc.status, code=exc.code, details=exc.details)
    return Outcome(result=result, redacted=bool(redacted))


def redirect(url: str, notice: str | None = None) -> RedirectResponse:
    """303 to ``url``, with ``?notice=`` placed before any ``#fragment``."""
    if notice:
        path, hash_, fragment = url.partition("#")
        path += ("&" if "?" in path else "?") + "notice=" + notice
        url = path + hash_ + fragment
    return RedirectResponse(url, status_code=303)


async def form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def install_filters(templates: Any) -> None:
    """Jinja filters: money, and times in the business's timezone."""
    env = templates.env

    def money(cents: Any) -> str:
        return format_money(int(cents or 0))

    def local(value: Any, fmt: str = "%a %b %-d, %-I:%M %p") -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            return to_business_time(value, get_current_user().timezone).strftime(fmt)
        if isinstance(value, date):
            return value.strftime(fmt)
        return str(value)

    env.filters["money"] = money
    env.filters["local"] = local


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
