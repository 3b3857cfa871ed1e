"""A local SMTP catcher: every message is printed to the console and kept in the outbox folder."""

from __future__ import annotations

import email
import email.policy
import ipaddress
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from crm.embedded.processes import free_port
from crm.utils.timezone import utc_now

log = logging.getLogger("crm.smtp")

HOST = "127.0.0.1"
CATCHER_FILE = "catcher.json"
# Older messages are removed so a long-running dev stack does not fill the disk.
KEEP_MESSAGES = 500


@dataclass(frozen=True)
class CaughtMessage:
    to: list[str]
    sender: str
    subject: str
    text: str
    html: str
    received_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "from": self.sender,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "received_at": self.received_at,
        }


class Outbox:
    """The folder of caught messages (newest first), private to the user running the stack.

    The catcher also writes its own address there (``catcher.json``), so the app can tell
    whether its SMTP settings point at the catcher or at a real relay.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def add(self, message: CaughtMessage) -> None:
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
        self._write(name, json.dumps(message.as_dict()))
        self._trim()

    def record_catcher(self, host: str, port: int) -> None:
        self._write(CATCHER_FILE, json.dumps({"host": host, "port": port}))
        os.chmod(self.folder, 0o700)  # also a folder made by an older version

    def catches(self, host: str, port: int) -> bool:
        """Whether mail sent to host:port lands in this outbox (the catcher listens there)."""
        try:
            address = json.loads((self.folder / CATCHER_FILE).read_text())
        except (OSError, ValueError):
            return False
        if not isinstance(address, dict) or address.get("port") != port:
            return False
        same_host = str(address.get("host")) == host
        return same_host or (_is_loopback(str(address.get("host"))) and _is_loopback(host))

    def _write(self, name: str, text: str) -> None:
        # Sign-in links are in here: owner-only, like the rest of the data folder's secrets.
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.folder / f".{name}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, self.folder / name)

    def messages(self, limit: int = 100) -> list[dict[str, Any]]:
        if not self.folder.exists():
            return []
        names = sorted((p.name for p in self.folder.glob("[0-9]*.json")), reverse=True)
        result = []
        for name in names[:limit]:
            try:
                result.append(json.loads((self.folder / name).read_text()))
            except (OSError, ValueError):
                continue
        return result

    def _trim(self) -> None:
        names = sorted(p.name for p in self.folder.glob("[0-9]*.json"))
        for name in names[:-KEEP_MESSAGES]:
            (self.folder / name).unlink(missing_ok=True)


def parse_message(raw: bytes, *, rcpt_tos: list[str], mail_from: str) -> CaughtMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    text = html = ""
    if isinstance(parsed, EmailMessage):
        text_part = parsed.get_body(preferencelist=("plain",))
        html_part = parsed.get_body(preferencelist=("html",))
        if text_part is not None and isinstance(text_part, EmailMessage):
            text = str(text_part.get_content())
        if html_part is not None and isinstance(html_part, EmailMessage):
            html = str(html_part.get_content())
    return CaughtMessage(
        to=list(rcpt_tos),
        sender=str(parsed.get("From") or mail_from),
        subject=str(parsed.get("Subject") or ""),
        text=text,
        html=html,
        received_at=utc_now().isoformat().replace("+00:00", "Z"),
    )


class _Handler:
    def __init__(self, outbox: Outbox, *, echo: bool) -> None:
        self.outbox = outbox
        self.echo = echo

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        message = parse_message(
            raw, rcpt_tos=list(envelope.rcpt_tos), mail_from=str(envelope.mail_from)
        )
        self.outbox.add(message)
        if self.echo:
            print(echo_text(message), flush=True)
        return "250 Message accepted for delivery"


def echo_text(message: CaughtMessage) -> str:
    """How a caught message is printed on the console of `crm serve`."""
    return (
        f"\n--- email to {', '.join(message.to)}: {message.subject}\n"
        f"{message.text.strip()}\n--- end of email\n"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpCatcher:
    def __init__(self, outbox: Outbox, *, echo: bool = True) -> None:
        # aiosmtpd logs every connection at INFO and each DATA line at DEBUG; the outbox is
        # the place to read mail, so keep its logger to warnings.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.outbox = outbox
        self.port = free_port(HOST)
        self._controller = Controller(
            _Handler(outbox, echo=echo),
            hostname=HOST,
            port=self.port,
            ready_timeout=10,
            # Addresses with non-ASCII local parts arrive as they would at a modern relay.
            enable_SMTPUTF8=True,
        )

    @property
    def host(self) -> str:
        return HOST

    def start(self) -> None:
        self._controller.start()
        self.outbox.record_catcher(HOST, self.port)

    def stop(self) -> None:
        self._controller.stop()
