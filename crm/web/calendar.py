"""The home page: today's day view in the business's timezone, plus week and month views."""

from __future__ import annotations

import calendar as cal
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from crm.core.models.common import MAX_DATE, MIN_DATE
from crm.dependencies import CurrentUser
from crm.errors import ValidationFailed
from crm.utils.timezone import business_today, to_business_time
from crm.web.common import page, read, render
from crm.web.waitlist_offers import for_day as waitlist_for_day

router = APIRouter(include_in_schema=False)

FIRST_HOUR, LAST_HOUR = 6, 21
VIEWS = ("day", "week", "month")


def _parse_day(value: str | None, today: date) -> date:
    """The day asked for (today if none, or unreadable); outside the window it is a 422."""
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        return today
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValidationFailed(
            f"The calendar shows {MIN_DATE.year} to {MAX_DATE.year}; pick a day in between.",
            details={"fields": [{"field": "date", "message": "outside the calendar"}]},
        )
    return day


def _step(day: date) -> str:
    """A neighbouring day, month or week for a link, kept inside the window."""
    return min(max(day, MIN_DATE), MAX_DATE).isoformat()


def _tickets(request: Request, first: date, last: date, timezone: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = read(
        request,
        "tickets",
        limit=1000,
        include="contact",
        **{"from": max(first, MIN_DATE).isoformat(), "to": min(last, MAX_DATE).isoformat()},
    )
    for row in rows:
        row["local_start"] = to_business_time(row["scheduled_start"], timezone)
    return rows


@router.get("/", response_class=HTMLResponse)
@page
def home(
    request: Request,
    user: CurrentUser,
    view: str = "day",
    on: str | None = Query(None, alias="date"),
) -> HTMLResponse:
    """The calendar: a day (default: today), week or month in the business's timezone."""
    view = view if view in VIEWS else "day"
    today = business_today(user.timezone)
    day = _parse_day(on, today)
    if view == "week":
        start = day - timedelta(days=day.weekday())
        days = [start + timedelta(days=i) for i in range(7)]
        tickets = _tickets(request, days[0], days[-1], user.timezone)
        by_day = {d: [t for t in tickets if t["local_start"].date() == d] for d in days}
        return render(
            request,
            "calendar/week.html",
            section="calendar",
            view=view,
            day=day,
            today=today,
            days=days,
            by_day=by_day,
            prev=_step(start - timedelta(days=7)),
            next=_step(start + timedelta(days=7)),
        )
    if view == "month":
        first = day.replace(day=1)
        weeks = cal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
        tickets = _tickets(request, weeks[0][0], weeks[-1][-1], user.timezone)
        counts: dict[date, int] = {}
        for t in tickets:
            if t["status"] != "cancelled":
                counts[t["local_start"].date()] = counts.get(t["local_start"].date(), 0) + 1
        repeats = {
            t["local_start"].date() for t in tickets if t["plan_id"] and t["status"] != "cancelled"
        }
        prev_month = (first - timedelta(days=1)).replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        return render(
            request,
            "calendar/month.html",
            section="calendar",
            view=view,
            day=day,
            today=today,
            first=first,
            weeks=weeks,
            counts=counts,
            repeats=repeats,
            prev=_step(prev_month),
            next=_step(next_month),
        )
    tickets = _tickets(request, day, day, user.timezone)
    hours = list(range(FIRST_HOUR, LAST_HOUR + 1))
    slots = {h: [t for t in tickets if t["local_start"].hour == h] for h in hours}
    early = [t for t in tickets if t["local_start"].hour < FIRST_HOUR]
    late = [t for t in tickets if t["local_start"].hour > LAST_HOUR]
    return render(
        request,
        "calendar/day.html",
        section="calendar",
        view=view,
        day=day,
        today=today,
        hours=hours,
        slots=slots,
        early=early,
        late=late,
        tickets=tickets,
        waitlist_gaps=waitlist_for_day(request, day, tickets, user.timezone),
        prev=_step(day - timedelta(days=1)),
        next=_step(day + timedelta(days=1)),
        slot_time=lambda h: datetime(day.year, day.month, day.day, h).strftime("%Y-%m-%dT%H:%M"),
    )
