"""Blocking I/O must never run on the event loop: one slow call there stalls every user.

Each blocking client (PostgreSQL, Valkey, the language models) calls `forbid_event_loop()`
before it does I/O, so an `async def` route that reaches them directly fails loudly, in tests
and in production, instead of quietly making `/api/health/live` wait seconds.
"""

from __future__ import annotations

import asyncio


class BlockingCallOnEventLoop(RuntimeError):
    """A blocking client was called from a coroutine; use a plain `def` route or a thread."""


def forbid_event_loop(what: str) -> None:
    """Raise if the caller runs on an event loop's thread (inside a coroutine)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise BlockingCallOnEventLoop(
        f"{what} would block the event loop: call it from a plain `def` route "
        "or through run_in_threadpool"
    )
