"""Pages for customers, reached from the links in their emails: no account, no session, no nav.

Each link is a random token for one purpose and one object (DESIGN.md §11). GET only shows, so a
mail scanner that fetches a link changes nothing; POST acts, with the CSRF token of the page
(or none for an RFC 8058 one-click unsubscribe) and rate limits per address and per link. A dead
link is the same 404 whatever the reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crm.auth.config import Limit
from crm.auth.security_middleware import auth_state
from crm.clients.postgres_client import Database
from crm.core.services import calendar_feed_service, visit_service
from crm.core.services.visit_service import MAX_NOTE, CustomerNote
from crm.errors import RateLimited
from crm.web.forms import FormData, problems

router = APIRouter(include_in_schema=False)

# POSTs: a customer answers a few times at most; a mail provider's one-click unsubscribes
# share its addresses, so the per-address limit is generous.
PER_LINK = Limit(30, 3600)
PER_ADDRESS = Limit(300, 3600)

# What the visit page says after an answer (?done=…).
VISIT_DONE = {
    "confirmed": "Thank you! Your visit is confirmed.",
    "declined": "Your visit is cancelled. We've let {business} know.",
    "reschedule_requested": "Thanks! {business} will be in touch to find a new time.",
    "unchanged": "We already have that answer; nothing changed.",
}
BOOK_DONE = {
    "requested": "Thanks! {business} will be in touch to book your visit.",
    "unchanged": "We already have that request; {business} will be in touch.",
}


def _db(request: Request) -> Database:
    db: Database = request.app.state.resources.db
    return db


def _limit(request: Request, token: str) -> None:
    """Count one POST against the client's address and the link; 429 once either is spent."""
    auth = request.app.state.auth
    client = auth_state(request).client
    for bucket, key, limit in (
        ("public-address", client.ip, PER_ADDRESS),
        ("public-link", token, PER_LINK),
    ):
        try:
            auth.limiter.hit(bucket, key, limit)
        except RateLimited:
            auth.security.record("rate_limited", client=client, details={"bucket": bucket})
            raise


def _page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A public page: the anonymous CSRF token for its forms, and nothing of any session."""
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        template,
        {"csrf_token": auth_state(request).csrf_token, "max_note": MAX_NOTE, **context},
        status_code=status,
    )
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _done(messages: dict[str, str], done: str, business: str) -> str:
    return messages.get(done, "").format(business=business)


# -- the visit page --------------------------------------------------------------------------


@router.get("/v/{token}", response_class=HTMLResponse)
def visit_page(request: Request, token: str, done: str = "") -> HTMLResponse:
    with visit_service.opened(_db(request), token, "visit") as (conn, link):
        visit = visit_service.show(conn, link)
    message = _done(VISIT_DONE, done, visit["business_name"])
    return _page(request, "public/visit.html", token=token, visit=visit, message=message)


def _answer(request: Request, token: str, answer: str, form: dict[str, str]) -> Response:
    _limit(request, token)
    note = form.get("note", "")
    fields = problems(CustomerNote, {"note": note})
    if fields:
        with visit_service.opened(_db(request), token, "visit") as (conn, link):
            visit = visit_service.show(conn, link)
        return _page(
            request,
            "public/visit.html",
            status=422,
            token=token,
            visit=visit,
            form_name=answer,
            note=note,
            error="Not sent. Please check what you typed below.",
            note_error=fields["note"],
        )
    with visit_service.opened(_db(request), token, "visit", write=True) as (conn, link):
        outcome = visit_service.answer(conn, link, answer=answer, note=note)
    return RedirectResponse(f"/v/{token}?done={outcome}", status_code=303)


@router.post("/v/{token}/confirm", response_class=HTMLResponse)
def confirm_visit(request: Request, token: str, form: FormData) -> Response:
    return _answer(request, token, "confirm", form)


@router.post("/v/{token}/decline", response_class=HTMLResponse)
def decline_visit(request: Request, token: str, form: FormData) -> Response:
    return _answer(request, token, "decline", form)


@router.post("/v/{token}/reschedule", response_class=HTMLResponse)
def reschedule_visit(request: Request, token: str, form: FormData) -> Response:
    return _answer(request, token, "reschedule", form)


# -- unsubscribe -----------------------------------------------------------------------------


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    with visit_service.opened(_db(request), token, "unsubscribe") as (conn, link):
        page = visit_service.contact_page(conn, link)
    return _page(request, "public/unsubscribe.html", token=token, page=page)


@router.post("/u/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str) -> HTMLResponse:
    """The button on the page, or a mail provider's one-click POST: answered directly with a
    200 (no redirect), which is all a provider looks at."""
    _limit(request, token)
    with visit_service.opened(_db(request), token, "unsubscribe", write=True) as (conn, link):
        visit_service.unsubscribe(conn, link)
        page = visit_service.contact_page(conn, link)
    return _page(request, "public/unsubscribe.html", token=token, page=page)


# -- booking ---------------------------------------------------------------------------------


@router.get("/b/{token}", response_class=HTMLResponse)
def book_page(request: Request, token: str, done: str = "") -> HTMLResponse:
    with visit_service.opened(_db(request), token, "book") as (conn, link):
        page = visit_service.contact_page(conn, link)
    message = _done(BOOK_DONE, done, page["business_name"])
    return _page(request, "public/book.html", token=token, page=page, message=message)


@router.post("/b/{token}", response_class=HTMLResponse)
def book(request: Request, token: str, form: FormData) -> Response:
    _limit(request, token)
    note = form.get("note", "")
    fields = problems(CustomerNote, {"note": note})
    if fields:
        with visit_service.opened(_db(request), token, "book") as (conn, link):
            page = visit_service.contact_page(conn, link)
        return _page(
            request,
            "public/book.html",
            status=422,
            token=token,
            page=page,
            note=note,
            error="Not sent. Please check what you typed below.",
            note_error=fields["note"],
        )
    with visit_service.opened(_db(request), token, "book", write=True) as (conn, link):
        outcome = visit_service.book_request(conn, link, note=note)
    return RedirectResponse(f"/b/{token}?done={outcome}", status_code=303)


# -- invoice and calendar feed ---------------------------------------------------------------


@router.get("/i/{token}", response_class=HTMLResponse)
def invoice_page(request: Request, token: str) -> HTMLResponse:
    with visit_service.opened(_db(request), token, "invoice") as (conn, link):
        invoice = visit_service.invoice(conn, link)
    return _page(request, "public/invoice.html", invoice=invoice)


@router.get("/calendar/{token}.ics")
def calendar_feed(request: Request, token: str) -> Response:
    base_url = request.app.state.resources.settings.app.base_url
    domain = urlsplit(base_url).hostname or "localhost"
    with visit_service.opened(_db(request), token, "calendar", write=True) as (conn, link):
        body = calendar_feed_service.feed(conn, link, base_url=base_url, domain=domain)
    return Response(body, media_type="text/calendar; charset=utf-8")
