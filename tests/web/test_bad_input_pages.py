"""Pages answer bad input with a 4xx page that says what to fix, never a 500 or a long wait.

Regression tests for issue 10: finding 1 (a huge `count` on the close-out's last step froze
the server), finding 3 (year-9999 and boundary dates in calendar and message URLs were 500s)
and finding 7 (5,000-digit numbers and NUL bytes in page forms and searches).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crm.web.forms import parse_date, small_count
from tests.api.helpers import act, closeout_job, done, read
from tests.web.test_tickets_pages import submit

FIVE_THOUSAND_DIGITS = "9" * 5000


@pytest.fixture
def csrf(signed_in: dict[str, Any]) -> str:
    token: str = signed_in["csrf_token"]
    return token


# -- finding 1: a huge count on the close-out's last step ------------------------------------


@pytest.mark.parametrize("count", ["99999999999999999999", FIVE_THOUSAND_DIGITS, "²", "-1"])
def test_a_huge_count_on_close_complete_answers_at_once(
    client: TestClient, csrf: str, count: str
) -> None:
    job = closeout_job(client, start="2031-01-07T15:00:00Z")
    ticket_id = job["ticket"]["id"]
    done(act(client, "ticket", "clock_in", id=ticket_id))
    started = time.monotonic()
    response = submit(
        client,
        f"/tickets/{ticket_id}/close/complete",
        {"count": count, "draft_id": "00000000-0000-4000-8000-000000000000"},
        csrf,
    )
    assert time.monotonic() - started < 5
    assert 200 <= response.status_code < 500, response.text[:500]
    assert done(read(client, "tickets", id=ticket_id))["status"] == "in_progress"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("3", 3),
        ("60", 60),
        ("61", 60),
        ("0061", 60),
        ("99999999999999999999", 60),
        (FIVE_THOUSAND_DIGITS, 60),
        ("²", 0),
        ("-1", 0),
        ("", 0),
        (" 7 ", 7),
    ],
)
def test_a_count_from_a_hidden_field_is_bounded_without_converting_huge_text(
    text: str, count: int
) -> None:
    assert small_count(text, default=0, most=60) == count


# -- finding 3: dates outside the window in page URLs ----------------------------------------


def test_a_typed_date_lies_in_the_window() -> None:
    assert parse_date(" 2100-12-31 ") is not None and parse_date("") is None
    for text, message in (("9999-12-31", "from 2000-01-01"), ("2026-02-30", "like 2026-11-26")):
        with pytest.raises(ValueError, match=message):
            parse_date(text)


@pytest.mark.parametrize(
    "url",
    [
        "/?date=9999-12-31",
        "/?view=month&date=9999-12-31",
        "/?view=week&date=9999-12-31",
        "/?view=month&date=0001-01-01",
        "/?date=0001-01-01",
        "/?view=week&date=2101-01-01",
        "/?date=1999-12-31",
    ],
)
def test_a_calendar_day_outside_the_window_is_a_4xx_page(
    client: TestClient, csrf: str, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 422, response.text[:500]
    assert "2000 to 2100" in response.text


@pytest.mark.parametrize(
    ("url", "prev", "next_"),
    [
        ("/?view=month&date=2100-12-31", "2100-11-01", "2100-12-31"),
        ("/?view=week&date=2100-12-31", "2100-12-20", "2100-12-31"),
        ("/?view=week&date=2000-01-01", "2000-01-01", "2000-01-03"),
        ("/?view=month&date=2000-01-01", "2000-01-01", "2000-02-01"),
        ("/?date=2000-01-01", "2000-01-01", "2000-01-02"),
        ("/?date=2100-12-31", "2100-12-30", "2100-12-31"),
    ],
)
def test_the_calendar_shows_the_edges_of_the_window(
    client: TestClient, csrf: str, url: str, prev: str, next_: str
) -> None:
    """The first and last day show, and their links never lead outside the window."""
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    assert f"date={prev}" in response.text and f"date={next_}" in response.text


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=9999-12-31", "from"), ("to=0001-01-01", "to"), ("from=2026-02-30", "from")],
)
def test_a_message_filter_outside_the_window_is_a_422_naming_it(
    client: TestClient, csrf: str, query: str, field: str
) -> None:
    response = client.get(f"/messages?{query}")
    assert response.status_code == 422
    message = (
        "Enter a date like 2026-11-26."
        if "02-30" in query
        else "Enter a date from 2000-01-01 to 2100-12-31."
    )
    assert f'<span class="field-error" id="m-{field}-error">{message}</span>' in response.text


# -- finding 7: huge numbers and control characters in page forms ----------------------------


def test_a_5000_digit_number_in_a_page_form_is_a_field_error(client: TestClient, csrf: str) -> None:
    form = {"name": "Gutters", "price": "10", "default_duration_minutes": FIVE_THOUSAND_DIGITS}
    minutes = submit(client, "/catalog", form, csrf)
    assert minutes.status_code == 422
    assert "Enter minutes from 0 to 1440" in minutes.text
    price = submit(
        client,
        "/catalog",
        {**form, "price": FIVE_THOUSAND_DIGITS, "default_duration_minutes": "30"},
        csrf,
    )
    assert price.status_code == 422
    assert "Enter an amount" in price.text
    assert done(read(client, "services")) == []


def test_a_line_break_in_the_business_name_is_a_field_error(client: TestClient, csrf: str) -> None:
    form = {"business_name": "Sparkle\r\nBcc: everyone@example.com", "display_name": "Sam"}
    response = submit(client, "/settings", {**form, "timezone": "America/Chicago"}, csrf)
    assert response.status_code == 422
    assert "without line breaks" in response.text


def test_a_nul_byte_in_a_page_form_is_a_field_error(client: TestClient, csrf: str) -> None:
    response = submit(client, "/contacts", {"first_name": "Ann\x00", "last_name": "Lee"}, csrf)
    assert response.status_code == 422
    assert "control characters" in response.text
    assert done(read(client, "contacts")) == []


def test_a_nul_byte_in_a_search_is_a_4xx_page(client: TestClient, csrf: str) -> None:
    response = client.get("/contacts", params={"q": "Ann\x00"})
    assert response.status_code == 422
    assert client.get("/contacts", params={"q": "Ann"}).status_code == 200


def test_huge_counts_in_the_invoice_and_close_out_forms_are_not_500(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    """The rows count of the new-invoice form and the reach-out months are bounded as text."""
    job = closeout_job(client, start="2026-11-26T15:00:00Z")
    tid = job["ticket"]["id"]
    done(act(client, "ticket", "clock_in", id=tid))
    for value in ("9" * 5000, "²", "-1"):
        invoice = client.post("/invoices", data={"rows": value, "contact_id": job["contact"]["id"]})
        assert invoice.status_code < 500, value
        step = client.post(
            f"/tickets/{tid}/close/next", data={"next_kind": "reach_out", "months": value}
        )
        assert step.status_code < 500, value
