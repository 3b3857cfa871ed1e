"""Fixtures shared by the page tests."""

from __future__ import annotations

from datetime import date

import pytest

from crm.web import far_dates

# The day the far-date check takes for today in tests that type fixed days (May 2030 to
# March 2031): each is then an ordinary day, not one "more than two years ahead".
PINNED_TODAY = date(2030, 10, 1)


@pytest.fixture
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Pin the far-date check's today (crm/web/far_dates.py) to PINNED_TODAY."""
    monkeypatch.setattr(far_dates, "business_today", lambda timezone: PINNED_TODAY)
    return PINNED_TODAY
