"""Links that work without an account: random tokens, stored only as a SHA-256 hash, each for
one purpose and one object, with an expiry (docs/messaging.md)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

from crm.clients.postgres_client import Connection, Database
from crm.core import audit
from crm.core.services import base

PURPOSES = ("visit", "unsubscribe", "invoice", "book", "calendar")
# Where each purpose's page lives; the token follows.
PATHS = {
    "visit": "/v/",
    "unsubscribe": "/u/",
    "invoice": "/i/",
    "book": "/b/",
    "calendar": "/calendar/",
}


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def create(
    conn: Connection,
    purpose: str,
    *,
    expires_at: datetime | None,
    ticket_id: UUID | None = None,
    contact_id: UUID | None = None,
    invoice_id: UUID | None = None,
) -> str:
    """A new link's token (shown once; only its hash is kept)."""
    if purpose not in PURPOSES:
        raise ValueError(f"no public link purpose {purpose!r}")
    token = secrets.token_urlsafe(24)
    row = conn.execute(
        "INSERT INTO public_links (user_id, purpose, token_hash, ticket_id, contact_id, "
        "invoice_id, expires_at) VALUES (current_setting('app.current_user_id')::uuid, "
        "%s, %s, %s, %s, %s, %s) RETURNING id",
        (purpose, token_hash(token), ticket_id, contact_id, invoice_id, expires_at),
    ).fetchone()
    assert row is not None
    # The hash stays out of the audit trail; what the link is for goes in.
    objects = {"ticket_id": ticket_id, "contact_id": contact_id, "invoice_id": invoice_id}
    audit.record(
        conn,
        entity_type="public_link",
        entity_id=row["id"],
        action="create",
        changes={
            "purpose": {"old": None, "new": purpose},
            "expires_at": {"old": None, "new": expires_at},
            **{k: {"old": None, "new": v} for k, v in objects.items() if v is not None},
        },
    )
    return token


def url(base_url: str, purpose: str, token: str) -> str:
    suffix = ".ics" if purpose == "calendar" else ""
    return f"{base_url.rstrip('/')}{PATHS[purpose]}{token}{suffix}"


def find(db: Database, token: str, purpose: str) -> tuple[UUID, UUID] | None:
    """(business id, link id) for a live token of this purpose, or None.

    Runs before any business is known, through the one SECURITY DEFINER function that looks
    tokens up; the caller then reads the link inside that business's unit of work.
    """
    if not token or len(token) > 200:
        return None
    with db.system() as conn:
        row = conn.execute(
            "SELECT user_id, id FROM public_link_find(%s, %s)", (token_hash(token), purpose)
        ).fetchone()
    return (row["user_id"], row["id"]) if row else None


def load(conn: Connection, link_id: UUID) -> dict[str, Any]:
    return base.load(conn, "public_links", link_id, label="link")


def touch(conn: Connection, link_id: UUID) -> None:
    conn.execute("UPDATE public_links SET last_used_at = now() WHERE id = %s", (link_id,))
