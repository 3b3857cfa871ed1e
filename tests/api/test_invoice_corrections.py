"""Money that can be corrected: discounts, price overrides, invoice defaults, editing a draft,
refunds, removed payments, tips, and voiding once nothing is paid."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from crm.utils.timezone import business_today
from tests.api.helpers import act, done, error, make, read
from tests.api.test_invoices import contact, from_ticket, pay, standalone, ticket


def discount(client: TestClient, ticket_id: str, **data: Any) -> dict[str, Any]:
    result: dict[str, Any] = done(
        act(client, "line_item", "add_discount", ticket_id=ticket_id, **data)
    )
    return result


def lines_of(client: TestClient, ticket_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = done(read(client, "line_items", ticket_id=ticket_id))
    return rows


def trail(client: TestClient, type_: str, entity_id: str) -> list[dict[str, Any]]:
    row = done(read(client, type_, id=entity_id, include="audit_trail"))
    return list(row["audit_trail"])


# -- discounts -------------------------------------------------------------------------------


def test_fixed_and_percent_discounts_come_off_the_ticket_and_its_invoice(
    client: TestClient, signed_in: dict
) -> None:
    job = ticket(client, contact(client)["id"])  # $252.00
    fixed = discount(client, job["id"], description="Neighbour referral", amount_cents=2000)
    assert fixed["kind"] == "discount" and fixed["total_cents"] == -2000
    percent = discount(client, job["id"], description="Spring special", percent_bp=1000)
    assert percent["unit_price_cents"] == -2520 and percent["percent_bp"] == 1000

    # The percent follows the items: 10 more windows ($85) make it $33.70 off.
    windows = next(line for line in lines_of(client, job["id"]) if line["unit_label"] == "window")
    done(act(client, "line_item", "update", id=windows["id"], quantity="22"))
    repriced = {line["id"]: line for line in lines_of(client, job["id"])}[percent["id"]]
    assert repriced["total_cents"] == -3370

    invoice = done(
        read(client, "invoices", id=from_ticket(client, job["id"])["id"], include="lines")
    )
    assert [(line["kind"], line["total_cents"]) for line in invoice["lines"]] == [
        ("item", 18700),
        ("item", 15000),
        ("discount", -2000),
        ("discount", -3370),
    ]
    assert invoice["lines"][3]["percent_bp"] == 1000
    assert invoice["subtotal_cents"] == 33700 - 2000 - 3370


def test_standalone_invoice_takes_discount_lines(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(
        client,
        contact(client)["id"],
        lines=[
            {"description": "Windows", "unit_price_cents": 20000},
            {"description": "Coupon", "kind": "discount", "unit_price_cents": -1500},
            {"description": "Senior", "kind": "discount", "percent_bp": 500},
        ],
        tax_rate_bp=1000,
    )
    # 200.00 - 15.00 - 10.00 (5% of the items) = 175.00, plus 10% tax.
    assert invoice["subtotal_cents"] == 17500 and invoice["total_cents"] == 19250


def test_a_total_never_goes_below_zero(client: TestClient, signed_in: dict) -> None:
    job = ticket(client, contact(client)["id"])  # $252.00
    too_much = act(client, "line_item", "add_discount", ticket_id=job["id"], amount_cents=25201)
    assert error(too_much, 422, "VALIDATION_ERROR")["details"]["fields"][0]["field"] == (
        "amount_cents"
    )
    discount(client, job["id"], amount_cents=25000)
    # Discounts stack against what is left: $2.00.
    error(
        act(client, "line_item", "add_discount", ticket_id=job["id"], amount_cents=201),
        422,
        "VALIDATION_ERROR",
    )
    error(
        act(client, "line_item", "add_discount", ticket_id=job["id"], percent_bp=100),
        422,
        "VALIDATION_ERROR",
    )
    # Removing the windows leaves $150 of work under a $250 discount: it can't be billed.
    windows = next(line for line in lines_of(client, job["id"]) if line["unit_label"] == "window")
    done(act(client, "line_item", "remove", id=windows["id"]))
    refused = act(client, "invoice", "create_from_ticket", ticket_id=job["id"])
    assert "never goes below zero" in error(refused, 422, "VALIDATION_ERROR")["message"]

    over = act(
        client,
        "invoice",
        "create_standalone",
        contact_id=contact(client, "Bo")["id"],
        lines=[
            {"description": "Windows", "quantity": "1", "unit_price_cents": 1000},
            {"description": "Coupon", "kind": "discount", "unit_price_cents": -1001},
        ],
    )
    error(over, 422, "VALIDATION_ERROR")
    # A discount line is money off; an item is never negative.
    for bad in (
        {"description": "X", "unit_price_cents": -5},
        {"description": "X", "kind": "discount", "unit_price_cents": 500},
        {"description": "X", "kind": "discount", "percent_bp": 10001},
        {"description": "X", "kind": "discount", "percent_bp": 100, "unit_price_cents": -5},
    ):
        response = act(
            client, "invoice", "create_standalone", contact_id=contact(client)["id"], lines=[bad]
        )
        error(response, 422, "VALIDATION_ERROR")


# -- price override --------------------------------------------------------------------------


def test_a_fixed_price_is_overridden_on_one_job_only_with_its_reason(
    client: TestClient, signed_in: dict
) -> None:
    job = ticket(client, contact(client)["id"], lines=False)
    service = make(client, "service", name="House", pricing_mode="fixed", unit_price_cents=20000)
    line = done(act(client, "line_item", "add", ticket_id=job["id"], service_id=service["id"]))

    refused = act(client, "line_item", "update", id=line["id"], unit_price_cents=17500)
    assert error(refused, 422, "VALIDATION_ERROR")["details"]["fields"][0]["field"] == (
        "price_note"
    )
    changed = done(
        act(
            client,
            "line_item",
            "update",
            id=line["id"],
            unit_price_cents=17500,
            price_note="Two windows boarded up",
        )
    )
    assert changed["total_cents"] == 17500 and changed["price_note"] == "Two windows boarded up"
    update = trail(client, "line_items", line["id"])[-1]
    assert update["changes"]["unit_price_cents"] == {"old": 20000, "new": 17500}
    assert update["changes"]["price_note"]["new"] == "Two windows boarded up"
    # The catalog keeps its price.
    assert done(read(client, "services", id=service["id"]))["unit_price_cents"] == 20000


# -- invoice defaults ------------------------------------------------------------------------


def test_an_invoice_from_a_ticket_takes_the_business_tax_and_terms(
    client: TestClient, signed_in: dict
) -> None:
    settings = done(
        act(
            client,
            "invoice_settings",
            "update",
            tax_rate_bp=825,
            due_days=30,
            default_notes="Checks payable to Sparkle Windows.",
            address="12 Main St\nHuntsville, AL 35801",
            phone="256-555-0100",
            email="Office@Example.com",
        )
    )
    assert settings["phone"] == "+12565550100" and settings["email"] == "office@example.com"
    assert done(read(client, "invoice_settings"))["tax_rate_bp"] == 825

    invoice = from_ticket(client, ticket(client, contact(client)["id"])["id"])
    today = business_today(signed_in["timezone"])
    assert invoice["tax_rate_bp"] == 825 and invoice["tax_cents"] == 2079  # 8.25% of $252
    assert invoice["due_on"] == (today + timedelta(days=30)).isoformat()
    assert invoice["notes"] == "Checks payable to Sparkle Windows."

    chosen = from_ticket(
        client,
        ticket(client, contact(client, "Bo")["id"])["id"],
        tax_rate_bp=0,
        due_on="2030-06-01",
        notes="",
    )
    assert chosen["tax_rate_bp"] == 0 and chosen["due_on"] == "2030-06-01"
    assert chosen["notes"] == ""

    error(act(client, "invoice_settings", "update", tax_rate_bp=10001), 422, "VALIDATION_ERROR")
    error(act(client, "invoice_settings", "update", email="nope"), 422, "VALIDATION_ERROR")


# -- editing a draft -------------------------------------------------------------------------


def test_a_draft_is_edited_and_a_sent_invoice_is_not(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"])  # $100.00
    edited = done(
        act(
            client,
            "invoice",
            "update",
            id=invoice["id"],
            lines=[
                {"description": "Windows", "quantity": "2", "unit_price_cents": 7500},
                {"description": "Loyalty", "kind": "discount", "percent_bp": 1000},
            ],
            tax_rate_bp=500,
            due_on="2030-07-01",
            notes="See you in spring",
        )
    )
    assert edited["subtotal_cents"] == 13500 and edited["tax_cents"] == 675
    assert edited["total_cents"] == 14175 and edited["due_on"] == "2030-07-01"
    assert edited["notes"] == "See you in spring" and edited["number"] == invoice["number"]
    lines = done(read(client, "invoices", id=invoice["id"], include="lines"))["lines"]
    assert [line["description"] for line in lines] == ["Windows", "Loyalty"]

    update = trail(client, "invoices", invoice["id"])[-1]
    assert update["action"] == "update"
    assert update["changes"]["total_cents"] == {"old": 10000, "new": 14175}
    assert [line["description"] for line in update["changes"]["lines"]["old"]] == [
        "Pressure washing"
    ]

    # Only the tax: the lines stay.
    done(act(client, "invoice", "update", id=invoice["id"], tax_rate_bp=0))
    assert done(read(client, "invoices", id=invoice["id"]))["total_cents"] == 13500

    done(act(client, "invoice", "mark_sent", id=invoice["id"]))
    refused = act(client, "invoice", "update", id=invoice["id"], notes="Too late")
    assert "Only a draft" in error(refused, 409, "CONFLICT")["message"]
    assert done(read(client, "invoices", id=invoice["id"]))["notes"] == "See you in spring"


# -- payments --------------------------------------------------------------------------------


def test_refund_and_removal_are_audited_and_never_delete(
    client: TestClient, signed_in: dict
) -> None:
    invoice = standalone(client, contact(client)["id"])  # $100.00
    payment = done(pay(client, invoice["id"], 10000, method="card"))["payment"]

    refunded = done(
        act(
            client,
            "invoice",
            "refund",
            payment_id=payment["id"],
            amount_cents=2500,
            reason="One window missed",
        )
    )
    assert refunded["paid_cents"] == 7500 and refunded["status"] == "partial"
    refund = refunded["payment"]
    assert refund["amount_cents"] == -2500 and refund["refund_of"] == payment["id"]
    assert refund["kind"] == "refund" and refund["method"] == "card"

    too_much = act(
        client, "invoice", "refund", payment_id=payment["id"], amount_cents=7501, reason="x"
    )
    assert error(too_much, 409, "PAYMENT_REJECTED")["details"]["refundable_cents"] == 7500
    with_refund = act(client, "invoice", "remove_payment", payment_id=payment["id"], reason="x")
    assert "remove the refund first" in error(with_refund, 409, "CONFLICT")["message"]

    removed = done(
        act(client, "invoice", "remove_payment", payment_id=refund["id"], reason="Keyed twice")
    )
    assert removed["paid_cents"] == 10000 and removed["status"] == "paid"
    rows = done(read(client, "payments", invoice_id=invoice["id"]))
    assert len(rows) == 2  # removed, not deleted
    gone = next(row for row in rows if row["id"] == refund["id"])
    assert gone["removed_at"] and gone["removed_reason"] == "Keyed twice"
    again = act(client, "invoice", "remove_payment", payment_id=refund["id"], reason="x")
    error(again, 409, "CONFLICT")

    actions = [entry["action"] for entry in trail(client, "invoices", invoice["id"])]
    assert actions == ["create", "payment", "refund", "payment_removed"]
    reasons = [
        e["changes"].get("reason", {}).get("new") for e in trail(client, "invoices", invoice["id"])
    ]
    assert reasons[2:] == ["One window missed", "Keyed twice"]
    audit = done(read(client, "audit", entity_id=refund["id"]))
    assert sorted(entry["action"] for entry in audit) == ["create", "remove"]


def test_an_overpayment_is_kept_as_a_tip(client: TestClient, signed_in: dict) -> None:
    invoice = standalone(client, contact(client)["id"])  # $100.00
    partial_tip = pay(client, invoice["id"], 5000, tip_cents=500)
    assert "whole balance" in error(partial_tip, 409, "PAYMENT_REJECTED")["message"]
    paid = done(pay(client, invoice["id"], 10000, tip_cents=2000, method="cash"))
    assert paid["status"] == "paid" and paid["paid_cents"] == 10000
    assert paid["payment"]["tip_cents"] == 2000
    payment = trail(client, "invoices", invoice["id"])[-1]
    assert payment["changes"]["tip_cents"]["new"] == 2000


def test_an_invoice_is_voided_once_its_payments_are_refunded_or_removed(
    client: TestClient, signed_in: dict
) -> None:
    invoice = standalone(client, contact(client)["id"])
    done(act(client, "invoice", "mark_sent", id=invoice["id"]))
    first = done(pay(client, invoice["id"], 4000))["payment"]
    second = done(pay(client, invoice["id"], 6000))["payment"]
    refused = act(client, "invoice", "void", id=invoice["id"])
    assert "refund or remove" in error(refused, 409, "INVALID_STATUS_TRANSITION")["message"]

    done(
        act(client, "invoice", "refund", payment_id=first["id"], amount_cents=4000, reason="Moved")
    )
    after = done(
        act(client, "invoice", "remove_payment", payment_id=second["id"], reason="Wrong invoice")
    )
    assert after["paid_cents"] == 0 and after["status"] == "sent"
    voided = done(act(client, "invoice", "void", id=invoice["id"], reason="Customer moved"))
    assert voided["status"] == "void"
    late = act(client, "invoice", "refund", payment_id=first["id"], amount_cents=1, reason="x")
    error(late, 409, "INVALID_STATUS_TRANSITION")
