"""Typed settings composed from each part's own settings type; every secret comes from Vault.

Each client owns its settings type (LlmSettings in clients/llm_client, SmtpSettings in
auth/email_service, AuthSettings in auth/config); this module only reads Vault and composes
them, and nothing below it imports it back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crm.auth.config import AuthSettings, parse_auth_settings
from crm.auth.email_service import SmtpSettings
from crm.clients.llm_client import LlmSettings
from crm.clients.sms_client import SmsSettings, sms_settings_from
from crm.clients.vault_client import (
    DEFAULT_KV_MOUNT,
    AppRoleCredentials,
    SecretNotFound,
    VaultClient,
)
from crm.errors import ConfigurationError


@dataclass(frozen=True)
class AppSettings:
    base_url: str
    secret_key: str = field(repr=False)


@dataclass(frozen=True)
class Settings:
    """Everything the app needs, read from Vault at start."""

    database_url: str = field(repr=False)
    valkey_url: str = field(repr=False)
    smtp: SmtpSettings
    llm: LlmSettings
    app: AppSettings
    auth: AuthSettings = field(default_factory=AuthSettings)
    database_owner_url: str = field(default="", repr=False)
    # Set only when `crm serve` runs the embedded stack: enables /dev/* routes.
    embedded_outbox: str | None = None
    # Text messages through Twilio (Vault crm/sms); None = the SMS channel is off.
    sms: SmsSettings | None = None

    @property
    def embedded(self) -> bool:
        return self.embedded_outbox is not None

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure except for plain-http localhost in embedded mode."""
        parts = urlsplit(self.app.base_url)
        local = parts.hostname in ("localhost", "127.0.0.1", "::1")
        return not (self.embedded and parts.scheme == "http" and local)


def credentials_from_env(env: Mapping[str, str] | None = None) -> AppRoleCredentials:
    """Read VAULT_ADDR / VAULT_ROLE_ID / VAULT_SECRET_ID; name the first one missing."""
    env = os.environ if env is None else env
    values = {}
    for name in ("VAULT_ADDR", "VAULT_ROLE_ID", "VAULT_SECRET_ID"):
        value = env.get(name, "").strip()
        if not value:
            raise ConfigurationError(f"{name} is not set (production mode needs Vault AppRole)")
        values[name] = value
    return AppRoleCredentials(
        address=values["VAULT_ADDR"],
        role_id=values["VAULT_ROLE_ID"],
        secret_id=values["VAULT_SECRET_ID"],
        kv_mount=env.get("VAULT_KV_MOUNT", "").strip() or DEFAULT_KV_MOUNT,
    )


def load_settings(vault: VaultClient, *, embedded_outbox: str | None = None) -> Settings:
    """Read every setting from Vault, in a fixed order, failing on the first gap."""
    database = vault.require("database", "DATABASE_URL")
    valkey = vault.require("valkey", "VALKEY_URL")
    smtp = vault.require("smtp", "SMTP_HOST", "SMTP_PORT", "SMTP_FROM")
    llm = vault.read("llm")
    sms = sms_settings_from(_optional(vault, "sms"))
    app = vault.require("app", "BASE_URL", "SECRET_KEY")
    base_url = _as_base_url(app["BASE_URL"])
    return Settings(
        database_url=str(database["DATABASE_URL"]),
        database_owner_url=str(database.get("DATABASE_OWNER_URL") or ""),
        valkey_url=str(valkey["VALKEY_URL"]),
        smtp=SmtpSettings(
            host=str(smtp["SMTP_HOST"]),
            port=_as_int(smtp["SMTP_PORT"], "crm/smtp", "SMTP_PORT"),
            from_address=str(smtp["SMTP_FROM"]),
            user=str(smtp.get("SMTP_USER") or ""),
            password=str(smtp.get("SMTP_PASSWORD") or ""),
            ca_file=str(smtp.get("SMTP_CA_FILE") or ""),
        ),
        llm=LlmSettings(
            local_endpoint=str(llm.get("LLM_LOCAL_ENDPOINT") or ""),
            local_model=str(llm.get("LLM_LOCAL_MODEL") or ""),
            remote_provider=str(llm.get("LLM_REMOTE_PROVIDER") or ""),
            remote_api_key=str(llm.get("LLM_REMOTE_API_KEY") or ""),
            prefer_local=_as_bool(llm.get("LLM_PREFER_LOCAL", True), "crm/llm", "LLM_PREFER_LOCAL"),
        ),
        app=AppSettings(base_url=base_url, secret_key=str(app["SECRET_KEY"])),
        auth=parse_auth_settings(app, base_host=urlsplit(base_url).netloc),
        embedded_outbox=embedded_outbox,
        sms=sms,
    )


def _optional(vault: VaultClient, name: str) -> dict[str, Any]:
    """A secret that may be absent altogether (the feature is then off)."""
    try:
        return vault.read(name)
    except SecretNotFound:
        return {}


def _as_int(value: Any, path: str, key: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"Vault secret {path} key {key} must be a number") from exc


def _as_bool(value: Any, path: str, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ConfigurationError(f"Vault secret {path} key {key} must be true or false")


def _as_base_url(value: Any) -> str:
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("",):
        raise ConfigurationError(
            "Vault secret crm/app key BASE_URL must look like https://crm.example.com, "
            f"not {text!r}"
        )
    return text
