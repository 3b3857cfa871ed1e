"""The first guards on every request: a known Host (else 400) and a body within the limit
(else 413) — larger only on an upload route that asks for it (``BodyLimit``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm.auth.exceptions import HostNotAllowed
from crm.auth.form_bodies import scope_headers
from crm.errors import PayloadTooLarge


@dataclass(frozen=True)
class BodyLimit:
    """A larger body allowed on one upload route, and what to say when even that is passed."""

    max_bytes: int
    message: str


class HostAndBodyLimitMiddleware:
    """Refuse unknown Host headers (400) and bodies over the limit (413); a POST to one of
    ``uploads`` (path -> BodyLimit) has that route's own, larger limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str],
        max_body_bytes: int,
        uploads: Mapping[str, BodyLimit] | None = None,
    ) -> None:
        self.app = app
        self.allowed = frozenset(h.lower() for h in allowed_hosts)
        self.max_body = max_body_bytes
        self.uploads = dict(uploads or {})

    def host_allowed(self, host: str) -> bool:
        host = host.strip().lower()
        if not host or any(c in host for c in "/@\\ "):
            return False
        if host in self.allowed:
            return True
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope_headers(scope)
        if not self.host_allowed(headers.get("host", "")):
            raise HostNotAllowed()
        upload = self.uploads.get(scope["path"]) if scope["method"] == "POST" else None
        max_body = upload.max_bytes if upload else self.max_body
        too_large = PayloadTooLarge(
            upload.message if upload else f"The request body is larger than {max_body // 1024} KB."
        )
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise PayloadTooLarge("The request's Content-Length is not valid.")
            if int(length) > max_body:
                raise too_large
            # The server holds the client to its Content-Length.
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read it all here, so an oversized body is a clean 413
        # before any route or body parser sees it, then replay it.
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > max_body:
                raise too_large
            if not message.get("more_body"):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
