"""STAND-IN for Twilio's Messages REST API, for tests only: it sends no text message.

Speaks just enough of ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` for the
official twilio SDK: HTTP Basic auth with the account SID and auth token, a form-encoded
``To``, ``From`` and ``Body``, Twilio's error bodies (``{"code", "message", "more_info",
"status"}``) and a Twilio-shaped message resource (201, status "queued") on success. Twilio's
test-credential "magic" numbers fail the way they do at Twilio (+15005550001 as To is 21211,
+15005550004 is 21610, +15005550009 is 21614...). Accepted messages are kept in ``messages``.

A test can make the next requests fail (``fail_next``), make answers slow (``stall``) or take
the server down and up again on the same port (``stop``/``start``).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "standin-auth-token-9f3b"
API_VERSION = "2010-04-01"
_MESSAGES_PATH = re.compile(rf"/{API_VERSION}/Accounts/(?P<sid>[^/]+)/Messages\.json")
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_ALPHANUMERIC_SENDER = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")
MAX_BODY_CHARS = 1600

# Twilio's magic test numbers (https://www.twilio.com/docs/iam/test-credentials).
MAGIC_TO = {
    "+15005550001": (21211, "Invalid 'To' Phone Number: +15005550001"),
    "+15005550002": (21612, "The 'To' phone number: +15005550002, is not currently reachable"),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region"),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
MAGIC_FROM = {
    "+15005550001": (21212, "The 'From' number +15005550001 is not a valid phone number"),
    "+15005550007": (21606, "The 'From' phone number provided is not a valid message-capable"),
    "+15005550008": (21611, "This 'From' number has exceeded the maximum number of queued"),
}
_GENERIC = {
    429: (20429, "Too Many Requests"),
    500: (20500, "An internal server error has occurred"),
    503: (20503, "Service Unavailable"),
}


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    """An error object the way Twilio's 2010-04-01 API writes it."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def num_segments(body: str) -> int:
    """Roughly Twilio's count: GSM-7 for ASCII (160, then 153 a part), else UCS-2 (70, 67)."""
    single, part = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // part)


class TwilioStandIn:
    """A loopback Twilio Messages API that accepts one account SID and auth token."""

    def __init__(self, *, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self._delay = 0.0
        self._released = threading.Event()
        self._port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to use as the SDK's api domain (SmsSettings.api_url)."""
        if not self._port:
            raise RuntimeError("start the stand-in first")
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> Self:
        """Listen (again on the same port after ``stop``, so clients keep their URL)."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", self._port), _handler_for(self))
        self._port = server.server_address[1]
        self._released.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Take the server down: the port refuses connections until ``start``."""
        server, self._server = self._server, None
        if server is None:
            return
        self._released.set()
        server.shutdown()
        server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status`` and Twilio's error body."""
        with self._lock:
            self._failures.extend([status] * count)

    def stall(self, seconds: float) -> None:
        """Answer every following request only after ``seconds`` (0 to stop stalling)."""
        with self._lock:
            self._delay = seconds

    def handle(self, path: str, headers: dict[str, str], form: dict[str, str]) -> tuple[int, Any]:
        """Record the request and answer it: (HTTP status, JSON body)."""
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "form": form})
            failure = self._failures.pop(0) if self._failures else None
            delay = self._delay
        if delay:
            self._released.wait(delay)
        if failure is not None:
            code, text = _GENERIC.get(failure, (20000 + failure, "Stand-in failure"))
            return failure, error_body(failure, code, text)
        if not self._authorised(headers.get("authorization", "")):
            return 401, error_body(401, 20003, "Authenticate")
        match = _MESSAGES_PATH.fullmatch(path.split("?", 1)[0])
        if not match:
            return 404, error_body(404, 20404, f"The requested resource {path} was not found")
        if match["sid"] != self.account_sid:
            return 403, error_body(403, 20003, "Authenticate")
        refusal = _refusal(form)
        if refusal:
            return 400, error_body(400, *refusal)
        message = self._message(form)
        with self._lock:
            self.messages.append(message)
        return 201, message

    def _authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return (
            scheme.lower() == "basic"
            and secrets.compare_digest(user, self.account_sid)
            and secrets.compare_digest(password, self.auth_token)
        )

    def _message(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC).replace(microsecond=0))
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form["From"],
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(num_segments(form["Body"])),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": form["To"],
            "uri": f"{base}.json",
        }


def _refusal(form: dict[str, str]) -> tuple[int, str] | None:
    """Twilio's (code, message) for a request it would refuse with 400, or None."""
    to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
    if not to:
        return 21604, "A 'To' phone number is required."
    if not sender:
        return 21603, "A 'From' phone number is required."
    if not body:
        return 21602, "Message body is required."
    if not _E164.fullmatch(to):
        return 21211, f"Invalid 'To' Phone Number: {to}"
    if sender in MAGIC_FROM:
        return MAGIC_FROM[sender]
    if not (_E164.fullmatch(sender) or _ALPHANUMERIC_SENDER.fullmatch(sender)):
        return 21212, f"The 'From' number {sender} is not a valid phone number"
    if to in MAGIC_TO:
        return MAGIC_TO[to]
    if len(body) > MAX_BODY_CHARS:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


def _handler_for(stand_in: TwilioStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            fields = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
            form = {key: values[-1] for key, values in fields.items()}
            status, payload = stand_in.handle(self.path, headers, form)
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): exactly what stall() is for

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
