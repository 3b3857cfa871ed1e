"""The one place pages parse typed values (crm/web/forms.py) and format them (formats.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel, Field

from crm.core.models.closeout import ReachOut
from crm.core.models.invoice import InvoiceFromTicket, RecordPayment
from crm.core.models.service import ServiceCreate
from crm.core.models.ticket import LineItemAdd, TicketCreate
from crm.utils import timezone
from crm.utils.user_context import UserContext, user_context
from crm.web.closeout import MONTHS
from crm.web.formats import (
    address_text,
    dollars,
    local,
    money,
    percent,
    phone,
    price_text,
    quantity,
    service_label,
    units,
)
from crm.web.forms import (
    Form,
    limits,
    parse_cents,
    parse_int,
    parse_percent,
    parse_quantity,
)

PRICE = limits(ServiceCreate, "unit_price_cents")
PAYMENT = limits(RecordPayment, "amount_cents")
QUANTITY = limits(LineItemAdd, "quantity")
TAX = limits(InvoiceFromTicket, "tax_rate_bp")


# -- money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0", 0),
        ("0.01", 1),
        ("12", 1200),
        ("12.5", 1250),
        ("12.", 1200),
        (".5", 50),
        ("1,000", 100_000),
        ("$1,234.56", 123_456),
        ("  $ 45.50 ", 4550),
        ("1000000", 100_000_000),  # the model's maximum, exactly
    ],
)
def test_dollars_become_exact_cents(text: str, cents: int) -> None:
    assert parse_cents(text, required=True, limits=PRICE) == cents


def test_cents_are_exact_where_a_float_would_not_be() -> None:
    # 0.29 * 100 == 28.999999999999996 as a float.
    assert parse_cents("0.29", required=True, limits=PRICE) == 29
    assert parse_cents("1234567.89", required=True, limits=PAYMENT) == 123_456_789


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.234", "Use at most 2 decimal places, like 45.50."),
        ("-5", r"Enter an amount from \$0\.00 to \$1,000,000\.00\."),
        ("abc", r"Enter an amount in dollars, like 45 or 45\.50\."),
        ("12abc", "Enter an amount in dollars"),
        ("1e3", "Enter an amount in dollars"),
        ("1,23", "Enter an amount in dollars"),
        ("12.3.4", "Enter an amount in dollars"),
        ("$", "Enter an amount in dollars"),
        (".", "Enter an amount in dollars"),
        ("\u0661\u0662", "Enter an amount in dollars"),  # Arabic-Indic "12"
        ("\uff11\uff12", "Enter an amount in dollars"),  # full-width "12"
        ("1000000.01", r"from \$0\.00 to \$1,000,000\.00"),
        ("9" * 40, r"from \$0\.00 to \$1,000,000\.00"),
    ],
)
def test_bad_amounts_say_what_to_type(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_cents(text, required=True, limits=PRICE)


def test_empty_amount_is_the_callers_choice() -> None:
    assert parse_cents("", required=False, limits=PRICE) is None
    assert parse_cents("   ", required=False, limits=PRICE) is None
    with pytest.raises(ValueError, match="Enter an amount in dollars"):
        parse_cents("", required=True, limits=PRICE)
    with pytest.raises(ValueError, match=r"^Enter a price \(0 if free\)\.$"):
        parse_cents("", required=True, limits=PRICE, empty="Enter a price (0 if free).")


def test_a_payment_must_be_above_zero_because_its_model_says_so() -> None:
    assert PAYMENT.low == 0 and PAYMENT.low_open
    with pytest.raises(ValueError, match=r"above \$0\.00, up to \$100,000,000\.00"):
        parse_cents("0", required=True, limits=PAYMENT)
    assert parse_cents("0.01", required=True, limits=PAYMENT) == 1


def test_percent_becomes_basis_points() -> None:
    assert parse_percent("8.25%", required=True, limits=TAX) == 825
    assert parse_percent("100", required=True, limits=TAX) == 10_000
    assert parse_percent("", required=False, limits=TAX) is None
    with pytest.raises(ValueError, match=r"Enter a percentage from 0% to 100%\."):
        parse_percent("100.01", required=True, limits=TAX)
    with pytest.raises(ValueError, match=r"Use at most 2 decimal places, like 8\.25\."):
        parse_percent("8.125", required=True, limits=TAX)


# -- quantities and whole numbers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", "1"), ("1.5", "1.5"), ("0.001", "0.001"), ("1,000", "1000"), ("100000", "100000")],
)
def test_quantities_are_exact(text: str, expected: str) -> None:
    assert parse_quantity(text, required=True, limits=QUANTITY) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", r"Type a number above 0, up to 100,000\."),
        ("-5", "above 0"),
        ("100000.001", "up to 100,000"),
        ("1.2345", "Use at most 3 digits after the point."),
        ("abc", r"Type a number like 1, 2 or 1\.5\."),
        ("\u0663", "Type a number like"),
    ],
)
def test_bad_quantities_say_what_to_type(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_quantity(text, required=True, limits=QUANTITY)


def test_empty_quantity_is_the_callers_choice() -> None:
    assert parse_quantity("", required=False, limits=QUANTITY) is None
    with pytest.raises(ValueError, match="Type a number like"):
        parse_quantity("", required=True, limits=QUANTITY)


def test_whole_numbers_within_the_models_bounds() -> None:
    duration = limits(TicketCreate, "duration_minutes")
    message = "Type how long the visit takes, {span} minutes."
    assert parse_int(" 90 ", limits=duration, message=message) == 90
    assert parse_int("5", limits=duration, message=message) == 5
    for bad in ("4", "1441", "", "1.5", "ninety", "-60", "9" * 30, "\u0669\u0660"):
        with pytest.raises(
            ValueError, match=r"^Type how long the visit takes, from 5 to 1440 minutes\.$"
        ):
            parse_int(bad, limits=duration, message=message)


# -- bounds come from the input models -------------------------------------------------------


class _Sample(BaseModel):
    amount: int = Field(gt=-10, lt=10)
    note: str = Field("", max_length=12)
    ratio: Decimal = Field(ge=0, le=1, decimal_places=4)


def test_limits_are_read_from_the_field_metadata() -> None:
    amount = limits(_Sample, "amount")
    assert (amount.low, amount.low_open, amount.high, amount.high_open) == (-10, True, 10, True)
    assert amount.whole_numbers() == range(-9, 10)
    assert amount.span() == "above -10, below 10"
    assert limits(_Sample, "note").max_length == 12
    ratio = limits(_Sample, "ratio")
    assert (ratio.low, ratio.high, ratio.places) == (0, 1, 4)
    assert ratio.span() == "from 0 to 1"


def test_close_out_offers_every_month_the_model_allows() -> None:
    allowed = limits(ReachOut, "months")
    assert (MONTHS[0], MONTHS[-1]) == (allowed.low, allowed.high) == (1, 36)


# -- the form --------------------------------------------------------------------------------


def test_form_keeps_every_value_of_a_repeated_field() -> None:
    form = Form([("staff_ids", "a"), ("title", "Spring"), ("staff_ids", "b")])
    assert form == {"staff_ids": "b", "title": "Spring"}
    assert form.getlist("staff_ids") == ["a", "b"]
    assert form.getlist("missing") == []


# -- display ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "shown", "edited"),
    [
        (0, "$0.00", "0.00"),
        (1, "$0.01", "0.01"),
        (123_456, "$1,234.56", "1234.56"),
        (10_000_000_000, "$100,000,000.00", "100000000.00"),
        (None, "$0.00", "0.00"),
    ],
)
def test_money_is_shown_and_edited_without_floats(cents: Any, shown: str, edited: str) -> None:
    assert money(cents) == shown
    assert dollars(cents) == edited
    if cents is not None:
        assert parse_cents(edited, required=True, limits=PAYMENT if cents else PRICE) == cents
        assert parse_cents(shown, required=True, limits=PAYMENT if cents else PRICE) == cents


def test_quantities_percentages_and_phones_read_naturally() -> None:
    assert quantity(Decimal("12.500")) == "12.5" and quantity("1") == "1"
    assert percent(825) == "8.25%" and percent(800) == "8%" and percent(0) == "0%"
    assert phone("+12565551234") == "(256) 555-1234"
    assert phone("+442071234567") == "+442071234567"
    assert phone(None) == "" and phone("") == ""


def test_addresses_and_prices_in_words() -> None:
    assert address_text({"line1": "12 Pine St", "line2": "", "city": "Madison"}) == (
        "12 Pine St, Madison"
    )
    assert address_text(None) == ""
    screens = {"name": "Screens", "unit_price_cents": 350, "pricing_mode": "per_unit"}
    assert price_text({**screens, "unit_label": "screen"}) == "$3.50 per screen"
    assert price_text({**screens, "unit_label": ""}) == "$3.50 per unit"
    wash = {"name": "Wash", "unit_price_cents": 123_456, "pricing_mode": "flexible"}
    assert service_label(wash) == "Wash — $1,234.56, flexible price"
    kit = {"name": "Kit", "unit_price_cents": 2000, "pricing_mode": "product"}
    assert price_text(kit) == "$20.00 each"


def test_business_today_is_the_date_where_the_business_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 03:00 UTC on Jan 8 is still the evening of Jan 7 in Chicago.
    monkeypatch.setattr(timezone, "utc_now", lambda: datetime(2031, 1, 8, 3, 0, tzinfo=UTC))
    assert timezone.business_today("America/Chicago") == date(2031, 1, 7)
    assert timezone.business_today("Asia/Tokyo") == date(2031, 1, 8)


@pytest.fixture
def in_chicago_on_jul_1_2031(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A business in Chicago whose today is Tue Jul 1, 2031 (it is 03:00 on Jul 2 in UTC)."""
    monkeypatch.setattr(timezone, "utc_now", lambda: datetime(2031, 7, 2, 3, 0, tzinfo=UTC))
    with user_context(UserContext(uuid4(), "America/Chicago")):
        yield


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (datetime(2031, 7, 8, 19, 0, tzinfo=UTC), "Tue Jul 8, 2:00 PM"),  # next week
        (datetime(2031, 12, 30, 20, 0, tzinfo=UTC), "Tue Dec 30, 2:00 PM"),  # this year
        (datetime(2032, 1, 6, 20, 0, tzinfo=UTC), "Tue Jan 6, 2032, 2:00 PM"),  # next year
        (datetime(2030, 12, 31, 20, 0, tzinfo=UTC), "Tue Dec 31, 2030, 2:00 PM"),  # last year
        ("2031-07-02T03:30:00+00:00", "Tue Jul 1, 10:30 PM"),  # still today in Chicago
        (datetime(2032, 7, 1, 1, 0, tzinfo=UTC), "Wed Jun 30, 2032, 8:00 PM"),  # a year out
    ],
)
@pytest.mark.usefixtures("in_chicago_on_jul_1_2031")
def test_times_far_from_today_carry_their_year(value: Any, shown: str) -> None:
    assert local(value) == shown


