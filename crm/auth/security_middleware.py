"""Request hardening: security headers, host allow-list, body limit, sessions and CSRF.

Pure ASGI middleware, so every response — errors and 500s included — gets the headers.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm.auth.exceptions import CsrfFailed
from crm.auth.form_bodies import (
    FORM_URLENCODED,
    MULTIPART,
    form_fields,
    multipart_token,
    replaying,
    scope_headers,
)
from crm.auth.service import AuthService, anonymous_csrf_token
from crm.auth.tokens import bearer
from crm.auth.types import AuthUser, ClientInfo, Session
from crm.core.api_tokens import TokenInfo
from crm.errors import AppError, NotAuthenticated
from crm.responses import render_error
from crm.utils.user_context import UserContext, user_context

SESSION_COOKIE = "crm_session"
ANON_COOKIE = "crm_csrf"
PENDING_COOKIE = "crm_pending"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# Swagger UI (/docs, signed-in developers only) loads its bundle from a CDN with an inline
# bootstrap script; it gets its own, looser policy and nothing else does.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_EXACT = frozenset({"/login", "/login/check", "/api/health", "/favicon.ico"})
# Customers' links (visit, unsubscribe, invoice, booking) and the owner's calendar feed need no
# session: the token in the path is the key (crm/web/public.py).
PUBLIC_PREFIXES = ("/auth/", "/api/health/", "/static/", "/v/", "/u/", "/i/", "/b/")
PUBLIC_LINK = re.compile(r"/(?:[vuib]|calendar)/[^/]+")
# RFC 8058 one-click unsubscribe: a mail provider POSTs the body "List-Unsubscribe=One-Click"
# to the unsubscribe link, with no cookie and so no CSRF token. The one write that needs none:
# only on an unsubscribe link's own path, and only with that one field in the body.
ONE_CLICK_PATH = re.compile(r"/u/[A-Za-z0-9_-]{1,200}")
ONE_CLICK_FORM = {"List-Unsubscribe": ["One-Click"]}


@dataclass
class AuthState:
    """What the middleware learned about this request; routes read it from request.state."""

    client: ClientInfo
    user: AuthUser | None
    session: Session | None
    session_cookie: str | None
    anon_cookie: str
    csrf_token: str
    pending_cookie: str | None
    # The API token the request came with (docs/agents.md); None for a browser session.
    token: TokenInfo | None = None


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = DOCS_CSP if path == "/docs" else CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["Permissions-Policy"] = (
                    "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
                )
                headers["X-Frame-Options"] = "DENY"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                if not path.startswith("/static/") and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AuthMiddleware:
    """Load the session, enforce sign-in on non-public routes, and check CSRF on writes."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: AuthService,
        secret_key: str,
        allowed_origins: Iterable[str],
        trusted_proxies: Iterable[str],
        secure_cookies: bool,
        public_dev: bool,
    ) -> None:
        self.app = app
        self.service = service
        self.secret_key = secret_key
        self.allowed_origins = frozenset(o.lower().rstrip("/") for o in allowed_origins)
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]
        self.secure = secure_cookies
        self.public_dev = public_dev

    def is_public(self, path: str) -> bool:
        if path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES):
            return True
        if path.startswith("/calendar/") and path.endswith(".ics"):
            return True
        return self.public_dev and (path == "/dev" or path.startswith("/dev/"))

    def client_ip(self, scope: Scope, headers: dict[str, str]) -> str:
        peer = (scope.get("client") or ("unknown", 0))[0]
        if not self._trusted(peer):
            return str(peer)
        hops = [h.strip() for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]
        # Walk from the nearest hop back; the first address we do not trust is the client.
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return hops[0] if hops else str(peer)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _needs_no_session(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = scope_headers(scope)
        client = ClientInfo(
            ip=self.client_ip(scope, headers), user_agent=headers.get("user-agent", "")
        )
        raw_token = bearer(headers.get("authorization"))
        if raw_token is not None and takes_tokens(scope["path"]):
            await self._with_token(scope, receive, send, raw_token, client)
            return
        cookies = _cookies(headers.get("cookie", ""))
        session_cookie = cookies.get(SESSION_COOKIE)
        user: AuthUser | None = None
        session: Session | None = None
        if session_cookie:
            found = await run_in_threadpool(self.service.authenticate, session_cookie, client)
            if found is not None:
                user, session = found
        anon = cookies.get(ANON_COOKIE) or ""
        new_anon = None
        if not anon or len(anon) > 100:
            anon = new_anon = secrets.token_urlsafe(24)
        csrf = session.csrf_token if session else anonymous_csrf_token(self.secret_key, anon)
        state = AuthState(
            client=client,
            user=user,
            session=session,
            session_cookie=session_cookie,
            anon_cookie=anon,
            csrf_token=csrf,
            pending_cookie=cookies.get(PENDING_COOKIE),
        )
        scope.setdefault("state", {})["auth"] = state
        path: str = scope["path"]
        clear_session = bool(session_cookie) and session is None

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                if new_anon:
                    out.append("set-cookie", self._cookie(ANON_COOKIE, new_anon))
                if clear_session and SESSION_COOKIE not in out.get("set-cookie", ""):
                    out.append("set-cookie", self._cookie(SESSION_COOKIE, "", max_age=0))
            await send(message)

        # Refusals below go out through send_with_cookies too, so a dead session cookie is
        # cleared on a 401 or 403 just as on any other answer.
        try:
            if takes_tokens(path) and not path.startswith("/api/"):
                raise NotAuthenticated(
                    "The MCP endpoint takes an API token: Authorization: Bearer <token>."
                )
            if user is None and not self.is_public(path):
                if path.startswith("/api/") or "application/json" in headers.get("accept", ""):
                    raise NotAuthenticated()
                query = scope["query_string"].decode()
                target = path + (f"?{query}" if query else "")
                response = RedirectResponse(
                    f"/login?next={quote(target, safe='/')}", status_code=303
                )
                await response(scope, receive, send_with_cookies)
                return
            if scope["method"] not in SAFE_METHODS:
                await self._check_origin(scope, headers)
                receive = await self._check_token(scope, receive, headers, csrf)
        except AppError as exc:
            refusal = render_error(Request(scope), exc)
            if exc.status == 401 and takes_tokens(path):
                refusal.headers["WWW-Authenticate"] = 'Bearer realm="crm"'
            await refusal(scope, receive, send_with_cookies)
            return

        if user is not None:
            with user_context(UserContext(user_id=user.id, timezone=user.timezone)):
                await self.app(scope, receive, send_with_cookies)
        else:
            await self.app(scope, receive, send_with_cookies)

    async def _with_token(
        self, scope: Scope, receive: Receive, send: Send, raw: str, client: ClientInfo
    ) -> None:
        """A request with an API token: the token's business, no cookies and no CSRF (a
        bearer header is never sent by a browser on its own); a bad token is a 401."""
        try:
            token, user = await run_in_threadpool(self.service.authenticate_token, raw, client)
        except AppError as exc:
            response = render_error(Request(scope), exc)
            if exc.status == 401:  # RFC 6750: say which scheme, and that this token failed
                response.headers["WWW-Authenticate"] = 'Bearer realm="crm", error="invalid_token"'
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["auth"] = AuthState(
            client=client,
            user=user,
            session=None,
            session_cookie=None,
            anon_cookie="",
            csrf_token="",
            pending_cookie=None,
            token=token,
        )
        context = UserContext(user_id=user.id, timezone=user.timezone, actor=token.actor)
        with user_context(context):
            await self.app(scope, receive, send)

    async def _check_origin(self, scope: Scope, headers: dict[str, str]) -> None:
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site")
        if origin is not None:
            foreign = origin.lower().rstrip("/") not in self.allowed_origins
        else:
            foreign = site is not None and site not in ("same-origin", "none")
        if foreign:
            await self._log_csrf(scope, reason="cross_origin")
            raise CsrfFailed("Requests from other sites are not accepted.")

    async def _log_csrf(self, scope: Scope, *, reason: str) -> None:
        await run_in_threadpool(
            lambda: self.service.security.record(
                "csrf_failed",
                client=scope["state"]["auth"].client,
                details={"path": _loggable_path(scope["path"]), "reason": reason},
            )
        )

    async def _check_token(
        self, scope: Scope, receive: Receive, headers: dict[str, str], expected: str
    ) -> Receive:
        """Compare the header or form token; return a receive that replays the read body."""
        supplied = headers.get("x-csrf-token")
        body_messages: list[Message] = []
        content_type = headers.get("content-type", "")
        one_click = (
            supplied is None
            and ONE_CLICK_PATH.fullmatch(scope["path"]) is not None
            and content_type.startswith((FORM_URLENCODED, MULTIPART))
        )
        if supplied is None and (content_type.startswith(FORM_URLENCODED) or one_click):
            body = b""
            while True:
                message = await receive()
                body_messages.append(message)
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            fields = await form_fields(headers, body)
            values = fields.get("csrf_token", [])
            supplied = values[0] if values else None
            if one_click and fields == ONE_CLICK_FORM:
                return replaying(receive, body_messages)
        elif supplied is None and content_type.startswith(MULTIPART):
            supplied, body_messages = await multipart_token(content_type, receive)
        if not supplied or not hmac.compare_digest(supplied.encode(), expected.encode()):
            await self._log_csrf(scope, reason="missing_token" if not supplied else "bad_token")
            raise CsrfFailed()
        if not body_messages:
            return receive
        return replaying(receive, body_messages)

    def _cookie(self, name: str, value: str, *, max_age: int | None = None) -> str:
        return build_cookie(name, value, secure=self.secure, max_age=max_age)


def build_cookie(
    name: str, value: str, *, secure: bool, max_age: int | None = None, path: str = "/"
) -> str:
    """A Set-Cookie value: HttpOnly, SameSite=Lax, Secure unless plain-http local dev."""
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def allowed_origins(base_url: str, allowed_hosts: Iterable[str]) -> set[str]:
    scheme = urlsplit(base_url).scheme or "https"
    origins = {base_url.rstrip("/").lower()}
    origins.update(f"{scheme}://{host}" for host in allowed_hosts)
    return origins


def _loggable_path(path: str) -> str:
    """The path without a public link's token, which must never reach a log."""
    match = PUBLIC_LINK.match(path)
    return path[: path.index("/", 1) + 1] + "…" if match else path


def takes_tokens(path: str) -> bool:
    """Where an API token is accepted: the JSON API and the MCP endpoint, never a page."""
    return path.startswith("/api/") or path == "/mcp" or path.startswith("/mcp/")


def _needs_no_session(path: str) -> bool:
    """Health checks and static files never look at the session (and never fail on it)."""
    return path == "/api/health" or path.startswith(("/api/health/", "/static/"))


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # noqa: BLE001 - a malformed Cookie header means no cookies
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def auth_state(request: Any) -> AuthState:
    """The AuthState the middleware attached to this request."""
    state: AuthState = request.state.auth
    return state
