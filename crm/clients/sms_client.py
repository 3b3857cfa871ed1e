"""Text messages through Twilio's official SDK; Twilio's answers become domain errors here.

Sending is blocking (the SDK uses requests), so it refuses to run on the event loop. A problem
with one message (a bad or unsubscribed number) is SmsNotSendable; anything that would stop
every message (Twilio unreachable, our credentials or sender refused, 429, 5xx) is
ServiceUnavailable with service "sms".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from crm.errors import ConfigurationError, ServiceUnavailable
from crm.utils.blocking import forbid_event_loop

VAULT_PATH = "crm/sms"
TWILIO_API_URL = "https://api.twilio.com"
# Twilio's own limit for one message body (it splits it into segments up to this).
MAX_BODY_CHARS = 1600
# E.164: a plus, then 8 to 15 ASCII digits, the first not 0.
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
# 400-class Twilio errors about our sender, not the recipient: every message would fail.
_SENDER_ERRORS = frozenset(
    {
        21212,  # invalid From number
        21603,  # From is required
        21606,  # From is not an SMS-capable number of this account
        21611,  # the From number's queue is full
    }
)
# Statuses that mean the channel, not this message, is broken (auth, rate limit, wrong URL).
_CHANNEL_STATUSES = frozenset({401, 403, 404, 408, 429})


@dataclass(frozen=True)
class SmsSettings:
    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str
    # Empty means the real Twilio; tests point it at a stand-in's http://127.0.0.1:PORT.
    api_url: str = ""


class SmsNotSendable(Exception):
    """This one message cannot be sent (Twilio refuses the number or the text); Twilio itself
    is reachable and accepts our credentials."""

    def __init__(self, reason: str, *, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def sms_settings_from(values: Mapping[str, Any]) -> SmsSettings | None:
    """The SMS settings from the Vault crm/sms secret, or None when SMS is not set up."""
    provider = _value(values, "SMS_PROVIDER").lower()
    if provider not in ("", "twilio"):
        raise ConfigurationError(
            f"Vault secret {VAULT_PATH} key SMS_PROVIDER must be twilio, not {provider!r}"
        )
    from_key = "TWILIO_FROM" if _value(values, "TWILIO_FROM") else "SMS_FROM"
    needed = {
        "TWILIO_ACCOUNT_SID": _value(values, "TWILIO_ACCOUNT_SID"),
        "TWILIO_AUTH_TOKEN": _value(values, "TWILIO_AUTH_TOKEN"),
        "TWILIO_FROM": _value(values, from_key),
    }
    missing = [key for key, value in needed.items() if not value]
    if len(missing) == len(needed):
        return None
    if missing:
        raise ConfigurationError(
            f"Vault secret {VAULT_PATH} needs {', '.join(missing)} too: sending text messages "
            "needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM"
        )
    return SmsSettings(
        account_sid=needed["TWILIO_ACCOUNT_SID"],
        auth_token=needed["TWILIO_AUTH_TOKEN"],
        from_number=needed["TWILIO_FROM"],
        api_url=_api_url(_value(values, "TWILIO_API_URL")),
    )


def _value(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    return "" if value is None else str(value).strip()


def _api_url(text: str) -> str:
    url = text.rstrip("/")
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path):
        raise ConfigurationError(
            f"Vault secret {VAULT_PATH} key TWILIO_API_URL must look like "
            f"https://api.twilio.com, not {text!r}"
        )
    return url


class SmsClient:
    """Sends text messages from one Twilio account and sender."""

    def __init__(self, settings: SmsSettings, *, timeout: float = 15.0) -> None:
        self._settings = settings
        self._api_url = settings.api_url or TWILIO_API_URL
        self._client = Client(
            settings.account_sid,
            settings.auth_token,
            http_client=TwilioHttpClient(timeout=timeout),
            # The SDK reads TWILIO_EDGE/TWILIO_REGION (which rewrite the host name) from
            # os.environ when given no mapping, or an empty one; only Vault configures us.
            environment={"TWILIO_EDGE": "", "TWILIO_REGION": ""},
        )
        self._client.api.base_url = self._api_url

    def send(self, to: str, body: str) -> str:
        """Send one text message; returns Twilio's message SID.

        Raises SmsNotSendable when only this message is the problem, and ServiceUnavailable
        (service sms) when Twilio cannot be reached or refuses us.
        """
        forbid_event_loop("Twilio")
        if not _E164.fullmatch(to):
            raise SmsNotSendable(
                f"{to!r} is not a phone number in international form, like +14155550123"
            )
        if not body.strip():
            raise SmsNotSendable("The message is empty")
        if len(body) > MAX_BODY_CHARS:
            raise SmsNotSendable(
                f"The message is {len(body)} characters long; the limit is {MAX_BODY_CHARS}"
            )
        try:
            message = self._client.messages.create(
                to=to, from_=self._settings.from_number, body=body
            )
        except TwilioRestException as exc:
            raise self._refusal(exc.status, exc.code, _without_prefix(exc.msg)) from exc
        except TwilioServiceException as exc:
            text = f"{exc.title}: {exc.detail}" if exc.detail else exc.title
            raise self._refusal(exc.status, exc.code, text) from exc
        except (requests.RequestException, OSError, TwilioException) as exc:
            raise ServiceUnavailable(
                f"Twilio ({self._api_url}) could not be reached: {type(exc).__name__}",
                service="sms",
            ) from exc
        except ValueError as exc:
            # A 2xx answer that is not JSON: a proxy or something else is not Twilio.
            raise ServiceUnavailable(
                f"Twilio ({self._api_url}) answered with something other than JSON",
                service="sms",
            ) from exc
        if not message.sid:
            raise ServiceUnavailable(
                f"Twilio ({self._api_url}) accepted the message without a message SID",
                service="sms",
            )
        return str(message.sid)

    def _refusal(self, status: int, code: int | None, text: str) -> Exception:
        """SmsNotSendable or ServiceUnavailable, from Twilio's HTTP status and error code."""
        described = f"error {code}: {text}" if code and code != status else text
        if 400 <= status < 500 and status not in _CHANNEL_STATUSES and code not in _SENDER_ERRORS:
            return SmsNotSendable(f"Twilio refused the message ({described})", code=code)
        if status in (401, 403):
            reason = "refused our credentials"
        elif code in _SENDER_ERRORS:
            reason = f"refused our sender {self._settings.from_number}"
        else:
            reason = f"answered HTTP {status}"
        return ServiceUnavailable(
            f"Twilio ({self._api_url}) {reason} ({described})",
            service="sms",
            details={"twilio_code": code} if code else None,
        )


def _without_prefix(message: str) -> str:
    # The SDK puts its own "Unable to create record: " before Twilio's message.
    return str(message).removeprefix("Unable to create record: ")[:300]
