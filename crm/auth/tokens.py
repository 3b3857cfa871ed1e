"""A bearer header turned back into its business (docs/agents.md; the token itself is
crm/core/api_tokens.py). ``Authorization: Bearer <token>``
works on ``/api/*`` and ``/mcp``, never on pages, and needs no CSRF token (it is not a cookie).
"""

from __future__ import annotations

from crm.auth import database as auth_db
from crm.auth.types import AuthUser
from crm.clients.postgres_client import Database
from crm.core.api_tokens import PREFIX, TokenInfo, token_hash
from crm.errors import NotAuthenticated

REFUSED = {
    "invalid": "This API token is not valid.",
    "revoked": "This API token was revoked. Create a new one in Settings → API tokens.",
    "expired": "This API token has expired. Create a new one in Settings → API tokens.",
    "inactive": "This account is no longer active.",
}


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None when there is none."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def authenticate(db: Database, raw: str) -> tuple[TokenInfo, AuthUser]:
    """The token's business and scope; NotAuthenticated (401) saying why when it is no good."""
    if not raw.startswith(PREFIX) or not 20 <= len(raw) <= 200 or not raw.isascii():
        raise NotAuthenticated(REFUSED["invalid"], details={"reason": "invalid"})
    with db.system() as conn:
        row = conn.execute("SELECT * FROM auth_token(%s)", (token_hash(raw),)).fetchone()
    assert row is not None
    if row["status"] != "ok":
        raise NotAuthenticated(REFUSED[row["status"]], details={"reason": row["status"]})
    token = TokenInfo(row["token_id"], row["account_id"], row["scope"], row["name"])
    with db.read_only(token.user_id) as conn:
        user = auth_db.load_active_user(conn, token.user_id)
    if user is None:
        raise NotAuthenticated(REFUSED["inactive"], details={"reason": "inactive"})
    return token, user
