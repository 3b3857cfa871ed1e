"""Request hardening as a browser or an attacker sees it.

Security headers, the Host allow-list, the body limit, CSRF (token, Origin, Sec-Fetch-Site),
sign-in enforcement, open redirects, X-Forwarded-For handling and the sign-in rate limits.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

import psycopg
import pytest
import valkey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import BaseModel

from crm.auth.config import Limit
from crm.auth.security_middleware import AuthMiddleware
from crm.auth.service import AuthService, safe_next_path
from crm.config import Settings
from crm.embedded.stack import EmbeddedStack
from crm.main import Resources, create_app
from tests.conftest import BASE_URL
from tests.factories import make_user

EVIL_HOST = "evil.example"
HTTPS_BASE = "https://crm.example.com"
LINK_RE = re.compile(r"https?://\S+/auth/confirm\?token=[\w\-%.~]+")


# -- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_rate_limits(stack: EmbeddedStack) -> Iterator[None]:
    """Every TestClient request comes from the peer "testclient" and Valkey lives for the whole
    session, so rate-limit counters are cleared before and after each test here."""
    assert stack.info is not None
    raw = valkey.Valkey.from_url(stack.info.valkey_url, decode_responses=True)

    def flush() -> None:
        keys = list(raw.scan_iter(match="crm:rl:*", count=1000))
        if keys:
            raw.delete(*keys)

    flush()
    try:
        yield
    finally:
        flush()
        raw.close()


def variant_app(resources: Resources, settings: Settings) -> FastAPI:
    """The real app, built with different settings over the same servers."""
    return create_app(replace(resources, settings=settings))


def plain_client(app: FastAPI, base_url: str = BASE_URL, **kwargs: Any) -> TestClient:
    """A client without ``with``: entering it would run the lifespan, which closes the
    shared resources on exit."""
    return TestClient(app, base_url=base_url, **kwargs)


def unique_email(tag: str = "who") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


def anon_token(client: TestClient) -> str:
    """The pre-sign-in CSRF token; also sets this client's ``crm_csrf`` cookie."""
    response = client.get("/auth/csrf")
    assert response.status_code == 200
    assert "crm_csrf" in client.cookies
    token: str = response.json()["data"]["csrf_token"]
    return token


def error_code(response: Response) -> str:
    body = response.json()
    assert body["success"] is False and body["data"] is None
    code: str = body["error"]["code"]
    return code


def request_login(
    client: TestClient, email: str, token: str, **headers: str
) -> Response:  # JSON flavour
    return client.post(
        "/auth/login", json={"email": email}, headers={"X-CSRF-Token": token, **headers}
    )


