"""Times said the way a person says them: "3 hours ago", "yesterday", "in 23 hours".

Jinja filters ``ago`` and ``until`` (installed by ``common.install_filters``). Anything further
off than a few weeks is a day on the business's calendar instead (``formats.local``).
"""

from __future__ import annotations

from datetime import datetime

from crm.utils.timezone import utc_now
from crm.web.formats import local

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_RECENT_DAYS = 30


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago: "never" for nothing, "just now", "5 minutes ago", "yesterday", "on Mar 3"."""
    if value is None:
        return "never"
    seconds = ((now or utc_now()) - value).total_seconds()
    if seconds < _MINUTE:
        return "just now"
    if seconds < _HOUR:
        return _count(int(seconds // _MINUTE), "minute") + " ago"
    if seconds < _DAY:
        return _count(int(seconds // _HOUR), "hour") + " ago"
    days = int(seconds // _DAY)
    if days == 1:
        return "yesterday"
    if days < _RECENT_DAYS:
        return f"{days} days ago"
    return "on " + local(value, "%b %-d")


def until(value: datetime, now: datetime | None = None) -> str:
    """How long until: "in 23 hours", "in 40 minutes", "in under a minute", "now" once past."""
    seconds = (value - (now or utc_now())).total_seconds()
    if seconds <= 0:
        return "now"
    if seconds < _MINUTE:
        return "in under a minute"
    if seconds < _HOUR:
        return "in " + _count(int(seconds // _MINUTE), "minute")
    if seconds < 2 * _DAY:
        return "in " + _count(int(seconds // _HOUR), "hour")
    return "in " + _count(int(seconds // _DAY), "day")
