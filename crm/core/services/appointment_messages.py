"""What a booking, a reschedule, a cancel or a completion tells the customer, and when.

Each change to a ticket calls one of the functions here inside the same unit of work, so the
messages it implies are saved (or not) with it. A message row is only a plan: the worker
(crm/messaging/sender.py) writes the text from the business's template when it is sent and
checks again then that it is still wanted (docs/messaging.md).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.services import base
from crm.utils.timezone import get_zone, utc_now
from crm.utils.user_context import get_current_user

SETTINGS_DEFAULTS: dict[str, Any] = {
    "business_phone": "",
    "reply_to": "",
    "confirmations": True,
    "reminder_minutes": [2880, 120],
    "follow_up_hours": 24,
    "thank_you": False,
    "quiet_start": time(20, 0),
    "quiet_end": time(8, 0),
}
# The kinds about one appointment: cancelled when it ends, moved when it moves.
APPOINTMENT_KINDS = ("appointment_confirmation", "reminder", "follow_up")
KIND_LABELS = {
    "appointment_confirmation": "Confirmation request",
    "reminder": "Reminder",
    "follow_up": "Follow-up (not confirmed yet)",
    "reach_out": "Time for another visit",
    "invoice": "Invoice",
    "custom": "Message",
    "thank_you": "Thank you",
    "cancellation": "Cancellation notice",
    "visit_answer": "Customer's answer",
}


def messaging_settings(conn: Connection) -> dict[str, Any]:
    """The business's messaging settings, or the defaults where it has saved none."""
    row = conn.execute("SELECT * FROM messaging_settings").fetchone()
    return {**SETTINGS_DEFAULTS, **(row or {})}


def wall_clock_before(start: datetime, minutes: int, timezone: str) -> datetime:
    """``minutes`` before ``start`` on the business's wall clock: 48 hours before 9:00 on the
    Sunday that daylight saving starts is 9:00 on Friday, not 8:00."""
    zone = get_zone(timezone)
    local = start.astimezone(zone).replace(tzinfo=None) - timedelta(minutes=minutes)
    return _localise(local, zone)


def _localise(naive: datetime, zone: ZoneInfo) -> datetime:
    # A wall-clock time skipped by the clocks going forward becomes the first real one after.
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(ZoneInfo("UTC")).astimezone(zone)


def _wants_automatic(conn: Connection, contact_id: Any) -> bool:
    """Whether this contact can be reached (an email address or a phone number) and takes
    messages they did not ask for one by one (preferred contact method "none": none at all)."""
    row = conn.execute(
        "SELECT preferred_contact_method, email, phone FROM contacts WHERE id = %s",
        (contact_id,),
    ).fetchone()
    if row is None or row["preferred_contact_method"] == "none":
        return False
    return bool(row["email"] or row["phone"])


def _plan(
    conn: Connection,
    ticket: dict[str, Any],
    kind: str,
    when: datetime,
    **extra: Any,
) -> dict[str, Any]:
    label = KIND_LABELS[kind]
    local = ticket["scheduled_start"].astimezone(get_zone(get_current_user().timezone))
    values = {
        "kind": kind,
        "contact_id": ticket["contact_id"],
        "ticket_id": ticket["id"],
        "subject": f"{label}: {local:%a %b} {local.day}, {local:%I:%M %p}".replace(" 0", " "),
        "body": f"Written from the business's “{label}” template when it is sent.",
        "scheduled_for": when,
        "appointment_at": ticket["scheduled_start"],
        "templated": True,
        **extra,
    }
    return base.insert_row(conn, "scheduled_messages", values, entity_type="message")


def _cancel(conn: Connection, rows: list[dict[str, Any]], reason: str) -> None:
    for row in rows:
        conn.execute(
            "UPDATE scheduled_messages SET status = 'cancelled', skip_reason = %s "
            "WHERE id = %s AND status = 'pending'",
            (reason, row["id"]),
        )
        audit.record(
            conn,
            entity_type="message",
            entity_id=row["id"],
            action="cancel",
            changes={"status": {"old": "pending", "new": "cancelled"}, "reason": reason},
        )


def _ticket_messages(conn: Connection, ticket_id: Any, kinds: tuple[str, ...]) -> list[dict]:
    return conn.execute(
        "SELECT id, kind, status, lead_minutes, scheduled_for, appointment_at "
        "FROM scheduled_messages WHERE ticket_id = %s AND kind = ANY(%s) ORDER BY created_at",
        (ticket_id, list(kinds)),
    ).fetchall()


def booked(conn: Connection, ticket: dict[str, Any]) -> None:
    """A new ticket: ask the customer to confirm, follow up if they don't, and remind them."""
    if ticket["status"] != "scheduled" or not _wants_automatic(conn, ticket["contact_id"]):
        return
    settings = messaging_settings(conn)
    now = utc_now()
    if ticket["scheduled_start"] > now and settings["confirmations"]:
        _plan(conn, ticket, "appointment_confirmation", now)
        hours = settings["follow_up_hours"]
        follow_up_at = now + timedelta(hours=hours)
        already = _ticket_messages(conn, ticket["id"], ("follow_up",))
        if hours and follow_up_at < ticket["scheduled_start"] and not already:
            _plan(conn, ticket, "follow_up", follow_up_at)
    sync_reminders(conn, ticket, settings)


