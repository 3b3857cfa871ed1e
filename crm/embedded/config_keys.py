"""What `crm config` accepts: the paths and keys the app reads, and the check each value passes.

Every value is checked when it is set and again when the stack starts, so a hand-edited file
cannot start the app with a value it would misread; the message names the file, path and key
and never a secret's value.
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from crm.auth.config import Limit
from crm.errors import ConfigurationError

# A key naming any of these is a secret: `show` masks it and no message ever repeats it.
SECRET_MARKERS = ("PASSWORD", "API_KEY", "AUTH_TOKEN", "SECRET", "TOKEN")
# Paths and keys that the embedded stack generates itself; named in the refusal.
STACK_OWNED_PATHS = ("crm/database", "crm/valkey")
STACK_OWNED_KEYS = {"crm/app": ("SECRET_KEY",)}


class ConfigFileError(ConfigurationError):
    """A path, key or value `crm config` (or the stack at start) refuses; one line."""


class _Invalid(ValueError):
    """A value's problem, phrased to follow '<path> <key> ' (never containing a secret)."""


# -- value checks (each returns the value as stored, or raises _Invalid) ----------------------


def _text(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise _Invalid("must be one line")
    return value


def _host(value: str) -> str:
    value = _text(value)
    if "://" in value or "/" in value or any(c.isspace() for c in value):
        raise _Invalid(f"must be a host name like smtp.example.com, not {value!r}")
    return value


def _port(value: str) -> str:
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise _Invalid(f"must be a port number from 1 to 65535, not {value!r}")
    return str(port)


def _sender(value: str) -> str:
    value = _text(value)
    _name, address = parseaddr(value)
    if "@" not in address:
        raise _Invalid(
            f"must be an email address like 'Crystal Clear <no-reply@example.com>', not {value!r}"
        )
    return value


def _existing_file(value: str) -> str:
    path = Path(_text(value)).expanduser().resolve()
    if not path.is_file() or not os.access(path, os.R_OK):
        raise _Invalid(f"must be a readable file (a PEM bundle); {str(path)!r} is not")
    return str(path)


def _bool(value: str) -> str:
    text = value.lower()
    if text in ("true", "1", "yes", "on"):
        return "true"
    if text in ("false", "0", "no", "off"):
        return "false"
    raise _Invalid(f"must be true or false, not {value!r}")


def _http_url(value: str) -> str:
    value = _text(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise _Invalid(f"must be an http:// or https:// URL, not {value!r}")
    return value


def _base_url(value: str) -> str:
    # The same rule as crm.config's BASE_URL check: an origin, nothing after the host.
    text = _http_url(value).rstrip("/")
    parts = urlsplit(text)
    if parts.path or parts.query or parts.fragment:
        raise _Invalid(f"must be an origin like https://crm.example.com, not {value!r}")
    return text


def _choice(*options: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value.lower() not in options:
            raise _Invalid(f"must be {' or '.join(options)}, not {value!r}")
        return value.lower()

    return check


def _host_list(value: str) -> str:
    hosts = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not hosts:
        raise _Invalid("must name at least one host")
    for host in hosts:
        bad = "://" in host or "/" in host or any(c.isspace() for c in host)
        if not bad and host.count(":") == 1:
            port = host.partition(":")[2]
            bad = not (port.isdigit() and 1 <= int(port) <= 65535)
        if bad:
            raise _Invalid(f"must be comma-separated host[:port] names, not {host!r}")
    return ",".join(hosts)


def _network_list(value: str) -> str:
    networks = [part.strip() for part in value.split(",") if part.strip()]
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise _Invalid(
                f"must be comma-separated IP addresses or CIDRs, not {network!r}"
            ) from None
    if not networks:
        raise _Invalid("must name at least one address")
    return ",".join(networks)


def _positive_days(value: str) -> str:
    try:
        days = float(value)
    except ValueError:
        days = math.nan
    if not (math.isfinite(days) and days > 0):
        raise _Invalid(f"must be a positive number of days, not {value!r}")
    return value


def _positive_int(value: str) -> str:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise _Invalid(f"must be a positive whole number, not {value!r}")
    return str(number)


def _rate_limit(value: str) -> str:
    try:
        Limit.parse(value, "")
    except ConfigurationError:
        raise _Invalid(
            f"must look like COUNT/SECONDS with both positive, e.g. 5/900, not {value!r}"
        ) from None
    return value


# -- the allowed keys -------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    name: str
    check: Callable[[str], str]

    @property
    def secret(self) -> bool:
        return is_secret(self.name)


def is_secret(key: str) -> bool:
    return any(marker in key.upper() for marker in SECRET_MARKERS)


def _keys(*keys: Key) -> dict[str, Key]:
    return {key.name: key for key in keys}


# The keys the app reads from each path (crm/config.py, crm/auth/config.py; README's table).
SCHEMA: dict[str, dict[str, Key]] = {
    "crm/smtp": _keys(
        Key("SMTP_HOST", _host),
        Key("SMTP_PORT", _port),
        Key("SMTP_FROM", _sender),
        Key("SMTP_USER", _text),
        Key("SMTP_PASSWORD", _text),
        Key("SMTP_CA_FILE", _existing_file),
    ),
    "crm/llm": _keys(
        Key("LLM_LOCAL_ENDPOINT", _http_url),
        Key("LLM_LOCAL_MODEL", _text),
        Key("LLM_REMOTE_PROVIDER", _choice("anthropic", "openai")),
        Key("LLM_REMOTE_API_KEY", _text),
        Key("LLM_PREFER_LOCAL", _bool),
    ),
    "crm/app": _keys(
        Key("BASE_URL", _base_url),
        Key("ALLOWED_HOSTS", _host_list),
        Key("TRUSTED_PROXIES", _network_list),
        Key("SESSION_IDLE_DAYS", _positive_days),
        Key("SESSION_ABSOLUTE_DAYS", _positive_days),
        Key("MAX_BODY_BYTES", _positive_int),
        Key("RATE_LIMIT_LOGIN_PER_EMAIL", _rate_limit),
        Key("RATE_LIMIT_LOGIN_PER_IP", _rate_limit),
        Key("RATE_LIMIT_CONFIRM_PER_IP", _rate_limit),
    ),
    # Read by the SMS channel (crm/clients/sms_client.py); TWILIO_API_URL is for a stand-in.
    "crm/sms": _keys(
        Key("SMS_PROVIDER", _choice("twilio")),
        Key("TWILIO_ACCOUNT_SID", _text),
        Key("TWILIO_AUTH_TOKEN", _text),
        Key("TWILIO_FROM", _text),
        Key("TWILIO_API_URL", _base_url),
    ),
}
PATHS = tuple(SCHEMA)

# What applies to a path with nothing configured (for `show`).
DEFAULTS_NOTE = {
    "crm/smtp": "mail goes to the local catcher (/dev/outbox)",
    "crm/llm": "close-out extraction uses the built-in rules",
    "crm/app": "BASE_URL is the address `crm serve` listens on; defaults for the rest",
    "crm/sms": "no text messages are sent",
}
# Any of these makes crm/smtp a relay that replaces the catcher; a relay needs all of RELAY_NEEDS.
RELAY_KEYS = ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_CA_FILE")
RELAY_NEEDS = ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM")
# Text messages need all three; the SMS channel refuses some but not all (sms_settings_from).
SMS_NEEDS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM")


def check_path(path: str) -> dict[str, Key]:
    if path in SCHEMA:
        return SCHEMA[path]
    if path in STACK_OWNED_PATHS:
        raise ConfigFileError(f"{path} is generated by the embedded stack and cannot be set")
    raise ConfigFileError(f"unknown config path {path!r}; use one of {', '.join(PATHS)}")


def check_key(path: str, key: str) -> Key:
    keys = check_path(path)
    if key in keys:
        return keys[key]
    if key in STACK_OWNED_KEYS.get(path, ()):
        raise ConfigFileError(f"{path} {key} is generated by the embedded stack and cannot be set")
    raise ConfigFileError(f"{path} has no key {key!r}; allowed: {', '.join(keys)}")


def check_value(path: str, key: str, value: str) -> str:
    """The value as stored, or ConfigFileError naming path and key (never a secret value)."""
    spec = check_key(path, key)
    try:
        return spec.check(value if spec.secret else value.strip())
    except _Invalid as exc:
        # Secret keys are checked by _text only, whose reason never repeats the value.
        raise ConfigFileError(f"{path} {key} {exc}") from None


def check_combination(config: Mapping[str, Mapping[str, str]]) -> None:
    """Contradictions between keys; refused at `set` and at start."""
    app = config.get("crm/app", {})
    idle = float(app.get("SESSION_IDLE_DAYS", 30))
    absolute = float(app.get("SESSION_ABSOLUTE_DAYS", 90))
    if idle > absolute:
        raise ConfigFileError(
            f"crm/app SESSION_IDLE_DAYS ({idle:g}) must not exceed "
            f"SESSION_ABSOLUTE_DAYS ({absolute:g})"
        )


def relay_gap(config: Mapping[str, Mapping[str, str]]) -> str | None:
    """Why crm/smtp is a relay that cannot work (what it lacks), or None."""
    smtp = config.get("crm/smtp", {})
    missing = [key for key in RELAY_NEEDS if key not in smtp]
    if not missing or not any(key in smtp for key in RELAY_KEYS):
        return None
    return (
        f"crm/smtp needs {', '.join(missing)} too: a relay replaces the local catcher "
        f"and needs {', '.join(RELAY_NEEDS)}"
    )


def incomplete(config: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Keys that are needed but missing; `set` warns, the start refuses for crm/smtp."""
    relay = relay_gap(config)
    notes = [relay] if relay else []
    smtp = config.get("crm/smtp", {})
    if "SMTP_PASSWORD" in smtp and "SMTP_USER" not in smtp:
        notes.append("crm/smtp SMTP_PASSWORD is used only with SMTP_USER, which is not set")
    llm = config.get("crm/llm", {})
    if ("LLM_LOCAL_ENDPOINT" in llm) != ("LLM_LOCAL_MODEL" in llm):
        notes.append(
            "crm/llm needs both LLM_LOCAL_ENDPOINT and LLM_LOCAL_MODEL for the local model"
        )
    if ("LLM_REMOTE_PROVIDER" in llm) != ("LLM_REMOTE_API_KEY" in llm):
        notes.append(
            "crm/llm needs both LLM_REMOTE_PROVIDER and LLM_REMOTE_API_KEY for the remote model"
        )
    sms = config.get("crm/sms", {})
    missing = [key for key in SMS_NEEDS if key not in sms]
    if missing and len(missing) < len(SMS_NEEDS):
        notes.append(
            f"crm/sms needs {', '.join(missing)} too: text messages need {', '.join(SMS_NEEDS)}"
        )
    return notes