def outbox_for(resources: Resources, email: str) -> list[dict[str, Any]]:
    assert resources.outbox is not None
    return [m for m in resources.outbox.messages(limit=500) if email in m["to"]]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_hardened(response: Response, *, no_store: bool = True) -> None:
    """The headers every response must carry, whatever its status."""
    headers = response.headers
    csp = csp_directives(headers.get("content-security-policy", ""))
    assert "'self'" in csp.get("script-src", []), csp
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(csp["script-src"]), csp
    assert csp.get("object-src") == ["'none'"]
    assert csp.get("base-uri") == ["'none'"]
    assert csp.get("frame-ancestors") == ["'none'"]
    assert csp.get("form-action") == ["'self'"]
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }
    permissions = headers.get("permissions-policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions, permissions
    if no_store:
        assert "no-store" in headers.get("cache-control", "")


def hidden_next(html: str) -> str:
    match = re.search(r'name="next" value="([^"]*)"', html)
    assert match, html
    return match.group(1)


def security_events(owner: psycopg.Connection[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return owner.execute(
        "SELECT event, ip, details FROM security_events WHERE event = %s ORDER BY created_at",
        (event,),
    ).fetchall()


@pytest.fixture
def crashing(app: FastAPI, signed_in: dict[str, Any]) -> TestClient:
    """A signed-in client on an app with routes that crash, as a bug would."""

    @app.get("/api/test/explode")
    def explode_api() -> None:
        raise RuntimeError("password=hunter2 in /srv/secret")

    @app.get("/test/explode")
    def explode_page() -> None:
        raise RuntimeError("password=hunter2 in /srv/secret")

    test_client = plain_client(app, raise_server_exceptions=False)
    test_client.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")
    return test_client


# -- 1. security headers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/api/nope", 404),
        ("/nope-page", 404),
        ("/api/test/explode", 500),
        ("/test/explode", 500),
    ],
)
def test_security_headers_on_signed_in_responses(
    crashing: TestClient, path: str, status: int
) -> None:
    response = crashing.get(path, follow_redirects=False)
    assert response.status_code == status
    assert_hardened(response)
    assert "hunter2" not in response.text
    if path.startswith("/api/"):
        assert error_code(response) == ("NOT_FOUND" if status == 404 else "INTERNAL_ERROR")


@pytest.mark.parametrize("path", ["/login", "/login/check", "/auth/confirm?token=abc"])
def test_security_headers_on_anonymous_pages(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200
    assert_hardened(response)


def test_static_files_get_headers_but_stay_cacheable(client: TestClient) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert_hardened(response, no_store=False)
    assert "no-store" not in response.headers.get("cache-control", "")


def test_no_hsts_over_plain_http(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert "strict-transport-security" not in response.headers


def test_hsts_and_secure_cookies_over_https(resources: Resources, settings: Settings) -> None:
    https = replace(
        settings,
        app=replace(settings.app, base_url=HTTPS_BASE),
        auth=replace(settings.auth, allowed_hosts=("crm.example.com",)),
    )
    client = plain_client(variant_app(resources, https), base_url=HTTPS_BASE)
    response = client.get("/login")
    assert response.status_code == 200
    hsts = response.headers.get("strict-transport-security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    assert match and int(match.group(1)) >= 15_552_000, hsts  # at least 180 days
    assert_hardened(response)
    anon_cookie = response.headers["set-cookie"]
    assert anon_cookie.startswith("crm_csrf=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in anon_cookie


# -- 2. Host allow-list -------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", [EVIL_HOST, "localhost.evil.example", "evil.example:80", "localhost@evil.example"]
)
def test_unknown_host_is_refused_for_the_api(client: TestClient, host: str) -> None:
    response = client.get("/api/health", headers={"Host": host})
    assert response.status_code == 400
    assert error_code(response) == "HOST_NOT_ALLOWED"
    assert_hardened(response)


def test_unknown_host_is_refused_for_a_page(client: TestClient) -> None:
    response = client.get("/login", headers={"Host": EVIL_HOST}, follow_redirects=False)
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert EVIL_HOST not in response.text
    assert_hardened(response)


def test_allowed_host_with_a_port_is_accepted(client: TestClient) -> None:
    assert client.get("/login", headers={"Host": "localhost:8000"}).status_code == 200


def test_forged_host_never_reaches_the_sign_in_email(
    client: TestClient,
    owner: psycopg.Connection[dict[str, Any]],
    resources: Resources,
    settings: Settings,
) -> None:
    email = unique_email("hostile")
    make_user(owner, email=email)
    token = anon_token(client)

    refused = request_login(client, email, token, Host=EVIL_HOST)
    assert refused.status_code == 400
    assert error_code(refused) == "HOST_NOT_ALLOWED"
    assert outbox_for(resources, email) == []

    # The link comes from BASE_URL, never from the request's Host or X-Forwarded-Host.
    accepted = request_login(
        client, email, token, Host="localhost:8000", **{"X-Forwarded-Host": EVIL_HOST}
    )
    assert accepted.status_code == 202
    messages = outbox_for(resources, email)
    assert len(messages) == 1
    (message,) = messages
    assert EVIL_HOST not in message["text"] and EVIL_HOST not in message["html"]
    links = LINK_RE.findall(message["text"])
    assert links, message["text"]
    for link in links:
        assert link.startswith(f"{settings.app.base_url}/auth/confirm?token=")


# -- 3. body limit ------------------------------------------------------------------------


@pytest.fixture
def small_body(resources: Resources, settings: Settings) -> TestClient:
    limited = replace(settings, auth=replace(settings.auth, max_body_bytes=1024))
    return plain_client(variant_app(resources, limited))


def test_json_body_over_the_limit_is_413(small_body: TestClient) -> None:
    token = anon_token(small_body)
    response = small_body.post(
        "/auth/login",
        json={"email": unique_email(), "pad": "x" * 2000},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"
    assert_hardened(response)


def test_form_body_over_the_limit_is_413(small_body: TestClient) -> None:
    token = anon_token(small_body)
    response = small_body.post(
        "/auth/login",
        data={"csrf_token": token, "email": unique_email(), "pad": "x" * 2000},
        headers={"Accept": "application/json"},
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


def test_streamed_body_without_content_length_is_413(small_body: TestClient) -> None:
    token = anon_token(small_body)

    def chunks() -> Iterator[bytes]:
        yield b'{"email": "' + unique_email().encode() + b'", "pad": "'
        for _ in range(4):
            yield b"x" * 512
        yield b'"}'

    response = small_body.post(
        "/auth/login",
        content=chunks(),
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert response.request.headers.get("content-length") is None
    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


class Note(BaseModel):
    text: str


def test_streamed_body_over_the_limit_to_a_typed_route_is_413(
    resources: Resources, settings: Settings, signed_in: dict[str, Any]
) -> None:
    limited = replace(settings, auth=replace(settings.auth, max_body_bytes=1024))
    app = variant_app(resources, limited)

    @app.post("/api/test/notes")
    def add_note(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    client = plain_client(app)
    client.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")

    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(4):
            yield b"x" * 512
        yield b'"}'

    response = client.post(
        "/api/test/notes",
        content=chunks(),
        headers={"X-CSRF-Token": signed_in["csrf_token"], "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


def test_body_under_the_limit_is_accepted(small_body: TestClient) -> None:
    token = anon_token(small_body)
    response = small_body.post(
        "/auth/login",
        json={"email": unique_email(), "pad": "x" * 700},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 202


# -- 4. CSRF ------------------------------------------------------------------------------


def session_alive(client: TestClient) -> bool:
    response = client.get("/auth/session")
    assert response.status_code in (200, 401)
    return response.status_code == 200


def test_logout_without_token_is_refused_and_logged(
    client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection[dict[str, Any]]
) -> None:
    del client.headers["X-CSRF-Token"]
    response = client.post("/auth/logout", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert error_code(response) == "CSRF_FAILED"
    assert session_alive(client)
    events = security_events(owner, "csrf_failed")
    assert [e["details"]["path"] for e in events] == ["/auth/logout"]


def test_logout_with_a_wrong_token_is_refused(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    right: str = signed_in["csrf_token"]
    wrong = right[:-1] + ("A" if right[-1] != "A" else "B")
    response = client.post(
        "/auth/logout", headers={"Accept": "application/json", "X-CSRF-Token": wrong}
    )
    assert response.status_code == 403
    assert error_code(response) == "CSRF_FAILED"
    assert session_alive(client)


def test_anonymous_token_does_not_work_for_a_session(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    """Once signed in, only the session's own token is accepted."""
    fresh = plain_client(client.app)  # type: ignore[arg-type]
    response = client.post(
        "/auth/logout",
        headers={"Accept": "application/json", "X-CSRF-Token": anon_token(fresh)},
    )
    assert response.status_code == 403
    assert session_alive(client)


def test_logout_with_the_right_token_signs_out(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    response = client.post("/auth/logout", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["data"] == {"signed_out": True}
    assert not session_alive(client)
    # The old cookie is dead on the server, not merely cleared in this browser.
    client.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")
    assert not session_alive(client)


def test_logout_form_with_the_token_field_signs_out(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    del client.headers["X-CSRF-Token"]
    response = client.post(
        "/auth/logout", data={"csrf_token": signed_in["csrf_token"]}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert not session_alive(client)


def test_anonymous_login_needs_the_token(client: TestClient) -> None:
    email = unique_email()
    refused = client.post("/auth/login", json={"email": email})
    assert refused.status_code == 403
    assert error_code(refused) == "CSRF_FAILED"
    accepted = request_login(client, email, anon_token(client))
    assert accepted.status_code == 202


def test_anonymous_token_is_bound_to_its_browser(app: FastAPI) -> None:
    """An attacker's own token/cookie pair is useless in the victim's browser."""
    attacker, victim = plain_client(app), plain_client(app)
    attacker_token = anon_token(attacker)
    anon_token(victim)  # the victim's browser has its own crm_csrf cookie
    response = request_login(victim, unique_email(), attacker_token)
    assert response.status_code == 403
    assert error_code(response) == "CSRF_FAILED"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://localhost.evil.example"},
        {"Origin": "https://localhost"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_cross_site_write_with_the_right_token_is_refused(
    client: TestClient, signed_in: dict[str, Any], headers: dict[str, str]
) -> None:
    response = client.post("/auth/logout", headers={"Accept": "application/json", **headers})
    assert response.status_code == 403
    assert error_code(response) == "CSRF_FAILED"
    assert session_alive(client)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://localhost"},
        {"Origin": "http://localhost/"},
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {},
    ],
)
def test_same_origin_write_with_the_right_token_is_accepted(
    client: TestClient, signed_in: dict[str, Any], headers: dict[str, str]
) -> None:
    response = client.post("/auth/logout", headers={"Accept": "application/json", **headers})
    assert response.status_code == 200
    assert not session_alive(client)


def test_cross_site_anonymous_login_is_refused(client: TestClient) -> None:
    token = anon_token(client)
    response = request_login(client, unique_email(), token, Origin="https://evil.example")
    assert response.status_code == 403
    assert error_code(response) == "CSRF_FAILED"


# -- 5. sign-in enforcement ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/anything", "/api/contacts/5"])
def test_api_without_a_session_is_401(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"
    assert_hardened(response)


def session_cookies_set(response: Response) -> list[str]:
    return [c for c in response.headers.get_list("set-cookie") if c.startswith("crm_session=")]


def test_page_with_a_forged_session_is_sent_to_sign_in_and_the_cookie_cleared(
    client: TestClient,
) -> None:
    client.cookies.set("crm_session", "forged-" + uuid.uuid4().hex, domain="localhost.local")
    response = client.get("/contacts", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/contacts"
    # The dead cookie is cleared on the redirect itself.
    cleared = session_cookies_set(response)
    assert cleared and "Max-Age=0" in cleared[0]
    assert "crm_session" not in client.cookies
    assert client.get(response.headers["location"]).status_code == 200


def test_api_with_a_forged_session_is_401_and_the_cookie_is_cleared(client: TestClient) -> None:
    client.cookies.set("crm_session", "forged-" + uuid.uuid4().hex, domain="localhost.local")
    response = client.get("/api/anything")
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"
    cleared = session_cookies_set(response)
    assert cleared and "Max-Age=0" in cleared[0]


def test_page_without_a_session_redirects_to_sign_in(client: TestClient) -> None:
    response = client.get("/some/page", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/some/page"


def test_redirect_to_sign_in_keeps_the_query_and_comes_back(client: TestClient) -> None:
    response = client.get("/contacts/5?tab=notes&sort=new", follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login?next=/contacts/5")
    page = client.get(location)
    assert page.status_code == 200
    assert hidden_next(page.text) == "/contacts/5?tab=notes&amp;sort=new"


def test_page_without_a_session_asking_for_json_is_401(client: TestClient) -> None:
    response = client.get("/some/page", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/login", "text/html"),
        ("/login/check", "text/html"),
        ("/api/health", "application/json"),
        ("/api/health/live", "application/json"),
        ("/static/css/app.css", "text/css"),
        ("/auth/csrf", "application/json"),
    ],
)
def test_public_routes_work_without_a_session(
    client: TestClient, path: str, content_type: str
) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)


# -- 6. open redirects --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "/\tevil",
        "/\t/evil.example",
        "/\r\nSet-Cookie: x=1",
        "/\x00/evil",
        " //evil.example",
        "evil.example",
        "/login?next=//evil",
        "/auth/confirm?token=x",
        "",
        None,
        "/" + "a" * 2100,
    ],
)
def test_safe_next_path_refuses_anything_off_site(value: str | None) -> None:
    assert safe_next_path(value) == "/"


@pytest.mark.parametrize(
    "value",
    [
        "/",
        "/contacts/5?tab=notes",
        "/contacts/5?tab=notes#history",
        "/%2F%2Fevil.example",  # a local path; %2F is not a slash to the browser's URL parser
        "/./contacts",
    ],
)
def test_safe_next_path_keeps_local_paths(value: str) -> None:
    assert safe_next_path(value) == value


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_login_page_drops_an_off_site_next(client: TestClient, target: str) -> None:
    page = client.get("/login", params={"next": target})
    assert page.status_code == 200
    assert hidden_next(page.text) == "/"


def test_login_page_keeps_a_local_next(client: TestClient) -> None:
    page = client.get("/login", params={"next": "/contacts/5?tab=notes"})
    assert hidden_next(page.text) == "/contacts/5?tab=notes"


def test_signed_in_visit_to_login_never_redirects_off_site(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    response = client.get("/login", params={"next": "//evil.example"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(
    ("requested", "landing"),
    [
        ("//evil.example", "/"),
        ("https://evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("/contacts/5?tab=notes", "/contacts/5?tab=notes"),
    ],
)
def test_sign_in_link_lands_only_on_local_paths(
    client: TestClient,
    owner: psycopg.Connection[dict[str, Any]],
    resources: Resources,
    requested: str,
    landing: str,
) -> None:
    email = unique_email("next")
    make_user(owner, email=email)
    token = anon_token(client)
    response = client.post(
        "/auth/login", json={"email": email, "next": requested}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 202
    (message,) = outbox_for(resources, email)
    link_token = re.search(r"/auth/confirm\?token=([\w\-]+)", message["text"])
    assert link_token, message["text"]
    confirmed = client.post(
        "/auth/confirm",
        data={"token": link_token.group(1), "csrf_token": token},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == landing


# -- 7. X-Forwarded-For -------------------------------------------------------------------


def test_spoofed_forwarded_for_does_not_dodge_the_ip_limit(
    resources: Resources, settings: Settings, owner: psycopg.Connection[dict[str, Any]]
) -> None:
    strict = replace(
        settings,
        auth=replace(settings.auth, login_per_ip=Limit(3, 900), login_per_email=Limit(1000, 900)),
    )
    client = plain_client(variant_app(resources, strict))
    token = anon_token(client)
    for i in range(3):
        response = request_login(client, unique_email(), token, **{"X-Forwarded-For": f"1.2.3.{i}"})
        assert response.status_code == 202
    response = request_login(client, unique_email(), token, **{"X-Forwarded-For": "9.9.9.9"})
    assert response.status_code == 429
    assert error_code(response) == "RATE_LIMITED"
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= 900
    # The log records the real peer, never the spoofed address.
    requested = security_events(owner, "login_requested")
    assert len(requested) == 3
    assert {e["ip"] for e in requested} == {"testclient"}
    limited = security_events(owner, "rate_limited")
    assert [(e["ip"], e["details"]["bucket"]) for e in limited] == [("testclient", "login-ip")]


def middleware(trusted: list[str]) -> AuthMiddleware:
    async def noop(scope: Any, receive: Any, send: Any) -> None:
        return None

    return AuthMiddleware(
        noop,
        service=cast(AuthService, object()),
        secret_key="k",
        allowed_origins=[BASE_URL],
        trusted_proxies=trusted,
        secure_cookies=False,
        public_dev=False,
    )


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # Behind our proxy: the nearest address we do not trust is the client.
        ("10.1.2.3", "203.0.113.9, 10.0.0.5", "203.0.113.9"),
        ("10.1.2.3", "203.0.113.9", "203.0.113.9"),
        # A client-supplied prefix cannot choose the address.
        ("10.1.2.3", "1.1.1.1, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
        # Not from a trusted proxy: the header is ignored.
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),
        ("198.51.100.7", "10.0.0.5", "198.51.100.7"),
        # Trusted peer without the header.
        ("10.1.2.3", None, "10.1.2.3"),
    ],
)
def test_client_ip_trusts_only_configured_proxies(
    peer: str, forwarded: str | None, expected: str
) -> None:
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    ip = middleware(["10.0.0.0/8"]).client_ip({"client": (peer, 1)}, headers)
    assert ip == expected


def test_client_ip_without_trusted_proxies_is_the_peer() -> None:
    ip = middleware([]).client_ip(
        {"client": ("198.51.100.7", 1)}, {"x-forwarded-for": "203.0.113.9"}
    )
    assert ip == "198.51.100.7"


# -- 8. per-email rate limit --------------------------------------------------------------


def test_per_email_limit_and_other_emails_unaffected(client: TestClient) -> None:
    token = anon_token(client)
    email = unique_email("limited")
    for _ in range(5):
        assert request_login(client, email, token).status_code == 202
    # The same address in other clothes is the same address.
    response = request_login(client, f"  {email.upper()} ", token)
    assert response.status_code == 429
    assert error_code(response) == "RATE_LIMITED"
    assert 0 < int(response.headers["retry-after"]) <= 900
    # The HTML form gets a page, still with Retry-After.
    page = client.post(
        "/auth/login", data={"email": email, "csrf_token": token}, follow_redirects=False
    )
    assert page.status_code == 429
    assert "text/html" in page.headers["content-type"]
    assert int(page.headers["retry-after"]) > 0
    assert request_login(client, unique_email("other"), token).status_code == 202


def test_known_and_unknown_emails_answer_alike(
    client: TestClient, owner: psycopg.Connection[dict[str, Any]]
) -> None:
    known = unique_email("known")
    make_user(owner, email=known)
    token = anon_token(client)
    answers = [request_login(client, email, token) for email in (known, unique_email("nobody"))]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["data"] == answers[1].json()["data"]
    assert all(
        any(c.startswith("crm_pending=") for c in a.headers.get_list("set-cookie")) for a in answers
    )
