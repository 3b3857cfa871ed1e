"""Email goes over real SMTP: STARTTLS when offered, login, verified certificates."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from crm.auth.email_service import EmailService, OutgoingEmail, sign_in_email
from crm.config import SmtpSettings
from crm.embedded.processes import free_port
from crm.errors import ServiceUnavailable


class Collector:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope, server.session.ssl is not None))
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"crm", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, Collector]]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    collector = Collector()
    port = free_port()
    controller = Controller(
        collector,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield port, collector
    finally:
        controller.stop()


def _message() -> OutgoingEmail:
    return sign_in_email(
        to="owner@example.com",
        link="http://localhost/auth/confirm?token=abc",
        code="123456",
        business_name="Sparkle & Co <Windows>",
        minutes=10,
    )


def test_starttls_and_login_are_used_when_offered(
    tls_server: tuple[int, Collector], certificate: tuple[Path, Path]
) -> None:
    port, collector = tls_server
    service = EmailService(
        SmtpSettings(
            host="127.0.0.1",
            port=port,
            from_address="CRM <no-reply@example.com>",
            user="crm",
            password="s3cret",
            ca_file=str(certificate[0]),
        )
    )
    asyncio.run(service.send(_message()))
    assert len(collector.messages) == 1
    envelope, over_tls = collector.messages[0]
    assert over_tls is True
    assert envelope.rcpt_tos == ["owner@example.com"]
    body = envelope.content.decode()
    assert "Message-ID: <" in body and "@example.com>" in body
    # Names are escaped in the HTML part.
    assert "Sparkle &amp; Co &lt;Windows&gt;" in body


def test_untrusted_certificate_is_refused(tls_server: tuple[int, Collector]) -> None:
    port, collector = tls_server
    service = EmailService(
        SmtpSettings(
            host="127.0.0.1", port=port, from_address="x@example.com", user="crm", password="s3cret"
        )
    )
    with pytest.raises(ServiceUnavailable) as caught:
        asyncio.run(service.send(_message()))
    assert caught.value.details["service"] == "smtp"
    assert collector.messages == []


def test_wrong_password_is_service_unavailable(
    tls_server: tuple[int, Collector], certificate: tuple[Path, Path]
) -> None:
    port, _ = tls_server
    service = EmailService(
        SmtpSettings(
            host="127.0.0.1",
            port=port,
            from_address="x@example.com",
            user="crm",
            password="wrong",
            ca_file=str(certificate[0]),
        )
    )
    with pytest.raises(ServiceUnavailable, match=f"127.0.0.1:{port}"):
        asyncio.run(service.send(_message()))


def test_unreachable_server_is_service_unavailable() -> None:
    service = EmailService(
        SmtpSettings(host="127.0.0.1", port=free_port(), from_address="x@example.com"),
        timeout=2,
    )
    with pytest.raises(ServiceUnavailable):
        asyncio.run(service.send(_message()))
