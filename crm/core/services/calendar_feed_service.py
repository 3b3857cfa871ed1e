"""The owner's calendar feed: a secret link a phone's calendar app subscribes to, listing the
business's visits from today for a year (DESIGN.md §11). The feed is served through
``visit_service.opened`` like every public link; the link is made, listed and stopped here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.services import public_links
from crm.core.services.contact_service import display_name
from crm.core.services.message_content import ANSWERS as ANSWER_WORDS
from crm.messaging import ics
from crm.utils.timezone import business_today, get_zone, utc_now

FEED_DAYS = 365
# A feed link lives as long as a calendar keeps fetching it: each fetch moves its expiry.
FEED_IDLE_DAYS = 365
FEED_LIMIT = 5000


def feed(conn: Connection, link: dict[str, Any], *, base_url: str, domain: str) -> bytes:
    """The business's visits from today for a year, as a calendar its phone subscribes to."""
    conn.execute(
        "UPDATE public_links SET last_used_at = now(), expires_at = %s WHERE id = %s",
        (utc_now() + timedelta(days=FEED_IDLE_DAYS), link["id"]),
    )
    business = link["business"]
    timezone = business["timezone"]
    zone = get_zone(timezone)
    start = datetime.combine(business_today(timezone), datetime.min.time(), tzinfo=zone)
    rows = conn.execute(
        "SELECT t.id, t.scheduled_start, t.duration_minutes, t.title, t.ics_sequence, "
        "t.confirmation_status, c.first_name, c.last_name, c.company, c.phone, "
        "a.line1, a.line2, a.city, "
        "(SELECT string_agg(l.description, ', ' ORDER BY l.position, l.created_at) "
        " FROM line_items l WHERE l.ticket_id = t.id AND l.deleted_at IS NULL) AS services "
        "FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id "
        "LEFT JOIN addresses a ON a.id = t.address_id "
        "WHERE t.status <> 'cancelled' AND t.scheduled_start >= %s AND t.scheduled_start < %s "
        "ORDER BY t.scheduled_start, t.id LIMIT %s",
        (start, start + timedelta(days=FEED_DAYS), FEED_LIMIT),
    ).fetchall()
    root = base_url.rstrip("/")
    return ics.feed(
        (_feed_event(row, root=root, domain=domain, timezone=timezone) for row in rows),
        name=business["business_name"],
        timezone=timezone,
    )


def _feed_event(row: dict[str, Any], *, root: str, domain: str, timezone: str) -> ics.Appointment:
    name = display_name(row) or "Customer"
    what = row["services"] or row["title"] or "Visit"
    place = ", ".join(p for p in (row["line1"], row["line2"], row["city"]) if p)
    answered = ANSWER_WORDS.get(row["confirmation_status"], "not confirmed yet")
    details = [what, f"Phone: {row['phone']}" if row["phone"] else "", f"Customer: {answered}"]
    start = row["scheduled_start"]
    return ics.Appointment(
        # Not the UID of the customer's invitation: one calendar may hold both.
        uid=ics.ticket_uid(row["id"], f"feed.{domain}"),
        sequence=row["ics_sequence"],
        start=start,
        end=start + timedelta(minutes=row["duration_minutes"]),
        summary=f"{name}: {what}",
        location=place,
        description="\n".join(d for d in details if d),
        url=f"{root}/tickets/{row['id']}",
        timezone=timezone,
    )


def feed_link(conn: Connection) -> dict[str, Any] | None:
    """The business's live calendar feed link (when made, when last fetched), if any."""
    row: dict[str, Any] | None = conn.execute(
        "SELECT id, created_at, last_used_at, expires_at FROM public_links "
        "WHERE purpose = 'calendar' AND revoked_at IS NULL "
        "AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC LIMIT 1"
    ).fetchone()
    return row


def new_feed_link(conn: Connection) -> str:
    """A new feed link's token (shown once); the old link stops working."""
    # One at a time per business, so two clicks can't leave two live links.
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended("
        "'calendar-feed:' || current_setting('app.current_user_id'), 0))"
    )
    revoke_feed_links(conn)
    expires = utc_now() + timedelta(days=FEED_IDLE_DAYS)
    return public_links.create(conn, "calendar", expires_at=expires)


def revoke_feed_links(conn: Connection) -> int:
    """Stop every calendar feed link of the business; how many were live."""
    rows = conn.execute(
        "UPDATE public_links SET revoked_at = now() "
        "WHERE purpose = 'calendar' AND revoked_at IS NULL RETURNING id, revoked_at"
    ).fetchall()
    for row in rows:
        audit.record(
            conn,
            entity_type="public_link",
            entity_id=row["id"],
            action="revoke",
            changes={"revoked_at": {"old": None, "new": row["revoked_at"]}},
        )
    return len(rows)
