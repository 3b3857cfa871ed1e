"""Fixed-window rate limits in Valkey; a breach is a 429 with Retry-After."""

from __future__ import annotations

import hashlib

from crm.auth.config import Limit
from crm.clients.valkey_client import ValkeyClient
from crm.errors import RateLimited

_PREFIX = "crm:rl:"


class RateLimiter:
    def __init__(self, valkey: ValkeyClient) -> None:
        self._valkey = valkey

    def hit(self, bucket: str, key: str, limit: Limit) -> None:
        """Count one attempt for ``key``; raise RateLimited once the window is full."""
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        name = f"{_PREFIX}{bucket}:{digest}"
        with self._valkey.errors() as client:
            pipe = client.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, limit.window_seconds, nx=True)
            pipe.ttl(name)
            count, _, ttl = pipe.execute()
        if int(count) > limit.count:
            raise RateLimited(
                "Too many attempts. Please wait before trying again.",
                retry_after=max(int(ttl), 1),
            )
