"""Pages: Settings → API tokens — personal tokens for scripts and AI assistants (docs/agents.md).

A new token is shown once, in the answer to the POST that made it (never in a URL, a redirect
or a notice), then only its first characters. Revoking asks first, with a <details>, so the
confirm step needs no JavaScript.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.agents import DEFAULT_DAYS, TokenCreate
from crm.web.common import NOTICES, Outcome, page, perform, read, redirect, render
from crm.web.forms import FormData, clean, limits, parse_int, summary

router = APIRouter(include_in_schema=False)

DAYS = limits(TokenCreate, "days")
SCOPES = {
    "read": ("Read", "It can look things up: contacts, the schedule, invoices, messages."),
    "write": (
        "Read + write",
        "It can also book and change things. Deletes, cancellations, refunds and messages to "
        "customers it can only ask for: each waits for your approval.",
    ),
}
PAGE_NOTICES = {**NOTICES, "revoked": "Revoked. Anything using that token is refused from now on."}


def token_input(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The action's input from the form, and the fields that could not be read."""
    data: dict[str, Any] = {"name": form.get("name", ""), "scope": form.get("scope", "")}
    fields: dict[str, str] = {}
    if data["scope"] not in SCOPES:
        fields["scope"] = "Choose what the token may do."
    try:
        data["days"] = parse_int(
            form.get("days", "").strip() or str(DEFAULT_DAYS),
            limits=DAYS,
            message="Type a number of days, {span}.",
        )
    except ValueError as exc:
        fields["days"] = str(exc)
    return data, fields


def _page(
    request: Request,
    *,
    status: int = 200,
    new_token: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    outcome: Outcome | None = None,
    list_error: str | None = None,
) -> HTMLResponse:
    problems = {**(clean(outcome.fields) if outcome else {}), **(fields or {})}
    error = None if list_error else summary(problems, outcome.error if outcome else None)
    return render(
        request,
        "settings/tokens.html",
        status=status,
        section="settings",
        notices=PAGE_NOTICES,
        tokens=read(request, "api_tokens", limit=200),
        new_token=new_token,
        scopes=SCOPES,
        values=values or {"scope": "read", "days": str(DEFAULT_DAYS)},
        fields=problems,
        error=error,
        list_error=list_error,
    )


@router.get("/settings/tokens", response_class=HTMLResponse)
@page
def tokens_page(request: Request) -> HTMLResponse:
    """The business's API tokens, and the form to make one."""
    return _page(request)


@router.post("/settings/tokens", response_class=HTMLResponse)
def create_token(request: Request, form: FormData) -> HTMLResponse:
    """Answered with the page itself, not a redirect: the token is shown this once only."""
    data, fields = token_input(form)
    if fields:
        return _page(request, status=422, values=form, fields=fields)
    outcome = perform(request, "api_token", "create", data)
    if not outcome.ok:
        return _page(request, status=outcome.status, values=form, outcome=outcome)
    return _page(request, new_token=outcome.result)


@router.post("/settings/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, token_id: UUID) -> Response:
    outcome = perform(request, "api_token", "revoke", {"id": str(token_id)})
    if not outcome.ok:
        return _page(request, status=outcome.status, list_error=outcome.error)
    return redirect("/settings/tokens", "revoked")
