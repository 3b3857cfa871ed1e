"""The SMS client through the real twilio SDK against a Twilio stand-in on loopback."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from typing import Any

import pytest

from crm.clients.sms_client import SmsClient, SmsNotSendable, SmsSettings, sms_settings_from
from crm.errors import ConfigurationError, ServiceUnavailable
from crm.utils.blocking import BlockingCallOnEventLoop
from tests.stand_ins.twilio_server import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

FROM = "+15005550006"
TO = "+14155550123"


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    with TwilioStandIn() as server:
        yield server


def _client(
    server: TwilioStandIn, *, auth_token: str = AUTH_TOKEN, timeout: float = 5.0
) -> SmsClient:
    settings = SmsSettings(
        account_sid=ACCOUNT_SID, auth_token=auth_token, from_number=FROM, api_url=server.url
    )
    return SmsClient(settings, timeout=timeout)


def test_a_message_reaches_twilio_with_our_sender_and_its_sid_comes_back(
    twilio: TwilioStandIn,
) -> None:
    body = "Hi Dana, your window cleaning is tomorrow at 9:00. Reply STOP to opt out."

    sid = _client(twilio).send(TO, body)

    assert [(m["sid"], m["from"], m["to"], m["body"]) for m in twilio.messages] == [
        (sid, FROM, TO, body)
    ]
    assert sid.startswith("SM") and len(sid) == 34
    (request,) = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request["headers"]["authorization"] == f"Basic {credentials}"


def test_non_ascii_text_arrives_intact(twilio: TwilioStandIn) -> None:
    body = "Olá Zoë — see you at 9 ✓ & bring the key = #4411"

    _client(twilio).send(TO, body)

    assert twilio.messages[0]["body"] == body


def test_wrong_credentials_break_the_whole_channel(twilio: TwilioStandIn) -> None:
    client = _client(twilio, auth_token="not-the-token")

    with pytest.raises(ServiceUnavailable) as caught:
        client.send(TO, "Hello")

    assert caught.value.service == "sms"
    assert "credentials" in caught.value.message and "20003" in caught.value.message
    assert "not-the-token" not in caught.value.message
    assert twilio.messages == []


@pytest.mark.parametrize(
    ("to", "code"),
    [("+15005550001", 21211), ("+15005550004", 21610), ("+15005550009", 21614)],
)
def test_a_number_twilio_refuses_is_not_sendable(twilio: TwilioStandIn, to: str, code: int) -> None:
    with pytest.raises(SmsNotSendable) as caught:
        _client(twilio).send(to, "Hello")

    assert caught.value.code == code
    assert f"error {code}" in caught.value.reason
    assert "Unable to create record" not in caught.value.reason
    assert twilio.messages == []


def test_a_refused_sender_breaks_the_whole_channel(twilio: TwilioStandIn) -> None:
    settings = SmsSettings(ACCOUNT_SID, AUTH_TOKEN, "+15005550007", api_url=twilio.url)

    with pytest.raises(ServiceUnavailable) as caught:
        SmsClient(settings).send(TO, "Hello")

    assert "21606" in caught.value.message and "+15005550007" in caught.value.message


@pytest.mark.parametrize("to", ["4155550123", "+1 415 555 0123", "+1415", "+04155550123", ""])
def test_a_number_not_in_international_form_never_reaches_twilio(
    twilio: TwilioStandIn, to: str
) -> None:
    with pytest.raises(SmsNotSendable, match="international form"):
        _client(twilio).send(to, "Hello")

    assert twilio.requests == []


@pytest.mark.parametrize(("body", "reason"), [(" \n", "empty"), ("x" * 1601, "1601 characters")])
def test_an_empty_or_overlong_text_never_reaches_twilio(
    twilio: TwilioStandIn, body: str, reason: str
) -> None:
    with pytest.raises(SmsNotSendable, match=reason):
        _client(twilio).send(TO, body)

    assert twilio.requests == []


@pytest.mark.parametrize("status", [500, 503, 429])
def test_twilio_failing_is_unavailable_and_the_next_send_works(
    twilio: TwilioStandIn, status: int
) -> None:
    client = _client(twilio)
    twilio.fail_next(1, status)

    with pytest.raises(ServiceUnavailable) as caught:
        client.send(TO, "Hello")

    assert caught.value.service == "sms" and f"HTTP {status}" in caught.value.message
    assert client.send(TO, "Hello again")
    assert [m["body"] for m in twilio.messages] == ["Hello again"]


def test_twilio_down_is_unavailable_until_it_is_back(twilio: TwilioStandIn) -> None:
    client = _client(twilio)
    twilio.stop()

    with pytest.raises(ServiceUnavailable) as caught:
        client.send(TO, "Hello")
    assert caught.value.service == "sms" and "could not be reached" in caught.value.message

    twilio.start()
    client.send(TO, "Hello")
    assert len(twilio.messages) == 1


def test_a_slow_twilio_times_out_as_unavailable(twilio: TwilioStandIn) -> None:
    twilio.stall(5.0)
    started = time.monotonic()

    with pytest.raises(ServiceUnavailable, match="could not be reached"):
        _client(twilio, timeout=0.5).send(TO, "Hello")

    assert time.monotonic() - started < 3.0


def test_sending_from_a_coroutine_is_refused_before_any_request(twilio: TwilioStandIn) -> None:
    client = _client(twilio)

    async def route() -> str:
        return client.send(TO, "Hello")

    with pytest.raises(BlockingCallOnEventLoop, match="Twilio"):
        asyncio.run(route())
    assert twilio.requests == []


# -- settings from the Vault crm/sms secret ---------------------------------------------------

FULL = {
    "SMS_PROVIDER": "twilio",
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_FROM": FROM,
}


@pytest.mark.parametrize(
    "values", [{}, {"SMS_PROVIDER": "twilio"}, {"TWILIO_ACCOUNT_SID": " ", "TWILIO_FROM": ""}]
)
def test_sms_is_off_without_credentials_or_sender(values: dict[str, Any]) -> None:
    assert sms_settings_from(values) is None


def test_settings_are_read_from_the_secret() -> None:
    settings = sms_settings_from({**FULL, "TWILIO_API_URL": "http://127.0.0.1:8123/"})

    assert settings == SmsSettings(ACCOUNT_SID, AUTH_TOKEN, FROM, "http://127.0.0.1:8123")
    assert AUTH_TOKEN not in repr(settings)


def test_the_legacy_sms_from_key_still_names_the_sender() -> None:
    values = {k: v for k, v in FULL.items() if k != "TWILIO_FROM"} | {"SMS_FROM": "+15550001111"}

    settings = sms_settings_from(values)

    assert settings is not None and settings.from_number == "+15550001111"
    assert settings.api_url == ""


def test_twilio_from_wins_over_the_legacy_key() -> None:
    settings = sms_settings_from({**FULL, "SMS_FROM": "+15550001111"})

    assert settings is not None and settings.from_number == FROM


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        (("TWILIO_AUTH_TOKEN",), "TWILIO_AUTH_TOKEN"),
        (("TWILIO_ACCOUNT_SID", "TWILIO_FROM"), "TWILIO_ACCOUNT_SID, TWILIO_FROM"),
    ],
)
def test_a_partial_setup_stops_the_start_naming_what_is_missing(
    missing: tuple[str, ...], named: str
) -> None:
    values = {k: v for k, v in FULL.items() if k not in missing}

    with pytest.raises(ConfigurationError) as caught:
        sms_settings_from(values)

    assert f"crm/sms needs {named} too" in str(caught.value)
    assert AUTH_TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"SMS_PROVIDER": "vonage"}, "SMS_PROVIDER must be twilio, not 'vonage'"),
        ({"TWILIO_API_URL": "api.twilio.com"}, "TWILIO_API_URL must look like"),
        ({"TWILIO_API_URL": "https://api.twilio.com/2010-04-01"}, "TWILIO_API_URL must look"),
    ],
)
def test_a_wrong_provider_or_api_url_is_refused(extra: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        sms_settings_from({**FULL, **extra})
