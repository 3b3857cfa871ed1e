"""API tokens as values (docs/agents.md): what a token is, how one is made and hashed.

A token is ``crm_`` + 43 random URL-safe characters (256 bits). Only its SHA-256 is stored; the
first 12 characters are kept to tell tokens apart in a list. Turning a bearer header back into
its business is the auth layer's (crm/auth/tokens.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID

PREFIX = "crm_"
SHOWN = 12  # characters of a token kept to recognise it: "crm_Q2x9…"


@dataclass(frozen=True)
class TokenInfo:
    """The token a request came with: its row, its business and what it may do."""

    id: UUID
    user_id: UUID
    scope: str
    name: str

    @property
    def actor(self) -> str:
        """Who acts in the audit trail."""
        return f"token:{self.id}"

    @property
    def can_write(self) -> bool:
        return self.scope == "write"


@dataclass(frozen=True)
class NewToken:
    raw: str
    hash: bytes
    prefix: str


def new_token() -> NewToken:
    raw = PREFIX + secrets.token_urlsafe(32)
    return NewToken(raw, token_hash(raw), raw[:SHOWN])


def token_hash(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()
