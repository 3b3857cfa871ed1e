"""The range a report covers: local dates, both days included (docs/reports.md, "The range").

SQL compares timestamps against the range's local midnights turned into instants
(``(date::timestamp) AT TIME ZONE tz``), so indexes on the timestamp columns still serve, and
groups by the local date (``(ts AT TIME ZONE tz)::date``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from crm.core.registry import DataQuery
from crm.errors import ValidationFailed
from crm.utils.timezone import business_today

MAX_DAYS = 1096  # three years, a leap day included
RANGE_FILTERS = {
    "from": "first local day of the range, YYYY-MM-DD (default: the 1st of the month of to, "
    "or of this month)",
    "to": "last local day of the range, included (default: the last day of the month of "
    f"from, or of this month); a range is at most {MAX_DAYS} days, both ends counted",
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    timezone: str

    @property
    def params(self) -> dict[str, object]:
        """SQL parameters: tz, start (first day), stop (the day after the last)."""
        return {"tz": self.timezone, "start": self.start, "stop": self.end + timedelta(days=1)}

    def year_earlier(self) -> Period:
        return Period(year_before(self.start), year_before(self.end), self.timezone)

    def months(self) -> list[str]:
        """Each calendar month the range touches, "YYYY-MM", in order."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def weeks(self) -> list[date]:
        """The Monday of each week (Monday to Sunday) the range touches."""
        monday = self.start - timedelta(days=self.start.weekday())
        return [monday + timedelta(weeks=n) for n in range((self.end - monday).days // 7 + 1)]

    def shown(self) -> dict[str, date]:
        return {"from": self.start, "to": self.end}


def year_before(day: date) -> date:
    """The same day a year earlier; 29 February becomes the 28th."""
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def month_bounds(today: date) -> tuple[date, date]:
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


def _day(query: DataQuery, name: str) -> date | None:
    raw = query.filters.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            f"Filter {name} must be a date like 2026-03-31.",
            details={"fields": [{"field": name, "message": "a date, YYYY-MM-DD"}]},
        ) from None


def period_of(query: DataQuery) -> Period:
    """The range asked for, or this month; refused when backwards or longer than three years."""
    if query.id is not None:
        raise ValidationFailed(
            "A report is not read by id: give it a range with from and to.",
            details={"fields": [{"field": "id", "message": "not for reports"}]},
        )
    first, last = _day(query, "from"), _day(query, "to")
    # One end alone means its month; neither means this month.
    month = month_bounds(first or last or business_today(query.timezone))
    start, end = first or month[0], last or month[1]
    if start > end:
        raise ValidationFailed(
            "The range starts after it ends: from must be on or before to.",
            details={"fields": [{"field": "from", "message": "after to"}]},
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            f"A report covers at most {MAX_DAYS} days (three years).",
            details={"fields": [{"field": "to", "message": f"at most {MAX_DAYS} days"}]},
        )
    return Period(start, end, query.timezone)


def change_pct(now: int, before: int) -> float | None:
    """(now - before) / before in percent, one decimal; None when before is 0."""
    if before == 0:
        return None
    return round((now - before) * 100 / abs(before), 1)


def share_pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part * 100 / whole, 1)


def average(total: int, count: int) -> int | None:
    """total / count rounded half up (cents or minutes); None when count is 0."""
    if count == 0:
        return None
    return (2 * total + count) // (2 * count)
