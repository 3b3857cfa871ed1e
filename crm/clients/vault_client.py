"""Secrets from Vault (or OpenBao): AppRole login, KV v2, every path under ``crm/``."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import hvac
import requests
from hvac import exceptions as hvac_errors

from crm.errors import ConfigurationError, ServiceUnavailable

log = logging.getLogger("crm.vault")

PATH_PREFIX = "crm/"
DEFAULT_KV_MOUNT = "secret"
# Renew (or log in again) when the token has less than this many seconds left.
RENEW_MARGIN_SECONDS = 60


class VaultError(ConfigurationError):
    """Vault could not give us a secret; the message names the address, path or key."""


class VaultUnreachable(VaultError):
    pass


class SecretNotFound(VaultError):
    pass


@dataclass(frozen=True)
class AppRoleCredentials:
    address: str
    role_id: str
    secret_id: str
    kv_mount: str = DEFAULT_KV_MOUNT


class VaultClient:
    """Reads KV v2 secrets under ``crm/`` with an AppRole token it renews or replaces."""

    def __init__(self, credentials: AppRoleCredentials, *, timeout: float = 5.0) -> None:
        self._credentials = credentials
        self._timeout = timeout
        self._lock = threading.Lock()
        self._client = hvac.Client(url=credentials.address, timeout=timeout)
        self._token_expires_at = 0.0
        self._renewable = False

    @property
    def address(self) -> str:
        return self._credentials.address

    def login(self) -> None:
        """Log in with the AppRole; fails with a message naming the address on any problem."""
        with self._lock:
            self._login_locked()

    def _login_locked(self) -> None:
        try:
            result = self._client.auth.approle.login(
                role_id=self._credentials.role_id,
                secret_id=self._credentials.secret_id,
                use_token=True,
            )
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise VaultUnreachable(f"Vault at {self.address} is unreachable: {exc}") from exc
        except hvac_errors.VaultError as exc:
            raise VaultError(
                f"Vault at {self.address} refused the AppRole login "
                f"(check VAULT_ROLE_ID / VAULT_SECRET_ID): {_first_line(exc)}"
            ) from exc
        auth = result["auth"]
        ttl = int(auth.get("lease_duration") or 0)
        self._token_expires_at = time.monotonic() + ttl if ttl else float("inf")
        self._renewable = bool(auth.get("renewable"))

    def _ensure_token_locked(self) -> None:
        remaining = self._token_expires_at - time.monotonic()
        if remaining > RENEW_MARGIN_SECONDS:
            return
        if self._renewable and remaining > 1:
            try:
                result = self._client.auth.token.renew_self()
                ttl = int(result["auth"].get("lease_duration") or 0)
                self._token_expires_at = time.monotonic() + ttl
                if ttl > RENEW_MARGIN_SECONDS:
                    return
            except hvac_errors.VaultError:
                log.info("vault token renewal refused; logging in again")
            except requests.exceptions.RequestException as exc:
                raise VaultUnreachable(f"Vault at {self.address} is unreachable: {exc}") from exc
        self._login_locked()

    def read(self, name: str) -> dict[str, Any]:
        """Read the secret ``crm/<name>`` and return its key/value data."""
        path = f"{PATH_PREFIX}{name}"
        with self._lock:
            self._ensure_token_locked()
            try:
                return self._read_locked(path)
            except hvac_errors.Forbidden:
                # The token may have been revoked or expired early: one fresh login, one retry.
                self._login_locked()
                try:
                    return self._read_locked(path)
                except hvac_errors.Forbidden as exc:
                    raise VaultError(
                        f"Vault at {self.address} denies reading "
                        f"{self._credentials.kv_mount}/{path}: {_first_line(exc)}"
                    ) from exc

    def _read_locked(self, path: str) -> dict[str, Any]:
        mount = self._credentials.kv_mount
        try:
            response = self._client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=mount, raise_on_deleted_version=True
            )
        except hvac_errors.InvalidPath as exc:
            raise SecretNotFound(f"Vault secret {mount}/{path} is missing") from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise VaultUnreachable(f"Vault at {self.address} is unreachable: {exc}") from exc
        data = response["data"]["data"]
        return dict(data or {})

    def require(self, name: str, *keys: str) -> dict[str, Any]:
        """Read ``crm/<name>`` and insist each key is present and non-empty."""
        data = self.read(name)
        mount = self._credentials.kv_mount
        for key in keys:
            if data.get(key) in (None, ""):
                raise SecretNotFound(
                    f"Vault secret {mount}/{PATH_PREFIX}{name} has no value for key {key!r}"
                )
        return data

    def health(self) -> None:
        """Raise ServiceUnavailable unless Vault answers and our token still works."""
        try:
            with self._lock:
                self._ensure_token_locked()
                self._client.auth.token.lookup_self()
        except hvac_errors.Forbidden:
            try:
                self.login()
            except VaultError as exc:
                raise ServiceUnavailable(str(exc), service="vault") from exc
        except (VaultError, requests.exceptions.RequestException, hvac_errors.VaultError) as exc:
            raise ServiceUnavailable(
                f"Vault at {self.address} is unavailable: {_first_line(exc)}", service="vault"
            ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
