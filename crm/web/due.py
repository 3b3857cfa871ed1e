"""Pages: due for service — customers whose next visit is about due and who have nothing booked.

GET  /due                         ``?weeks=`` (2, 4, 8 or 12; default 4): most overdue first, each
                                  with Schedule (the new-ticket form filled from the last visit)
                                  and Send a reach-out
POST /due/{contact_id}/reach-out  the business's reach-out message, now → 303 /due?notice=reach_out
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.dependencies import CurrentUser
from crm.utils.timezone import business_today, utc_now
from crm.web.common import NOTICES, page, perform, read, redirect, render
from crm.web.forms import FormData

router = APIRouter(include_in_schema=False)

WEEKS = (2, 4, 8, 12)
DEFAULT_WEEKS = 4
PAGE_NOTICES = {
    **NOTICES,
    "reach_out": "Reach-out queued: it goes out in a moment, in your words from Settings → "
    "Messaging.",
}
SOURCES = {
    "plan": "from their plan",
    "reach_out": "from the reach-out planned at close-out",
    "history": "from their past visits",
}
# What the Messages page shows for the message until the template writes it.
REACH_OUT_SUBJECT = "Time for another visit"
REACH_OUT_BODY = "Written from the business's “Reach out” template when it is sent."


def every(days: int) -> str:
    """An interval in words: "every 10 days", "every ~6 weeks", "every ~3 months"."""
    if days < 14:
        return f"every {days} day{'s' if days != 1 else ''}"
    if days < 70:
        weeks, exact = divmod(days, 7)
        weeks += exact >= 4
        return f"every {'' if exact == 0 else '~'}{weeks} weeks"
    return f"every ~{round(days / 30.44)} months"


def relative(days: int) -> str:
    """How far the due date is from today, in words."""
    if days == 0:
        return "today"
    count = f"{abs(days)} day{'s' if abs(days) != 1 else ''}"
    return f"in {count}" if days > 0 else f"{count} ago"


def _weeks(raw: str) -> int:
    return int(raw) if raw in {str(w) for w in WEEKS} else DEFAULT_WEEKS


def _card(row: dict[str, Any]) -> dict[str, Any]:
    reach_out = row["reach_out"]
    return {
        **row,
        "every": every(row["interval_days"]),
        "source": SOURCES[row["interval_source"]],
        "relative": relative(row["days_until_due"]),
        "overdue": row["days_until_due"] < 0,
        "reach_out_queued": reach_out is not None and reach_out["scheduled_for"] <= utc_now(),
    }


def _list(request: Request, weeks: int, *, status: int = 200, error: str | None = None) -> Any:
    rows = read(request, "due_for_service", weeks=str(weeks), limit=500)
    return render(
        request,
        "due/list.html",
        status=status,
        section="contacts",
        notices=PAGE_NOTICES,
        weeks=weeks,
        choices=WEEKS,
        customers=[_card(row) for row in rows],
        error=error,
    )


@router.get("/due", response_class=HTMLResponse)
@page
def due_page(request: Request, weeks: str = "") -> HTMLResponse:
    """Who is due within the next weeks, most overdue first."""
    response: HTMLResponse = _list(request, _weeks(weeks))
    return response


def _reach_out(contact_id: UUID, today: date) -> dict[str, Any]:
    """The business's own reach-out (its template, with the booking link), to go now; once a
    day per customer, so a second tap cannot send two."""
    return {
        "kind": "reach_out",
        "contact_id": contact_id,
        "subject": REACH_OUT_SUBJECT,
        "body": REACH_OUT_BODY,
        "scheduled_for": utc_now(),
        "templated": True,
        "dedupe_key": f"due:{contact_id}:{today.isoformat()}",
    }


@router.post("/due/{contact_id}/reach-out", response_class=HTMLResponse)
def send_reach_out(
    request: Request, user: CurrentUser, contact_id: UUID, form: FormData
) -> Response:
    """One tap: the reach-out goes now; back to the list, where the card says so."""
    weeks = _weeks(form.get("weeks", ""))
    data = _reach_out(contact_id, business_today(user.timezone))
    outcome = perform(request, "message", "schedule", data)
    if not outcome.ok and outcome.code != "MESSAGE_EXISTS":  # exists: today's is queued
        return _list(request, weeks, status=outcome.status, error=outcome.error)
    return redirect(f"/due?weeks={weeks}#due-{contact_id}", "reach_out")
