"""Pages: Reports — money, work and customers as charts with their tables (docs/reports.md).

GET  /reports                                   the revenue report
GET  /reports/{name}                            revenue, services, areas, work, receivables,
                                                customers; ``?range=this_month|last_month|
                                                this_year|last_year`` or ``?from=&to=`` (custom)
GET  /reports/{name}.csv?table=KEY&from=&to=    one table of the report as CSV
POST /reports/receivables/{invoice_id}/remind   email the invoice again → 303 back, with a notice
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.read import MAX_LIMIT
from crm.core.services.reports.period import MAX_DAYS
from crm.errors import NotFound, ValidationFailed
from crm.utils.timezone import business_today
from crm.utils.user_context import get_current_user
from crm.web.common import NOTICES, page, perform, read, redirect, render
from crm.web.report_charts import charts_of
from crm.web.report_tables import TABLES, table_of, to_csv

router = APIRouter(include_in_schema=False)

REPORTS = {
    "revenue": "Revenue",
    "services": "By service",
    "areas": "By area",
    "work": "Work",
    "receivables": "Owed to you",
    "customers": "Customers",
}
PRESETS = {
    "this_month": "This month",
    "last_month": "Last month",
    "this_year": "This year",
    "last_year": "Last year",
}
DASH = "\u2013"
PAGE_ROWS = 100  # owed invoices listed on the page; the CSV has up to MAX_LIMIT
PAGE_NOTICES = {
    **NOTICES,
    "reminder_sent": "Reminder queued: the invoice goes to the customer again in a moment.",
}


@dataclass(frozen=True)
class Range:
    key: str  # a preset, or "custom"
    start: date
    end: date
    error: str | None = None

    @property
    def query(self) -> str:
        if self.key in PRESETS:
            return f"range={self.key}"
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"

    @property
    def label(self) -> str:
        if self.key in PRESETS:
            return f"{PRESETS[self.key]} ({span_text(self.start, self.end)})"
        return span_text(self.start, self.end)


def span_text(start: date, end: date) -> str:
    """ "Mar 1 - 31, 2026", "Nov 3, 2025 - Feb 2, 2026" (with an en dash)."""
    if start.year != end.year:
        return f"{start:%b %-d, %Y} {DASH} {end:%b %-d, %Y}"
    if start.month != end.month:
        return f"{start:%b %-d} {DASH} {end:%b %-d, %Y}"
    return f"{start:%b %-d} {DASH} {end:%-d, %Y}"


def preset(key: str, today: date) -> tuple[date, date]:
    if key == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if key == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if key == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


def _parse(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if len(raw.strip()) == 10 else None
    except ValueError:
        return None


def range_of(key: str, start: str, end: str, today: date) -> Range:
    """The range asked for: a preset, or a custom from-to (one day alone means its month, as in
    the API); a bad custom one falls back to this month and says why."""
    if not start and not end:
        key = key if key in PRESETS else "this_month"
        return Range(key, *preset(key, today))
    first, last = _parse(start), _parse(end)
    fallback = preset("this_month", today)
    if (start and first is None) or (end and last is None):
        return Range("this_month", *fallback, error="Pick both days of the range.")
    month = preset("this_month", first or last or today)
    first, last = first or month[0], last or month[1]
    if first > last:
        return Range("this_month", *fallback, error="The range starts after it ends.")
    if (last - first).days + 1 > MAX_DAYS:
        return Range("this_month", *fallback, error="A report covers at most three years.")
    for name, (a, b) in ((k, preset(k, today)) for k in PRESETS):
        if (first, last) == (a, b):
            return Range(name, a, b)
    return Range("custom", first, last)


def change_text(pct: float | None) -> str:
    return "nothing a year earlier" if pct is None else f"{pct:+.1f}% on a year earlier"


def _report(request: Request, name: str, rng: Range, limit: int = PAGE_ROWS) -> dict[str, Any]:
    data: dict[str, Any] = read(
        request,
        f"report_{name}",
        limit=limit,
        **{"from": rng.start.isoformat(), "to": rng.end.isoformat()},
    )
    return data


@router.get("/reports/{name}.csv")
@page
def report_csv(request: Request, name: str, table: str = "") -> Response:
    """One table of a report as a CSV file named after the report, table and range."""
    found = table_of(name, table)
    if found is None:
        raise NotFound(f"Report {name!r} has no table {table!r}.")
    params = request.query_params
    today = business_today(get_current_user().timezone)
    rng = range_of(params.get("range", ""), params.get("from", ""), params.get("to", ""), today)
    if rng.error:  # a file must never hold another range than the one asked for
        raise ValidationFailed(rng.error)
    body = to_csv(found, _report(request, name, rng, MAX_LIMIT))
    filename = f"{name}-{found.key}-{rng.start.isoformat()}-to-{rng.end.isoformat()}.csv"
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _show(request: Request, name: str, *, status: int = 200, error: str | None = None) -> Any:
    params = request.query_params
    today = business_today(get_current_user().timezone)
    rng = range_of(params.get("range", ""), params.get("from", ""), params.get("to", ""), today)
    data = _report(request, name, rng)
    return render(
        request,
        "reports/report.html",
        status=422 if rng.error else status,
        section="reports",
        notices=PAGE_NOTICES,
        name=name,
        reports=REPORTS,
        presets=PRESETS,
        rng=rng,
        data=data,
        charts=charts_of(name, data),
        tables=[(t, t.rows(data)) for t in TABLES[name]],
        error=error or rng.error,
        change=change_text,
    )


@router.get("/reports", response_class=HTMLResponse)
@router.get("/reports/{name}", response_class=HTMLResponse)
@page
def report_page(request: Request, name: str = "revenue") -> HTMLResponse:
    """One report: the range picker, its charts, then its tables with a CSV link each."""
    if name not in REPORTS:
        raise NotFound(f"There is no report called {name!r}.")
    response: HTMLResponse = _show(request, name)
    return response


@router.post("/reports/receivables/{invoice_id}/remind", response_class=HTMLResponse)
def remind(request: Request, invoice_id: UUID) -> Response:
    """Email the invoice to the customer again (its view link included); back to the list."""
    outcome = perform(request, "invoice", "send", {"id": invoice_id})
    if not outcome.ok:
        response: Response = _show(
            request, "receivables", status=outcome.status, error=outcome.error
        )
        return response
    return redirect(f"/reports/receivables#inv-{invoice_id}", "reminder_sent")
