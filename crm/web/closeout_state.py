"""Where the close-out wizard keeps what was typed between steps: Valkey, per user and ticket.

Each step's POST saves here and redirects to the next step's page, so Back and refresh only
re-read this (nothing is posted twice) and a second tab shows the same values. Valkey rather
than a table: it is scratch input that expires with the preview's draft (two hours), is never
worth a backup, and needs no tenant rule of its own (the key names the user, and the ticket is
read through RLS before its key is used). The notes arrive here already redacted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from crm.clients.valkey_client import ValkeyClient
from crm.utils.user_context import get_current_user

TTL_SECONDS = 2 * 60 * 60
_PREFIX = "crm:closeout:"


@dataclass(frozen=True)
class Saved:
    """The wizard's fields as last saved, and the review's draft once the preview ran."""

    values: dict[str, str] = field(default_factory=dict)
    draft: dict[str, Any] | None = None


def _key(ticket_id: UUID | str) -> str:
    return f"{_PREFIX}{get_current_user().user_id}:{ticket_id}"


def _plain(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def as_json(draft: dict[str, Any]) -> dict[str, Any]:
    """The preview's answer as it reads back from storage (ids and times as text)."""
    plain: dict[str, Any] = json.loads(json.dumps(draft, default=_plain))
    return plain


def load(*, valkey: ValkeyClient, ticket_id: UUID | str) -> Saved:
    """What this user last saved for this ticket's close-out (nothing, once it expired)."""
    with valkey.errors() as client:
        raw = cast(str | None, client.get(_key(ticket_id)))
    try:
        stored = json.loads(raw) if raw else {}
        values = {str(k): str(v) for k, v in stored.get("values", {}).items()}
        draft = stored.get("draft")
    except (ValueError, AttributeError):
        return Saved()
    return Saved(values, draft if isinstance(draft, dict) else None)


def save(*, valkey: ValkeyClient, ticket_id: UUID | str, saved: Saved) -> None:
    """Keep the fields (and the draft, if any) for two hours from now."""
    body = json.dumps({"values": saved.values, "draft": saved.draft}, default=_plain)
    with valkey.errors() as client:
        client.set(_key(ticket_id), body, ex=TTL_SECONDS)


def clear(*, valkey: ValkeyClient, ticket_id: UUID | str) -> None:
    """Forget the close-out: the ticket is completed."""
    with valkey.errors() as client:
        client.delete(_key(ticket_id))
