"""Valkey for sessions and rate limits; connection problems become 503s here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import valkey
from valkey import exceptions as valkey_errors

from crm.errors import ServiceUnavailable
from crm.utils.blocking import forbid_event_loop


class ValkeyClient:
    """A thin wrapper over valkey-py that translates driver errors at the boundary."""

    def __init__(self, url: str, *, timeout: float = 2.0, max_connections: int = 20) -> None:
        # A blocking pool: under load a request waits (up to `timeout`) for a free connection
        # instead of failing with "Too many connections".
        pool = valkey.BlockingConnectionPool.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=30,
            max_connections=max_connections,
            timeout=timeout,
            decode_responses=True,
        )
        self._client: valkey.Valkey = valkey.Valkey(connection_pool=pool)

    @property
    def raw(self) -> valkey.Valkey:
        """The underlying client; call it only inside ``errors()``."""
        return self._client

    @contextmanager
    def errors(self) -> Iterator[valkey.Valkey]:
        """Use the client with connection errors translated to ServiceUnavailable."""
        forbid_event_loop("Valkey")
        try:
            yield self._client
        except valkey_errors.AuthenticationError as exc:
            raise ServiceUnavailable("Valkey refused our credentials.", service="valkey") from exc
        except valkey_errors.BusyLoadingError as exc:
            raise ServiceUnavailable("Valkey is still loading its data.", service="valkey") from exc
        except (valkey_errors.ConnectionError, valkey_errors.TimeoutError) as exc:
            raise ServiceUnavailable(
                "Valkey is unavailable. Please try again shortly.", service="valkey"
            ) from exc

    def ping(self) -> None:
        """Round-trip to Valkey; ServiceUnavailable if it does not answer."""
        with self.errors() as client:
            client.ping()

    def close(self) -> None:
        self._client.close()
