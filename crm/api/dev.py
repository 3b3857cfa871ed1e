"""Development-only routes (embedded stack): the SMTP catcher's outbox.

The outbox holds every sign-in link, so it is never a way in (docs/embedded-stack.md):

* the routes exist only when the app serves the embedded stack for this machine alone — it
  listens on loopback, sends mail to the catcher (no relay), has no reverse proxy in front
  (TRUSTED_PROXIES) and a loopback BASE_URL: `outbox_off_reason` says why not otherwise;
* even then they answer only requests whose TCP peer is loopback and that carry no proxy
  header (a proxy on this machine would make every visitor look local) — X-Forwarded-For
  never grants anything — and everyone else gets the ordinary 404, as if they did not exist.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException

from crm.config import Settings
from crm.dependencies import AppResources
from crm.embedded.smtp import KEEP_MESSAGES, Outbox

# Headers a reverse proxy adds: a request with any of them did not start on this machine.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


def is_loopback(host: str | None) -> bool:
    """Whether an address (or `localhost`) is this machine only; '0.0.0.0', '::' are not."""
    if not host:
        return False
    text = host.strip().strip("[]").lower()
    if text == "localhost":
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def relay_configured(settings: Settings, outbox: Outbox | None) -> bool:
    """Whether mail goes to a real SMTP relay: the SMTP settings do not name the catcher."""
    return outbox is None or not outbox.catches(settings.smtp.host, settings.smtp.port)


def outbox_off_reason(settings: Settings, outbox: Outbox | None, listen_host: str) -> str | None:
    """Why the /dev outbox routes are not mounted, or None when they are."""
    if not settings.embedded or outbox is None:
        return "this is not the embedded stack"
    if relay_configured(settings, outbox):
        return f"sign-in mail goes to the relay {settings.smtp.host}:{settings.smtp.port}"
    if not is_loopback(listen_host):
        return f"the server listens on {listen_host}, beyond this machine"
    if settings.auth.trusted_proxies:
        return "a reverse proxy sends requests from elsewhere (crm/app TRUSTED_PROXIES)"
    if not is_loopback(urlsplit(settings.app.base_url).hostname):
        return f"people reach it at {settings.app.base_url} (crm/app BASE_URL)"
    return None


def dev_routes_enabled(settings: Settings, outbox: Outbox | None, listen_host: str) -> bool:
    return outbox_off_reason(settings, outbox, listen_host) is None


async def _loopback_only(request: Request) -> None:
    """The TCP peer, never a header: anything but this machine gets the ordinary 404."""
    peer = request.client.host if request.client else None
    proxied = any(name in request.headers for name in PROXY_HEADERS)
    if proxied or not is_loopback(peer):
        raise HTTPException(status_code=404)


router = APIRouter(
    prefix="/dev",
    tags=["dev"],
    include_in_schema=False,
    dependencies=[Depends(_loopback_only)],
)


def _outbox(resources: AppResources) -> Outbox:
    assert resources.outbox is not None, "the dev routes are mounted only with the catcher"
    return resources.outbox


@router.get("/outbox.json")
def outbox_json(
    resources: AppResources,
    limit: int = Query(100, ge=1, le=KEEP_MESSAGES),
    to: str | None = Query(None, max_length=320, description="one recipient, any case"),
    message_id: str | None = Query(None, max_length=998, description="with or without <>"),
) -> JSONResponse:
    """Caught emails, newest first (a bare list, for scripts and tests)."""
    messages = _outbox(resources).messages(limit=limit, to=to, message_id=message_id)
    return JSONResponse(messages)


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, resources: AppResources) -> HTMLResponse:
    messages = _outbox(resources).messages()
    return request.app.state.templates.TemplateResponse(
        request, "dev/outbox.html", {"messages": messages}
    )
