"""The sign-in flow: request a link and code, confirm either, manage sessions."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode
from uuid import UUID

from crm.auth import database as auth_db
from crm.auth import tokens
from crm.auth.config import AuthSettings, Limit
from crm.auth.email_service import OutgoingEmail, sign_in_email
from crm.auth.exceptions import InvalidEmail, SignInCodeInvalid, SignInLinkInvalid
from crm.auth.rate_limiter import RateLimiter
from crm.auth.security_logger import SecurityLogger
from crm.auth.session import SessionStore
from crm.auth.types import AuthUser, ClientInfo, Session
from crm.clients.postgres_client import Database
from crm.core.api_tokens import TokenInfo
from crm.errors import NotAuthenticated, RateLimited

_EMAIL = re.compile(r"^[^@\s,;:<>()\[\]\"\\]+@[^@\s,;:<>()\[\]\"\\]+\.[^@\s,;:<>()\[\]\"\\.]+$")
_CODE = re.compile(r"^\d{6}$")


def normalise_email(raw: str) -> str:
    """Trimmed, NFKC, lower-cased, and exactly one plausible address — or InvalidEmail."""
    email = unicodedata.normalize("NFKC", str(raw or "")).strip().lower()
    if not email or len(email) > 254 or not _EMAIL.match(email):
        raise InvalidEmail()
    local, _, domain = email.partition("@")
    if len(local) > 64 or ".." in email or domain.startswith("-"):
        raise InvalidEmail()
    return email


def safe_next_path(value: str | None) -> str:
    """Only a local absolute path survives; anything that could leave the site becomes '/'."""
    if not value or not isinstance(value, str) or len(value) > 2000:
        return "/"
    if not value.startswith("/") or value.startswith("//") or value.startswith("/\\"):
        return "/"
    if any(ch in value for ch in ("\\", "\r", "\n", "\t")) or any(ord(c) < 32 for c in value):
        return "/"
    if value.startswith(("/auth/", "/login")):
        return "/"
    return value


def _sha256(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def _code_hash(pending: str, code: str) -> bytes:
    return _sha256(f"{pending}:{code}")


@dataclass(frozen=True)
class LoginRequest:
    """What a sign-in request produced: always a pending cookie; an email only for real users."""

    pending_cookie: str
    email: OutgoingEmail | None
    account_id: UUID | None


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    session: Session
    next_path: str


class AuthService:
    def __init__(
        self,
        *,
        db: Database,
        sessions: SessionStore,
        limiter: RateLimiter,
        security: SecurityLogger,
        settings: AuthSettings,
        base_url: str,
    ) -> None:
        self.db = db
        self.sessions = sessions
        self.limiter = limiter
        self.security = security
        self.settings = settings
        self.base_url = base_url

    # -- request -----------------------------------------------------------------------

    def request_login(
        self, *, raw_email: str, next_path: str | None, client: ClientInfo
    ) -> LoginRequest:
        email = normalise_email(raw_email)
        self._limit("login-ip", client.ip, self.settings.login_per_ip, client, email=email)
        self._limit("login-email", email, self.settings.login_per_email, client, email=email)
        token = secrets.token_urlsafe(32)
        pending = secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(1_000_000):06d}"
        with self.db.system() as conn:
            started = auth_db.start_login(
                conn,
                email=email,
                token_hash=_sha256(token),
                pending_hash=_sha256(pending),
                code_hash=_code_hash(pending, code),
                next_path=safe_next_path(next_path),
                ttl_seconds=self.settings.token_ttl_seconds,
            )
        self.security.record(
            "login_requested",
            client=client,
            email=email,
            account_id=started.account_id if started else None,
            details={"known": started is not None},
        )
        # Known or not, the pending login gets a delivery state (docs/auth.md).
        self.sessions.login_mail.start(pending)
        if started is None:
            return LoginRequest(pending_cookie=pending, email=None, account_id=None)
        link = f"{self.base_url}/auth/confirm?{urlencode({'token': token})}"
        message = sign_in_email(
            to=email,
            link=link,
            code=code,
            business_name=started.business_name,
            minutes=self.settings.token_ttl_seconds // 60,
            to_name=started.display_name or "",
        )
        return LoginRequest(pending_cookie=pending, email=message, account_id=started.account_id)

    # -- confirm -----------------------------------------------------------------------

    def confirm_link(self, *, token: str, client: ClientInfo, old_cookie: str | None) -> SignedIn:
        self._limit("confirm-ip", client.ip, self.settings.confirm_per_ip, client)
        if not token or len(token) > 200:
            self.security.record("token_invalid", client=client)
            raise SignInLinkInvalid()
        with self.db.system() as conn:
            result = auth_db.consume_link(conn, token_hash=_sha256(token))
        if result.status != "ok" or result.account_id is None:
            event = {
                "replayed": "token_replayed",
                "expired": "token_expired",
            }.get(result.status, "token_invalid")
            self.security.record(
                event, client=client, account_id=result.account_id, details={"via": "link"}
            )
            raise SignInLinkInvalid(_link_message(result.status))
        return self._sign_in(result.account_id, result.next_path, client, old_cookie, via="link")

    def confirm_code(
        self, *, pending: str | None, code: str, client: ClientInfo, old_cookie: str | None
    ) -> SignedIn:
        self._limit("confirm-ip", client.ip, self.settings.confirm_per_ip, client)
        code = (code or "").strip().replace(" ", "")
        if not pending or len(pending) > 200:
            self.security.record("code_failed", client=client, details={"reason": "no_pending"})
            raise SignInCodeInvalid(
                "Codes only work in the browser where you asked for them. "
                "Use the link in the email, or request a new code here."
            )
        if not _CODE.match(code):
            raise SignInCodeInvalid("Enter the 6-digit code from the email.")
        with self.db.system() as conn:
            result = auth_db.consume_code(
                conn,
                pending_hash=_sha256(pending),
                code_hash=_code_hash(pending, code),
                max_attempts=self.settings.max_code_attempts,
            )
        if result.status == "ok" and result.account_id is not None:
            return self._sign_in(
                result.account_id, result.next_path, client, old_cookie, via="code"
            )
        if result.status == "wrong":
            self.security.record(
                "code_failed",
                client=client,
                account_id=result.account_id,
                details={"attempts_left": result.attempts_left},
            )
            if result.attempts_left <= 0:
                self.security.record("code_locked", client=client, account_id=result.account_id)
                raise SignInCodeInvalid(
                    "That code is not right, and that was the last try. Request a new sign-in."
                )
            tries = "try" if result.attempts_left == 1 else "tries"
            raise SignInCodeInvalid(
                f"That code is not right. {result.attempts_left} {tries} left.",
                details={"attempts_left": result.attempts_left},
            )
        event = {"replayed": "token_replayed", "expired": "token_expired"}.get(
            result.status, "code_failed"
        )
        self.security.record(
            event, client=client, account_id=result.account_id, details={"via": "code"}
        )
        raise SignInCodeInvalid(_link_message(result.status))

    def _sign_in(
        self,
        account_id: UUID,
        next_path: str | None,
        client: ClientInfo,
        old_cookie: str | None,
        *,
        via: str,
    ) -> SignedIn:
        if old_cookie:
            self.sessions.delete_raw(old_cookie)
        cookie, session = self.sessions.create(account_id)
        self.security.record(
            "signed_in", client=client, account_id=account_id, details={"via": via}
        )
        return SignedIn(cookie=cookie, session=session, next_path=safe_next_path(next_path))

    # -- sessions ----------------------------------------------------------------------

    def authenticate(self, cookie: str, client: ClientInfo) -> tuple[AuthUser, Session] | None:
        """The signed-in user for a session cookie, or None. Inactive users lose the session."""
        session = self.sessions.load(cookie)
        if session is None:
            return None
        with self.db.read_only(session.user_id) as conn:
            user = auth_db.load_active_user(conn, session.user_id)
        if user is None:
            self.sessions.delete_all(session.user_id)
            self.security.record(
                "session_rejected_inactive", client=client, account_id=session.user_id
            )
            return None
        return user, session

    def authenticate_token(self, raw: str, client: ClientInfo) -> tuple[TokenInfo, AuthUser]:
        """The business behind a bearer token, counted against the token's rate limit; a bad
        token is a 401 saying why, and a security event."""
        try:
            token, user = tokens.authenticate(self.db, raw)
        except NotAuthenticated as exc:
            reason = (exc.details or {}).get("reason", "invalid")
            self.security.record("api_token_rejected", client=client, details={"reason": reason})
            raise
        self._limit("token", str(token.id), self.settings.per_token, client)
        return token, user

    def logout(self, session: Session, client: ClientInfo) -> None:
        self.sessions.delete(session)
        self.security.record("logout", client=client, account_id=session.user_id)

    def logout_all(self, session: Session, client: ClientInfo) -> int:
        count = self.sessions.delete_all(session.user_id)
        self.security.record(
            "logout_all", client=client, account_id=session.user_id, details={"sessions": count}
        )
        return count

    # -- helpers -----------------------------------------------------------------------

    def _limit(
        self, bucket: str, key: str, limit: Limit, client: ClientInfo, *, email: str | None = None
    ) -> None:
        try:
            self.limiter.hit(bucket, key, limit)
        except RateLimited:
            self.security.record(
                "rate_limited", client=client, email=email, details={"bucket": bucket}
            )
            raise


def _link_message(status: str) -> str:
    if status == "expired":
        return "This sign-in link or code has expired or was ended. Request a new one."
    if status == "replayed":
        return "This sign-in link or code was already used. Request a new one if you need to."
    return "This sign-in link can't be used. Request a new one."


def anonymous_csrf_token(secret_key: str, anon_cookie: str) -> str:
    """The CSRF token for forms shown before sign-in, bound to the browser's anon cookie."""
    return hmac.new(secret_key.encode(), f"csrf:{anon_cookie}".encode(), "sha256").hexdigest()
