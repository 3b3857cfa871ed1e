"""A local SMTP catcher: every message is printed to the console and kept in the outbox folder."""

from __future__ import annotations

import email
import email.policy
import ipaddress
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
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
KEEP_MESSAGES = 5000
# Trimming lists the whole folder, so it runs on the first add and then every TRIM_EVERY adds.
TRIM_EVERY = 100
WAIT_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    text: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "text": self.text,
        }


@dataclass(frozen=True)
class CaughtMessage:
    to: list[str]
    sender: str
    subject: str
    text: str
    html: str
    received_at: str
    message_id: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "from": self.sender,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "received_at": self.received_at,
            "message_id": self.message_id,
            "headers": [[name, value] for name, value in self.headers],
            "attachments": [a.as_dict() for a in self.attachments],
        }


class Outbox:
    """The folder of caught messages (newest first), private to the user running the stack.

    The catcher also writes its own address there (``catcher.json``), so the app can tell
    whether its SMTP settings point at the catcher or at a real relay.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._adds = 0

    def add(self, message: CaughtMessage) -> None:
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
        self._write(name, json.dumps(message.as_dict()))
        if self._adds % TRIM_EVERY == 0:
            self._trim()
        self._adds += 1

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

    def messages(
        self, limit: int = 100, *, to: str | None = None, message_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest `limit` caught messages, optionally only those to one address or one id."""
        return self._matching(limit=limit, to=to, message_id=message_id, cache={})

    def wait_for(
        self, count: int, *, to: str | None = None, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """The newest `count` messages (to `to`), once that many arrived: mail is asynchronous."""
        cache: dict[str, dict[str, Any] | None] = {}
        deadline = time.monotonic() + timeout
        while True:
            found = self._matching(limit=count, to=to, message_id=None, cache=cache)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                recipient = f" to {to}" if to else ""
                raise TimeoutError(
                    f"{len(found)} of {count} messages{recipient} arrived within {timeout}s"
                )
            time.sleep(WAIT_POLL_SECONDS)

    def _matching(
        self,
        *,
        limit: int,
        to: str | None,
        message_id: str | None,
        cache: dict[str, dict[str, Any] | None],
    ) -> list[dict[str, Any]]:
        # Files never change once written, so a poller may keep what it has read.
        result: list[dict[str, Any]] = []
        if limit <= 0:
            return result
        for name in self._names(newest_first=True):
            if name not in cache:
                cache[name] = self._read(name)
            message = cache[name]
            if message is not None and _matches(message, to=to, message_id=message_id):
                result.append(message)
                if len(result) >= limit:
                    break
        return result

    def _names(self, *, newest_first: bool) -> list[str]:
        if not self.folder.exists():
            return []
        return sorted((p.name for p in self.folder.glob("[0-9]*.json")), reverse=newest_first)

    def _read(self, name: str) -> dict[str, Any] | None:
        try:
            stored = json.loads((self.folder / name).read_text())
        except (OSError, ValueError):
            return None  # trimmed meanwhile, or not a message
        if not isinstance(stored, dict):
            return None
        # Messages caught by an older version lack the newer fields.
        return {"message_id": None, "headers": [], "attachments": [], **stored}

    def _trim(self) -> None:
        for name in self._names(newest_first=False)[:-KEEP_MESSAGES]:
            (self.folder / name).unlink(missing_ok=True)


def _matches(message: dict[str, Any], *, to: str | None, message_id: str | None) -> bool:
    if to is not None:
        wanted = to.strip().casefold()
        if not any(str(r).casefold() == wanted for r in message.get("to") or []):
            return False
    if message_id is not None:
        stored = message.get("message_id")
        if stored is None or _bare_id(str(stored)) != _bare_id(message_id):
            return False
    return True


def _bare_id(message_id: str) -> str:
    """A Message-ID without its angle brackets, so `<x@y>` and `x@y` name the same message."""
    return message_id.strip().removeprefix("<").removesuffix(">")


def parse_message(raw: bytes, *, rcpt_tos: list[str], mail_from: str) -> CaughtMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    text = html = ""
    bodies: list[Message] = []
    if isinstance(parsed, EmailMessage):
        text_part = parsed.get_body(preferencelist=("plain",))
        html_part = parsed.get_body(preferencelist=("html",))
        if text_part is not None and isinstance(text_part, EmailMessage):
            text = str(text_part.get_content())
            bodies.append(text_part)
        if html_part is not None and isinstance(html_part, EmailMessage):
            html = str(html_part.get_content())
            bodies.append(html_part)
    return CaughtMessage(
        to=list(rcpt_tos),
        sender=str(parsed.get("From") or mail_from),
        subject=str(parsed.get("Subject") or ""),
        text=text,
        html=html,
        received_at=utc_now().isoformat().replace("+00:00", "Z"),
        message_id=_raw_header(parsed, "Message-ID"),
        headers=[(name, str(value)) for name, value in parsed.items()],
        attachments=[
            _attachment(part)
            for part in _leaves(parsed)
            if not any(part is body for body in bodies)
        ],
    )


def _raw_header(message: Message, name: str) -> str | None:
    """A header's value as sent (unfolded), not as the parser would re-render it."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return re.sub(r"\r?\n(?=[ \t])", "", str(value)).strip()
    return None


def _leaves(part: Message) -> Iterator[Message]:
    """Every part a mail client shows or offers (a forwarded message counts as one)."""
    if part.is_multipart() and not part.get_content_type().startswith("message/"):
        for child in part.get_payload():
            if isinstance(child, Message):
                yield from _leaves(child)
    else:
        yield part


def _attachment(part: Message) -> Attachment:
    """Any part besides the text and HTML bodies: files, calendar invites, inline images."""
    content_type = part.get_content_type()
    if part.is_multipart():
        data = b"".join(p.as_bytes() for p in part.get_payload() if isinstance(p, Message))
    else:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    text = None
    if content_type.startswith("text/"):
        charset = part.get_content_charset() or "utf-8"
        try:
            text = data.decode(charset, errors="replace")
        except LookupError:
            text = data.decode("utf-8", errors="replace")
    return Attachment(
        filename=part.get_filename() or "",
        content_type=content_type,
        size=len(data),
        text=text,
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
