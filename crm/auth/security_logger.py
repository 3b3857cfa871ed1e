"""The security event log. It never receives a token, a code or a session id."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from typing import Any
from uuid import UUID

from crm.auth.types import ClientInfo
from crm.clients.postgres_client import Database
from crm.utils.request_id import current_request_id

log = logging.getLogger("crm.security")

EVENTS = frozenset(
    {
        "login_requested",
        "login_email_sent",
        "login_email_failed",
        "signed_in",
        "token_invalid",
        "token_expired",
        "token_replayed",
        "code_failed",
        "code_locked",
        "rate_limited",
        "logout",
        "logout_all",
        "session_rejected_inactive",
        "csrf_failed",
        "redacted",
        # An API token refused (invalid, revoked, expired, inactive business): docs/agents.md.
        "api_token_rejected",
    }
)


_SECRET_QUERY = re.compile(r"(?i)\b(token|code|q|search)=[^&\s\"']+")
# A request target inside a log line: "/path?query" (after a space or quote, or the whole value).
_REQUEST_QUERY = re.compile(r"(?<![^\s\"'])(/[^\s?\"']*)\?[^\s\"']*")


# Public links carry their token in the path: /v/<token>, /u/…, /i/…, /b/…, /calendar/….ics.
_PATH_TOKEN = re.compile(r"(?<![\w/])(/(?:v|u|i|b|calendar)/)[A-Za-z0-9_-]{16,}")


def _without_query(value: str) -> str:
    """The value with the query string of any request path in it dropped (path only), and
    the token of any public link blanked."""
    value = _PATH_TOKEN.sub(r"\1[redacted]", value)
    return _SECRET_QUERY.sub(r"\1=[redacted]", _REQUEST_QUERY.sub(r"\1", value))


class RedactSecretsFilter(logging.Filter):
    """Log request paths without their query strings (e.g. uvicorn's access log).

    Searches, form fields sent as GET parameters, sign-in tokens and codes all travel in the
    query string, so none of it is logged; only the path is. Anything else that still looks
    like ``token=``, ``code=``, ``q=`` or ``search=`` is blanked as well.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_without_query(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _without_query(record.msg)
        return True


def email_fingerprint(email: str) -> str:
    """A stable, non-reversible handle for an email address in the log."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


class SecurityLogger:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self,
        event: str,
        *,
        client: ClientInfo | None = None,
        account_id: UUID | None = None,
        email: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Insert one event; fails loudly (503) if the database is down, like sign-in itself."""
        if event not in EVENTS:
            raise ValueError(f"unknown security event {event!r}")
        with self._db.system() as conn:
            conn.execute(
                "INSERT INTO security_events "
                "(event, account_id, email_hash, ip, user_agent, request_id, details) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    event,
                    account_id,
                    email_fingerprint(email) if email else None,
                    client.ip if client else None,
                    (client.user_agent[:300] if client else None),
                    current_request_id(),
                    json.dumps(details or {}),
                ),
            )
        log.info("security event %s account=%s", event, account_id)
