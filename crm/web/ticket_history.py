"""A ticket's audit trail in words, for its page: what happened, when, and what changed."""

from __future__ import annotations

from typing import Any

from crm.web.formats import local

ACTION_WORDS = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "clock_in": "Clocked in",
    "clock_out": "Clocked out",
    "in_progress": "Started",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "Marked as a no-show",
    "assign_staff": "Staff assigned",
    "close_out_preview": "Close-out reviewed",
    "reopen": "Reopened",
}
FIELD_WORDS = {
    "status": "status",
    "scheduled_start": "time",
    "duration_minutes": "duration (minutes)",
    "title": "title",
    "cancel_reason": "reason",
    "worked_minutes": "minutes worked",
    "is_price_estimated": "price is an estimate",
    "confirmation_status": "confirmation",
    "address_id": "address",
    "staff_ids": "staff",
    "plan_detached": "changed apart from its plan",
}
# Actions whose changes are the whole row (or only the clock): the words say enough.
_NO_CHANGES = ("create", "clock_in", "clock_out", "close_out_preview")


def describe_history(
    trail: list[dict[str, Any]], staff_names: dict[str, str]
) -> list[dict[str, Any]]:
    """Audit rows in words: what happened, when, by whom when not the owner, and what changed.

    Going back to the close-out review re-runs it each time; consecutive reviews read as one
    line ("Close-out reviewed 3 times") at the time of the last.
    """
    events: list[dict[str, Any]] = []
    reviews = 0
    for row in trail:
        if row["action"] == "close_out_preview" and reviews and events:
            reviews += 1
            events[-1].update(what=f"Close-out reviewed {reviews} times", at=row["created_at"])
            continue
        reviews = 1 if row["action"] == "close_out_preview" else 0
        changes = row.get("changes") or {}
        words = []
        if "plan_id" in changes and row["action"] == "update":
            # "This and following" moved the visit to the plan's new version.
            words.append("now part of the plan's new version (this visit and the following)")
        if row["action"] not in _NO_CHANGES:
            for key, change in changes.items():
                if key not in FIELD_WORDS or not isinstance(change, dict):
                    continue
                old = _word(key, change.get("old"), staff_names)
                new = _word(key, change.get("new"), staff_names)
                words.append(f"{FIELD_WORDS[key]}: {old} → {new}")
        what = ACTION_WORDS.get(row["action"], row["action"].replace("_", " ").title())
        events.append(
            {
                "what": what + _by(str(row.get("actor") or "")),
                "at": row["created_at"],
                "changes": words,
            }
        )
    return events


def _by(actor: str) -> str:
    """Who acted, when it was not the signed-in owner (docs/messaging.md: actors)."""
    if actor.startswith("customer:"):
        return " by the customer"
    if actor == "worker":
        return " by the message worker"
    if actor == "worker:plans":
        return " by the plan's booking ahead"
    return ""


def _word(key: str, value: Any, staff_names: dict[str, str]) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "staff_ids" and isinstance(value, list):
        return ", ".join(staff_names.get(str(v), "a former staff member") for v in value) or "none"
    if key == "scheduled_start" and isinstance(value, str):
        try:
            return local(value)
        except ValueError:
            return value
    if key == "address_id":
        return "another address"
    return str(value).replace("_", " ") if key == "status" else str(value)
