"""Mail sent to the embedded SMTP catcher shows up at /dev/outbox, newest first."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from email.message import EmailMessage

import aiosmtplib
from fastapi.testclient import TestClient

from crm.config import Settings
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


def test_caught_mail_is_listed_newest_first(client: TestClient, settings: Settings) -> None:
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
