"""Mail sent to the embedded SMTP catcher shows up at /dev/outbox, newest first; the folder is
private, and the catcher can print each message on the console instead."""

from __future__ import annotations

import asyncio
import stat
import uuid
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crm.auth.email_service import EmailService, sign_in_email
from crm.config import Settings, SmtpSettings
from crm.embedded.smtp import Outbox, SmtpCatcher
from crm.main import Resources, create_app


def _send(settings: Settings, *, to: str, subject: str, text: str, html: str | None = None) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp.from_address
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    asyncio.run(aiosmtplib.send(message, hostname=settings.smtp.host, port=settings.smtp.port))


def test_caught_mail_is_listed_newest_first(app: FastAPI, settings: Settings) -> None:
    # /dev/* answers only this machine: the peer address must be loopback (docs: dev.py).
    client = TestClient(app, base_url="http://localhost", client=("127.0.0.1", 50000))
    tag = uuid.uuid4().hex[:8]
    _send(settings, to=f"first-{tag}@example.com", subject=f"First {tag}", text="one")
    _send(
        settings,
        to=f"second-{tag}@example.com",
        subject=f"Second {tag}",
        text="Your code is 123456",
        html="<p>Your code is <b>123456</b></p>",
    )
    messages = client.get("/dev/outbox.json").json()
    ours = [m for m in messages if tag in m["subject"]]
    assert [m["subject"] for m in ours] == [f"Second {tag}", f"First {tag}"]
    newest = ours[0]
    assert newest["to"] == [f"second-{tag}@example.com"]
    assert "no-reply@crm.localhost" in newest["from"]
    assert newest["text"].strip() == "Your code is 123456"
    assert "<b>123456</b>" in newest["html"]
    assert newest["received_at"].endswith("Z")

    page = client.get("/dev/outbox")
    assert page.status_code == 200
    assert f"Second {tag}" in page.text and "Your code is 123456" in page.text


def test_dev_routes_do_not_exist_outside_embedded_mode(
    resources: Resources, signed_in: dict
) -> None:
    production = replace(resources, settings=replace(resources.settings, embedded_outbox=None))
    with TestClient(create_app(production), base_url="http://localhost") as client:
        # Not public outside embedded mode: strangers are sent to sign in...
        anonymous = client.get("/dev/outbox.json", follow_redirects=False)
        assert anonymous.status_code == 303
        # ...and even a signed-in owner finds nothing there.
        client.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")
        assert client.get("/dev/outbox.json").status_code == 404
        assert client.get("/dev/outbox").status_code == 404


def test_outbox_files_are_private_and_the_catcher_address_is_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outbox = Outbox(tmp_path / "outbox")
    catcher = SmtpCatcher(outbox, echo=True)
    catcher.start()
    try:
        assert outbox.catches(catcher.host, catcher.port)
        assert outbox.catches("localhost", catcher.port)
        assert not outbox.catches(catcher.host, catcher.port + 1)
        assert not outbox.catches("smtp.example.com", catcher.port)
        message = sign_in_email(
            to="owner@example.com",
            link="http://localhost:8000/auth/confirm?token=abc123",
            code="654321",
            business_name="Café\r\nÑandú",
            minutes=10,
        )
        service = EmailService(
            SmtpSettings(
                host=catcher.host, port=catcher.port, from_address="CRM <no-reply@crm.localhost>"
            )
        )
        asyncio.run(service.send(message))
    finally:
        catcher.stop()
    # Sign-in links are in there: the folder and every file are the owner's alone.
    assert stat.S_IMODE(outbox.folder.stat().st_mode) == 0o700
    files = list(outbox.folder.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    (caught,) = outbox.messages()
    assert caught["subject"] == "Your sign-in link for Café Ñandú"
    # With /dev/outbox off, this console is where the owner reads the link and code.
    printed = capsys.readouterr().out
    assert "--- email to owner@example.com: Your sign-in link for Café Ñandú" in printed
    assert "http://localhost:8000/auth/confirm?token=abc123" in printed and "654321" in printed


def test_no_catcher_address_means_a_relay(tmp_path: Path) -> None:
    assert not Outbox(tmp_path / "never-started").catches("127.0.0.1", 25)