@pytest.mark.usefixtures("in_chicago_on_jul_1_2031")
def test_dates_and_custom_formats_carry_the_year_only_when_it_is_missing() -> None:
    assert local(date(2031, 9, 1), "%A, %B %-d") == "Monday, September 1"
    assert local(date(2032, 9, 1), "%A, %B %-d") == "Wednesday, September 1, 2032"
    assert local(date(2032, 9, 1), "%b %-d, %Y") == "Sep 1, 2032"  # already has one
    assert local(date(2031, 7, 1), "%b %-d, %Y") == "Jul 1, 2031"
    assert local(datetime(2033, 1, 1, 15, 0, tzinfo=UTC), "%-I:%M %p") == "9:00 AM"  # no day
    assert local(None) == ""


def test_a_day_half_a_year_away_in_the_same_year_carries_its_year(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(timezone, "utc_now", lambda: datetime(2031, 12, 30, 18, 0, tzinfo=UTC))
    with user_context(UserContext(uuid4(), "America/Chicago")):
        assert local(date(2031, 6, 1), "%b %-d") == "Jun 1, 2031"
        assert local(date(2031, 7, 1), "%b %-d") == "Jul 1"


def test_units_are_counted_in_words() -> None:
    assert units("24.000", "window") == "24 windows"
    assert units("1", "window") == "1 window"
    assert units("2.5", "hour") == "2.5 hours"
    assert units("3", "gutter run") == "3 gutter runs"
    assert units("2", "story") == "2 stories"
    assert units("4", "screens") == "4 screens"
    assert units("7", "") == "7"
