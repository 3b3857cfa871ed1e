"""Every bad input is a clean 4xx, and nothing is saved by a request that was refused.

Regression tests for issue 10: finding 3 (a year-0001 time answered 500 but was saved, and
every list was 500 afterwards), finding 7 (NUL bytes, redaction past a limit, deep JSON, huge
numbers) and a sweep of every registered action with the fuzzer's corner values.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from crm.core.registry import REGISTRY
from tests.api.helpers import act, closeout_job, done, error, make, preview_input, read
from tests.auth.helpers import anon_csrf
from tests.fuzzing import row_counts

WHEN = "2026-12-10T15:00:00+00:00"
YEAR_ONE = "0001-01-01T03:00:00+00:00"
YEAR_9999 = "9999-12-31T23:59:59+00:00"


@pytest.fixture
def admin(database: Any) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    with database.superuser() as conn:
        yield conn


def fields_of(response: Response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["details"]["fields"]]


def post_raw(client: TestClient, url: str, raw: bytes) -> Response:
    return client.post(url, content=raw, headers={"Content-Type": "application/json"})


@pytest.fixture
def contact(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    return make(client, "contact", first_name="Ann", last_name="Lee")


# -- finding 3: nothing after the commit can fail --------------------------------------------


@pytest.mark.parametrize("moment", [YEAR_ONE, YEAR_9999, "1999-12-31T12:00:00+00:00"])
def test_a_time_outside_the_window_is_refused_and_nothing_is_saved(
    client: TestClient, contact: dict[str, Any], admin: Any, moment: str
) -> None:
    before = row_counts(admin)
    ticket = act(client, "ticket", "create", contact_id=contact["id"], scheduled_start=moment)
    assert fields_of(ticket) == ["scheduled_start"] and ticket.status_code == 422
    message = act(
        client,
        "message",
        "schedule",
        kind="custom",
        contact_id=contact["id"],
        subject="Hello",
        body="See you",
        scheduled_for=moment,
    )
    assert message.status_code == 422 and fields_of(message) == ["scheduled_for"]
    assert row_counts(admin) == before
    for type_ in ("tickets", "messages"):
        assert read(client, type_).status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/messages").status_code == 200


def test_the_edges_of_the_window_are_accepted_and_listed(
    client: TestClient, contact: dict[str, Any]
) -> None:
    # In Chicago the first instant is still 1999 locally and the last one is 2100: both show.
    for moment in ("2000-01-01T06:00:00+00:00", "2100-12-31T23:00:00+00:00"):
        made = make(client, "ticket", contact_id=contact["id"], scheduled_start=moment)
        assert made["scheduled_start"].startswith(moment[:4])
    listed = done(read(client, "tickets", **{"from": "2000-01-01", "to": "2100-12-31"}))
    assert len(listed) == 2


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"from": "9999-12-31"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"to": "2101-01-01"}, "to"),
        ({"from": "1700000000"}, "from"),
        ({"from": "2026-13-01"}, "from"),
        ({"status": "pending\x00"}, "status"),
    ],
)
def test_a_filter_outside_the_window_is_a_422_naming_it(
    client: TestClient, signed_in: dict[str, Any], filters: dict[str, str], field: str
) -> None:
    for type_ in ("tickets", "messages"):
        response = read(client, type_, **filters)
        assert response.status_code == 422, response.text
        assert fields_of(response) == [field]


def test_a_result_that_cannot_be_shown_rolls_the_action_back(
    client: TestClient, contact: dict[str, Any], admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer is shaped inside the unit of work: if shaping fails, nothing is saved."""

    def broken(value: Any, timezone: str) -> Any:
        raise OverflowError("date value out of range")

    monkeypatch.setattr("crm.core.dispatch.present", broken)
    before = row_counts(admin)
    response = act(client, "ticket", "create", contact_id=contact["id"], scheduled_start=WHEN)
    assert response.status_code == 500
    assert row_counts(admin) == before


