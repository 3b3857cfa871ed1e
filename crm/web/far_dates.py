"""Form checks: a day far in the past or the future is asked about, never refused.

A visit typed for 2001 or an invoice due in 2020 is usually a slip of the year, but old history
typed in on purpose is legitimate. So the ticket and invoice forms come back with a warning
(409, everything as typed) and save the same post sent with "Save anyway" (``intent=anyway``).
The JSON API takes any date within the models' bounds: it is the import path, with nobody to ask.
"""

from __future__ import annotations

from datetime import date, timedelta

from crm.utils.timezone import business_today

PAST_DAYS = 365  # more than about a year ago
FUTURE_DAYS = 730  # more than about two years ahead
ANYWAY = "anyway"  # the form's ``intent`` that saves a far date as it is


def far_date(day: date, *, timezone: str, subject: str) -> str:
    """A warning naming the day when it is far from the business's today, else ""."""
    today = business_today(timezone)
    if day < today - timedelta(days=PAST_DAYS):
        when = "more than a year ago"
    elif day > today + timedelta(days=FUTURE_DAYS):
        when = "more than two years ahead"
    else:
        return ""
    return f"{subject}, {day:%B} {day.day}, {day.year}, is {when}. Is the year right?"


def typed_day(text: str) -> date | None:
    """The day a date field holds, or None when it is empty or unreadable (the model says why)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
