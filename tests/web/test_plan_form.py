"""The plan form's repeat in words ↔ RRULE text (crm/web/plan_form.py), both ways."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from crm.core.plan_rules import describe, normalise
from crm.web.plan_form import blank_rule, form_of, rrule_of

TUESDAY = date(2031, 1, 7)


def _form(**values: Any) -> dict[str, Any]:
    return {**blank_rule(TUESDAY), **values}


@pytest.mark.parametrize(
    ("values", "rule", "words"),
    [
        (
            {"repeat": "weekly", "week_interval": "4", "weekdays": ["TU"]},
            "FREQ=WEEKLY;INTERVAL=4;BYDAY=TU",
            "Every 4 weeks on Tuesday at 9:00 AM",
        ),
        (
            {"repeat": "weekly", "week_interval": "1", "weekdays": ["TH", "MO"]},
            "FREQ=WEEKLY;BYDAY=MO,TH",
            "Every week on Monday and Thursday at 9:00 AM",
        ),
        (
            {"repeat": "monthly_day", "month_interval": "3", "month_day": "20"},
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=20",
            "Every 3 months on the 20th at 9:00 AM",
        ),
        (
            {"repeat": "monthly_day", "month_interval": "1", "month_day": "-1"},
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            "Every month on the last day at 9:00 AM",
        ),
        (
            {"repeat": "monthly_nth", "nth_interval": "1", "nth": "2", "nth_weekday": "TU"},
            "FREQ=MONTHLY;BYDAY=2TU",
            "Every month on the 2nd Tuesday at 9:00 AM",
        ),
        (
            {"repeat": "yearly", "months": ["10", "4"], "year_nth": "1", "year_weekday": "MO"},
            "FREQ=YEARLY;BYMONTH=4,10;BYDAY=1MO",
            "Every year in April and October on the 1st Monday at 9:00 AM",
        ),
    ],
)
def test_each_kind_makes_its_rule_and_reads_back(
    values: dict[str, Any], rule: str, words: str
) -> None:
    text, fields = rrule_of(_form(**values))
    assert (text, fields) == (rule, {})
    checked = normalise(text, start_date=TUESDAY, start_time=time(9), until=None, count=None)
    assert describe(checked) == words
    back = form_of(checked.text, TUESDAY)
    assert back["repeat"] == values["repeat"]
    assert rrule_of(back) == (rule, {})  # the same rule again: editing changes nothing


def test_a_rule_the_kinds_cannot_say_is_kept_as_text() -> None:
    back = form_of("FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1", TUESDAY)
    assert back["repeat"] == "custom"
    assert rrule_of(back) == ("FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1", {})


def test_a_weekly_rule_without_days_reads_as_the_start_days_weekday() -> None:
    back = form_of("FREQ=WEEKLY;INTERVAL=2", TUESDAY)
    assert (back["repeat"], back["week_interval"], back["weekdays"]) == ("weekly", "2", ["TU"])


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"repeat": "weekly", "weekdays": []}, "weekdays"),
        ({"repeat": "weekly", "week_interval": "0"}, "week_interval"),
        ({"repeat": "weekly", "week_interval": "9" * 50}, "week_interval"),
        ({"repeat": "monthly_day", "month_day": "32"}, "month_day"),
        ({"repeat": "monthly_nth", "nth": "9"}, "nth"),
        ({"repeat": "yearly", "months": ["13"]}, "months"),
        ({"repeat": "custom", "rrule_text": " "}, "rrule_text"),
        ({"repeat": "hourly"}, "repeat"),
    ],
)
def test_what_is_wrong_is_said_next_to_its_input(values: dict[str, Any], field: str) -> None:
    text, fields = rrule_of(_form(**values))
    assert text == "" and field in fields