def test_a_row_from_before_the_window_does_not_break_the_lists(
    client: TestClient, contact: dict[str, Any], admin: Any, signed_in: dict[str, Any]
) -> None:
    """Rows saved before the bounds existed (year 1, year 9999) still list, shown in UTC."""
    ticket = make(client, "ticket", contact_id=contact["id"], scheduled_start=WHEN)
    admin.execute("UPDATE tickets SET scheduled_start = %s WHERE id = %s", (YEAR_ONE, ticket["id"]))
    listed = done(read(client, "tickets"))
    assert listed[0]["scheduled_start"].startswith("0001-01-01T03:00:00")
    assert client.get("/tickets").status_code == 200


# -- finding 7: control characters, redaction, deep and huge input ---------------------------


@pytest.mark.parametrize(
    ("domain", "field", "value"),
    [
        ("contact", "first_name", "Ann\x00"),
        ("contact", "company", "Acme\r\nBcc: x@example.com"),
        ("contact", "email", "ann\x00@example.com"),
        ("contact", "first_name", "Ann\x1b[31m"),
        ("contact", "first_name", "Ann\u2028Lee"),
        ("contact", "first_name", "Ann\ud800"),
    ],
)
def test_a_control_character_in_a_line_is_a_422_naming_the_field(
    client: TestClient, signed_in: dict[str, Any], admin: Any, domain: str, field: str, value: str
) -> None:
    before = row_counts(admin)
    body = {"domain": domain, "action": "create", "data": {"last_name": "Lee", field: value}}
    response = post_raw(client, "/api/actions", json.dumps(body).encode())
    assert response.status_code == 422, response.text
    assert fields_of(response) == [field]
    assert row_counts(admin) == before


def test_text_keeps_its_line_breaks_but_refuses_nul(
    client: TestClient, contact: dict[str, Any]
) -> None:
    kept = make(client, "note", contact_id=contact["id"], body="Gate code 4411\r\n\tSide door")
    assert kept["body"] == "Gate code 4411\r\n\tSide door"
    refused = act(client, "note", "create", contact_id=contact["id"], body="Gate\x00code")
    assert refused.status_code == 422 and fields_of(refused) == ["body"]
    bell = act(client, "note", "create", contact_id=contact["id"], body="Ring\x07")
    assert bell.status_code == 422 and fields_of(bell) == ["body"]


def test_a_business_name_is_one_line(client: TestClient, signed_in: dict[str, Any]) -> None:
    """Finding 4's root: a line break in the name broke the sign-in email's header."""
    response = act(client, "business", "update", business_name="Sparkle\r\nWindows")
    assert response.status_code == 422 and fields_of(response) == ["business_name"]


def test_nul_in_search_or_a_filter_is_a_422(client: TestClient, signed_in: dict[str, Any]) -> None:
    search = read(client, "contacts", search="Ann\x00")
    assert search.status_code == 422 and fields_of(search) == ["search"]
    key = read(client, "attributes", key="pets\x00")
    assert key.status_code == 422 and fields_of(key) == ["key"]
    entity = read(client, "audit", entity_type="contact\x00")
    assert entity.status_code == 422 and fields_of(entity) == ["entity_type"]


def test_redaction_that_outgrows_a_limit_is_cut_to_fit(
    client: TestClient, contact: dict[str, Any]
) -> None:
    """ "[REDACTED]" is longer than a bare 9-digit SSN: a full-length title stays in bounds."""
    title = "x" * 186 + " ssn 219099999"
    assert len(title) == 200
    response = act(
        client, "ticket", "create", contact_id=contact["id"], scheduled_start=WHEN, title=title
    )
    ticket = done(response)
    assert ticket["title"] == "x" * 186 + " ssn [REDACTED"
    assert response.json()["meta"]["warnings"][0]["fields"] == [
        {"field": "title", "kinds": ["ssn"]}
    ]


def test_redaction_that_breaks_a_pattern_is_a_422_not_a_500(
    client: TestClient, contact: dict[str, Any], admin: Any
) -> None:
    """A card number inside an attribute key leaves "a[REDACTED]", which no key may be."""
    before = row_counts(admin)
    response = act(
        client, "attribute", "create", contact_id=contact["id"], key="a4111111111111111", value=1
    )
    assert response.status_code == 422 and fields_of(response) == ["key"]
    assert row_counts(admin) == before


