"""Times in words, as the token list ("last used 3 hours ago") and the requests to approve
("expires in 23 hours") say them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from crm.utils.user_context import UserContext, user_context
from crm.web.relative import ago, until

NOW = datetime(2030, 10, 1, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "said"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=23), "23 hours ago"),
        (timedelta(days=1, hours=3), "yesterday"),
        (timedelta(days=29), "29 days ago"),
    ],
)
def test_ago(before: timedelta, said: str) -> None:
    assert ago(NOW - before, NOW) == said


def test_ago_says_never_and_a_day_when_long_past() -> None:
    assert ago(None, NOW) == "never"
    with user_context(UserContext(uuid.uuid4(), "UTC")):
        assert ago(NOW - timedelta(days=40), NOW).startswith("on Aug 22")


@pytest.mark.parametrize(
    ("ahead", "said"),
    [
        (timedelta(hours=-1), "now"),
        (timedelta(seconds=30), "in under a minute"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(minutes=45), "in 45 minutes"),
        (timedelta(hours=23, minutes=59), "in 23 hours"),
        (timedelta(hours=47), "in 47 hours"),
        (timedelta(days=3), "in 3 days"),
    ],
)
def test_until(ahead: timedelta, said: str) -> None:
    assert until(NOW + ahead, NOW) == said
