"""Settings page: the calendar subscription — a secret feed link for a phone's calendar app.

The link is shown once, when made; making a new one stops the old one, and "Stop" stops it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crm.clients.postgres_client import Database
from crm.core.services import calendar_feed_service, public_links
from crm.utils.user_context import get_current_user
from crm.web.common import render

router = APIRouter(include_in_schema=False)


def _db(request: Request) -> Database:
    db: Database = request.app.state.resources.db
    return db


def _page(request: Request, *, feed_url: str = "", stopped: bool = False) -> HTMLResponse:
    with _db(request).read_only(get_current_user().user_id) as conn:
        active = calendar_feed_service.feed_link(conn)
    webcal = "webcal" + feed_url[feed_url.index(":") :] if feed_url else ""
    return render(
        request,
        "settings/calendar.html",
        section="settings",
        active=active,
        feed_url=feed_url,
        webcal_url=webcal,
        stopped=stopped,
    )


@router.get("/settings/calendar", response_class=HTMLResponse)
def calendar_settings(request: Request, stopped: str = "") -> HTMLResponse:
    return _page(request, stopped=bool(stopped))


@router.post("/settings/calendar", response_class=HTMLResponse)
def create_feed_link(request: Request) -> HTMLResponse:
    """Answered with the page itself, not a redirect: the link is shown this once only."""
    with _db(request).unit_of_work(get_current_user().user_id) as conn:
        token = calendar_feed_service.new_feed_link(conn)
    base_url = request.app.state.resources.settings.app.base_url
    return _page(request, feed_url=public_links.url(base_url, "calendar", token))


@router.post("/settings/calendar/revoke")
def revoke_feed_link(request: Request) -> Response:
    with _db(request).unit_of_work(get_current_user().user_id) as conn:
        calendar_feed_service.revoke_feed_links(conn)
    return RedirectResponse("/settings/calendar?stopped=1", status_code=303)
