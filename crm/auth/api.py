"""Sign-in pages and endpoints. Thin: parse, call AuthService, render or redirect."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from crm.auth.email_service import EmailService, MessageNotSendable, OutgoingEmail
from crm.auth.exceptions import InvalidEmail, SignInCodeInvalid
from crm.auth.security_middleware import (
    PENDING_COOKIE,
    SESSION_COOKIE,
    auth_state,
    build_cookie,
)
from crm.auth.service import AuthService, LoginRequest, SignedIn, safe_next_path
from crm.auth.session import LoginMailStatus
from crm.auth.types import ClientInfo
from crm.errors import BadRequest, NotAuthenticated, ServiceUnavailable
from crm.responses import envelope, ok

router = APIRouter(tags=["auth"])
log = logging.getLogger("crm.auth")

SENT_MESSAGE = (
    "If that address belongs to an account, we sent it a sign-in link and a 6-digit code. "
    "They work for 10 minutes."
)
MAIL_FAILED_MESSAGE = (
    "We could not send the sign-in email. Please try again in a few minutes; if it keeps "
    "failing, the mail settings need attention (the server log says why)."
)
# A request for an unknown address reports a mail-server failure after as long as the real
# attempt that failed took, but never later than this.
MIRROR_WAIT_LIMIT_SECONDS = 30.0


def _service(request: Request) -> AuthService:
    service: AuthService = request.app.state.auth
    return service


def _secure(request: Request) -> bool:
    return bool(request.app.state.resources.settings.secure_cookies)


def _wants_json(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/json")


async def _fields(request: Request) -> dict[str, Any]:
    if _wants_json(request):
        try:
            data = json.loads(await request.body() or b"{}")
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            raise BadRequest("The request body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
        # Only text, as from a form: a nested object is never turned into a string.
        return {key: value for key, value in data.items() if isinstance(value, str)}
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    state = auth_state(request)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        template,
        {"csrf_token": state.csrf_token, "user": state.user, **context},
        status_code=status,
    )
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    if auth_state(request).user is not None:
        return RedirectResponse(safe_next_path(next), status_code=303)
    return _page(request, "auth/login.html", next=safe_next_path(next), email="")


@router.post("/auth/login", summary="Request a sign-in link and code by email")
async def request_login(request: Request, background: BackgroundTasks) -> Response:
    fields = await _fields(request)
    state = auth_state(request)
    service = _service(request)
    raw_email = str(fields.get("email") or "")
    next_path = str(fields.get("next") or "") or None
    try:
        result = await run_in_threadpool(
            lambda: service.request_login(
                raw_email=raw_email, next_path=next_path, client=state.client
            )
        )
    except InvalidEmail as exc:
        if _wants_json(request):
            raise
        return _page(
            request,
            "auth/login.html",
            status=exc.status,
            next=safe_next_path(next_path),
            email=raw_email[:254],
            error=exc.message,
        )
    # Every request gets the same background task: a real account's email is sent, and an
    # unknown address's delivery state mirrors what a real one would show (docs/auth.md).
    background.add_task(_deliver, request.app.state.email, service, result, state.client)
    if _wants_json(request):
        response: Response = JSONResponse(envelope({"message": SENT_MESSAGE}), status_code=202)
    else:
        response = RedirectResponse("/login/check", status_code=303)
    response.headers.append(
        "set-cookie",
        build_cookie(
            PENDING_COOKIE,
            result.pending_cookie,
            secure=_secure(request),
            max_age=service.settings.token_ttl_seconds,
        ),
    )
    return response


async def _deliver(
    email_service: EmailService, service: AuthService, result: LoginRequest, client: ClientInfo
) -> None:
    """Runs after the response is sent, so known and unknown emails answer alike."""
    try:
        if result.email is None:
            await _mirror_delivery(service, result.pending_cookie)
        else:
            await _send_sign_in_email(email_service, service, result, result.email, client)
    except Exception:
        # Nobody waits for a background task: whatever went wrong must at least be logged.
        log.exception("sign-in email: the delivery task failed")


async def _send_sign_in_email(
    email_service: EmailService,
    service: AuthService,
    result: LoginRequest,
    message: OutgoingEmail,
    client: ClientInfo,
) -> None:
    mail = service.sessions.login_mail
    pending = result.pending_cookie
    started = time.monotonic()
    server_down = False
    try:
        await email_service.send(message)
    except ServiceUnavailable as exc:
        error, server_down = exc.message, True
    except MessageNotSendable as exc:
        error = str(exc)
    except Exception as exc:  # whatever it is, it is a failed sign-in email
        log.exception("sign-in email: unexpected error while sending")
        error = f"{type(exc).__name__}: {str(exc)[:200]}"
    else:
        await _quietly(lambda: mail.finish(pending, sent=True))
        await _quietly(
            lambda: service.security.record(
                "login_email_sent", client=client, account_id=result.account_id
            )
        )
        return
    took = time.monotonic() - started
    cause = "mail_server" if server_down else "message"
    log.warning(
        "sign-in email for account %s was not sent (%s): %s", result.account_id, cause, error
    )
    await _quietly(
        lambda: mail.finish(pending, sent=False, server_failed_after=took if server_down else None)
    )
    await _quietly(
        lambda: service.security.record(
            "login_email_failed",
            client=client,
            account_id=result.account_id,
            details={"error": error, "cause": cause},
        )
    )


async def _mirror_delivery(service: AuthService, pending: str) -> None:
    """No account, no email: end as a real request would end right now (docs/auth.md)."""
    mail = service.sessions.login_mail
    failing_after = await run_in_threadpool(mail.server_failing)
    if failing_after is None:
        await run_in_threadpool(lambda: mail.finish(pending, sent=True))
        return
    await asyncio.sleep(min(failing_after, MIRROR_WAIT_LIMIT_SECONDS))
    await run_in_threadpool(lambda: mail.finish(pending, sent=False))


async def _quietly(step: Callable[[], object]) -> None:
    """Run one bookkeeping step off the event loop; a failure is logged, not raised, so the
    next step (the security event after the delivery state, or the other way) still runs."""
    try:
        await run_in_threadpool(step)
    except Exception:
        log.exception("sign-in email: could not record the outcome")


def _mail_failed(request: Request) -> bool:
    """Whether this browser's pending login is known to have had its email fail."""
    pending = auth_state(request).pending_cookie
    try:
        state = _service(request).sessions.login_mail.state(pending)
    except ServiceUnavailable:
        return False
    return state == LoginMailStatus.FAILED


