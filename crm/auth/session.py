"""Server-side sessions in Valkey, keyed by a hash of the cookie value."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import cast
from uuid import UUID

from crm.auth.config import AuthSettings
from crm.auth.types import Session
from crm.clients.valkey_client import ValkeyClient

_SESSION = "crm:session:"
_USER_SESSIONS = "crm:user-sessions:"
_LOGIN_MAIL = "crm:login-mail:"
_MAIL_FAILING = "crm:login-mail-failing"


def _key(raw_id: str) -> str:
    return _SESSION + hashlib.sha256(raw_id.encode()).hexdigest()


class LoginMailStatus:
    """Whether the sign-in email of a pending login went out (see docs/auth.md).

    Keyed by a hash of the pending-login cookie, kept as long as the link and code: every
    sign-in request, for a real account or not, starts as ``sending`` and ends as ``sent`` or
    ``failed``. Beside it, one flag says the mail server itself failed the last sign-in email
    (and how long that attempt took), so requests for unknown addresses can answer exactly as
    real ones do while the server is down.
    """

    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    def __init__(self, valkey: ValkeyClient, settings: AuthSettings) -> None:
        self._valkey = valkey
        self._ttl = settings.token_ttl_seconds

    def start(self, pending: str) -> None:
        with self._valkey.errors() as client:
            client.set(_login_mail_key(pending), self.SENDING, ex=self._ttl)

    def finish(self, pending: str, *, sent: bool, server_failed_after: float | None = None) -> None:
        """Record the outcome; a success clears the server flag, a server failure sets it."""
        with self._valkey.errors() as client:
            pipe = client.pipeline(transaction=True)
            pipe.set(_login_mail_key(pending), self.SENT if sent else self.FAILED, ex=self._ttl)
            if sent:
                pipe.delete(_MAIL_FAILING)
            elif server_failed_after is not None:
                pipe.set(_MAIL_FAILING, f"{server_failed_after:.3f}", ex=self._ttl)
            pipe.execute()

    def state(self, pending: str | None) -> str | None:
        if not pending or len(pending) > 200:
            return None
        with self._valkey.errors() as client:
            value = client.get(_login_mail_key(pending))
        return str(value) if value is not None else None

    def server_failing(self) -> float | None:
        """Seconds the last failed attempt took, while the mail server is known to fail."""
        with self._valkey.errors() as client:
            value = client.get(_MAIL_FAILING)
        try:
            return float(cast(str, value)) if value is not None else None
        except ValueError:
            return 0.0


def _login_mail_key(pending: str) -> str:
    return _LOGIN_MAIL + hashlib.sha256(pending.encode()).hexdigest()


class SessionStore:
    def __init__(self, valkey: ValkeyClient, settings: AuthSettings) -> None:
        self._valkey = valkey
        self._settings = settings
        self.login_mail = LoginMailStatus(valkey, settings)

    def create(self, user_id: UUID) -> tuple[str, Session]:
        """A brand-new session (new id on every sign-in); returns the cookie value."""
        raw_id = secrets.token_urlsafe(32)
        now = int(time.time())
        session = Session(
            key=_key(raw_id),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen=now,
        )
        ttl = min(self._settings.session_idle_seconds, self._settings.session_absolute_seconds)
        index = f"{_USER_SESSIONS}{user_id}"
        with self._valkey.errors() as client:
            pipe = client.pipeline(transaction=True)
            pipe.hset(
                session.key,
                mapping={
                    "user_id": str(user_id),
                    "csrf": session.csrf_token,
                    "created_at": now,
                    "last_seen": now,
                },
            )
            pipe.expire(session.key, ttl)
            pipe.sadd(index, session.key)
            pipe.expire(index, self._settings.session_absolute_seconds)
            pipe.execute()
        return raw_id, session

    def load(self, raw_id: str) -> Session | None:
        """The live session for a cookie value, refreshing its idle expiry now and then."""
        if not raw_id or len(raw_id) > 200:
            return None
        key = _key(raw_id)
        with self._valkey.errors() as client:
            data = cast(dict[str, str], client.hgetall(key))
        if not data:
            return None
        try:
            session = Session(
                key=key,
                user_id=UUID(data["user_id"]),
                csrf_token=data["csrf"],
                created_at=int(data["created_at"]),
                last_seen=int(data["last_seen"]),
            )
        except (KeyError, ValueError):
            self._delete_key(key, None)
            return None
        now = int(time.time())
        absolute_left = session.created_at + self._settings.session_absolute_seconds - now
        if absolute_left <= 0 or now - session.last_seen > self._settings.session_idle_seconds:
            self._delete_key(key, session.user_id)
            return None
        if now - session.last_seen >= self._settings.session_refresh_seconds:
            ttl = min(self._settings.session_idle_seconds, absolute_left)
            with self._valkey.errors() as client:
                pipe = client.pipeline(transaction=True)
                pipe.hset(key, "last_seen", str(now))
                pipe.expire(key, ttl)
                pipe.execute()
        return session

    def delete(self, session: Session) -> None:
        self._delete_key(session.key, session.user_id)

    def delete_raw(self, raw_id: str) -> None:
        """Delete whatever session this cookie value names (used to defeat fixation)."""
        if raw_id and len(raw_id) <= 200:
            self._delete_key(_key(raw_id), None)

    def delete_all(self, user_id: UUID) -> int:
        """End every session of a user at once; returns how many there were."""
        index = f"{_USER_SESSIONS}{user_id}"
        with self._valkey.errors() as client:
            keys = list(cast(set[str], client.smembers(index)))
            pipe = client.pipeline(transaction=True)
            for key in keys:
                pipe.delete(key)
            pipe.delete(index)
            results = pipe.execute()
        return sum(int(r) for r in results[: len(keys)])

    def _delete_key(self, key: str, user_id: UUID | None) -> None:
        with self._valkey.errors() as client:
            pipe = client.pipeline(transaction=True)
            pipe.delete(key)
            if user_id is not None:
                pipe.srem(f"{_USER_SESSIONS}{user_id}", key)
            pipe.execute()