def plan_reminders(conn: Connection, contact_id: Any) -> dict[str, Any] | None:
    """For a plan's visits (docs/plans.md): the messaging settings when this customer gets
    reminders, else None. A plan's visit gets its reminders but no request to confirm a visit
    months away (the reminder before it asks); ``sync_reminders`` plans them per visit."""
    return messaging_settings(conn) if _wants_automatic(conn, contact_id) else None


def rescheduled(
    conn: Connection, before: dict[str, Any], after: dict[str, Any], *, confirmed: bool = False
) -> None:
    """The appointment moved: a new calendar version, a fresh confirmation request, and the
    reminders moved to the new time. ``confirmed``: the owner set the confirmation status in
    the same change (the customer agreed to the new time on the phone): kept, and no request."""
    if before["scheduled_start"] == after["scheduled_start"] or after["status"] != "scheduled":
        return
    conn.execute("UPDATE tickets SET ics_sequence = ics_sequence + 1 WHERE id = %s", (after["id"],))
    if confirmed:
        sync_reminders(conn, after, messaging_settings(conn))
        return
    conn.execute(
        "UPDATE tickets SET confirmation_status = 'unconfirmed', confirmation_note = '', "
        "confirmation_answered_at = NULL WHERE id = %s",
        (after["id"],),
    )
    if before["confirmation_status"] != "unconfirmed":
        audit.record(
            conn,
            entity_type="ticket",
            entity_id=after["id"],
            action="update",
            changes={
                "confirmation_status": {"old": before["confirmation_status"], "new": "unconfirmed"}
            },
        )
    pending = [
        row
        for row in _ticket_messages(conn, after["id"], ("appointment_confirmation", "follow_up"))
        if row["status"] == "pending"
    ]
    _cancel(conn, pending, "the appointment was moved")
    booked(conn, {**after, "ics_sequence": after.get("ics_sequence", 0) + 1})


def sync_reminders(conn: Connection, ticket: dict[str, Any], settings: dict[str, Any]) -> None:
    """One pending reminder per lead time, at that lead before the appointment, unless that
    time has passed or the reminder for this appointment time was already sent."""
    timezone = get_current_user().timezone
    start = ticket["scheduled_start"]
    now = utc_now()
    existing = _ticket_messages(conn, ticket["id"], ("reminder",))
    for lead in sorted(set(settings["reminder_minutes"]), reverse=True):
        when = wall_clock_before(start, lead, timezone)
        mine = [row for row in existing if row["lead_minutes"] == lead]
        pending = [row for row in mine if row["status"] == "pending"]
        sent = any(
            row["status"] in ("sent", "sending") and row["appointment_at"] == start for row in mine
        )
        if when <= now or sent:
            _cancel(conn, pending, "its time had passed when the appointment moved")
            continue
        if not pending:
            _plan(conn, ticket, "reminder", when, lead_minutes=lead)
            continue
        keep, extra = pending[0], pending[1:]
        _cancel(conn, extra, "a duplicate reminder")
        if keep["scheduled_for"] != when or keep["appointment_at"] != start:
            conn.execute(
                "UPDATE scheduled_messages SET scheduled_for = %s, appointment_at = %s "
                "WHERE id = %s",
                (when, start, keep["id"]),
            )
            audit.record(
                conn,
                entity_type="message",
                entity_id=keep["id"],
                action="update",
                changes={"scheduled_for": {"old": keep["scheduled_for"], "new": when}},
            )


def started(conn: Connection, ticket: dict[str, Any]) -> None:
    """The job has begun (or finished): no more confirmations, follow-ups or reminders."""
    pending = [
        row
        for row in _ticket_messages(conn, ticket["id"], APPOINTMENT_KINDS)
        if row["status"] == "pending"
    ]
    _cancel(conn, pending, "the job has started")


def cancelled(conn: Connection, ticket: dict[str, Any]) -> None:
    """Tell a customer who knew of the appointment that it is off (with a calendar cancel)."""
    told = conn.execute(
        "SELECT 1 FROM scheduled_messages WHERE ticket_id = %s AND kind = ANY(%s) "
        "AND status IN ('sent', 'sending') LIMIT 1",
        (ticket["id"], ["appointment_confirmation", "reminder"]),
    ).fetchone()
    if told is None or not _wants_automatic(conn, ticket["contact_id"]):
        return
    conn.execute(
        "UPDATE tickets SET ics_sequence = ics_sequence + 1 WHERE id = %s", (ticket["id"],)
    )
    _plan(conn, ticket, "cancellation", utc_now())


def completed(conn: Connection, ticket: dict[str, Any]) -> None:
    """A finished job: a thank-you, when the business sends them."""
    if not messaging_settings(conn)["thank_you"] or not _wants_automatic(
        conn, ticket["contact_id"]
    ):
        return
    _plan(conn, ticket, "thank_you", utc_now())