@router.get("/login/check", response_class=HTMLResponse, include_in_schema=False)
def check_email_page(request: Request) -> Response:
    if _mail_failed(request):
        return _page(request, "auth/check_email.html", message="", mail_failed=MAIL_FAILED_MESSAGE)
    return _page(request, "auth/check_email.html", message=SENT_MESSAGE)


@router.get(
    "/auth/login/status",
    summary="Whether the sign-in email of this browser's pending login could not be sent",
)
def login_status(request: Request) -> JSONResponse:
    failed = _mail_failed(request)
    return ok({"email_failed": failed, "message": MAIL_FAILED_MESSAGE if failed else SENT_MESSAGE})


@router.post("/auth/code", summary="Sign in with the 6-digit code, in the browser that asked")
async def confirm_code(request: Request) -> Response:
    fields = await _fields(request)
    state = auth_state(request)
    service = _service(request)
    try:
        signed_in = await run_in_threadpool(
            lambda: service.confirm_code(
                pending=state.pending_cookie,
                code=str(fields.get("code") or ""),
                client=state.client,
                old_cookie=state.session_cookie,
            )
        )
    except SignInCodeInvalid as exc:
        if _wants_json(request):
            raise
        return _page(
            request, "auth/check_email.html", status=exc.status, error=exc.message, message=""
        )
    return _signed_in_response(request, signed_in, clear_pending=True)


@router.get("/auth/confirm", response_class=HTMLResponse, include_in_schema=False)
def confirm_page(request: Request, token: str = "") -> Response:
    """Shows a button; consumes nothing, because mail scanners open links by themselves."""
    if not token:
        raise BadRequest("This sign-in link is incomplete. Open the whole link from the email.")
    return _page(request, "auth/confirm.html", token=token)


@router.post("/auth/confirm", summary="Sign in with the emailed link's token")
async def confirm_link(request: Request) -> Response:
    fields = await _fields(request)
    state = auth_state(request)
    service = _service(request)
    signed_in = await run_in_threadpool(
        lambda: service.confirm_link(
            token=str(fields.get("token") or ""),
            client=state.client,
            old_cookie=state.session_cookie,
        )
    )
    return _signed_in_response(request, signed_in, clear_pending=True)


def _signed_in_response(request: Request, signed_in: SignedIn, *, clear_pending: bool) -> Response:
    service = _service(request)
    secure = _secure(request)
    response: Response
    if _wants_json(request):
        response = JSONResponse(
            envelope({"redirect": signed_in.next_path, "csrf_token": signed_in.session.csrf_token})
        )
    else:
        response = RedirectResponse(signed_in.next_path, status_code=303)
    response.headers.append(
        "set-cookie",
        build_cookie(
            SESSION_COOKIE,
            signed_in.cookie,
            secure=secure,
            max_age=service.settings.session_absolute_seconds,
        ),
    )
    if clear_pending:
        response.headers.append(
            "set-cookie", build_cookie(PENDING_COOKIE, "", secure=secure, max_age=0)
        )
    return response


@router.post("/auth/logout", summary="End this session")
def logout(request: Request) -> Response:
    state = auth_state(request)
    if state.session is not None:
        _service(request).logout(state.session, state.client)
    return _signed_out(request)


@router.post("/auth/logout-all", summary="End every session of this account")
def logout_all(request: Request) -> Response:
    state = auth_state(request)
    if state.session is None:
        raise NotAuthenticated()
    _service(request).logout_all(state.session, state.client)
    return _signed_out(request)


def _signed_out(request: Request) -> Response:
    response: Response
    if _wants_json(request) or "application/json" in request.headers.get("accept", ""):
        response = JSONResponse(envelope({"signed_out": True}))
    else:
        response = RedirectResponse("/login", status_code=303)
    response.headers.append(
        "set-cookie", build_cookie(SESSION_COOKIE, "", secure=_secure(request), max_age=0)
    )
    return response


@router.get("/auth/session", summary="Who is signed in, and the CSRF token for writes")
def session_info(request: Request) -> JSONResponse:
    state = auth_state(request)
    if state.user is None or state.session is None:
        raise NotAuthenticated()
    return ok({"user": state.user.as_dict(), "csrf_token": state.session.csrf_token})


@router.get("/auth/csrf", summary="A CSRF token for the sign-in forms (before a session exists)")
def csrf_token(request: Request) -> JSONResponse:
    return ok({"csrf_token": auth_state(request).csrf_token})
