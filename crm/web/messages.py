"""Pages: messages — what goes out when and what went out, filtered; the exact text and each
delivery attempt; cancelling a pending message and sending a failed or skipped one again."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from crm.dependencies import CurrentUser
from crm.messaging.templates import KINDS
from crm.utils.timezone import business_today, to_business_time
from crm.utils.user_context import UserContext
from crm.web.common import NOTICES, page, perform, read, redirect, render
from crm.web.forms import FormData, parse_date

router = APIRouter(include_in_schema=False)

LIMIT = 300
STATUSES = {
    "": "Any status",
    "pending": "Pending (not sent yet)",
    "sending": "Sending",
    "sent": "Sent",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "skipped": "Skipped",
}
CHANNELS = {"": "Any channel", "email": "Email", "sms": "Text message"}
FILTERS = ("from", "to", "status", "kind", "channel", "contact_id")
# Failed messages this recent are counted at the top of the page, so the owner notices them.
FAILED_DAYS = 30
PAGE_NOTICES = {**NOTICES, "retried": "Sending it again now."}


def check_filters(values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The filters the data API can take, and a message for each one that made no sense."""
    filters: dict[str, str] = {}
    fields: dict[str, str] = {}
    for name in ("from", "to"):
        try:
            day = parse_date(values.get(name, ""))
        except ValueError as exc:
            fields[name] = str(exc)
            continue
        if day is not None:
            filters[name] = day.isoformat()
    if filters.get("from") and filters.get("to") and filters["from"] > filters["to"]:
        fields["to"] = "The end date is before the start date."
        filters.pop("to")
    if values.get("status"):
        if values["status"] in STATUSES:
            filters["status"] = values["status"]
        else:
            fields["status"] = "Choose a status from the list."
    for name, allowed, message in (
        ("kind", KINDS, "Choose a kind of message from the list."),
        ("channel", CHANNELS, "Choose email or text message."),
    ):
        if values.get(name):
            if values[name] in allowed:
                filters[name] = values[name]
            else:
                fields[name] = message
    if values.get("contact_id"):
        try:
            filters["contact_id"] = str(UUID(values["contact_id"]))
        except ValueError:
            fields["contact_id"] = "Choose a contact from the list."
    return filters, fields


@router.get("/messages", response_class=HTMLResponse)
@page
def message_list(
    request: Request,
    user: CurrentUser,
    from_: str | None = Query(None, alias="from"),
    to: str = "",
    status: str = "",
    kind: str = "",
    channel: str = "",
    contact_id: str = "",
) -> HTMLResponse:
    """Messages in the order they go out; from today on unless asked otherwise."""
    asked = {
        "from": from_,
        "to": to,
        "status": status,
        "kind": kind,
        "channel": channel,
        "contact_id": contact_id,
    }
    return _page(request, user, asked)


def _page(
    request: Request,
    user: UserContext,
    asked: dict[str, str | None],
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    today = business_today(user.timezone)
    values = {k: (asked.get(k) or "").strip() for k in FILTERS}
    if asked.get("from") is None:  # first visit: what's still to come
        values["from"] = today.isoformat()
    filters, fields = check_filters(values)
    rows = read(request, "messages", limit=LIMIT, include="attempts,quiet_wait", **filters)
    everyone = read(request, "messages", limit=1000)
    failed_since = today - timedelta(days=FAILED_DAYS)
    failed = read(request, "messages", limit=1000, status="failed", **{"from": str(failed_since)})
    names = {c["id"]: c["display_name"] for c in read(request, "contacts", limit=1000)}
    with_messages = {m["contact_id"] for m in everyone}
    contacts = sorted(
        ((str(cid), names.get(cid, "Deleted contact")) for cid in with_messages),
        key=lambda item: item[1].lower(),
    )
    days: dict[date, list[dict[str, Any]]] = {}
    for row in rows:
        day = to_business_time(row["scheduled_for"], user.timezone).date()
        days.setdefault(day, []).append(row)
    if fields and not error:
        error = "Some filters couldn't be used; they are marked below."
        status = 422
    query = urlencode({k: v for k, v in values.items() if v})
    return render(
        request,
        "messages/list.html",
        status=status,
        section="messages",
        values=values,
        fields=fields,
        error=error,
        notices=PAGE_NOTICES,
        statuses=STATUSES,
        kinds=KINDS,
        kind_options=[("", "Any kind"), *KINDS.items()],
        channels=CHANNELS,
        failed=len(failed),
        failed_link=f"/messages?from={failed_since}&status=failed",
        failed_days=FAILED_DAYS,
        contacts=contacts,
        names=names,
        days=days,
        count=len(rows),
        limit=LIMIT,
        today=today,
        filtered=any(values[k] for k in FILTERS if k != "from")
        or values["from"] != today.isoformat(),
        back="/messages" + (f"?{query}" if query else "?from="),
        has_any=bool(everyone),
    )


def safe_back(value: str) -> str:
    """Only a path on this site, so a form can't send anyone elsewhere."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/messages"


@router.post("/messages/{message_id}/cancel", response_class=HTMLResponse)
def cancel_message(
    request: Request, message_id: UUID, form: FormData, user: CurrentUser
) -> Response:
    outcome = perform(request, "message", "cancel", {"id": str(message_id)})
    if outcome.ok:
        return redirect(safe_back(form.get("back", "")), "cancelled")
    error = f"The message was not cancelled. {outcome.error}"
    return _page(request, user, {"from": ""}, error=error, status=409)


@router.post("/messages/{message_id}/retry", response_class=HTMLResponse)
def retry_message(
    request: Request, message_id: UUID, form: FormData, user: CurrentUser
) -> Response:
    """A failed or skipped message goes back in the queue, due now."""
    outcome = perform(request, "message", "retry", {"id": str(message_id)})
    if outcome.ok:
        return redirect(safe_back(form.get("back", "")), "retried")
    error = f"The message was not sent again. {outcome.error}"
    return _page(request, user, {"from": ""}, error=error, status=409)
