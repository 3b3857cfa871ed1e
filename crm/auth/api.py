"""Sign-in pages and endpoints. Thin: parse, call AuthService, render or redirect."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from crm.auth.email_service import EmailService, OutgoingEmail
from crm.auth.exceptions import InvalidEmail, SignInCodeInvalid
from crm.auth.security_middleware import (
    PENDING_COOKIE,
    SESSION_COOKIE,
    auth_state,
    build_cookie,
)
from crm.auth.service import AuthService, SignedIn, safe_next_path
from crm.auth.types import ClientInfo
from crm.errors import BadRequest, NotAuthenticated, ServiceUnavailable
from crm.responses import envelope, ok

router = APIRouter(tags=["auth"])

SENT_MESSAGE = (
    "If that address belongs to an account, we sent it a sign-in link and a 6-digit code. "
    "They work for 10 minutes."
)


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
        except ValueError as exc:
            raise BadRequest("The request body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
        return data
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
    if result.email is not None:
        background.add_task(
            _deliver,
            request.app.state.email,
            service,
            result.email,
            result.account_id,
            state.client,
        )
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
    email_service: EmailService,
    service: AuthService,
    message: OutgoingEmail,
    account_id: Any,
    client: ClientInfo,
) -> None:
    """Runs after the response is sent, so known and unknown emails answer alike."""
    try:
        await email_service.send(message)
    except ServiceUnavailable as exc:
        error = exc.message
        await run_in_threadpool(
            lambda: service.security.record(
                "login_email_failed",
                client=client,
                account_id=account_id,
                details={"error": error},
            )
        )
        return
    await run_in_threadpool(
        lambda: service.security.record("login_email_sent", client=client, account_id=account_id)
    )


@router.get("/login/check", response_class=HTMLResponse, include_in_schema=False)
def check_email_page(request: Request) -> Response:
    return _page(request, "auth/check_email.html", message=SENT_MESSAGE)


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
