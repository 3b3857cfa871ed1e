"""Email over SMTP (aiosmtplib); STARTTLS whenever the server offers it.

Headers are built from structured values (``email.headerregistry.Address``), never by string
concatenation: a display name with quotes, commas or non-ASCII letters is quoted or encoded
(RFC 2047), and line breaks or other control characters in a name become spaces, so no business
name can break a header or block a message.
"""

from __future__ import annotations

import html
import logging
import unicodedata
from dataclasses import dataclass, field
from email import policy as email_policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import aiosmtplib

from crm.errors import ServiceUnavailable

log = logging.getLogger("crm.email")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    from_address: str
    user: str = ""
    password: str = field(default="", repr=False)
    # PEM bundle to trust for a mail server with a private CA; empty = the system's CAs.
    ca_file: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    data: bytes


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    # Display names for To and From; the From name replaces SMTP_FROM's own display name.
    to_name: str = ""
    sender_name: str = ""
    # A stable Message-ID (the same on every retry of one message); empty = a new one.
    message_id: str = ""
    reply_to: str = ""
    reply_to_name: str = ""
    # Extra headers such as List-Unsubscribe; values are header text (no line breaks).
    headers: tuple[tuple[str, str], ...] = ()
    attachments: tuple[Attachment, ...] = ()


class MessageNotSendable(Exception):
    """This one message cannot be sent (a header or address the mail format or the server
    refuses); the mail server itself is reachable and working."""


class EmailService:
    def __init__(self, settings: SmtpSettings, *, timeout: float = 15.0) -> None:
        self._settings = settings
        self._timeout = timeout

    async def send(self, email: OutgoingEmail) -> None:
        """Deliver one message.

        Raises ServiceUnavailable (service smtp) when the mail server cannot be reached or
        refuses us, and MessageNotSendable when only this message is the problem.
        """
        message = build_message(email, self._settings.from_address)
        try:
            await aiosmtplib.send(
                message,
                hostname=self._settings.host,
                port=self._settings.port,
                username=self._settings.user or None,
                password=self._settings.password or None,
                start_tls=None,
                cert_bundle=self._settings.ca_file or None,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise MessageNotSendable(
                f"The mail server {self._settings.host}:{self._settings.port} refused the recipient"
            ) from exc
        except aiosmtplib.SMTPNotSupported as exc:
            raise MessageNotSendable(
                f"The mail server {self._settings.host}:{self._settings.port} cannot take "
                f"this message: {exc}"
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ServiceUnavailable(
                f"The mail server {self._settings.host}:{self._settings.port} refused or "
                f"could not be reached: {type(exc).__name__}",
                service="smtp",
            ) from exc
        except (ValueError, TypeError, LookupError, MessageError) as exc:
            # aiosmtplib refuses addresses it cannot put on an SMTP command line, and
            # serialising can fail on an address that needs SMTPUTF8.
            raise MessageNotSendable(f"The message could not be sent: {_describe(exc)}") from exc


def build_message(email: OutgoingEmail, from_address: str) -> EmailMessage:
    """The MIME message, with every header built from structured values.

    Raises MessageNotSendable (never anything else) when a header cannot be built.
    """
    try:
        configured_name, sender = parseaddr(from_address)
        if "@" not in sender:
            raise MessageNotSendable(f"SMTP_FROM {from_address!r} has no email address")
        # An address with a non-ASCII local part needs SMTPUTF8 (RFC 6531), end to end.
        utf8 = not (sender.isascii() and email.to.isascii())
        message = EmailMessage(policy=email_policy.SMTPUTF8 if utf8 else email_policy.default)
        message["From"] = _address(
            header_text(email.sender_name) or header_text(configured_name), sender
        )
        message["To"] = _address(header_text(email.to_name), email.to)
        message["Subject"] = header_text(email.subject, limit=250)
        message["Message-ID"] = email.message_id or make_msgid(domain=_domain(sender))
        if email.reply_to:
            message["Reply-To"] = _address(header_text(email.reply_to_name), email.reply_to)
        for name, value in email.headers:
            message[name] = header_text(value, limit=900)
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        for attachment in email.attachments:
            maintype, _, rest = attachment.content_type.partition("/")
            subtype, *params = [part.strip() for part in rest.split(";")]
            message.add_attachment(
                attachment.data,
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
                params=dict(p.split("=", 1) for p in params if "=" in p),
            )
    except MessageNotSendable:
        raise
    except (ValueError, TypeError, LookupError, MessageError) as exc:
        raise MessageNotSendable(f"The message could not be built: {_describe(exc)}") from exc
    return message


def header_text(value: str, *, limit: int = 120) -> str:
    """One line of header text: control characters and line breaks become spaces, runs of
    whitespace one space, and at most ``limit`` characters."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(value)
    )
    text = " ".join(cleaned.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _address(display_name: str, address: str) -> Address:
    """A mailbox from its parts; an internationalised domain in its ASCII (IDNA) form."""
    local, at, domain = address.strip().rpartition("@")
    if not (at and local and domain):
        raise MessageNotSendable(f"{address!r} is not an email address")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    return Address(display_name=display_name, username=local, domain=domain)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def message_id_for(key: str, from_address: str) -> str:
    """A Message-ID made from a stable key (one message's id): the same on every attempt."""
    return f"<{key}@{_domain(parseaddr(from_address)[1] or from_address)}>"


def _domain(address: str) -> str:
    part = address.rsplit("@", 1)[-1]
    return part.strip("> ").lower() or "localhost"


def sign_in_email(
    *,
    to: str,
    link: str,
    code: str,
    business_name: str,
    minutes: int,
    to_name: str = "",
) -> OutgoingEmail:
    """The one message a sign-in request sends: a link and a 6-digit code.

    It comes from the business's name (at SMTP_FROM's address) and goes to the owner's name,
    when they have one other than the address itself.
    """
    business = header_text(business_name) or "your CRM"
    text = (
        f"Sign in to {business}\n\n"
        f"Open this link to sign in:\n{link}\n\n"
        f"Or enter this code in the browser where you asked to sign in: {code}\n\n"
        f"The link and code work once and expire in {minutes} minutes.\n"
        "If you did not ask to sign in, ignore this email; nobody can sign in without it.\n"
    )
    safe_link = html.escape(link, quote=True)
    body = (
        f"<p>Sign in to <strong>{html.escape(business)}</strong></p>"
        f'<p><a href="{safe_link}">Sign in</a></p>'
        f"<p>Or enter this code in the browser where you asked to sign in: "
        f"<strong>{code}</strong></p>"
        f"<p>The link and code work once and expire in {minutes} minutes. If you did not ask "
        "to sign in, ignore this email.</p>"
    )
    name = header_text(to_name)
    return OutgoingEmail(
        to=to,
        subject=f"Your sign-in link for {business}",
        text=text,
        html=body,
        to_name="" if name.lower() == to.lower() else name,
        sender_name=business,
    )
