"""Secrets come from a real OpenBao through AppRole; every failure names what is missing."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from crm.clients.vault_client import (
    AppRoleCredentials,
    SecretNotFound,
    VaultClient,
    VaultError,
    VaultUnreachable,
)
from crm.config import credentials_from_env, load_settings
from crm.embedded.processes import free_port
from crm.embedded.stack import EmbeddedStack
from crm.errors import ConfigurationError, ServiceUnavailable


def _write(stack: EmbeddedStack, mount: str, name: str, data: dict[str, str]) -> None:
    assert stack.openbao is not None
    stack.openbao.admin().secrets.kv.v2.create_or_update_secret(
        path=f"crm/{name}", secret=data, mount_point=mount
    )


def test_reads_the_stack_secrets_through_approle(vault: VaultClient) -> None:
    database = vault.require("database", "DATABASE_URL", "DATABASE_OWNER_URL")
    assert database["DATABASE_URL"].startswith("postgresql://crm_app:")
    settings = load_settings(vault)
    assert settings.smtp.port > 0 and settings.llm.prefer_local is True
    assert settings.app.base_url == "http://localhost"
    assert settings.auth.allowed_hosts == ("localhost", "127.0.0.1")


def test_missing_path_is_named(stack: EmbeddedStack, scratch_mount) -> None:
    mount, credentials = scratch_mount
    client = VaultClient(credentials)
    client.login()
    with pytest.raises(SecretNotFound, match=f"{mount}/crm/database is missing"):
        client.read("database")


def test_missing_key_is_named(stack: EmbeddedStack, scratch_mount) -> None:
    mount, credentials = scratch_mount
    _write(stack, mount, "database", {"DATABASE_URL": "postgresql://x@/crm"})
    _write(stack, mount, "valkey", {"VALKEY_URL": ""})
    client = VaultClient(credentials)
    client.login()
    with pytest.raises(
        SecretNotFound, match=rf"{mount}/crm/valkey has no value for key 'VALKEY_URL'"
    ):
        load_settings(client)


def test_paths_outside_crm_are_never_read(stack: EmbeddedStack, scratch_mount) -> None:
    mount, credentials = scratch_mount
    assert stack.openbao is not None
    stack.openbao.admin().secrets.kv.v2.create_or_update_secret(
        path="other/database", secret={"DATABASE_URL": "nope"}, mount_point=mount
    )
    client = VaultClient(credentials)
    with pytest.raises(SecretNotFound, match=f"{mount}/crm/other/database"):
        client.read("other/database")


def test_unreachable_vault_names_the_address() -> None:
    address = f"http://127.0.0.1:{free_port()}"
    client = VaultClient(AppRoleCredentials(address=address, role_id="r", secret_id="s"), timeout=1)
    with pytest.raises(VaultUnreachable, match=f"Vault at {address} is unreachable"):
        client.login()
    with pytest.raises(ServiceUnavailable) as caught:
        client.health()
    assert caught.value.details["service"] == "vault"


def test_bad_approle_credentials_are_refused_clearly(stack: EmbeddedStack, vault) -> None:
    assert stack.info is not None
    wrong = replace(stack.info.credentials, secret_id=str(uuid.uuid4()))
    with pytest.raises(VaultError, match="refused the AppRole login"):
        VaultClient(wrong).login()


def test_logs_in_again_when_the_token_is_revoked(stack: EmbeddedStack) -> None:
    assert stack.info is not None and stack.openbao is not None
    client = VaultClient(stack.info.credentials)
    client.login()
    # Revoke the client's token behind its back, as an expiry or an operator would.
    token = client._client.token
    stack.openbao.admin().auth.token.revoke(token)
    assert client.read("valkey")["VALKEY_URL"].startswith("valkey://")
    assert client._client.token != token
    client.health()


def test_credentials_from_env_name_the_missing_variable() -> None:
    with pytest.raises(ConfigurationError, match="VAULT_ROLE_ID is not set"):
        credentials_from_env({"VAULT_ADDR": "http://vault:8200"})
    creds = credentials_from_env(
        {"VAULT_ADDR": "http://v:8200", "VAULT_ROLE_ID": "r", "VAULT_SECRET_ID": "s"}
    )
    assert creds.kv_mount == "secret"
