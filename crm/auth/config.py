"""Sign-in and session settings, read from the crm/app secret with safe defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crm.errors import ConfigurationError

DAY = 86_400


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``window_seconds`` (fixed window)."""

    count: int
    window_seconds: int

    @classmethod
    def parse(cls, text: str, key: str) -> Limit:
        try:
            count, window = (int(part) for part in str(text).split("/"))
        except ValueError as exc:
            raise ConfigurationError(
                f"Vault secret crm/app key {key} must look like COUNT/SECONDS, e.g. 5/900"
            ) from exc
        if count < 1 or window < 1:
            raise ConfigurationError(f"Vault secret crm/app key {key} must be positive")
        return cls(count, window)


@dataclass(frozen=True)
class AuthSettings:
    allowed_hosts: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    session_idle_seconds: int = 30 * DAY
    session_absolute_seconds: int = 90 * DAY
    # Sliding idle expiry is refreshed at most this often, so reads do not write to Valkey.
    session_refresh_seconds: int = 3_600
    token_ttl_seconds: int = 600
    max_code_attempts: int = 5
    max_body_bytes: int = 1_048_576
    login_per_email: Limit = field(default_factory=lambda: Limit(5, 900))
    login_per_ip: Limit = field(default_factory=lambda: Limit(30, 900))
    confirm_per_ip: Limit = field(default_factory=lambda: Limit(30, 900))
    # Requests per API token (docs/agents.md): generous for an agent, a stop for a runaway loop.
    per_token: Limit = field(default_factory=lambda: Limit(600, 60))


def parse_auth_settings(app: Mapping[str, Any], *, base_host: str) -> AuthSettings:
    """Optional keys of crm/app; ALLOWED_HOSTS defaults to the host of BASE_URL."""

    def items(key: str) -> tuple[str, ...]:
        return tuple(p.strip().lower() for p in str(app.get(key) or "").split(",") if p.strip())

    def days(key: str, default: int) -> int:
        value = app.get(key)
        if value in (None, ""):
            return default
        try:
            parsed = float(str(value))
        except ValueError as exc:
            raise ConfigurationError(f"Vault secret crm/app key {key} must be a number") from exc
        if parsed <= 0:
            raise ConfigurationError(f"Vault secret crm/app key {key} must be positive")
        return int(parsed * DAY)

    defaults = AuthSettings()
    idle = days("SESSION_IDLE_DAYS", defaults.session_idle_seconds)
    absolute = days("SESSION_ABSOLUTE_DAYS", defaults.session_absolute_seconds)
    if idle > absolute:
        raise ConfigurationError(
            "Vault secret crm/app: SESSION_IDLE_DAYS must not exceed SESSION_ABSOLUTE_DAYS"
        )
    max_body = app.get("MAX_BODY_BYTES")
    return AuthSettings(
        allowed_hosts=items("ALLOWED_HOSTS") or (base_host.lower(),),
        trusted_proxies=items("TRUSTED_PROXIES"),
        session_idle_seconds=idle,
        session_absolute_seconds=absolute,
        max_body_bytes=int(max_body) if max_body else defaults.max_body_bytes,
        login_per_email=_limit(app, "RATE_LIMIT_LOGIN_PER_EMAIL", defaults.login_per_email),
        login_per_ip=_limit(app, "RATE_LIMIT_LOGIN_PER_IP", defaults.login_per_ip),
        confirm_per_ip=_limit(app, "RATE_LIMIT_CONFIRM_PER_IP", defaults.confirm_per_ip),
        per_token=_limit(app, "RATE_LIMIT_PER_TOKEN", defaults.per_token),
    )


def _limit(app: Mapping[str, Any], key: str, default: Limit) -> Limit:
    value = app.get(key)
    return Limit.parse(str(value), key) if value else default
