"""The server-generated id of the request (or job) being handled, beside the user context."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("crm_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled, if any (audit rows and logs carry it)."""
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def request_id_context(value: str) -> Iterator[str]:
    """Set the request id for the duration of the block and always reset it."""
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)
