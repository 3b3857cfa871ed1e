"""Mail sent to the embedded SMTP catcher shows up at /dev/outbox, newest first; the folder is
private, and the catcher can print each message on the console instead."""

from __future__ import annotations

import asyncio
import json
import stat
import uuid
from dataclasses import replace
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import aiosmtplib
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crm.auth.email_service import EmailService, sign_in_email
from crm.config import Settings, SmtpSettings
from crm.embedded.smtp import KEEP_MESSAGES, TRIM_EVERY, CaughtMessage, Outbox, SmtpCatcher
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


ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CRM//Tests//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20300101T090000Z\r\nSUMMARY:Window cleaning\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _invite(settings: Settings, *, to: str, uid: str) -> EmailMessage:
    """A visit confirmation as calendar clients expect it: an invite part and an .ics file."""
    message = EmailMessage()
    message["From"] = settings.smtp.from_address
    message["To"] = to
    message["Subject"] = "Your visit is booked ✓"
    message["Message-ID"] = make_msgid(domain="crm.localhost")
    message["X-Visit"] = uid
    message.set_content("See you on 1 January at 9:00.")
    message.add_alternative(ICS.format(uid=uid), subtype="calendar", params={"method": "REQUEST"})
    message.add_attachment(ICS.format(uid=uid).encode(), "text", "calendar", filename="invite.ics")
    message.add_attachment(LOGO, "image", "png", filename="logo.png")
    return message


def _caught(*, to: str, subject: str) -> CaughtMessage:
    return CaughtMessage(
        to=[to],
        sender="CRM <no-reply@crm.localhost>",
        subject=subject,
        text="",
        html="",
        received_at="2030-01-01T09:00:00Z",
    )


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


def test_an_invite_is_caught_as_the_customer_receives_it(settings: Settings) -> None:
    tag = uuid.uuid4().hex[:8]
    to = f"invitee-{tag}@example.com"
    message = _invite(settings, to=to, uid=f"visit-{tag}")
    asyncio.run(aiosmtplib.send(message, hostname=settings.smtp.host, port=settings.smtp.port))
    assert settings.embedded_outbox is not None
    # Recipients are matched in any case, as mail servers do.
    (caught,) = Outbox(Path(settings.embedded_outbox)).wait_for(1, to=to.upper())

    assert caught["message_id"] == message["Message-ID"]
    assert [name for name, _ in caught["headers"]] == list(message.keys())
    assert ["Subject", "Your visit is booked ✓"] in caught["headers"]
    assert ["X-Visit", f"visit-{tag}"] in caught["headers"]
    assert caught["text"].strip() == "See you on 1 January at 9:00."

    inline, attached, logo = caught["attachments"]
    assert (inline["filename"], inline["content_type"]) == ("", "text/calendar")
    assert (attached["filename"], attached["content_type"]) == ("invite.ics", "text/calendar")
    for invite in (inline, attached):
        assert invite["text"].startswith("BEGIN:VCALENDAR")
        assert "METHOD:REQUEST" in invite["text"] and f"UID:visit-{tag}" in invite["text"]
        assert invite["size"] == len(ICS.format(uid=f"visit-{tag}").encode())
    assert logo == {
        "filename": "logo.png",
        "content_type": "image/png",
        "size": len(LOGO),
        "text": None,
    }


def test_the_outbox_keeps_the_newest_messages_and_trims_in_batches(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    outbox.folder.mkdir()
    # A folder already past the limit, written directly: the oldest names sort first.
    for i in range(KEEP_MESSAGES + 50):
        body = _caught(to=f"old-{i}@example.com", subject=f"Old {i}").as_dict()
        (outbox.folder / f"{i + 1:020d}-00000000.json").write_text(json.dumps(body))

    outbox.add(_caught(to="new@example.com", subject="New 0"))
    kept = outbox.messages(limit=KEEP_MESSAGES + 10)
    assert len(kept) == KEEP_MESSAGES
    assert kept[0]["subject"] == "New 0"
    # The 51 oldest went: the newest written directly are all still there.
    assert kept[-1]["subject"] == "Old 51"

    # Between trims the folder grows by at most TRIM_EVERY - 1 messages, then shrinks again.
    for i in range(1, TRIM_EVERY):
        outbox.add(_caught(to="new@example.com", subject=f"New {i}"))
    files = list(outbox.folder.glob("[0-9]*.json"))
    assert len(files) == KEEP_MESSAGES + TRIM_EVERY - 1
    outbox.add(_caught(to="new@example.com", subject=f"New {TRIM_EVERY}"))
    kept = outbox.messages(limit=KEEP_MESSAGES + TRIM_EVERY)
    assert len(kept) == KEEP_MESSAGES
    assert [m["subject"] for m in kept[:2]] == [f"New {TRIM_EVERY}", f"New {TRIM_EVERY - 1}"]


def test_messages_filter_by_recipient_and_message_id(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    for i, to in enumerate(["Ana@Example.com", "bob@example.com", "ana@example.com"]):
        outbox.add(replace(_caught(to=to, subject=f"Mail {i}"), message_id=f"<m{i}@crm.localhost>"))

    assert [m["subject"] for m in outbox.messages(to="ANA@example.com")] == ["Mail 2", "Mail 0"]
    assert [m["subject"] for m in outbox.messages(limit=1, to="ana@example.com")] == ["Mail 2"]
    # With or without the angle brackets, the same message.
    for wanted in ("<m1@crm.localhost>", "m1@crm.localhost"):
        assert [m["subject"] for m in outbox.messages(message_id=wanted)] == ["Mail 1"]
    assert outbox.messages(message_id="<m1@crm.localhost>", to="ana@example.com") == []


def test_wait_for_returns_the_newest_or_says_how_many_arrived(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    outbox.add(_caught(to="ana@example.com", subject="First"))
    outbox.add(_caught(to="bob@example.com", subject="Other"))
    outbox.add(_caught(to="ana@example.com", subject="Second"))
    found = outbox.wait_for(2, to="ana@example.com", timeout=1)
    assert [m["subject"] for m in found] == ["Second", "First"]
    with pytest.raises(TimeoutError, match=r"2 of 3 messages to ana@example\.com arrived"):
        outbox.wait_for(3, to="ana@example.com", timeout=0.2)


def test_messages_caught_by_an_older_version_still_list(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    outbox.folder.mkdir()
    old = _caught(to="ana@example.com", subject="Before").as_dict()
    for key in ("message_id", "headers", "attachments"):
        del old[key]
    (outbox.folder / f"{1:020d}-00000000.json").write_text(json.dumps(old))
    (listed,) = outbox.messages()
    assert (listed["message_id"], listed["headers"], listed["attachments"]) == (None, [], [])
