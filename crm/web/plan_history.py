"""A plan's audit trail in words, for its page: started, changed (what), paused, ended."""

from __future__ import annotations

from datetime import date
from typing import Any

from crm.web.formats import local
from crm.web.ticket_history import ACTION_WORDS

FIELD_WORDS = {
    "rrule": "repeat rule",
    "start_date": "start date",
    "start_time": "start time",
    "duration_minutes": "minutes",
    "until_date": "last day",
    "max_count": "number of visits",
    "status": "status",
    "status_reason": "reason",
    "title": "title",
    "address_id": "address",
    "staff_ids": "staff",
    "lines": "services",
    "skip_dates": "days skipped",
    "crew_note": "crew note",
}
# Shown as "changed" without the values: long or internal.
_NO_VALUES = ("lines", "address_id", "crew_note", "skip_dates")


def _word(key: str, value: Any, staff_names: dict[str, str]) -> str:
    if value in (None, "", []):
        return "none"
    if key == "staff_ids" and isinstance(value, list):
        return ", ".join(staff_names.get(str(s), "someone") for s in value)
    if key in ("start_date", "until_date"):
        return local(date.fromisoformat(str(value)[:10]), "%b %-d, %Y")
    if key == "start_time":
        hour, minute = (int(p) for p in str(value).split(":")[:2])
        return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
    return str(value)


def describe_plan_history(
    trail: list[dict[str, Any]], staff_names: dict[str, str]
) -> list[dict[str, Any]]:
    """Audit rows in words: what happened to the plan, when, and what changed."""
    events = []
    for row in trail:
        changes = row.get("changes") or {}
        words = []
        if row["action"] != "create":
            for key, change in changes.items():
                if key not in FIELD_WORDS or not isinstance(change, dict):
                    continue
                if key in _NO_VALUES:
                    words.append(f"{FIELD_WORDS[key]} changed")
                    continue
                old = _word(key, change.get("old"), staff_names)
                new = _word(key, change.get("new"), staff_names)
                words.append(f"{FIELD_WORDS[key]}: {old} → {new}")
        what = (
            "Started" if row["action"] == "create" else ACTION_WORDS.get(row["action"], "Changed")
        )
        events.append({"what": what, "at": row["created_at"], "changes": words})
    return events
