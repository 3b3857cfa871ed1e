"""The sign-in flow over HTTP, against the real stack and the SMTP catcher."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from crm.auth import database as accounts
from crm.embedded.stack import EmbeddedStack
from crm.main import Resources, create_app
from tests.auth.helpers import (
    anon_csrf,
    confirm,
    link_and_code,
    mails_to,
    request_login,
    sign_in,
)
from tests.factories import make_user


def _email() -> str:
    return f"owner-{uuid.uuid4().hex[:10]}@example.com"


def _events(owner: psycopg.Connection) -> list[str]:
    return [
        r["event"] for r in owner.execute("SELECT event FROM security_events ORDER BY created_at")
    ]


def _comparable(response: Any) -> tuple[int, dict[str, Any], list[str]]:
    body = response.json()
    body.pop("meta")
    cookies = sorted(
        ";".join(sorted(p.strip().split("=")[0] for p in c.split(";")))
        for c in response.headers.get_list("set-cookie")
    )
    return response.status_code, body, cookies


def test_known_unknown_and_inactive_emails_get_identical_answers(
    client: TestClient, resources: Resources, owner: psycopg.Connection
) -> None:
    known, inactive, unknown = _email(), _email(), _email()
    make_user(owner, email=known)
    make_user(owner, email=inactive)
    accounts.deactivate_user(owner, email=inactive)

    answers = []
    for email in (known, unknown, inactive):
        response = client.post(
            "/auth/login",
            json={"email": email},
            headers={"X-CSRF-Token": anon_csrf(client)},
        )
        answers.append(_comparable(response))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 202
    assert "crm_pending" in answers[0][2][0]

    assert len(mails_to(resources, known)) == 1
    assert mails_to(resources, unknown) == []
    assert mails_to(resources, inactive) == []
    mail = mails_to(resources, known)[0]
    assert mail["subject"] == "Your sign-in link for Sparkle Windows"
    assert "http://localhost/auth/confirm?token=" in mail["text"]
    assert "login_email_sent" in _events(owner)


def test_form_login_redirects_to_the_check_page(client: TestClient, owner) -> None:
    response = request_login(client, _email())
    assert response.status_code == 303
    assert response.headers["location"] == "/login/check"
    page = client.get("/login/check")
    assert "Check your email" in page.text and 'name="code"' in page.text


def test_emails_are_normalised(client: TestClient, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    assert request_login(client, f"  {email.upper()} ").status_code == 303
    assert len(mails_to(resources, email)) == 1


@pytest.mark.parametrize(
    "bad", ["", "not-an-email", "a@b.com, c@d.com", "a@b.com c@d.com", "@x.io"]
)
def test_invalid_addresses_are_refused(client: TestClient, bad: str) -> None:
    response = client.post(
        "/auth/login", json={"email": bad}, headers={"X-CSRF-Token": anon_csrf(client)}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    page = request_login(client, bad or " ")
    assert page.status_code == 422
    assert "Enter one valid email address" in page.text


def test_link_signs_in_and_lands_on_the_page_asked_for(
    client: TestClient, resources: Resources, owner
) -> None:
    email = _email()
    make_user(owner, email=email, business_name="Bright Panes")
    start = client.get("/contacts/42?tab=notes", follow_redirects=False)
    assert start.status_code == 303
    assert start.headers["location"] == "/login?next=/contacts/42%3Ftab%3Dnotes"
    login_page = client.get(start.headers["location"])
    assert 'value="/contacts/42?tab=notes"' in login_page.text

    request_login(client, email, next_path="/contacts/42?tab=notes")
    token, _ = link_and_code(mails_to(resources, email)[0])
    response = confirm(client, token)
    assert response.status_code == 303
    assert response.headers["location"] == "/contacts/42?tab=notes"

    session = client.get("/auth/session").json()["data"]
    assert session["user"]["email"] == email
    assert session["user"]["business_name"] == "Bright Panes"
    assert session["user"]["timezone"] == "America/Chicago"
    assert len(session["csrf_token"]) >= 32
    home = client.get("/")
    assert home.status_code == 200 and "Bright Panes" in home.text
    assert "signed_in" in _events(owner)


def test_opening_the_link_consumes_nothing(client: TestClient, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    request_login(client, email)
    token, _ = link_and_code(mails_to(resources, email)[0])
    scanner = TestClient(client.app, base_url="http://localhost")
    for _ in range(3):
        page = scanner.get(f"/auth/confirm?token={token}")
        assert page.status_code == 200 and "Finish signing in" in page.text
    assert confirm(client, token).status_code == 303


def test_a_used_link_is_dead(client: TestClient, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    request_login(client, email)
    token, _ = link_and_code(mails_to(resources, email)[0])
    assert confirm(client, token).status_code == 303
    other = TestClient(client.app, base_url="http://localhost")
    replay = confirm(other, token)
    assert replay.status_code == 400
    assert "already used" in replay.text
    assert "crm_session" not in other.cookies
    assert "token_replayed" in _events(owner)


def test_expired_link_is_refused(client: TestClient, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    request_login(client, email)
    token, code = link_and_code(mails_to(resources, email)[0])
    owner.execute("UPDATE login_attempts SET expires_at = now() - interval '1 second'")
    response = confirm(client, token)
    assert response.status_code == 400 and "expired" in response.text
    by_code = client.post("/auth/code", data={"code": code, "csrf_token": anon_csrf(client)})
    assert by_code.status_code == 400 and "expired" in by_code.text
    assert "crm_session" not in client.cookies
    assert "token_expired" in _events(owner)


def test_tampered_token_is_refused(client: TestClient, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    request_login(client, email)
    token, _ = link_and_code(mails_to(resources, email)[0])
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert confirm(client, tampered).status_code == 400
    empty = client.post("/auth/confirm", data={"token": "", "csrf_token": anon_csrf(client)})
    assert empty.status_code == 400
    assert client.get("/auth/confirm").status_code == 400
    assert "token_invalid" in _events(owner)
    # The real one still works afterwards.
    assert confirm(client, token).status_code == 303


def test_two_concurrent_confirmations_make_exactly_one_session(
    app: Any, resources: Resources, owner
) -> None:
    email = _email()
    make_user(owner, email=email)
    asker = TestClient(app, base_url="http://localhost")
    request_login(asker, email)
    token, _ = link_and_code(mails_to(resources, email)[0])

    browsers = [TestClient(app, base_url="http://localhost") for _ in range(4)]
    tokens = [anon_csrf(b) for b in browsers]
    barrier = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def go(browser: TestClient, csrf: str) -> None:
        barrier.wait()
        response = browser.post(
            "/auth/confirm", data={"token": token, "csrf_token": csrf}, follow_redirects=False
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=go, args=pair) for pair in zip(browsers, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [303, 400, 400, 400]
    assert sum(1 for b in browsers if b.cookies.get("crm_session")) == 1


def test_code_signs_in_the_browser_that_asked(
    client: TestClient, resources: Resources, owner
) -> None:
    email = _email()
    make_user(owner, email=email)
    request_login(client, email, next_path="/contacts")
    _, code = link_and_code(mails_to(resources, email)[0])
    response = client.post(
        "/auth/code", data={"code": code, "csrf_token": anon_csrf(client)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/contacts"
    assert client.get("/auth/session").status_code == 200
    # The pending-login cookie is cleared once used.
    assert "crm_pending" not in client.cookies


def test_code_from_another_browser_fails(client: TestClient, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    request_login(client, email)
    _, code = link_and_code(mails_to(resources, email)[0])
    other = TestClient(client.app, base_url="http://localhost")
    response = other.post(
        "/auth/code", data={"code": code, "csrf_token": anon_csrf(other)}, follow_redirects=False
    )
    assert response.status_code == 400
    assert "only work in the browser where you asked" in response.text
    assert "crm_session" not in other.cookies
    ok = client.post(
        "/auth/code", data={"code": code, "csrf_token": anon_csrf(client)}, follow_redirects=False
    )
    assert ok.status_code == 303


def test_five_wrong_codes_end_the_attempt(client: TestClient, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    request_login(client, email)
    token, code = link_and_code(mails_to(resources, email)[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    left = []
    for _ in range(5):
        response = client.post(
            "/auth/code", json={"code": wrong}, headers={"X-CSRF-Token": anon_csrf(client)}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "SIGN_IN_CODE_INVALID"
        left.append(response.json()["error"]["details"].get("attempts_left"))
    assert left == [4, 3, 2, 1, None]
    right = client.post(
        "/auth/code", json={"code": code}, headers={"X-CSRF-Token": anon_csrf(client)}
    )
    assert right.status_code == 400
    assert confirm(client, token).status_code == 400
    assert "crm_session" not in client.cookies
    events = _events(owner)
    assert events.count("code_failed") == 5 and "code_locked" in events


def test_a_cookie_planted_before_sign_in_is_not_the_session_after(
    client: TestClient, resources: Resources, owner
) -> None:
    email = _email()
    make_user(owner, email=email)
    client.cookies.set("crm_session", "attacker-chosen-value", domain="localhost.local")
    cookie = sign_in(client, resources, email)
    assert cookie != "attacker-chosen-value"
    # Signing in again (e.g. another link) replaces the session id and kills the old one.
    first = cookie
    request_login(client, email)
    token, _ = link_and_code(mails_to(resources, email)[0])
    assert confirm(client, token).status_code == 303
    assert client.cookies.get("crm_session") not in (first, None)
    stale = TestClient(client.app, base_url="http://localhost")
    stale.cookies.set("crm_session", first, domain="localhost.local")
    assert stale.get("/auth/session").status_code == 401


def test_session_cookie_attributes(client: TestClient, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    request_login(client, email)
    token, _ = link_and_code(mails_to(resources, email)[0])
    response = confirm(client, token)
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("crm_session=")
    )
    parts = {p.strip().split("=")[0].lower(): p.strip() for p in cookie.split(";")}
    assert "httponly" in parts
    assert parts["samesite"] == "SameSite=Lax"
    assert parts["path"] == "Path=/"
    assert parts["max-age"] == f"Max-Age={90 * 86400}"
    # Plain http on localhost in embedded mode is the one case without Secure.
    assert "secure" not in parts
    assert len(cookie.split(";")[0].split("=", 1)[1]) >= 32


def test_cookies_are_secure_in_production(resources: Resources, owner) -> None:
    settings = replace(
        resources.settings,
        embedded_outbox=None,
        app=replace(resources.settings.app, base_url="https://crm.example.com"),
        auth=replace(resources.settings.auth, allowed_hosts=("crm.example.com",)),
    )
    production = TestClient(
        create_app(replace(resources, settings=settings, outbox=resources.outbox)),
        base_url="https://crm.example.com",
    )
    email = _email()
    make_user(owner, email=email)
    response = request_login(production, email)
    assert all("Secure" in c for c in response.headers.get_list("set-cookie"))
    token, _ = link_and_code(mails_to(resources, email)[0])
    signed_in = confirm(production, token)
    assert signed_in.status_code == 303
    session_cookie = next(
        c for c in signed_in.headers.get_list("set-cookie") if c.startswith("crm_session=")
    )
    assert "Secure" in session_cookie
    assert production.get("/auth/session").status_code == 200


def test_logout_ends_the_session(client: TestClient, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    cookie = sign_in(client, resources, email)
    csrf = client.get("/auth/session").json()["data"]["csrf_token"]
    response = client.post("/auth/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/auth/session").status_code == 401
    again = TestClient(client.app, base_url="http://localhost")
    again.cookies.set("crm_session", cookie, domain="localhost.local")
    assert again.get("/auth/session").status_code == 401
    assert "logout" in _events(owner)


def test_logout_everywhere_ends_every_browser(app: Any, resources: Resources, owner) -> None:
    email = _email()
    make_user(owner, email=email)
    phone = TestClient(app, base_url="http://localhost")
    laptop = TestClient(app, base_url="http://localhost")
    sign_in(phone, resources, email)
    request_login(laptop, email)
    token, _ = link_and_code(mails_to(resources, email)[0])
    assert confirm(laptop, token).status_code == 303
    assert phone.get("/auth/session").status_code == 200
    assert laptop.get("/auth/session").status_code == 200

    csrf = laptop.get("/auth/session").json()["data"]["csrf_token"]
    assert laptop.post("/auth/logout-all", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert phone.get("/auth/session").status_code == 401
    assert laptop.get("/auth/session").status_code == 401
    assert phone.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_deactivated_user_is_signed_out_on_the_next_request(
    client: TestClient, resources: Resources, owner
) -> None:
    email = _email()
    make_user(owner, email=email)
    sign_in(client, resources, email)
    assert client.get("/auth/session").status_code == 200
    accounts.deactivate_user(owner, email=email)
    assert client.get("/auth/session").status_code == 401
    assert "session_rejected_inactive" in _events(owner)
    # And no new sign-in starts for them.
    request_login(client, email)
    assert len(mails_to(resources, email)) == 1


def test_secrets_never_stored_or_logged_in_clear(
    client: TestClient, resources: Resources, owner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    email = _email()
    make_user(owner, email=email)
    request_login(client, email)
    token, code = link_and_code(mails_to(resources, email)[0])
    response = confirm(client, token)
    assert response.status_code == 303
    session_cookie = client.cookies.get("crm_session")
    pending = [c for c in response.headers.get_list("set-cookie") if c.startswith("crm_pending")]
    assert pending

    stored = " ".join(
        str(row)
        for table in ("login_attempts", "security_events")
        for row in owner.execute(
            f"SELECT row_to_json(t)::text AS j FROM {table} t"  # noqa: S608 - fixed names
        ).fetchall()
    )
    # Everything the server logged (httpx's lines are the test's own client talking).
    server_log = "\n".join(
        f"{r.name} {r.getMessage()}" for r in caplog.records if not r.name.startswith("httpx")
    )
    assert "security event signed_in" in server_log
    for secret in (token, code, session_cookie):
        assert secret and secret not in stored
        assert secret not in server_log
    with resources.valkey.errors() as valkey:
        keys = " ".join(valkey.scan_iter("crm:*"))
    assert session_cookie not in keys


def test_access_log_redacts_tokens() -> None:
    from crm.auth.security_logger import RedactSecretsFilter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4", "GET", "/auth/confirm?token=s3cr3t-value&x=1", "1.1", 200),
        None,
    )
    RedactSecretsFilter().filter(record)
    assert "s3cr3t" not in record.getMessage()
    assert record.getMessage() == '1.2.3.4 - "GET /auth/confirm HTTP/1.1" 200'


@pytest.mark.parametrize(
    "target",
    [
        "/contacts?q=4111+1111+1111+1111",
        "/contacts?page=2&search=Jane%20Doe%20219-09-9999",
        "/auth/confirm?token=s3cr3t",
        "/login/check?code=123456",
        "/invoices?status=open&note=4111.1111.1111.1111",
    ],
)
def test_access_log_never_records_the_query_string(target: str) -> None:
    from crm.auth.security_logger import RedactSecretsFilter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50412", "GET", target, "1.1", 200),
        None,
    )
    RedactSecretsFilter().filter(record)
    path = target.split("?")[0]
    assert record.getMessage() == f'127.0.0.1:50412 - "GET {path} HTTP/1.1" 200'


def test_uvicorn_access_log_lines_carry_the_path_only(caplog: pytest.LogCaptureFixture) -> None:
    """A real uvicorn server, with the filter `crm serve` installs on its access logger."""
    import httpx
    import uvicorn

    from crm.auth.security_logger import RedactSecretsFilter
    from crm.embedded.processes import free_port

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, access_log=True, log_config=None)
    )
    access = logging.getLogger("uvicorn.access")
    redact = RedactSecretsFilter()
    access.addFilter(redact)
    thread = threading.Thread(target=server.run, daemon=True)
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    try:
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        httpx.get(f"http://127.0.0.1:{port}/contacts?q=4111%201111%201111%201111&page=2")
        httpx.post(f"http://127.0.0.1:{port}/v/AbCdEfGhIjKlMnOpQrStUvWx123/confirm")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        access.removeFilter(redact)
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any('"GET /contacts HTTP/1.1" 200' in line for line in lines), lines
    assert not any("4111" in line or "page=" in line for line in lines)
    # A customer's visit link is a key to their appointment: its token is not logged either.
    assert any('"POST /v/[redacted]/confirm HTTP/1.1"' in line for line in lines), lines
    assert not any("AbCdEfGh" in line for line in lines)


def test_valkey_down_fails_closed(
    stack: EmbeddedStack, client: TestClient, resources: Resources, owner
) -> None:
    email = _email()
    make_user(owner, email=email)
    sign_in(client, resources, email)
    stranger = TestClient(client.app, base_url="http://localhost")
    csrf = anon_csrf(stranger)
    assert stack.valkey is not None
    stack.valkey.stop()
    try:
        login = stranger.post("/auth/login", json={"email": email}, headers={"X-CSRF-Token": csrf})
        assert login.status_code == 503
        assert login.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        page = client.get("/", follow_redirects=False)
        assert page.status_code == 503
        api = client.get("/auth/session")
        assert api.status_code == 503
    finally:
        stack.valkey.start()
    assert client.get("/auth/session").status_code == 200
