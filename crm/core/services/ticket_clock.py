"""The clock on a ticket: clock in (one running clock per business user) and clock out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.exceptions import ClockStateConflict
from crm.core.models.common import Ref
from crm.core.registry import REGISTRY
from crm.core.services import contact_service
from crm.core.services.ticket_service import ensure_editable, get, transition
from crm.utils.timezone import utc_now

# Two-key advisory lock class for "this user's clock" (the second key is the user id's hash).
_CLOCK_LOCK = 7_400_211


def _stop_other_clock(conn: Connection, ticket_id: UUID) -> dict[str, Any] | None:
    """Stop the user's clock running on another ticket, audited on that ticket; what it was."""
    entry = conn.execute(
        "UPDATE time_entries SET ended_at = greatest(started_at, %s) "
        "WHERE ended_at IS NULL AND ticket_id <> %s RETURNING *",
        (utc_now(), ticket_id),
    ).fetchone()
    if entry is None:
        return None
    audit.record(
        conn,
        entity_type="ticket",
        entity_id=entry["ticket_id"],
        action="clock_out",
        changes={
            "time_entry_id": {"old": None, "new": entry["id"]},
            "ended_at": {"old": None, "new": entry["ended_at"]},
            "clocked_in_on": {"old": None, "new": ticket_id},
        },
    )
    other = conn.execute(
        "SELECT c.first_name, c.last_name, c.company FROM tickets t "
        "JOIN contacts c ON c.id = t.contact_id WHERE t.id = %s",
        (entry["ticket_id"],),
    ).fetchone()
    seconds = (entry["ended_at"] - entry["started_at"]).total_seconds()
    return {
        "ticket_id": entry["ticket_id"],
        "minutes": round(seconds / 60),
        "customer": contact_service.display_name(other) if other else "",
    }


@REGISTRY.action("ticket", "clock_in", input=Ref)
def clock_in(conn: Connection, data: Ref) -> dict[str, Any]:
    """Start the clock on a ticket; the first clock-in starts the job. One clock runs at a time:
    a clock running on another ticket is stopped first (``stopped_clock`` says which)."""
    # Clock-ins of one user take turns, so two at once cannot both leave a clock running.
    conn.execute(
        "SELECT pg_advisory_xact_lock(%s, hashtext(current_setting('app.current_user_id')))",
        (_CLOCK_LOCK,),
    )
    ticket = get(conn, data.id, lock=True)
    ensure_editable(ticket)
    open_entry = conn.execute(
        "SELECT id FROM time_entries WHERE ticket_id = %s AND ended_at IS NULL", (data.id,)
    ).fetchone()
    if open_entry:
        raise ClockStateConflict("You are already clocked in on this ticket.")
    stopped = _stop_other_clock(conn, data.id)
    now = utc_now()
    entry = conn.execute(
        "INSERT INTO time_entries (user_id, ticket_id, started_at) "
        "VALUES (current_setting('app.current_user_id')::uuid, %s, %s) RETURNING *",
        (data.id, now),
    ).fetchone()
    assert entry is not None
    audit.record(
        conn,
        entity_type="ticket",
        entity_id=data.id,
        action="clock_in",
        changes={
            "time_entry_id": {"old": None, "new": entry["id"]},
            "started_at": {"old": None, "new": now},
        },
    )
    if ticket["status"] == "scheduled":
        transition(conn, ticket, "in_progress")
    return {**get(conn, data.id), "time_entry": entry, "stopped_clock": stopped}


@REGISTRY.action("ticket", "clock_out", input=Ref)
def clock_out(conn: Connection, data: Ref) -> dict[str, Any]:
    """Stop the clock on a ticket."""
    ticket = get(conn, data.id, lock=True)
    ensure_editable(ticket)
    entry = conn.execute(
        "UPDATE time_entries SET ended_at = %s WHERE ticket_id = %s AND ended_at IS NULL "
        "RETURNING *",
        (utc_now(), data.id),
    ).fetchone()
    if entry is None:
        raise ClockStateConflict("You are not clocked in on this ticket.")
    audit.record(
        conn,
        entity_type="ticket",
        entity_id=data.id,
        action="clock_out",
        changes={
            "time_entry_id": {"old": None, "new": entry["id"]},
            "ended_at": {"old": None, "new": entry["ended_at"]},
        },
    )
    return {**get(conn, data.id), "time_entry": entry}