def test_a_card_number_in_a_full_length_field_is_redacted(
    client: TestClient, contact: dict[str, Any]
) -> None:
    notes = "4111 1111 1111 1111 " + "y" * (20000 - 20)
    job = closeout_job(client, start="2026-11-26T15:00:00Z")
    done(act(client, "ticket", "clock_in", id=job["ticket"]["id"]))
    response = act(client, "ticket", "close_out_preview", **preview_input(job, notes=notes))
    draft = done(response)
    assert draft["notes"].startswith("[REDACTED] y") and "4111" not in draft["notes"]
    assert response.json()["meta"]["warnings"][0]["fields"][0]["field"] == "notes"


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("url", ["/auth/login", "/auth/confirm", "/auth/code"])
def test_deeply_nested_json_on_sign_in_is_a_400(client: TestClient, url: str) -> None:
    for body in (b'{"email": ' + deep(1000) + b"}", deep(100_000), b'{"token": ' + deep(50) + b"}"):
        response = client.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", "X-CSRF-Token": anon_csrf(client)},
        )
        assert 400 <= response.status_code < 500, response.text
    assert (
        client.post(
            url,
            content=deep(1000),
            headers={"Content-Type": "application/json", "X-CSRF-Token": anon_csrf(client)},
        ).json()["error"]["code"]
        == "BAD_REQUEST"
    )


def attribute_with(contact_id: str, value: bytes) -> bytes:
    """An attribute.create body whose value is written as raw JSON."""
    data = json.dumps({"contact_id": contact_id, "key": "a", "value": None})
    body = json.dumps({"domain": "attribute", "action": "create", "data": "DATA"})
    return body.replace('"DATA"', data.replace("null", "VALUE")).encode().replace(b"VALUE", value)


def test_deeply_nested_or_huge_action_input_is_a_4xx(
    client: TestClient, contact: dict[str, Any], admin: Any
) -> None:
    before = row_counts(admin)
    whole = b'{"domain": "attribute", "action": "create", "data": ' + deep(1000) + b"}"
    assert post_raw(client, "/api/actions", whole).status_code == 400
    assert (
        post_raw(client, "/api/actions", attribute_with(contact["id"], deep(1000))).status_code
        == 400
    )
    for depth in (60, 400):
        response = post_raw(client, "/api/actions", attribute_with(contact["id"], deep(depth)))
        assert response.status_code == 422 and fields_of(response)[0].startswith("value")
    huge = post_raw(client, "/api/actions", attribute_with(contact["id"], b"9" * 5000))
    assert huge.status_code == 400
    big = act(client, "attribute", "create", contact_id=contact["id"], key="a", value=10**300)
    assert big.status_code == 422 and fields_of(big) == ["value"]
    nan = post_raw(client, "/api/actions", attribute_with(contact["id"], b"NaN"))
    assert nan.status_code == 422 and fields_of(nan) == ["value"]
    domain = post_raw(client, "/api/actions", b'{"domain": ' + deep(500) + b', "action": "x"}')
    assert domain.status_code == 400
    assert row_counts(admin) == before


# -- every action, every corner --------------------------------------------------------------

# Stand-ins the request is built with, then swapped for raw JSON no encoder would write.
HUGE_INT = "\x01huge-int"
DEEP = "\x01deep"
CORNERS: tuple[Any, ...] = (
    "\x00",
    "a\x00b",
    "two\r\nlines",
    "\ud800",
    10**30,
    float("nan"),
    YEAR_ONE,
    YEAR_9999,
    "0001-01-01",
    "9999-12-31",
    "x" * 10_001,
    json.loads(deep(40)),
    HUGE_INT,
    DEEP,
)
# Actions that end a record (or the clock) go last, so the others meet live records.
LAST = (
    "delete",
    "remove",
    "void",
    "cancel",
    "retire",
    "mark_no_show",
    "close",
    "clock_out",
    "end",
)


def _waitlist(client: TestClient, contact: str, service: str) -> str:
    entry = make(
        client,
        "waitlist",
        contact_id=contact,
        services=[{"service_id": service, "quantity": "2"}],
        latest_date="2031-07-01",
    )
    return str(entry["id"])


