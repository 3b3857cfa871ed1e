"""Sending one scheduled message, as a job: claim it, deliver it, record how it went.

The ``scheduled_messages`` row is the truth (docs/messaging.md):

1. **Claim**, in the business's unit of work: lock the row (``SKIP LOCKED``: another worker
   holding it is already on it), check it is still pending and due, outside quiet hours and
   still wanted; write the text from the template; set ``sending``, count the attempt. A
   message inside quiet hours moves to their end instead (a new job is deferred for then).
2. **Deliver** with no database connection held: email through SMTP with the message's own
   ``Message-ID`` (the same on every retry), or SMS through Twilio.
3. **Finish**: ``sent``; or back to ``pending`` at a later time after a transient failure
   (mail server down: the trigger defers the retry job); or ``failed`` with the reason.

A worker killed between 1 and 3 leaves the row in ``sending``; the sweeper returns it to
``pending`` after ``stuck_after`` seconds and it is sent again — with the same Message-ID, so a
mail client shows one message even if the first attempt got through.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from crm.auth.email_service import (
    Attachment,
    EmailService,
    MessageNotSendable,
    OutgoingEmail,
    message_id_for,
)
from crm.clients.postgres_client import Connection, Database
from crm.clients.sms_client import SmsClient, SmsNotSendable
from crm.core import audit
from crm.core.services.appointment_messages import messaging_settings
from crm.core.services.message_content import Channels, Composed, Skip, compose
from crm.errors import ServiceUnavailable
from crm.utils.timezone import get_zone, utc_now
from crm.utils.user_context import UserContext, user_context

log = logging.getLogger("crm.messages")

# Waits before the 2nd, 3rd, … attempt after a transient failure; then the message fails.
RETRY_DELAYS: tuple[float, ...] = (10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400)
STUCK_AFTER = 120.0  # seconds in `sending` before the sweeper assumes the worker died


@dataclass(frozen=True)
class SenderOptions:
    base_url: str
    from_address: str
    retry_delays: tuple[float, ...] = RETRY_DELAYS
    stuck_after: float = STUCK_AFTER


@dataclass
class Claim:
    user: UserContext
    message_id: UUID
    header_id: str
    attempt: int
    composed: Composed = field(repr=False)


class Sender:
    def __init__(
        self,
        db: Database,
        email: EmailService,
        sms: SmsClient | None,
        options: SenderOptions,
    ) -> None:
        self.db = db
        self.email = email
        self.sms = sms
        self.options = options
        domain = options.from_address.rsplit("@", 1)[-1].strip("> ").lower() or "localhost"
        self.channels = Channels(base_url=options.base_url, sms=sms is not None, link_domain=domain)

    async def send(self, user_id: UUID, message_id: UUID) -> str:
        """Run one message's job; returns what happened (for the log and the tests)."""
        claim = await asyncio.to_thread(self.claim, user_id, message_id)
        if isinstance(claim, str):
            return claim
        try:
            await self._deliver(claim)
        except ServiceUnavailable as exc:
            return await asyncio.to_thread(self.finish, claim, "retry", str(exc))
        except (MessageNotSendable, SmsNotSendable) as exc:
            return await asyncio.to_thread(self.finish, claim, "failed", str(exc))
        return await asyncio.to_thread(self.finish, claim, "sent", "")

    # -- 1. claim ---------------------------------------------------------------------------

    def claim(self, user_id: UUID, message_id: UUID) -> Claim | str:
        user = self._user(user_id)
        if user is None:
            return "no such business"
        with user_context(user), self.db.unit_of_work(user_id) as conn:
            message = conn.execute(
                "SELECT * FROM scheduled_messages WHERE id = %s FOR UPDATE SKIP LOCKED",
                (message_id,),
            ).fetchone()
            if message is None:
                return "gone or being handled"
            if message["status"] != "pending":
                return f"already {message['status']}"
            now = utc_now()
            if message["scheduled_for"] > now + timedelta(seconds=1):
                return "not due yet"  # it moved later; the job for its new time will send it
            if message["audience"] == "contact":
                quiet_end = _quiet_until(now, user.timezone, messaging_settings(conn))
                if quiet_end is not None:
                    return self._wait_for_quiet_end(conn, message, quiet_end)
            try:
                composed = compose(conn, message, self.channels)
            except Skip as exc:
                self._set(conn, message, "skipped", skip_reason=exc.reason)
                return "skipped"
            header_id = message["message_id"] or message_id_for(
                f"msg-{message_id}", self.options.from_address
            )
            conn.execute(
                "UPDATE scheduled_messages SET status = 'sending', attempts = attempts + 1, "
                "sending_started_at = now(), message_id = %s, channel = %s, to_address = %s, "
                "subject = %s, body = %s WHERE id = %s",
                (
                    header_id,
                    composed.channel,
                    composed.to,
                    composed.subject if composed.channel == "email" else "Text message",
                    composed.text if composed.channel == "email" else composed.sms,
                    message_id,
                ),
            )
            return Claim(user, message_id, header_id, message["attempts"] + 1, composed)

    def _user(self, user_id: UUID) -> UserContext | None:
        with self.db.unit_of_work(user_id) as conn:
            row = conn.execute("SELECT timezone FROM users WHERE id = %s", (user_id,)).fetchone()
        return UserContext(user_id, row["timezone"], actor="worker") if row else None

    def _wait_for_quiet_end(
        self, conn: Connection, message: dict[str, Any], quiet_end: datetime
    ) -> str:
        start = message.get("appointment_at")
        if message["kind"] == "reminder" and start is not None and quiet_end >= start:
            self._set(conn, message, "skipped", skip_reason="quiet hours last until the visit")
            return "skipped"
        conn.execute(
            "UPDATE scheduled_messages SET scheduled_for = %s WHERE id = %s",
            (quiet_end, message["id"]),
        )
        audit.record(
            conn,
            entity_type="message",
            entity_id=message["id"],
            action="wait",
            changes={"scheduled_for": {"old": message["scheduled_for"], "new": quiet_end}},
        )
        return "waiting for quiet hours to end"

    def _set(self, conn: Connection, message: dict[str, Any], status: str, **values: Any) -> None:
        assignments = ", ".join(f"{k} = %s" for k in values)
        conn.execute(
            f"UPDATE scheduled_messages SET status = %s{', ' if values else ''}{assignments} "  # noqa: S608
            "WHERE id = %s",
            (status, *values.values(), message["id"]),
        )
        audit.record(
            conn,
            entity_type="message",
            entity_id=message["id"],
            action=status,
            changes={"status": {"old": message["status"], "new": status}, **values},
        )

    # -- 2. deliver -------------------------------------------------------------------------

    async def _deliver(self, claim: Claim) -> None:
        composed = claim.composed
        if composed.channel == "sms":
            if self.sms is None:
                raise MessageNotSendable("text messages are not set up")
            await asyncio.to_thread(self.sms.send, composed.to, composed.sms)
            return
        headers: list[tuple[str, str]] = []
        if composed.unsubscribe_url:
            headers.append(("List-Unsubscribe", f"<{composed.unsubscribe_url}>"))
            headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        attachments: tuple[Attachment, ...] = ()
        if composed.calendar is not None:
            attachments = (
                Attachment(
                    "cancel.ics" if composed.calendar_method == "CANCEL" else "invite.ics",
                    f"text/calendar; method={composed.calendar_method}",
                    composed.calendar,
                ),
            )
        await self.email.send(
            OutgoingEmail(
                to=composed.to,
                subject=composed.subject,
                text=composed.text,
                html=composed.html,
                to_name=composed.to_name,
                sender_name=composed.sender_name,
                message_id=claim.header_id,
                reply_to=composed.reply_to,
                reply_to_name=composed.sender_name,
                headers=tuple(headers),
                attachments=attachments,
            )
        )

    # -- 3. finish --------------------------------------------------------------------------

    def finish(self, claim: Claim, outcome: str, detail: str) -> str:
        delays = self.options.retry_delays
        if outcome == "retry" and claim.attempt > len(delays):
            outcome, detail = "failed", f"gave up after {claim.attempt} attempts: {detail}"
        with user_context(claim.user), self.db.unit_of_work(claim.user.user_id) as conn:
            message = conn.execute(
                "SELECT * FROM scheduled_messages WHERE id = %s FOR UPDATE", (claim.message_id,)
            ).fetchone()
            if message is None:
                return "gone"
            conn.execute(
                "INSERT INTO message_attempts (user_id, message_id, channel, outcome, detail) "
                "VALUES (current_setting('app.current_user_id')::uuid, %s, %s, %s, %s)",
                (claim.message_id, claim.composed.channel, outcome, detail[:1000]),
            )
            if message["status"] != "sending" or message["attempts"] != claim.attempt:
                # The sweeper gave up on this attempt meanwhile; a later one owns the row now
                # (and may already be sending it again).
                return f"{outcome}, but the message was already {message['status']}"
            if outcome == "sent":
                self._set(conn, message, "sent", sent_at=utc_now(), last_error="")
            elif outcome == "retry":
                retry_at = utc_now() + timedelta(seconds=delays[claim.attempt - 1])
                self._set(conn, message, "pending", scheduled_for=retry_at, last_error=detail)
            else:
                self._set(conn, message, "failed", last_error=detail)
        log.info("message %s: %s %s", claim.message_id, outcome, detail)
        return outcome

    # -- sweeping ---------------------------------------------------------------------------

    def sweep(self, *, limit: int = 500) -> dict[str, int]:
        """Recover what a dead worker left: messages stuck in ``sending`` go back to pending
        (sent again, same Message-ID); pending ones long overdue get a fresh job."""
        with self.db.system() as conn:
            stuck = conn.execute(
                "SELECT user_id, id FROM messages_stuck_sending(%s, %s)",
                (timedelta(seconds=self.options.stuck_after), limit),
            ).fetchall()
            overdue = conn.execute(
                "SELECT user_id, id FROM messages_overdue(%s, %s)",
                (timedelta(minutes=5), limit),
            ).fetchall()
        for row in stuck:
            self._release(row["user_id"], row["id"])
        for row in overdue:
            self._requeue(row["user_id"], row["id"])
        return {"stuck": len(stuck), "overdue": len(overdue)}

    def _release(self, user_id: UUID, message_id: UUID) -> None:
        user = self._user(user_id)
        if user is None:
            return
        with user_context(user), self.db.unit_of_work(user_id) as conn:
            message = conn.execute(
                "SELECT * FROM scheduled_messages WHERE id = %s AND status = 'sending' "
                "FOR UPDATE SKIP LOCKED",
                (message_id,),
            ).fetchone()
            if message is None:
                return
            self._set(
                conn,
                message,
                "pending",
                last_error="the worker stopped while sending; sent again with the same Message-ID",
            )

    def _requeue(self, user_id: UUID, message_id: UUID) -> None:
        with self.db.unit_of_work(user_id) as conn:
            # Re-setting the time defers a new job (the trigger); the row stays as it was.
            conn.execute(
                "UPDATE scheduled_messages SET scheduled_for = scheduled_for + interval '1 ms' "
                "WHERE id = %s AND status = 'pending'",
                (message_id,),
            )


def _quiet_until(now: datetime, timezone: str, settings: dict[str, Any]) -> datetime | None:
    """When quiet hours end, if ``now`` is inside them (business-local wall clock)."""
    start: time = settings["quiet_start"]
    end: time = settings["quiet_end"]
    if start == end:
        return None
    zone = get_zone(timezone)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    naive = datetime.combine(day, end)
    return naive.replace(tzinfo=zone).astimezone(get_zone("UTC"))
