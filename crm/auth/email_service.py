"""Email over SMTP (aiosmtplib); STARTTLS whenever the server offers it."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

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
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str


class EmailService:
    def __init__(self, settings: SmtpSettings, *, timeout: float = 15.0) -> None:
        self._settings = settings
        self._timeout = timeout

    async def send(self, email: OutgoingEmail) -> None:
        """Deliver one message; SMTP problems become ServiceUnavailable naming smtp."""
        message = EmailMessage()
        message["From"] = self._settings.from_address
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Message-ID"] = make_msgid(domain=_domain(self._settings.from_address))
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
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
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ServiceUnavailable(
                f"The mail server {self._settings.host}:{self._settings.port} refused or "
                f"could not be reached: {type(exc).__name__}",
                service="smtp",
            ) from exc


def _domain(address: str) -> str:
    part = address.rsplit("@", 1)[-1]
    return part.strip("> ").lower() or "localhost"


def sign_in_email(
    *, to: str, link: str, code: str, business_name: str, minutes: int
) -> OutgoingEmail:
    """The one message a sign-in request sends: a link and a 6-digit code."""
    text = (
        f"Sign in to {business_name}\n\n"
        f"Open this link to sign in:\n{link}\n\n"
        f"Or enter this code in the browser where you asked to sign in: {code}\n\n"
        f"The link and code work once and expire in {minutes} minutes.\n"
        "If you did not ask to sign in, ignore this email; nobody can sign in without it.\n"
    )
    safe_link = html.escape(link, quote=True)
    body = (
        f"<p>Sign in to <strong>{html.escape(business_name)}</strong></p>"
        f'<p><a href="{safe_link}">Sign in</a></p>'
        f"<p>Or enter this code in the browser where you asked to sign in: "
        f"<strong>{code}</strong></p>"
        f"<p>The link and code work once and expire in {minutes} minutes. If you did not ask "
        "to sign in, ignore this email.</p>"
    )
    return OutgoingEmail(
        to=to, subject=f"Your sign-in link for {business_name}", text=text, html=body
    )
