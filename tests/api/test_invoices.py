"""Invoices over HTTP: numbering, snapshots, tax, the status machine, payments, audit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, error, make, read
from tests.factories import make_user

START = datetime(2030, 5, 1, 15, 0, tzinfo=UTC)


# -- builders --------------------------------------------------------------------------------


def contact(client: TestClient, first_name: str = "Ann") -> dict[str, Any]:
    return make(client, "contact", first_name=first_name, last_name="Lee")


def ticket(client: TestClient, contact_id: str, *, lines: bool = True) -> dict[str, Any]:
    """A scheduled ticket; with lines: 12 windows at $8.50 and gutters at $150 = $252.00."""
    created = make(
        client, "ticket", contact_id=contact_id, scheduled_start=START, duration_minutes=90
    )
    if lines:
        windows = make(
            client,
            "service",
            name="Window",
            pricing_mode="per_unit",
            unit_price_cents=850,
            unit_label="window",
        )
        gutters = make(client, "service", name="Gutters", pricing_mode="flexible")
        add_line(client, created["id"], windows["id"], quantity="12")
        add_line(client, created["id"], gutters["id"], unit_price_cents=15000)
    return created


def add_line(client: TestClient, ticket_id: str, service_id: str, **data: Any) -> dict[str, Any]:
    result: dict[str, Any] = done(
        act(client, "line_item", "add", ticket_id=ticket_id, service_id=service_id, **data)
    )
    return result


def standalone(client: TestClient, contact_id: str, **data: Any) -> dict[str, Any]:
    data.setdefault("lines", [{"description": "Pressure washing", "unit_price_cents": 10000}])
    for line in data["lines"]:
        line.setdefault("quantity", "1")
    result: dict[str, Any] = done(
        act(client, "invoice", "create_standalone", contact_id=contact_id, **data)
    )
    return result


def from_ticket(client: TestClient, ticket_id: str, **data: Any) -> dict[str, Any]:
    result: dict[str, Any] = done(
        act(client, "invoice", "create_from_ticket", ticket_id=ticket_id, **data)
    )
    return result


def pay(client: TestClient, invoice_id: str, amount_cents: int, **data: Any) -> Any:
    return act(
        client,
        "invoice",
        "record_payment",
        invoice_id=invoice_id,
        amount_cents=amount_cents,
        **data,
    )


def as_owner(owner: Any, user_id: Any, statement: str, params: tuple[Any, ...]) -> None:
    """Run SQL as the business, the way a test reaches states no action offers directly."""
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        owner.execute(statement, params)


def complete(owner: Any, user_id: Any, ticket_id: str) -> None:
    as_owner(
        owner, user_id, "UPDATE tickets SET status = 'in_progress' WHERE id = %s", (ticket_id,)
    )
    as_owner(owner, user_id, "UPDATE tickets SET status = 'completed' WHERE id = %s", (ticket_id,))


def audit_actions(client: TestClient, entity_id: str) -> list[str]:
    return [row["action"] for row in done(read(client, "audit", entity_id=entity_id))]


def second_client(app: Any, owner: Any) -> TestClient:
    """Another business, signed in in its own browser."""
    user = make_user(owner, business_name="Other Co")
    cookie, session = app.state.auth.sessions.create(user["id"])
    other = TestClient(app, base_url="http://localhost")
    other.cookies.set("crm_session", cookie, domain="localhost.local")
    other.headers["X-CSRF-Token"] = session.csrf_token
    return other


def same_session(app: Any, signed_in: dict[str, Any]) -> TestClient:
    browser = TestClient(app, base_url="http://localhost")
    browser.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")
    browser.headers["X-CSRF-Token"] = signed_in["csrf_token"]
    return browser


# -- creation --------------------------------------------------------------------------------


def test_invoice_from_ticket_snapshots_its_lines(client: TestClient, signed_in: dict) -> None:
    ann = contact(client)
    job = ticket(client, ann["id"])
    invoice = from_ticket(client, job["id"], tax_rate_bp=825, due_on="2030-06-01", notes="Thanks!")

    assert invoice["number"] == 1
    assert invoice["status"] == "draft"
    assert invoice["contact_id"] == ann["id"] and invoice["ticket_id"] == job["id"]
    assert invoice["subtotal_cents"] == 25200
    assert invoice["tax_cents"] == 2079  # 25200 x 8.25% = 2079.0
    assert invoice["total_cents"] == 27279
    assert invoice["paid_cents"] == 0 and invoice["balance_cents"] == 27279
    assert invoice["total_formatted"] == "$272.79"
    assert invoice["balance_formatted"] == "$272.79"
    assert invoice["due_on"] == "2030-06-01" and invoice["notes"] == "Thanks!"
    assert invoice["sent_at"] is None

    # Changing the ticket afterwards leaves the invoice as it was billed.
    extra = make(client, "service", name="Screens", pricing_mode="fixed", unit_price_cents=999)
    add_line(client, job["id"], extra["id"])
    got = done(read(client, "invoices", id=invoice["id"], include="lines"))
    assert [(ln["description"], ln["quantity"], ln["unit_label"]) for ln in got["lines"]] == [
        ("Window", "12", "window"),
        ("Gutters", "1", ""),
    ]
    assert [ln["unit_price_cents"] for ln in got["lines"]] == [850, 15000]
    assert [ln["total_cents"] for ln in got["lines"]] == [10200, 15000]
    assert got["lines"][0]["total_formatted"] == "$102.00"
    assert got["subtotal_cents"] == 25200


def test_fractional_quantity_line_totals_are_copied_not_recomputed(
    client: TestClient, signed_in: dict
) -> None:
    ann = contact(client)
    job = ticket(client, ann["id"], lines=False)
    hourly = make(
        client,
        "service",
        name="Labour",
        pricing_mode="per_unit",
        unit_price_cents=333,
        unit_label="hour",
    )
    add_line(client, job["id"], hourly["id"], quantity="2.5")  # 832.5 -> 833
    invoice = from_ticket(client, job["id"], tax_rate_bp=500)
    assert invoice["subtotal_cents"] == 833
    assert invoice["tax_cents"] == 42  # 41.65 -> 42
    assert invoice["total_cents"] == 875


def test_completed_and_in_progress_tickets_can_be_invoiced(
    client: TestClient, signed_in: dict, owner: Any
) -> None:
    ann = contact(client)
    finished = ticket(client, ann["id"])
    complete(owner, signed_in["id"], finished["id"])
    assert from_ticket(client, finished["id"])["total_cents"] == 25200
    working = ticket(client, ann["id"])
    as_owner(
        owner,
        signed_in["id"],
        "UPDATE tickets SET status = 'in_progress' WHERE id = %s",
        (working["id"],),
    )
    assert from_ticket(client, working["id"])["number"] == 2


@pytest.mark.parametrize(
    ("subtotal", "rate_bp", "tax"),
    [
        (1010, 500, 51),  # 50.5: half up, not to even (50)
        (1030, 500, 52),  # 51.5
        (1001, 825, 83),  # 82.5825
        (1000, 333, 33),  # 33.3
        (999, 10000, 999),  # 100%
        (12345, 0, 0),
        (1, 5000, 1),  # 0.5
    ],
)
def test_tax_rounds_half_up_in_whole_cents(
    client: TestClient, signed_in: dict, subtotal: int, rate_bp: int, tax: int
) -> None:
    ann = contact(client)
    invoice = standalone(
        client,
        ann["id"],
        lines=[{"description": "Work", "unit_price_cents": subtotal}],
        tax_rate_bp=rate_bp,
    )
    assert (invoice["subtotal_cents"], invoice["tax_cents"]) == (subtotal, tax)
    assert invoice["total_cents"] == subtotal + tax


def test_standalone_invoice_computes_line_totals(client: TestClient, signed_in: dict) -> None:
    ann = contact(client)
    invoice = standalone(
        client,
        ann["id"],
        lines=[
            {"description": "Hedge trim", "quantity": "1.5", "unit_price_cents": 333},  # 499.5
            {"description": "Bags", "quantity": "3", "unit_price_cents": 250, "unit_label": "bag"},
            {"description": "Goodwill", "quantity": "1", "unit_price_cents": 0},
        ],
        tax_rate_bp=700,
    )
    assert invoice["ticket_id"] is None
    assert invoice["subtotal_cents"] == 500 + 750
    assert invoice["tax_cents"] == 88  # 87.5 -> 88
    got = done(read(client, "invoices", id=invoice["id"], include="lines,contact"))
    assert [ln["total_cents"] for ln in got["lines"]] == [500, 750, 0]
    assert [ln["position"] for ln in got["lines"]] == [0, 1, 2]
    assert got["lines"][1]["unit_label"] == "bag"
    assert got["contact"]["display_name"] == "Ann Lee"


@pytest.mark.parametrize(
    "data",
    [
        {"lines": []},
        {"lines": [{"description": "X", "quantity": "0", "unit_price_cents": 100}]},
        {"lines": [{"description": "X", "quantity": "-1", "unit_price_cents": 100}]},
        {"lines": [{"description": "X", "quantity": "1", "unit_price_cents": -1}]},
        {"lines": [{"description": "X", "quantity": "1.0001", "unit_price_cents": 1}]},
        {"lines": [{"description": "", "quantity": "1", "unit_price_cents": 100}]},
        {"lines": [{"description": "X", "quantity": "1", "unit_price_cents": 1, "tax": 1}]},
        {"lines": [{"description": "X", "quantity": "1", "unit_price_cents": 1}] * 101},
        {"tax_rate_bp": 10001},
        {"tax_rate_bp": -1},
        {"due_on": "next week"},
        {"discount_cents": 100},
    ],
)
def test_standalone_input_is_validated(
    client: TestClient, signed_in: dict, data: dict[str, Any]
) -> None:
    ann = contact(client)
    data.setdefault("lines", [{"description": "X", "quantity": "1", "unit_price_cents": 100}])
    error(
        act(client, "invoice", "create_standalone", contact_id=ann["id"], **data),
        422,
        "VALIDATION_ERROR",
    )


def test_unknown_field_on_create_from_ticket_is_422(client: TestClient, signed_in: dict) -> None:
    job = ticket(client, contact(client)["id"])
    err = error(
        act(client, "invoice", "create_from_ticket", ticket_id=job["id"], total_cents=1),
        422,
        "VALIDATION_ERROR",
    )
    assert [f["field"] for f in err["details"]["fields"]] == ["total_cents"]


def test_unknown_ticket_or_contact_is_404(client: TestClient, signed_in: dict) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    error(act(client, "invoice", "create_from_ticket", ticket_id=missing), 404, "NOT_FOUND")
    error(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=missing,
            lines=[{"description": "X", "quantity": "1", "unit_price_cents": 1}],
        ),
        404,
        "NOT_FOUND",
    )


def test_ticket_without_line_items_is_422(client: TestClient, signed_in: dict) -> None:
    job = ticket(client, contact(client)["id"], lines=False)
    err = error(
        act(client, "invoice", "create_from_ticket", ticket_id=job["id"]), 422, "VALIDATION_ERROR"
    )
    assert "no line items" in err["message"]


def test_a_ticket_gets_one_invoice(client: TestClient, signed_in: dict) -> None:
    job = ticket(client, contact(client)["id"])
    first = from_ticket(client, job["id"])
    err = error(
        act(client, "invoice", "create_from_ticket", ticket_id=job["id"]), 409, "INVOICE_EXISTS"
    )
    assert err["details"] == {"invoice_id": first["id"], "number": 1}
    # Voiding keeps the invoice (and its number) on record but lets the ticket be billed again.
    done(act(client, "invoice", "void", id=first["id"]))
    second = from_ticket(client, job["id"])
    assert second["number"] == 2
    assert done(read(client, "invoices", id=first["id"]))["status"] == "void"
    error(act(client, "invoice", "create_from_ticket", ticket_id=job["id"]), 409, "INVOICE_EXISTS")


@pytest.mark.parametrize("action", ["cancel", "mark_no_show"])
def test_cancelled_or_no_show_ticket_is_not_invoiced(
    client: TestClient, signed_in: dict, action: str
) -> None:
    job = ticket(client, contact(client)["id"])
    done(act(client, "ticket", action, id=job["id"], reason="Customer away"))
    err = error(act(client, "invoice", "create_from_ticket", ticket_id=job["id"]), 409, "CONFLICT")
    assert "nothing to invoice" in err["message"]


# -- numbering -------------------------------------------------------------------------------


def test_numbers_are_gap_free_across_failed_creations(
    client: TestClient, signed_in: dict, owner: Any
) -> None:
    ann = contact(client)
    job = ticket(client, ann["id"])
    empty = ticket(client, ann["id"], lines=False)
    assert from_ticket(client, job["id"])["number"] == 1
    # Each of these fails after its number was allocated; the rollback returns the number.
    error(
        act(client, "invoice", "create_from_ticket", ticket_id=empty["id"]), 422, "VALIDATION_ERROR"
    )
    error(act(client, "invoice", "create_from_ticket", ticket_id=job["id"]), 409, "INVOICE_EXISTS")
    error(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id="00000000-0000-4000-8000-000000000000",
            lines=[{"description": "X", "quantity": "1", "unit_price_cents": 1}],
        ),
        404,
        "NOT_FOUND",
    )
    assert standalone(client, ann["id"])["number"] == 2
    assert standalone(client, ann["id"])["number"] == 3
    listed = done(read(client, "invoices"))
    assert [i["number"] for i in listed] == [3, 2, 1]


def test_numbers_are_per_business(
    app: Any, client: TestClient, signed_in: dict, owner: Any
) -> None:
    assert standalone(client, contact(client)["id"])["number"] == 1
    other = second_client(app, owner)
    assert standalone(other, contact(other)["id"])["number"] == 1
    assert standalone(client, contact(client)["id"])["number"] == 2


def test_concurrent_creations_get_consecutive_numbers(
    app: Any, client: TestClient, signed_in: dict
) -> None:
    ann = contact(client)
    browsers = [same_session(app, signed_in) for _ in range(4)]
    barrier = threading.Barrier(len(browsers))
    numbers: list[int] = []

    def go(browser: TestClient) -> None:
        barrier.wait()
        response = act(
            browser,
            "invoice",
            "create_standalone",
            contact_id=ann["id"],
            lines=[{"description": "Concurrent", "quantity": "1", "unit_price_cents": 100}],
        )
        numbers.append(done(response)["number"])

    threads = [threading.Thread(target=go, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == [1, 2, 3, 4]
    assert standalone(client, ann["id"])["number"] == 5


# -- status machine --------------------------------------------------------------------------


def test_mark_sent_only_from_draft(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"])
    sent = done(act(client, "invoice", "mark_sent", id=invoice["id"]))
    assert sent["status"] == "sent"
    # Presented in the business's timezone.
    chicago = datetime.now(ZoneInfo("America/Chicago")).utcoffset()
    assert datetime.fromisoformat(sent["sent_at"]).utcoffset() == chicago
    err = error(
        act(client, "invoice", "mark_sent", id=invoice["id"]), 409, "INVALID_STATUS_TRANSITION"
    )
    assert err["details"] == {"from": "sent", "to": "sent"}
    assert "Only a draft" in err["message"]


def test_payments_move_an_invoice_to_partial_then_paid(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"], tax_rate_bp=1000)  # total $110.00
    done(act(client, "invoice", "mark_sent", id=invoice["id"]))

    first = done(pay(client, invoice["id"], 4000, method="cash"))
    assert first["status"] == "partial"
    assert first["paid_cents"] == 4000 and first["balance_cents"] == 7000
    assert first["balance_formatted"] == "$70.00"
    assert first["payment"]["amount_cents"] == 4000
    assert first["payment"]["amount_formatted"] == "$40.00"
    assert first["payment"]["method"] == "cash"
    # paid_on defaults to today where the business is.
    assert (
        first["payment"]["paid_on"] == datetime.now(ZoneInfo("America/Chicago")).date().isoformat()
    )

    second = done(
        pay(client, invoice["id"], 7000, method="check", paid_on="2030-01-02", reference="#1042")
    )
    assert second["status"] == "paid"
    assert second["paid_cents"] == 11000 and second["balance_cents"] == 0
    assert second["payment"]["reference"] == "#1042"

    payments = done(read(client, "payments", invoice_id=invoice["id"]))
    assert [p["amount_cents"] for p in payments] == [7000, 4000]  # newest first
    one = done(read(client, "payments", id=first["payment"]["id"]))
    assert one["invoice_id"] == invoice["id"]

    # Paid is final.
    err = error(pay(client, invoice["id"], 1), 409, "INVALID_STATUS_TRANSITION")
    assert err["details"]["balance_cents"] == 0
    error(act(client, "invoice", "mark_sent", id=invoice["id"]), 409, "INVALID_STATUS_TRANSITION")
    error(act(client, "invoice", "void", id=invoice["id"]), 409, "INVALID_STATUS_TRANSITION")


def test_a_draft_can_be_paid_on_the_spot(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"])
    paid = done(pay(client, invoice["id"], 10000, method="card"))
    assert paid["status"] == "paid" and paid["sent_at"] is None


def test_overpayment_is_rejected_with_the_balance(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"])
    done(pay(client, invoice["id"], 2500))
    err = error(pay(client, invoice["id"], 7501), 409, "PAYMENT_REJECTED")
    assert err["details"] == {"balance_cents": 7500, "amount_cents": 7501}
    assert "$75.00" in err["message"]
    after = done(read(client, "invoices", id=invoice["id"], include="payments"))
    assert after["paid_cents"] == 2500 and after["status"] == "partial"
    assert [p["amount_cents"] for p in after["payments"]] == [2500]


@pytest.mark.parametrize(
    "data",
    [
        {"amount_cents": 0},
        {"amount_cents": -100},
        {"amount_cents": "lots"},
        {"amount_cents": 100, "method": "bitcoin"},
        {"amount_cents": 100, "paid_on": "yesterday"},
        {"amount_cents": 100, "tip_cents": -5},
        {"amount_cents": 100, "change_cents": 5},
    ],
)
def test_payment_input_is_validated(
    client: TestClient, signed_in: dict, data: dict[str, Any]
) -> None:
    invoice = standalone(client, contact(client)["id"])
    error(
        act(client, "invoice", "record_payment", invoice_id=invoice["id"], **data),
        422,
        "VALIDATION_ERROR",
    )


def test_concurrent_payments_cannot_overpay(app: Any, client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"])  # $100.00
    browsers = [same_session(app, signed_in) for _ in range(5)]
    barrier = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def go(browser: TestClient) -> None:
        barrier.wait()
        statuses.append(pay(browser, invoice["id"], 3000).status_code)

    threads = [threading.Thread(target=go, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 200, 200, 409, 409]
    after = done(read(client, "invoices", id=invoice["id"], include="payments"))
    assert after["paid_cents"] == 9000 and after["status"] == "partial"
    assert sum(p["amount_cents"] for p in after["payments"]) == 9000


def test_void_from_draft_or_sent_without_payments(client: TestClient, signed_in: dict) -> None:
    ann = contact(client)
    draft = standalone(client, ann["id"])
    voided = done(act(client, "invoice", "void", id=draft["id"], reason="Duplicate"))
    assert voided["status"] == "void" and voided["voided_at"] is not None
    assert voided["number"] == 1  # the number stays used

    sent = standalone(client, ann["id"])
    done(act(client, "invoice", "mark_sent", id=sent["id"]))
    assert done(act(client, "invoice", "void", id=sent["id"]))["status"] == "void"

    # Void is final.
    err = error(act(client, "invoice", "void", id=draft["id"]), 409, "INVALID_STATUS_TRANSITION")
    assert err["details"] == {"from": "void", "to": "void"}
    error(act(client, "invoice", "mark_sent", id=draft["id"]), 409, "INVALID_STATUS_TRANSITION")
    error(pay(client, draft["id"], 100), 409, "INVALID_STATUS_TRANSITION")


def test_an_invoice_with_payments_cannot_be_voided(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"])
    done(act(client, "invoice", "mark_sent", id=invoice["id"]))
    done(pay(client, invoice["id"], 100))
    err = error(act(client, "invoice", "void", id=invoice["id"]), 409, "INVALID_STATUS_TRANSITION")
    assert "payments" in err["message"]
    assert err["details"] == {"from": "partial", "to": "void", "paid_cents": 100}
    assert done(read(client, "invoices", id=invoice["id"]))["status"] == "partial"


def test_void_input_is_validated(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"])
    error(
        act(client, "invoice", "void", id=invoice["id"], reason="x" * 501), 422, "VALIDATION_ERROR"
    )
    error(act(client, "invoice", "void", id=invoice["id"], why="x"), 422, "VALIDATION_ERROR")
    error(act(client, "invoice", "mark_sent", id="not-an-id"), 422, "VALIDATION_ERROR")


# -- audit -----------------------------------------------------------------------------------


def test_every_invoice_mutation_is_audited(client: TestClient, signed_in: dict) -> None:
    job = ticket(client, contact(client)["id"])
    invoice = from_ticket(client, job["id"], tax_rate_bp=500)
    done(act(client, "invoice", "mark_sent", id=invoice["id"]))
    payment = done(pay(client, invoice["id"], 1000))["payment"]

    trail = done(read(client, "audit", entity_id=invoice["id"]))
    assert [r["action"] for r in trail] == ["create", "sent", "payment"]
    assert all(r["entity_type"] == "invoice" for r in trail)
    created = trail[0]["changes"]
    assert created["number"] == {"old": None, "new": 1}
    assert created["total_cents"]["new"] == 26460
    assert [ln["description"] for ln in created["lines"]["new"]] == ["Window", "Gutters"]
    assert trail[1]["changes"]["status"] == {"old": "draft", "new": "sent"}
    assert trail[2]["changes"]["status"] == {"old": "sent", "new": "partial"}
    assert trail[2]["changes"]["paid_cents"] == {"old": 0, "new": 1000}
    assert trail[2]["changes"]["payment_id"] == {"old": None, "new": payment["id"]}
    assert all(r["request_id"] for r in trail)

    payment_trail = done(read(client, "audit", entity_id=payment["id"]))
    assert [(r["entity_type"], r["action"]) for r in payment_trail] == [("payment", "create")]
    assert payment_trail[0]["changes"]["amount_cents"] == {"old": None, "new": 1000}

    other = standalone(client, contact(client)["id"])
    done(act(client, "invoice", "void", id=other["id"], reason="Wrong customer"))
    void_trail = done(read(client, "invoices", id=other["id"], include="audit_trail"))[
        "audit_trail"
    ]
    assert [r["action"] for r in void_trail] == ["create", "void"]
    assert void_trail[1]["changes"]["void_reason"] == {"old": None, "new": "Wrong customer"}
    assert void_trail[1]["changes"]["status"] == {"old": "draft", "new": "void"}


def test_refusals_write_no_audit_rows(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"])
    error(pay(client, invoice["id"], 10001), 409, "PAYMENT_REJECTED")
    done(act(client, "invoice", "void", id=invoice["id"]))
    error(act(client, "invoice", "mark_sent", id=invoice["id"]), 409, "INVALID_STATUS_TRANSITION")
    assert audit_actions(client, invoice["id"]) == ["create", "void"]
    assert done(read(client, "payments", invoice_id=invoice["id"])) == []


# -- reads -----------------------------------------------------------------------------------


def test_invoice_reads_filter_and_include(client: TestClient, signed_in: dict) -> None:
    ann, bob = contact(client), contact(client, "Bob")
    job = ticket(client, ann["id"])
    from_job = from_ticket(client, job["id"])
    for_bob = standalone(client, bob["id"])
    done(act(client, "invoice", "mark_sent", id=for_bob["id"]))
    done(pay(client, for_bob["id"], 500))

    assert [i["number"] for i in done(read(client, "invoices"))] == [2, 1]
    assert [i["id"] for i in done(read(client, "invoices", status="partial"))] == [for_bob["id"]]
    assert done(read(client, "invoices", status="paid")) == []
    assert [i["id"] for i in done(read(client, "invoices", contact_id=ann["id"]))] == [
        from_job["id"]
    ]
    assert [i["id"] for i in done(read(client, "invoices", ticket_id=job["id"]))] == [
        from_job["id"]
    ]
    listed = done(read(client, "invoices", include="payments,contact", contact_id=bob["id"]))
    assert listed[0]["contact"]["first_name"] == "Bob"
    assert [p["amount_cents"] for p in listed[0]["payments"]] == [500]
    assert listed[0]["balance_cents"] == 9500

    error(read(client, "invoices", status="overdue"), 422, "VALIDATION_ERROR")
    error(read(client, "invoices", contact_id="nope"), 422, "VALIDATION_ERROR")
    error(read(client, "invoices", include="tickets"), 400, "BAD_REQUEST")
    error(read(client, "invoices", number="1"), 400, "BAD_REQUEST")
    error(read(client, "invoices", id="00000000-0000-4000-8000-000000000000"), 404, "NOT_FOUND")
    error(read(client, "payments", invoice_id="nope"), 422, "VALIDATION_ERROR")


def test_another_business_cannot_see_or_touch_an_invoice(
    app: Any, client: TestClient, signed_in: dict, owner: Any
) -> None:
    job = ticket(client, contact(client)["id"])
    invoice = from_ticket(client, job["id"])
    payment = done(pay(client, invoice["id"], 100))["payment"]
    other = second_client(app, owner)

    error(read(other, "invoices", id=invoice["id"]), 404, "NOT_FOUND")
    assert done(read(other, "invoices")) == []
    error(read(other, "payments", id=payment["id"]), 404, "NOT_FOUND")
    assert done(read(other, "payments")) == []
    error(act(other, "invoice", "create_from_ticket", ticket_id=job["id"]), 404, "NOT_FOUND")
    error(pay(other, invoice["id"], 100), 404, "NOT_FOUND")
    error(act(other, "invoice", "mark_sent", id=invoice["id"]), 404, "NOT_FOUND")
    error(act(other, "invoice", "void", id=invoice["id"]), 404, "NOT_FOUND")
    assert done(read(client, "invoices", id=invoice["id"]))["paid_cents"] == 100


def test_capabilities_describe_invoices(client: TestClient, signed_in: dict) -> None:
    caps = done(client.get("/api/capabilities"))
    actions = caps["domains"]["invoice"]["actions"]
    assert sorted(actions) == [
        "create_from_ticket",
        "create_standalone",
        "mark_sent",
        "record_payment",
        "refund",
        "remove_payment",
        "send",
        "update",
        "void",
    ]
    assert all(a["description"] for a in actions.values())
    assert caps["data_types"]["invoices"]["includes"] == [
        "lines",
        "payments",
        "contact",
        "audit_trail",
    ]
    assert caps["data_types"]["payments"]["filters"] == ["invoice_id"]
