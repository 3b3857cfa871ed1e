from __future__ import annotations

import pytest

from crm.clients.valkey_client import ValkeyClient
from crm.embedded.processes import free_port
from crm.embedded.stack import EmbeddedStack
from crm.errors import ServiceUnavailable


def test_ping_and_use_with_the_vault_provided_url(stack: EmbeddedStack) -> None:
    assert stack.info is not None
    client = ValkeyClient(stack.info.valkey_url)
    client.ping()
    with client.errors() as raw:
        raw.set("crm:test:key", "value", ex=5)
        assert raw.get("crm:test:key") == "value"
    client.close()


def test_wrong_password_is_service_unavailable(stack: EmbeddedStack) -> None:
    assert stack.valkey is not None
    client = ValkeyClient(f"valkey://:wrong@127.0.0.1:{stack.valkey.port}/0")
    with pytest.raises(ServiceUnavailable) as caught:
        client.ping()
    assert caught.value.details["service"] == "valkey"


def test_unreachable_valkey_is_service_unavailable() -> None:
    client = ValkeyClient(f"valkey://127.0.0.1:{free_port()}/0", timeout=0.5)
    with pytest.raises(ServiceUnavailable, match="Valkey is unavailable"):
        client.ping()
