from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crm.utils.timezone import (
    InvalidTimezoneError,
    NaiveDatetimeError,
    get_zone,
    is_valid_timezone,
    to_business_time,
    to_utc,
    utc_now,
)


def test_now_is_aware_utc() -> None:
    now = utc_now()
    assert now.tzinfo is UTC


def test_naive_input_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        to_utc(datetime(2026, 11, 26, 9, 0))
    with pytest.raises(NaiveDatetimeError):
        to_business_time(datetime(2026, 11, 26, 9, 0), "America/Chicago")


def test_conversion_to_business_time_handles_dst() -> None:
    # 15:00 UTC is 9:00 in Chicago in winter (CST, -6) and 10:00 in summer (CDT, -5).
    winter = to_business_time(datetime(2026, 1, 15, 15, 0, tzinfo=UTC), "America/Chicago")
    summer = to_business_time(datetime(2026, 7, 15, 15, 0, tzinfo=UTC), "America/Chicago")
    assert (winter.hour, summer.hour) == (9, 10)
    assert to_utc(winter) == datetime(2026, 1, 15, 15, 0, tzinfo=UTC)


def test_to_utc_from_other_offset() -> None:
    local = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=-6)))
    assert to_utc(local) == datetime(2026, 3, 1, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize("name", ["America/Chicago", "Europe/Berlin", "UTC", "Asia/Kolkata"])
def test_iana_names_are_accepted(name: str) -> None:
    assert is_valid_timezone(name)
    assert get_zone(name).key == name


@pytest.mark.parametrize("name", ["", "Mars/Base", "CST6CDT ", "../etc/passwd", "america/chicago"])
def test_non_iana_names_are_refused(name: str) -> None:
    assert not is_valid_timezone(name)
    with pytest.raises(InvalidTimezoneError):
        get_zone(name)
