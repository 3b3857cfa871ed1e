"""The current user as an immutable value in a contextvar, set once at the edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID

from crm.utils.timezone import get_zone


class NoUserContextError(RuntimeError):
    """Code that needs the current user ran where none was set."""


@dataclass(frozen=True, slots=True)
class UserContext:
    """Who the request acts for, and the timezone their business runs on."""

    user_id: UUID
    timezone: str
    # Who acts in the audit trail when it is not the signed-in owner: "worker", or
    # "customer:<contact id>" through a public link (docs/messaging.md).
    actor: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.user_id, UUID):
            raise TypeError("user_id must be a UUID")
        get_zone(self.timezone)


_current: ContextVar[UserContext | None] = ContextVar("crm_current_user", default=None)


def get_current_user() -> UserContext:
    """The user set for this request or job; raises when none is set."""
    value = _current.get()
    if value is None:
        raise NoUserContextError("no user context is set for this request")
    return value


def get_current_user_or_none() -> UserContext | None:
    """The user set for this request, or None where anonymous access is allowed."""
    return _current.get()


@contextmanager
def user_context(value: UserContext) -> Iterator[UserContext]:
    """Set the current user for the duration of the block and always reset it."""
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
