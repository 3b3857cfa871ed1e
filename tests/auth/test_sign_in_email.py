"""Sign-in emails: headers built properly from any business name, and a failed email is a
recorded security event and a visible message — never a silent 202 (issue 10, finding 4)."""

from __future__ import annotations

import email
import email.policy
import html
import uuid
from collections.abc import Iterator
from email.utils import parseaddr
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crm.auth.api import MAIL_FAILED_MESSAGE, SENT_MESSAGE
from crm.auth.email_service import (
    EmailService,
    MessageNotSendable,
    OutgoingEmail,
    build_message,
    header_text,
    sign_in_email,
)
from crm.config import SmtpSettings
from crm.embedded.processes import free_port
from crm.main import Resources
from tests.auth.helpers import anon_csrf, confirm, link_and_code, mails_to, request_login
from tests.factories import make_user

MAIL_FAILING_KEY = "crm:login-mail-failing"
# As the pages show them (HTML-escaped).
FAILED_ON_PAGE = html.escape(MAIL_FAILED_MESSAGE)
SENT_ON_PAGE = html.escape(SENT_MESSAGE)


def _email(prefix: str = "mail") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def _events(owner: psycopg.Connection[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return owner.execute(
        "SELECT account_id, details FROM security_events WHERE event = %s ORDER BY created_at",
        (event,),
    ).fetchall()


@pytest.fixture(autouse=True)
def _no_mail_server_failure_left(resources: Resources) -> Iterator[None]:
    """The mail-server flag lives in the shared Valkey: never leave it for other tests."""
    yield
    with resources.valkey.errors() as valkey:
        valkey.delete(MAIL_FAILING_KEY)


# -- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("business_name", "display_name"),
    [
        ("Sparkle\r\nWindows", "Sparkle Windows"),
        ("Bright\nPanes\r\n  & Gutters", "Bright Panes & Gutters"),
        ("Café Ñandú", "Café Ñandú"),
        ('O\'Brien "Best" Windows, Inc.', 'O\'Brien "Best" Windows, Inc.'),
        ("Zoë's <Window> Co; Ltd.", "Zoë's <Window> Co; Ltd."),
        ("Line\u2028separated\tname", "Line separated name"),
    ],
)
def test_the_email_arrives_from_the_business_name_whatever_it_holds(
    client: TestClient,
    resources: Resources,
    owner: psycopg.Connection[dict[str, Any]],
    business_name: str,
    display_name: str,
) -> None:
    address = _email()
    user = make_user(owner, email=address, business_name=business_name)
    assert request_login(client, address).status_code == 303
    (mail,) = mails_to(resources, address)
    assert parseaddr(mail["from"]) == (display_name, "no-reply@crm.localhost")
    assert mail["subject"] == f"Your sign-in link for {display_name}"
    assert mail["text"].splitlines()[0] == f"Sign in to {display_name}"
    assert [e["account_id"] for e in _events(owner, "login_email_sent")] == [user["id"]]
    assert _events(owner, "login_email_failed") == []
    # And it signs in, as any other.
    token, _ = link_and_code(mail)
    assert confirm(client, token).status_code == 303


def test_a_non_ascii_address_gets_its_email(
    client: TestClient, resources: Resources, owner: psycopg.Connection[dict[str, Any]]
) -> None:
    address = f"josé-{uuid.uuid4().hex[:6]}@example.com"
    make_user(owner, email=address, business_name="Café Ñandú")
    assert request_login(client, address).status_code == 303
    (mail,) = mails_to(resources, address)
    assert parseaddr(mail["from"])[0] == "Café Ñandú"
    assert _events(owner, "login_email_failed") == []


def test_headers_are_encoded_not_concatenated() -> None:
    message = sign_in_email(
        to="owner@example.com",
        link="http://localhost/auth/confirm?token=abc",
        code="123456",
        business_name="Café\r\nÑandú\r\nBcc: victim@example.com",
        minutes=10,
        to_name='Zoë "Z" O\'Neil\r\nX-Injected: 1',
    )
    raw = build_message(message, "CRM <no-reply@crm.localhost>").as_bytes()
    assert raw.isascii()  # RFC 2047 encoded words, no raw UTF-8 in the headers
    head = raw.split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in head and b"\nX-Injected:" not in head
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parseaddr(str(parsed["From"])) == (
        "Café Ñandú Bcc: victim@example.com",
        "no-reply@crm.localhost",
    )
    assert parseaddr(str(parsed["To"])) == ('Zoë "Z" O\'Neil X-Injected: 1', "owner@example.com")
    assert str(parsed["Subject"]) == "Your sign-in link for Café Ñandú Bcc: victim@example.com"


def test_the_to_name_is_left_out_when_it_is_the_address() -> None:
    message = sign_in_email(
        to="owner@example.com",
        link="l",
        code="1",
        business_name="B",
        minutes=1,
        to_name="Owner@Example.com",
    )
    assert str(build_message(message, "no-reply@x.example")["To"]) == "owner@example.com"


def test_header_text_is_one_bounded_line() -> None:
    assert header_text("a\r\nb\x00c\x1b\td\u2029e  f") == "a b c d e f"
    assert header_text("x" * 500, limit=20) == "x" * 19 + "…"
    assert header_text(" \r\n ") == ""


@pytest.mark.parametrize("sender", ["", "CRM", "CRM <>"])
def test_a_sender_without_an_address_is_refused_as_not_sendable(sender: str) -> None:
    message = OutgoingEmail(to="owner@example.com", subject="s", text="t", html="<p>t</p>")
    with pytest.raises(MessageNotSendable):
        build_message(message, sender)


# -- failures are recorded and shown --------------------------------------------------------


class _Refusing:
    """An email service whose every message fails, the way a header problem used to."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send(self, message: OutgoingEmail) -> None:
        raise self.error


def _comparable(response: Any) -> tuple[int, str, list[str]]:
    cookies = sorted(
        ";".join(sorted(p.strip().split("=")[0] for p in c.split(";")))
        for c in response.headers.get_list("set-cookie")
    )
    return response.status_code, response.headers.get("location", ""), cookies


def _check_page(client: TestClient) -> str:
    page = client.get("/login/check")
    assert page.status_code == 200
    return page.text


def _status(client: TestClient) -> dict[str, Any]:
    response = client.get("/auth/login/status")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()["data"]
    return data


@pytest.mark.parametrize(
    "error",
    [
        MessageNotSendable("The message could not be built: ValueError: header"),
        ValueError("Header values may not contain linefeed or carriage return characters"),
    ],
    ids=["not-sendable", "unexpected"],
)
def test_a_message_that_cannot_be_sent_is_recorded_and_shown(
    app: FastAPI,
    client: TestClient,
    owner: psycopg.Connection[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
) -> None:
    monkeypatch.setattr(app.state, "email", _Refusing(error))
    address = _email("broken")
    user = make_user(owner, email=address)
    stranger = TestClient(app, base_url="http://localhost")

    failing = request_login(client, address)
    unknown = request_login(stranger, _email("nobody"))
    # The answer itself never differs: the failure happens after it.
    assert _comparable(failing) == _comparable(unknown)
    assert failing.status_code == 303 and failing.headers["location"] == "/login/check"

    (event,) = _events(owner, "login_email_failed")
    assert event["account_id"] == user["id"]
    assert event["details"]["cause"] == "message"
    assert event["details"]["error"]
    assert _events(owner, "login_email_sent") == []

    page = _check_page(client)
    assert FAILED_ON_PAGE in page and SENT_ON_PAGE not in page
    assert 'role="alert"' in page
    assert _status(client) == {"email_failed": True, "message": MAIL_FAILED_MESSAGE}
    # One bad message says nothing about the mail server: other requests are unaffected.
    assert SENT_ON_PAGE in _check_page(stranger)
    assert _status(stranger)["email_failed"] is False


def test_json_sign_in_then_status_reports_the_failure(
    app: FastAPI,
    client: TestClient,
    owner: psycopg.Connection[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.state, "email", _Refusing(MessageNotSendable("refused")))
    address = _email("json")
    make_user(owner, email=address)
    response = client.post(
        "/auth/login", json={"email": address}, headers={"X-CSRF-Token": anon_csrf(client)}
    )
    assert response.status_code == 202
    assert _status(client)["email_failed"] is True


def test_a_mail_server_outage_shows_alike_for_known_and_unknown_addresses(
    app: FastAPI,
    client: TestClient,
    resources: Resources,
    owner: psycopg.Connection[dict[str, Any]],
) -> None:
    working = app.state.email
    app.state.email = EmailService(
        SmtpSettings(host="127.0.0.1", port=free_port(), from_address="x@example.com"),
        timeout=2,
    )
    known, unknown = _email("known"), _email("unknown")
    user = make_user(owner, email=known)
    asking_known = TestClient(app, base_url="http://localhost")
    asking_unknown = TestClient(app, base_url="http://localhost")
    try:
        assert request_login(asking_known, known).status_code == 303
        (event,) = _events(owner, "login_email_failed")
        assert event["account_id"] == user["id"]
        assert event["details"]["cause"] == "mail_server"
        assert "could not be reached" in event["details"]["error"]
        assert request_login(asking_unknown, unknown).status_code == 303
        # Both browsers see the same failure: it does not tell whether the account exists.
        assert FAILED_ON_PAGE in _check_page(asking_known)
        assert FAILED_ON_PAGE in _check_page(asking_unknown)
        assert _status(asking_known) == _status(asking_unknown)
    finally:
        app.state.email = working
    # The server works again: the next real email clears the flag, for everyone.
    assert request_login(client, known).status_code == 303
    assert len(mails_to(resources, known)) == 1
    assert request_login(asking_unknown, unknown).status_code == 303
    assert SENT_ON_PAGE in _check_page(asking_unknown)
    assert FAILED_ON_PAGE not in _check_page(client)


def test_the_check_page_without_a_pending_login_is_the_ordinary_one(client: TestClient) -> None:
    page = _check_page(client)
    assert SENT_ON_PAGE in page and FAILED_ON_PAGE not in page
    assert "Check again" in page
