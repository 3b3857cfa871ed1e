from __future__ import annotations

import dataclasses
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from crm.utils.timezone import InvalidTimezoneError
from crm.utils.user_context import (
    NoUserContextError,
    UserContext,
    get_current_user,
    get_current_user_or_none,
    user_context,
)


def test_reading_unset_context_raises() -> None:
    with pytest.raises(NoUserContextError):
        get_current_user()
    assert get_current_user_or_none() is None


def test_context_is_set_for_the_block_and_reset_after() -> None:
    value = UserContext(user_id=uuid.uuid4(), timezone="America/Chicago")
    with user_context(value):
        assert get_current_user() is value
    with pytest.raises(NoUserContextError):
        get_current_user()


def test_context_is_reset_even_when_the_block_fails() -> None:
    value = UserContext(user_id=uuid.uuid4(), timezone="UTC")
    with pytest.raises(ValueError), user_context(value):
        raise ValueError("boom")
    assert get_current_user_or_none() is None


def test_context_is_immutable_and_validated() -> None:
    value = UserContext(user_id=uuid.uuid4(), timezone="UTC")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.timezone = "Europe/Berlin"  # type: ignore[misc]
    with pytest.raises(InvalidTimezoneError):
        UserContext(user_id=uuid.uuid4(), timezone="Nowhere/Land")
    with pytest.raises(TypeError):
        UserContext(user_id="not-a-uuid", timezone="UTC")  # type: ignore[arg-type]


def test_context_does_not_cross_into_other_threads() -> None:
    value = UserContext(user_id=uuid.uuid4(), timezone="UTC")
    with user_context(value), ThreadPoolExecutor(1) as pool:
        seen = pool.submit(get_current_user_or_none).result()
    assert seen is None
