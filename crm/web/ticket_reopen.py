"""Page action: put a cancelled or no-show ticket back on the calendar (`ticket.reopen`)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.dependencies import CurrentUser
from crm.utils.timezone import get_zone
from crm.web.forms import FormData
from crm.web.tickets import _act, _detail

router = APIRouter(include_in_schema=False)


@router.post("/tickets/{ticket_id}/reopen", response_class=HTMLResponse)
def reopen(request: Request, ticket_id: UUID, form: FormData, user: CurrentUser) -> Response:
    """A new day and time are optional: without them the old time is kept."""
    data: dict[str, Any] = {"id": ticket_id}
    typed_day, typed_time = form.get("date", "").strip(), form.get("time", "").strip()
    if typed_day or typed_time:
        try:
            start = datetime.combine(
                date.fromisoformat(typed_day),
                time.fromisoformat(typed_time),
                tzinfo=get_zone(user.timezone),
            )
        except ValueError:
            return _detail(
                request,
                ticket_id,
                status=422,
                form="reopen",
                error="The ticket was not reopened: pick both a day and a start time.",
                fields={"date": "Pick a day and a start time, or leave both empty."},
                values=form,
            )
        data["scheduled_start"] = start.isoformat()
    return _act(
        request,
        ticket_id,
        "ticket",
        "reopen",
        data,
        notice="saved",
        form="reopen",
        names={"scheduled_start": "date"},
        values=form,
    )
