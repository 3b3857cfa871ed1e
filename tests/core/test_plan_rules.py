"""Plan rules: each kind of rule expands to the right local dates, and reads in plain words."""

from __future__ import annotations

from datetime import date, time

import pytest

from crm.core.plan_rules import RuleError, describe, interval_days, normalise


def rule(text: str, start: date, at: time = time(9), **end: object):  # type: ignore[no-untyped-def]
    return normalise(
        text,
        start_date=start,
        start_time=at,
        until=end.get("until"),  # type: ignore[arg-type]
        count=end.get("count"),  # type: ignore[arg-type]
    )


def test_every_n_weeks_on_given_weekdays() -> None:
    plan = rule("FREQ=WEEKLY;INTERVAL=4;BYDAY=TU", date(2027, 1, 5))
    assert plan.dates(date(2027, 1, 1), date(2027, 4, 30)) == [
        date(2027, 1, 5),
        date(2027, 2, 2),
        date(2027, 3, 2),
        date(2027, 3, 30),
        date(2027, 4, 27),
    ]
    assert describe(plan) == "Every 4 weeks on Tuesday at 9:00 AM"
    two_days = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", date(2027, 1, 4), time(14, 30))
    assert two_days.dates(date(2027, 1, 1), date(2027, 1, 31)) == [
        date(2027, 1, 4),
        date(2027, 1, 7),
        date(2027, 1, 18),
        date(2027, 1, 21),
    ]
    assert describe(two_days) == "Every 2 weeks on Monday and Thursday at 2:30 PM"
    # No weekday given: the start date's.
    assert describe(rule("FREQ=WEEKLY;INTERVAL=6", date(2027, 1, 7))) == (
        "Every 6 weeks on Thursday at 9:00 AM"
    )


def test_monthly_on_a_day_and_on_the_nth_weekday() -> None:
    fifteenth = rule("FREQ=MONTHLY;BYMONTHDAY=15", date(2027, 1, 1))
    assert fifteenth.dates(date(2027, 1, 1), date(2027, 3, 31)) == [
        date(2027, 1, 15),
        date(2027, 2, 15),
        date(2027, 3, 15),
    ]
    second_tuesday = rule("FREQ=MONTHLY;BYDAY=2TU", date(2027, 1, 1))
    assert second_tuesday.dates(date(2027, 1, 1), date(2027, 3, 31)) == [
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 3, 9),
    ]
    assert describe(second_tuesday) == "Every month on the 2nd Tuesday at 9:00 AM"
    quarterly = rule("FREQ=MONTHLY;INTERVAL=3", date(2027, 1, 20), time(8))
    assert quarterly.dates(date(2027, 1, 1), date(2027, 12, 31)) == [
        date(2027, 1, 20),
        date(2027, 4, 20),
        date(2027, 7, 20),
        date(2027, 10, 20),
    ]
    assert describe(quarterly) == "Every 3 months on the 20th at 8:00 AM"


def test_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    plan = rule("FREQ=MONTHLY;BYMONTHDAY=31", date(2027, 1, 1))
    assert plan.dates(date(2027, 1, 1), date(2028, 3, 31))[:6] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
        date(2027, 6, 30),
    ]
    assert date(2028, 2, 29) in plan.dates(date(2028, 2, 1), date(2028, 2, 29))  # leap year
    # Started on the 30th with no day given: the 30th, or the last day of February.
    thirtieth = rule("FREQ=MONTHLY", date(2027, 1, 30))
    assert thirtieth.dates(date(2027, 1, 1), date(2027, 3, 31)) == [
        date(2027, 1, 30),
        date(2027, 2, 28),
        date(2027, 3, 30),
    ]


def test_chosen_months_of_the_year() -> None:
    spring_fall = rule("FREQ=YEARLY;BYMONTH=4,10;BYDAY=1MO", date(2027, 1, 1))
    assert spring_fall.dates(date(2027, 1, 1), date(2028, 12, 31)) == [
        date(2027, 4, 5),
        date(2027, 10, 4),
        date(2028, 4, 3),
        date(2028, 10, 2),
    ]
    assert describe(spring_fall) == ("Every year in April and October on the 1st Monday at 9:00 AM")
    assert 170 < interval_days(spring_fall) < 200


def test_ends_skips_and_numbering() -> None:
    counted = rule("FREQ=WEEKLY;BYDAY=FR", date(2027, 1, 1), count=3)
    assert counted.dates(date(2027, 1, 1), date(2027, 12, 31)) == [
        date(2027, 1, 1),
        date(2027, 1, 8),
        date(2027, 1, 15),
    ]
    assert counted.total() == 3
    assert describe(counted) == "Every week on Friday at 9:00 AM, 3 visits"
    in_text = rule("FREQ=WEEKLY;BYDAY=FR;UNTIL=20270115", date(2027, 1, 1))
    assert in_text.until == date(2027, 1, 15) and in_text.text == "FREQ=WEEKLY;BYDAY=FR"
    assert describe(in_text).endswith(", until Jan 15, 2027")
    skipping = normalise(
        "FREQ=WEEKLY;BYDAY=FR",
        start_date=date(2027, 1, 1),
        start_time=time(9),
        until=None,
        count=None,
    )
    skipping = type(skipping)(
        skipping.text, skipping.start_date, skipping.start_time, skip=frozenset({date(2027, 1, 8)})
    )
    assert skipping.dates(date(2027, 1, 1), date(2027, 1, 22)) == [
        date(2027, 1, 1),
        date(2027, 1, 15),
        date(2027, 1, 22),
    ]
    assert skipping.number(date(2027, 1, 15)) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FREQ=HOURLY", "FREQ must be"),
        ("FREQ=WEEKLY;BYHOUR=9", "BYHOUR can't be used"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never makes a visit"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL must be from 1"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "Give the end once"),
        ("weekly please", "is not NAME=VALUE"),
        ("FREQ=WEEKLY;FREQ=MONTHLY", "given twice"),
    ],
)
def test_bad_rules_say_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        rule(text, date(2027, 1, 1))


def test_a_weekly_rule_starts_on_its_first_chosen_weekday() -> None:
    """Started on a Sunday, "every 4 weeks on Tuesday" first comes two days later (RFC 5545
    alone would count weeks from the Sunday's and wait four weeks)."""
    sunday = date(2027, 1, 3)
    plan = rule("FREQ=WEEKLY;INTERVAL=4;BYDAY=TU", sunday)
    assert plan.dates(sunday, date(2027, 2, 28)) == [date(2027, 1, 5), date(2027, 2, 2)]
    assert plan.number(date(2027, 1, 5)) == 1
    both = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", date(2027, 1, 5))  # a Tuesday
    assert both.dates(date(2027, 1, 1), date(2027, 1, 31)) == [
        date(2027, 1, 7),
        date(2027, 1, 18),
        date(2027, 1, 21),
    ]


def test_a_skipped_date_does_not_use_up_a_visit() -> None:
    counted = rule("FREQ=WEEKLY;BYDAY=FR", date(2027, 1, 1), count=3)
    skipping = type(counted)(
        counted.text,
        counted.start_date,
        counted.start_time,
        count=3,
        skip=frozenset({date(2027, 1, 8)}),
    )
    assert skipping.dates(date(2027, 1, 1), date(2027, 12, 31)) == [
        date(2027, 1, 1),
        date(2027, 1, 15),
        date(2027, 1, 22),
    ]
    assert skipping.total() == 3
