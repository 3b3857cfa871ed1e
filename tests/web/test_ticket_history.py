"""A ticket's history in words: repeated close-out reviews read as one line, and changes made
by the customer (through their visit link) or the message worker say so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.web.ticket_history import describe_history

START = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def _row(action: str, minutes: int, actor: str = "user:1", **changes: object) -> dict:
    return {
        "action": action,
        "created_at": START + timedelta(minutes=minutes),
        "actor": actor,
        "changes": changes,
    }


def test_going_back_to_the_review_does_not_add_a_line_each_time() -> None:
    trail = [
        _row("create", 0),
        _row("clock_in", 5),
        _row("close_out_preview", 60),
        _row("close_out_preview", 62),
        _row("close_out_preview", 65),
        _row("completed", 66),
        _row("close_out_preview", 70),
    ]
    events = describe_history(trail, {})
    assert [e["what"] for e in events] == [
        "Created",
        "Clocked in",
        "Close-out reviewed 3 times",
        "Completed",
        "Close-out reviewed",
    ]
    assert events[2]["at"] == START + timedelta(minutes=65)


def test_the_customer_and_the_worker_are_named() -> None:
    change = {"old": "unconfirmed", "new": "confirmed"}
    trail = [
        _row("update", 0, actor="customer:4f0c", confirmation_status=change),
        _row("update", 1, actor="worker", title={"old": "a", "new": "b"}),
        _row("update", 2, title={"old": "b", "new": "c"}),
    ]
    events = describe_history(trail, {})
    assert [e["what"] for e in events] == [
        "Changed by the customer",
        "Changed by the message worker",
        "Changed",
    ]
    assert events[0]["changes"] == ["confirmation: unconfirmed → confirmed"]