def world(client: TestClient) -> dict[str, str]:
    """One of everything, with a ticket in progress, so input gets past "not found"."""
    job = closeout_job(client, start="2026-11-26T15:00:00Z")
    contact = job["contact"]["id"]
    done(act(client, "ticket", "clock_in", id=job["ticket"]["id"]))
    other = make(client, "ticket", contact_id=contact, scheduled_start=WHEN)
    invoice = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=contact,
            lines=[{"description": "Gutters", "quantity": "1", "unit_price_cents": 9000}],
        )
    )
    paid = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=contact,
            lines=[{"description": "Screens", "quantity": "1", "unit_price_cents": 5000}],
        )
    )
    payment = done(
        act(client, "invoice", "record_payment", invoice_id=paid["id"], amount_cents=5000)
    )
    message = done(
        act(
            client,
            "message",
            "schedule",
            kind="custom",
            contact_id=contact,
            subject="Hello",
            body="See you",
            scheduled_for=WHEN,
        )
    )
    plan = make(
        client,
        "plan",
        contact_id=contact,
        rrule="FREQ=WEEKLY;INTERVAL=4;BYDAY=TU",
        start_date="2027-01-05",
        start_time="09:00",
    )
    plan_visits = done(read(client, "plans", id=plan["id"], include="visits"))["visits"]
    return {
        "plan": plan["id"],
        "plan_visit": plan_visits[0]["id"],
        "contact": contact,
        "address": make(client, "address", contact_id=contact, line1="12 Oak St")["id"],
        "staff": make(client, "staff", name="Sam Crew")["id"],
        "service": job["wash"]["service_id"],
        "ticket": job["ticket"]["id"],
        "other": other["id"],
        "screens": job["screens"]["id"],
        "wash": job["wash"]["id"],
        "note": make(client, "note", contact_id=contact, body="Gate 4411")["id"],
        "attribute": make(
            client, "attribute", contact_id=contact, key="pets.dog_name", value="Rex"
        )["id"],
        "invoice": invoice["id"],
        "payment": payment["payment"]["id"],
        "message": message["id"],
        "preview": json.dumps(preview_input(job)),
        "waitlist": _waitlist(client, contact, job["wash"]["service_id"]),
        "waitlist_book": _waitlist(client, contact, job["wash"]["service_id"]),
        "import": done(act(client, "import", "preview", **_SQUARE_IMPORT))["id"],
        "csv_import": done(act(client, "import", "preview", **_CSV_IMPORT))["id"],
        **_agent_world(client, contact),
    }


def _agent_world(client: TestClient, contact: str) -> dict[str, str]:
    """An API token, and a request it made that waits for the owner (a note's delete)."""
    token = done(act(client, "api_token", "create", name="Script", scope="write"))
    note = make(client, "note", contact_id=contact, body="Asked to delete")
    asked = client.post(
        "/api/actions",
        json={"domain": "note", "action": "delete", "data": {"id": note["id"]}},
        headers={"Authorization": f"Bearer {token['token']}"},
    )
    return {"api_token": token["id"], "authorization": done(asked, 202)["id"]}


_SQUARE_IMPORT = {
    "kind": "square_customers",
    "filename": "customers.csv",
    "content": "Square Customer ID,First Name,Last Name,Email Address,Phone Number\n"
    "SQ1,Edna,Whitfield,edna@example.com,(256) 555-0134\n",
}
_CSV_IMPORT = {
    "kind": "csv",
    "filename": "clients.csv",
    "content": "Name,E-mail\nEdna Whitfield,edna@example.com\n",
}

BASE: dict[tuple[str, str], Callable[[dict[str, str]], dict[str, Any]]] = {
    ("api_token", "create"): lambda w: {"name": "Script", "scope": "read", "days": 30},
    ("api_token", "revoke"): lambda w: {"id": w["api_token"]},
    ("authorization", "approve"): lambda w: {"id": w["authorization"]},
    ("authorization", "deny"): lambda w: {"id": w["authorization"]},
    ("import", "preview"): lambda w: dict(_SQUARE_IMPORT),
    ("import", "start"): lambda w: {"id": w["import"]},
    ("import", "map"): lambda w: {
        "id": w["csv_import"],
        "mapping": {"Name": "full_name", "E-mail": "email"},
    },
    ("address", "create"): lambda w: {
        "contact_id": w["contact"],
        "line1": "1 Main St",
        "access_notes": "Gate on the left",
    },
    ("address", "update"): lambda w: {"id": w["address"], "city": "Huntsville"},
    ("address", "delete"): lambda w: {"id": w["address"]},
    ("attribute", "create"): lambda w: {
        "contact_id": w["contact"],
        "key": "house.color",
        "value": {"main": "blue", "trim": ["white"]},
        "evidence": "said so",
    },
    ("attribute", "update"): lambda w: {"id": w["attribute"], "value": "Max", "evidence": "x"},
    ("attribute", "delete"): lambda w: {"id": w["attribute"]},
    ("business", "update"): lambda w: {
        "display_name": "Sam Owner",
        "business_name": "Sparkle Windows",
        "timezone": "America/Chicago",
    },
    ("contact", "create"): lambda w: {
        "first_name": "Bea",
        "last_name": "Cole",
        "company": "Cole Co",
        "email": "bea@example.com",
        "phone": "256-555-0142",
        "preferred_time_of_day": "mornings",
        "source": "web",
        "external_id": "sq-1",
        "referred_by_id": w["contact"],
    },
    ("contact", "update"): lambda w: {"id": w["contact"], "first_name": "Ann"},
    ("contact", "delete"): lambda w: {"id": w["contact"]},
    ("invoice", "create_from_ticket"): lambda w: {
        "ticket_id": w["other"],
        "tax_rate_bp": 825,
        "due_on": "2026-12-31",
        "notes": "Thanks",
    },
    ("invoice", "create_standalone"): lambda w: {
        "contact_id": w["contact"],
        "lines": [
            {"description": "Gutters", "quantity": "2", "unit_price_cents": 900, "unit_label": "ft"}
        ],
        "due_on": "2026-12-31",
        "notes": "Thanks",
    },
    ("invoice", "update"): lambda w: {
        "id": w["invoice"],
        "lines": [
            {"description": "Gutters", "quantity": "2", "unit_price_cents": 900},
            {"description": "Loyal customer", "kind": "discount", "percent_bp": 1000},
            {"description": "Coupon", "kind": "discount", "unit_price_cents": -100},
        ],
        "tax_rate_bp": 825,
        "due_on": "2026-12-31",
        "notes": "Thanks",
    },
    ("invoice", "refund"): lambda w: {
        "payment_id": w["payment"],
        "amount_cents": 100,
        "reason": "Screen left dirty",
        "method": "cash",
        "refunded_on": "2026-11-28",
    },
    ("invoice", "remove_payment"): lambda w: {"payment_id": w["payment"], "reason": "Twice"},
    ("invoice_settings", "update"): lambda w: {
        "tax_rate_bp": 825,
        "due_days": 30,
        "default_notes": "Thank you!",
        "address": "12 Main St\nHuntsville, AL 35801",
        "phone": "(256) 555-0100",
        "email": "office@example.com",
    },
    ("invoice", "mark_sent"): lambda w: {"id": w["invoice"]},
    ("invoice", "void"): lambda w: {"id": w["invoice"], "reason": "Sent twice"},
    ("invoice", "record_payment"): lambda w: {
        "invoice_id": w["invoice"],
        "amount_cents": 100,
        "tip_cents": 0,
        "method": "check",
        "paid_on": "2026-11-27",
        "reference": "check 1001",
    },
    ("line_item", "add"): lambda w: {
        "ticket_id": w["ticket"],
        "description": "Extra",
        "quantity": "2",
        "unit_price_cents": 500,
    },
    ("line_item", "update"): lambda w: {
        "id": w["wash"],
        "description": "Window wash",
        "quantity": "1",
        "unit_price_cents": 16000,
        "price_note": "Agreed on site",
    },
    ("line_item", "remove"): lambda w: {"id": w["screens"]},
    ("line_item", "add_discount"): lambda w: {
        "ticket_id": w["ticket"],
        "description": "Spring special",
        "percent_bp": 1000,
    },
    ("message", "schedule"): lambda w: {
        "kind": "custom",
        "contact_id": w["contact"],
        "ticket_id": w["other"],
        "subject": "Hello",
        "body": "See you soon",
        "scheduled_for": WHEN,
        "dedupe_key": "hello-1",
    },
    ("message", "cancel"): lambda w: {"id": w["message"]},
    ("message", "retry"): lambda w: {"id": w["message"]},
    ("messaging", "update"): lambda w: {
        "business_phone": "(256) 555-0100",
        "reply_to": "office@example.com",
        "confirmations": True,
        "reminder_minutes": [2880, 120],
        "follow_up_hours": 24,
        "thank_you": False,
        "quiet_start": "20:00",
        "quiet_end": "08:00",
    },
    ("message_template", "save"): lambda w: {
        "kind": "reminder",
        "subject": "See you {{ reminder_when }}",
        "body": "Hi {{ customer_first_name }},\n\nSee you at {{ appointment_time }}.",
        "sms": "See you {{ reminder_when }}",
    },
    ("message_template", "reset"): lambda w: {"kind": "reminder"},
    ("invoice", "send"): lambda w: {"id": w["invoice"]},
    ("contact", "resubscribe"): lambda w: {"id": w["contact"]},
    ("note", "create"): lambda w: {"body": "Gate 4411", "contact_id": w["contact"]},
    ("note", "update"): lambda w: {"id": w["note"], "body": "Gate 4412"},
    ("note", "delete"): lambda w: {"id": w["note"]},
    ("service", "create"): lambda w: {
        "name": "Gutters",
        "description": "Front and back",
        "pricing_mode": "per_unit",
        "unit_price_cents": 100,
        "unit_label": "foot",
        "default_duration_minutes": 30,
    },
    ("service", "update"): lambda w: {"id": w["service"], "name": "Wash", "unit_price_cents": 1},
    ("service", "retire"): lambda w: {"id": w["service"]},
    ("staff", "create"): lambda w: {"name": "Bo", "email": "bo@example.com", "phone": "2565550100"},
    ("staff", "update"): lambda w: {"id": w["staff"], "name": "Bo Crew"},
    ("staff", "delete"): lambda w: {"id": w["staff"]},
    ("ticket", "create"): lambda w: {
        "contact_id": w["contact"],
        "address_id": w["address"],
        "title": "Windows",
        "scheduled_start": WHEN,
        "duration_minutes": 60,
        "staff_ids": [w["staff"]],
    },
    ("ticket", "update"): lambda w: {
        "id": w["other"],
        "title": "Windows, outside",
        "scheduled_start": WHEN,
        "duration_minutes": 90,
        "confirmation_status": "confirmed",
    },
    ("ticket", "assign_staff"): lambda w: {"id": w["other"], "staff_ids": [w["staff"]]},
    ("ticket", "clock_in"): lambda w: {"id": w["other"]},
    ("ticket", "clock_out"): lambda w: {"id": w["ticket"]},
    ("ticket", "cancel"): lambda w: {"id": w["other"], "reason": "Rain"},
    ("ticket", "mark_no_show"): lambda w: {"id": w["other"], "reason": "Nobody home"},
    ("ticket", "reopen"): lambda w: {"id": w["other"], "scheduled_start": WHEN},
    ("ticket", "delete"): lambda w: {"id": w["other"]},
    ("ticket", "close_out_preview"): lambda w: {
        **json.loads(w["preview"]),
        "next_step": {"kind": "schedule_now", "start": "2027-01-05T15:00:00Z"},
    },
    ("waitlist", "create"): lambda w: {
        "contact_id": w["contact"],
        "address_id": w["address"],
        "services": [{"service_id": w["service"], "quantity": "2"}],
        "duration_minutes": 90,
        "weekdays": [1, 3],
        "earliest_time": "09:00",
        "latest_time": "15:00",
        "earliest_date": "2031-06-01",
        "latest_date": "2031-07-01",
        "note": "Mornings if possible",
    },
    ("waitlist", "update"): lambda w: {
        "id": w["waitlist"],
        "address_id": w["address"],
        "services": [{"service_id": w["service"], "quantity": "3"}],
        "weekdays": [2],
        "earliest_time": "08:00",
        "latest_date": "2031-08-01",
        "note": "Afternoons now",
    },
    ("waitlist", "remove"): lambda w: {"id": w["waitlist"]},
    ("waitlist", "book"): lambda w: {
        "id": w["waitlist_book"],
        "scheduled_start": "2031-06-02T15:00:00Z",
        "staff_ids": [w["staff"]],
    },
    ("ticket", "close"): lambda w: {
        "ticket_id": w["ticket"],
        "draft_id": str(uuid.uuid4()),
        "decisions": [{"key": "pets.dog_name", "decision": "edit", "value": "Rex"}],
    },
    ("plan", "create"): lambda w: {
        "contact_id": w["contact"],
        "address_id": w["address"],
        "rrule": "FREQ=MONTHLY;BYDAY=2TU",
        "start_date": "2027-01-05",
        "start_time": "09:00",
        "duration_minutes": 60,
        "staff_ids": [w["staff"]],
        "lines": [{"service_id": w["service"], "quantity": "2"}],
        "until": "2027-12-31",
        "skip_dates": ["2027-02-09"],
        "crew_note": "Bring the ladder",
        "confirm_overlaps": True,
    },
    ("plan", "update"): lambda w: {
        "id": w["plan"],
        "scope": "all",
        "start_time": "10:00",
        "duration_minutes": 90,
        "confirm_overlaps": True,
    },
    ("plan", "skip"): lambda w: {"ticket_id": w["plan_visit"], "reason": "Away"},
    ("plan", "pause"): lambda w: {"id": w["plan"]},
    ("plan", "resume"): lambda w: {"id": w["plan"]},
    ("plan", "end"): lambda w: {"id": w["plan"], "reason": "Moved away"},
}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in the input a corner can go: each field, each item, and their insides."""
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in children:
        yield (*prefix, key)
        if isinstance(child, dict | list):
            yield from paths(child, (*prefix, key))


def with_corner(
    domain: str, action: str, data: dict[str, Any], path: tuple[Any, ...], corner: Any
) -> bytes:
    """The request body with ``corner`` at ``path`` (stand-ins written as raw JSON)."""
    copy = json.loads(json.dumps(data))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = corner
    raw = json.dumps({"domain": domain, "action": action, "data": copy}).encode()
    raw = raw.replace(json.dumps(HUGE_INT).encode(), b"9" * 5000)
    return raw.replace(json.dumps(DEEP).encode(), deep(1000))


def test_every_action_answers_every_corner_value_without_a_5xx_or_a_half_save(
    client: TestClient, signed_in: dict[str, Any], admin: Any
) -> None:
    assert set(BASE) == set(REGISTRY.actions), "give each registered action a valid base input"
    ids = world(client)
    started = time.monotonic()
    failures: list[str] = []
    sent = 0
    counts = row_counts(admin)
    for domain, action in sorted(BASE, key=lambda key: (key[1] in LAST, key)):
        data = BASE[(domain, action)](ids)
        for path in paths(data):
            for corner in CORNERS:
                raw = with_corner(domain, action, data, path, corner)
                response = post_raw(client, "/api/actions", raw)
                sent += 1
                after = row_counts(admin)
                where = f"{domain}.{action} {'.'.join(map(str, path))}={str(corner)[:20]!r}"
                if response.status_code >= 500:
                    failures.append(f"{where} -> {response.status_code}")
                elif response.status_code >= 300 and after != counts:
                    failures.append(f"{where} -> {response.status_code} but saved a row")
                counts = after
    assert failures == [], "\n".join(failures[:30])
    assert sent > 1000
    for type_ in ("tickets", "messages", "invoices", "contacts", "notes", "attributes"):
        assert read(client, type_).status_code == 200
    assert client.get("/").status_code == 200
    print(f"\n{sent} corner requests in {time.monotonic() - started:.1f} s")


def test_bad_envelopes_are_a_400(client: TestClient, signed_in: dict[str, Any]) -> None:
    for body in ({"domain": ["x"], "action": "create"}, {"domain": "contact", "action": {}}):
        error(client.post("/api/actions", json=body), 400, "BAD_REQUEST")
