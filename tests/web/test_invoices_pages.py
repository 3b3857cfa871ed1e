"""Invoice pages: the list, billing a ticket, standalone invoices, payments, void, print."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.api.helpers import act, done, make, read

START = "2030-05-01T15:00:00Z"


# -- builders --------------------------------------------------------------------------------


def _contact(client: TestClient, first_name: str = "Edna") -> dict[str, Any]:
    return make(client, "contact", first_name=first_name, last_name="Whitfield")


def _ticket(client: TestClient, contact_id: str, *, lines: bool = True) -> dict[str, Any]:
    """A ticket; with lines: 12 windows at $8.50 and gutters at $150 = $252.00."""
    ticket = make(client, "ticket", contact_id=contact_id, scheduled_start=START)
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
        add = {"ticket_id": ticket["id"]}
        done(act(client, "line_item", "add", **add, service_id=windows["id"], quantity="12"))
        done(
            act(client, "line_item", "add", **add, service_id=gutters["id"], unit_price_cents=15000)
        )
    return ticket


def _invoice(client: TestClient, contact_id: str, cents: int = 10000) -> dict[str, Any]:
    lines = [{"description": "Pressure washing", "quantity": "1", "unit_price_cents": cents}]
    result: dict[str, Any] = done(
        act(client, "invoice", "create_standalone", contact_id=contact_id, lines=lines)
    )
    return result


def _post(client: TestClient, url: str, csrf: dict[str, Any], **data: str) -> Response:
    return client.post(url, data={"csrf_token": csrf["csrf_token"], **data}, follow_redirects=False)


def _notice(response: Response, path: str, notice: str) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{path}?notice={notice}"


# -- list ------------------------------------------------------------------------------------


def test_empty_list_explains_where_invoices_come_from(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    page = client.get("/invoices")
    assert page.status_code == 200
    assert "No invoices yet" in page.text and "completed tickets" in page.text
    assert 'href="/invoices/new"' in page.text
    assert 'aria-current="page">Invoices' in page.text


def test_list_filters_by_status(client: TestClient, signed_in: dict[str, Any]) -> None:
    edna, tyler = _contact(client), _contact(client, "Tyler")
    first = _invoice(client, edna["id"], 10000)
    _invoice(client, tyler["id"], 2550)
    done(act(client, "invoice", "mark_sent", id=first["id"]))

    everything = client.get("/invoices")
    assert "#1" in everything.text and "#2" in everything.text
    assert "Edna Whitfield" in everything.text and "Tyler Whitfield" in everything.text
    assert "$100.00" in everything.text and "$25.50" in everything.text
    assert '<span class="badge sent">sent</span>' in everything.text

    sent = client.get("/invoices?status=sent")
    assert "Edna Whitfield" in sent.text and "Tyler Whitfield" not in sent.text
    assert 'href="/invoices?status=sent" aria-current="page"' in sent.text
    paid = client.get("/invoices?status=paid")
    assert "No paid invoices" in paid.text and 'href="/invoices">Show all' in paid.text
    unknown = client.get("/invoices?status=bogus")
    assert unknown.status_code == 200 and "Tyler Whitfield" in unknown.text


# -- from a ticket ---------------------------------------------------------------------------


def test_create_from_ticket_then_again_leads_to_the_same_invoice(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    ticket = _ticket(client, _contact(client)["id"])
    created = _post(client, f"/invoices/from-ticket/{ticket['id']}", signed_in)
    assert created.status_code == 303
    path = created.headers["location"].split("?")[0]
    _notice(created, path, "created")

    page = client.get(created.headers["location"])
    assert page.status_code == 200
    assert "Draft invoice created." in page.text and "Invoice #1" in page.text
    assert "12 window" in page.text and "$8.50" in page.text and "$252.00" in page.text
    assert f'href="/tickets/{ticket["id"]}"' in page.text

    again = _post(client, f"/invoices/from-ticket/{ticket['id']}", signed_in)
    _notice(again, path, "exists")
    assert "already has an invoice" in client.get(again.headers["location"]).text


def test_ticket_without_lines_is_not_invoiced_and_says_why(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    ticket = _ticket(client, _contact(client)["id"], lines=False)
    page = _post(client, f"/invoices/from-ticket/{ticket['id']}", signed_in)
    assert page.status_code == 422
    assert "No invoice created" in page.text and "no line items" in page.text
    assert f'href="/tickets/{ticket["id"]}"' in page.text


def test_from_ticket_rejects_a_bad_tax_rate_and_a_bad_id(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    ticket = _ticket(client, _contact(client)["id"])
    page = _post(client, f"/invoices/from-ticket/{ticket['id']}", signed_in, tax_rate="8.255")
    assert page.status_code == 422 and "tax rate" in page.text
    assert _post(client, "/invoices/from-ticket/not-an-id", signed_in).status_code == 404


# -- standalone ------------------------------------------------------------------------------


def test_new_invoice_needs_a_contact_first(client: TestClient, signed_in: dict[str, Any]) -> None:
    page = client.get("/invoices/new")
    assert page.status_code == 200 and 'href="/contacts/new"' in page.text


def test_standalone_invoice_reports_bad_dollars_next_to_the_field(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = _contact(client)
    form = client.get(f"/invoices/new?contact_id={contact['id']}")
    assert f'value="{contact["id"]}" selected' in form.text
    assert '<label for="lines-0-unit_price">' in form.text

    page = _post(
        client,
        "/invoices",
        signed_in,
        contact_id=contact["id"],
        **{"lines.0.description": "Gutters", "lines.0.unit_price": "12.505"},
        **{"lines.1.description": "Screens", "lines.1.unit_price": "lots"},
        tax_rate="abc",
    )
    assert page.status_code == 422
    assert "Please check the highlighted fields." in page.text
    assert "Use at most 2 decimal places" in page.text
    assert "Enter an amount in dollars, like 45 or 45.50." in page.text
    assert "Enter a percentage, like 8 or 8.25." in page.text
    assert 'id="lines-0-unit_price" name="lines.0.unit_price" type="text" value="12.505"' in (
        page.text
    )
    assert page.text.count('aria-invalid="true"') == 3
    assert 'value="Screens"' in page.text

    nothing = _post(client, "/invoices", signed_in, contact_id="")
    assert nothing.status_code == 422
    assert "Choose who this invoice is for." in nothing.text
    assert "Add at least one line" in nothing.text


def test_standalone_invoice_model_errors_land_on_the_right_row(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = _contact(client)
    page = _post(
        client,
        "/invoices",
        signed_in,
        contact_id=contact["id"],
        **{"lines.2.description": "Screens", "lines.2.quantity": "0", "lines.2.unit_price": "4"},
    )
    assert page.status_code == 422
    assert 'id="lines-2-quantity" name="lines.2.quantity" type="text" value="0"' in page.text
    assert 'id="lines-2-quantity-error"' in page.text


def test_standalone_invoice_is_created_with_tax(
    client: TestClient, signed_in: dict[str, Any], pinned_today: date
) -> None:
    contact = _contact(client)
    created = _post(
        client,
        "/invoices",
        signed_in,
        contact_id=contact["id"],
        **{"lines.0.description": "Pressure washing", "lines.0.unit_price": "$1,234.50"},
        **{"lines.0.quantity": "2"},
        **{"lines.3.description": "Screen repair", "lines.3.unit_price": "19.5"},
        tax_rate="8.25",
        due_on="2030-06-01",
        notes="Thanks!",
    )
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    # 2 x 1234.50 + 19.50 = 2488.50; tax 8.25% = 205.30125 -> 205.30
    assert "$2,469.00" in page.text and "$19.50" in page.text
    assert "$2,488.50" in page.text and "Tax (8.25%)" in page.text and "$205.30" in page.text
    assert "$2,693.80" in page.text and "Jun 1, 2030" in page.text and "Thanks!" in page.text


def test_more_lines_keeps_what_was_typed(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = _contact(client)
    page = _post(
        client,
        "/invoices",
        signed_in,
        contact_id=contact["id"],
        rows="3",
        more="1",
        **{"lines.0.description": "Gutters"},
    )
    assert page.status_code == 200
    assert (
        'name="lines.5.description"' in page.text and 'name="lines.6.description"' not in page.text
    )
    assert 'value="Gutters"' in page.text


# -- detail: send, pay, void -----------------------------------------------------------------


def test_mark_sent_once(client: TestClient, signed_in: dict[str, Any]) -> None:
    invoice = _invoice(client, _contact(client)["id"])
    path = f"/invoices/{invoice['id']}"
    assert "Mark as sent" in client.get(path).text
    sent = _post(client, f"{path}/sent", signed_in)
    _notice(sent, path, "sent")
    page = client.get(sent.headers["location"])
    assert "Marked as sent." in page.text and "Mark as sent" not in page.text
    again = _post(client, f"{path}/sent", signed_in)
    assert again.status_code == 409
    assert "Only a draft invoice can be marked sent" in again.text


def test_partial_then_full_payment(client: TestClient, signed_in: dict[str, Any]) -> None:
    invoice = _invoice(client, _contact(client)["id"], 10000)
    path = f"/invoices/{invoice['id']}"
    form = client.get(path)
    assert 'name="amount" type="text" value="100.00"' in form.text

    first = _post(
        client, f"{path}/payments", signed_in, amount="40", method="check", reference="1042"
    )
    _notice(first, path, "payment")
    page = client.get(first.headers["location"])
    assert "Payment recorded." in page.text and '<span class="badge partial">' in page.text
    assert "$60.00" in page.text and "1042" in page.text and "Check" in page.text
    assert "To void it, refund or remove the payments first." in page.text
    assert "/void" not in page.text

    _post(
        client, f"{path}/payments", signed_in, amount="60.00", method="cash", paid_on="2030-05-02"
    )
    paid = client.get(path)
    assert '<span class="badge paid">' in paid.text and "Paid in full" in paid.text
    assert "May 2, 2030" in paid.text and "Record a payment" not in paid.text
    assert "Paid so far $100.00; now paid" in paid.text
    assert f'href="{path}"' in client.get("/invoices?status=paid").text


def test_overpayment_is_refused_on_the_page(client: TestClient, signed_in: dict[str, Any]) -> None:
    invoice = _invoice(client, _contact(client)["id"], 10000)
    path = f"/invoices/{invoice['id']}"
    over = _post(client, f"{path}/payments", signed_in, amount="100.01", method="cash")
    assert over.status_code == 409
    assert "The payment wasn&#39;t recorded. That is more than the balance of $100.00" in over.text
    assert 'value="100.01"' in over.text and "Invoice #1" in over.text
    assert "Enter no more than the balance due, or tick" in over.text

    cents = _post(client, f"{path}/payments", signed_in, amount="10.001", method="cash")
    assert cents.status_code == 422
    assert "Use at most 2 decimal places" in cents.text and 'aria-invalid="true"' in cents.text
    zero = _post(client, f"{path}/payments", signed_in, amount="0", method="cash")
    assert zero.status_code == 422 and "above $0.00" in zero.text
    method = _post(client, f"{path}/payments", signed_in, amount="5", method="gold")
    assert method.status_code == 422 and "Please check the highlighted fields." in method.text
    assert "No payments yet." in client.get(path).text


def test_void_rules(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = _contact(client)
    ticket = _ticket(client, contact["id"])
    created = _post(client, f"/invoices/from-ticket/{ticket['id']}", signed_in)
    path = created.headers["location"].split("?")[0]
    _notice(_post(client, f"{path}/void", signed_in, reason="Wrong customer"), path, "voided")
    page = client.get(path)
    assert '<span class="badge void">' in page.text and "Reason: Wrong customer" in page.text
    assert "Record a payment" not in page.text and "Void invoice" not in page.text
    # Voiding frees the ticket: it can be billed again, under a new number.
    again = _post(client, f"/invoices/from-ticket/{ticket['id']}", signed_in)
    assert again.headers["location"].endswith("notice=created")
    assert not again.headers["location"].startswith(path)

    paying = _invoice(client, contact["id"])
    paying_path = f"/invoices/{paying['id']}"
    done(act(client, "invoice", "record_payment", invoice_id=paying["id"], amount_cents=100))
    refused = _post(client, f"{paying_path}/void", signed_in, reason="Changed mind")
    assert refused.status_code == 409
    assert "$1.00 is paid on this invoice; refund or remove the payments first" in refused.text


def test_missing_invoice_is_not_found(client: TestClient, signed_in: dict[str, Any]) -> None:
    assert client.get("/invoices/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/invoices/nope").status_code == 404


# -- print -----------------------------------------------------------------------------------


def test_print_view_has_no_navigation(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = _contact(client)
    done(
        act(
            client,
            "address",
            "create",
            contact_id=contact["id"],
            line1="12 Elm St",
            city="Huntsville",
            region="AL",
            postal_code="35801",
        )
    )
    invoice = _invoice(client, contact["id"], 12345)
    page = client.get(f"/invoices/{invoice['id']}/print")
    assert page.status_code == 200
    assert 'class="main"' not in page.text and 'class="top"' not in page.text
    assert "Sparkle Windows" in page.text and "Invoice #1" in page.text
    assert (
        "Edna Whitfield" in page.text and "12 Elm St" in page.text and "Huntsville, AL" in page.text
    )
    assert "Amount due: $123.45" in page.text and "/static/" in page.text


# -- corrections: edit a draft, discounts, tips, refunds, removal, settings -------------------


def test_a_draft_is_edited_on_its_page_with_discount_lines(
    client: TestClient, signed_in: dict[str, Any], pinned_today: date
) -> None:
    invoice = _invoice(client, _contact(client)["id"])  # $100.00
    path = f"/invoices/{invoice['id']}"
    assert f'href="{path}/edit"' in client.get(path).text
    form = client.get(f"{path}/edit")
    assert form.status_code == 200 and 'value="Pressure washing"' in form.text
    assert 'value="100.00"' in form.text and "Discount (% off)" in form.text

    saved = _post(
        client,
        f"{path}/edit",
        signed_in,
        rows="3",
        **{
            "lines.0.kind": "item",
            "lines.0.description": "Pressure washing",
            "lines.0.quantity": "2",
            "lines.0.unit_price": "100",
            "lines.1.kind": "discount",
            "lines.1.description": "Coupon",
            "lines.1.unit_price": "15",
            "lines.2.kind": "percent",
            "lines.2.unit_price": "10",
        },
        tax_rate="",
        due_on="2030-07-01",
        notes="Thanks!",
    )
    _notice(saved, path, "updated")
    page = client.get(path).text
    assert "-$15.00" in page and "10% off" in page and "-$20.00" in page
    assert "$165.00" in page and "Jul 1, 2030" in page and "Thanks!" in page
    assert "Edited" in page  # the history

    too_much = _post(
        client,
        f"{path}/edit",
        signed_in,
        rows="2",
        **{
            "lines.0.description": "Windows",
            "lines.0.unit_price": "10",
            "lines.1.kind": "discount",
            "lines.1.unit_price": "11",
        },
    )
    assert too_much.status_code == 422 and "never goes below zero" in too_much.text
    assert 'value="11"' in too_much.text  # what was typed stays


def test_a_sent_invoice_is_not_edited(client: TestClient, signed_in: dict[str, Any]) -> None:
    invoice = _invoice(client, _contact(client)["id"])
    path = f"/invoices/{invoice['id']}"
    done(act(client, "invoice", "mark_sent", id=invoice["id"]))
    assert f'href="{path}/edit"' not in client.get(path).text
    _notice(client.get(f"{path}/edit", follow_redirects=False), path, "not_draft")
    refused = _post(
        client, f"{path}/edit", signed_in, **{"lines.0.description": "X", "lines.0.unit_price": "1"}
    )
    assert refused.status_code == 409 and "Only a draft invoice can be edited" in refused.text


def test_an_overpayment_is_a_tip_when_ticked(client: TestClient, signed_in: dict[str, Any]) -> None:
    invoice = _invoice(client, _contact(client)["id"])  # $100.00
    path = f"/invoices/{invoice['id']}"
    assert 'name="tip"' in client.get(path).text
    paid = _post(client, f"{path}/payments", signed_in, amount="120.00", method="cash", tip="1")
    _notice(paid, path, "payment")
    page = client.get(path).text
    assert '<span class="badge paid">' in page and "plus a $20.00 tip" in page


def test_refund_and_removal_on_the_page(client: TestClient, signed_in: dict[str, Any]) -> None:
    invoice = _invoice(client, _contact(client)["id"])
    path = f"/invoices/{invoice['id']}"
    payment = done(
        act(client, "invoice", "record_payment", invoice_id=invoice["id"], amount_cents=10000)
    )["payment"]
    page = client.get(path).text
    refund_path = f"{path}/payments/{payment['id']}/refund"
    assert f'action="{refund_path}"' in page and "Record refund" in page

    no_reason = _post(client, refund_path, signed_in, amount="25.00", reason="")
    assert no_reason.status_code == 422
    _notice(
        _post(client, refund_path, signed_in, amount="25.00", reason="Missed one"), path, "refunded"
    )
    page = client.get(path).text
    assert "Refund recorded" in page and "-$25.00" in page and "Reason: Missed one" in page

    refund = next(
        p for p in done(read(client, "payments", invoice_id=invoice["id"])) if p["kind"] == "refund"
    )
    removed = _post(
        client, f"{path}/payments/{refund['id']}/remove", signed_in, reason="Refunded by mistake"
    )
    _notice(removed, path, "removed")
    page = client.get(path).text
    assert "<s><strong>-$25.00</strong></s>" in page and "Refunded by mistake" in page
    assert "Payment removed" in page and '<span class="badge paid">' in page


def test_void_is_offered_once_payments_are_refunded(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    invoice = _invoice(client, _contact(client)["id"])
    path = f"/invoices/{invoice['id']}"
    payment = done(
        act(client, "invoice", "record_payment", invoice_id=invoice["id"], amount_cents=10000)
    )["payment"]
    assert f'action="{path}/void"' not in client.get(path).text
    done(
        act(
            client,
            "invoice",
            "refund",
            payment_id=payment["id"],
            amount_cents=10000,
            reason="Moved",
        )
    )
    assert f'action="{path}/void"' in client.get(path).text
    _notice(_post(client, f"{path}/void", signed_in, reason="Moved away"), path, "voided")


def test_business_settings_page_saves_tax_and_contact_details(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    assert 'href="/settings/business"' in client.get("/settings").text
    page = client.get("/settings/business")
    assert page.status_code == 200 and 'name="tax_rate"' in page.text
    bad = _post(client, "/settings/business", signed_in, tax_rate="101", due_days="14")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    bad_phone = _post(
        client, "/settings/business", signed_in, tax_rate="8", due_days="14", phone="12"
    )
    assert bad_phone.status_code == 422 and 'value="12"' in bad_phone.text
    saved = _post(
        client,
        "/settings/business",
        signed_in,
        tax_rate="8.25",
        due_days="30",
        address="12 Main St\nHuntsville, AL 35801",
        phone="2565550100",
        email="office@example.com",
        default_notes="Thank you!",
    )
    _notice(saved, "/settings/business", "saved")
    page = client.get("/settings/business").text
    assert 'value="8.25"' in page and 'value="(256) 555-0100"' in page
    assert done(read(client, "invoice_settings"))["tax_rate_bp"] == 825


def test_print_view_shows_the_business_and_where_and_when_the_work_was_done(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    done(
        act(
            client,
            "invoice_settings",
            "update",
            address="12 Main St\nHuntsville, AL 35801",
            phone="256-555-0100",
            email="office@sparkle.example",
        )
    )
    contact = make(client, "contact", first_name="Edna", last_name="Whitfield", phone="2565550142")
    done(
        act(
            client,
            "address",
            "create",
            contact_id=contact["id"],
            line1="4410 Old Gurley Rd",
            city="Huntsville",
            region="AL",
            postal_code="35811",
        )
    )
    ticket = _ticket(client, contact["id"])
    done(act(client, "line_item", "add_discount", ticket_id=ticket["id"], amount_cents=2000))
    invoice = done(act(client, "invoice", "create_from_ticket", ticket_id=ticket["id"]))
    page = client.get(f"/invoices/{invoice['id']}/print").text
    assert "12 Main St\nHuntsville, AL 35801" in page
    assert "(256) 555-0100" in page and "office@sparkle.example" in page
    assert "(256) 555-0142" in page and "+12565550142" not in page
    assert "Service date</dt><dd>May 1, 2030" in page
    assert "Service address</dt><dd>4410 Old Gurley Rd, Huntsville, AL 35811" in page
    assert "-$20.00" in page and "Amount due: $232.00" in page


def test_a_due_date_years_ago_warns_keeps_the_form_and_saves_anyway(
    client: TestClient, signed_in: dict[str, Any], pinned_today: date
) -> None:
    contact = _contact(client)
    typed = {
        "contact_id": contact["id"],
        "lines.0.description": "Gutters",
        "lines.0.unit_price": "120",
        "due_on": "2020-03-01",
        "notes": "From the old ledger",
    }

    warned = _post(client, "/invoices", signed_in, **typed)

    assert warned.status_code == 409
    assert "The due date, March 1, 2020, is more than a year ago." in warned.text
    for value in ('value="Gutters"', 'value="120"', 'value="2020-03-01"', "From the old ledger"):
        assert value in warned.text, value
    assert 'name="intent" value="anyway"' in warned.text
    assert done(read(client, "invoices")) == []  # nothing saved yet

    saved = _post(client, "/invoices", signed_in, **typed, intent="anyway")

    assert saved.status_code == 303, saved.text
    (invoice,) = done(read(client, "invoices"))
    assert invoice["due_on"] == "2020-03-01"


def test_a_draft_moved_far_ahead_warns_and_an_unchanged_due_date_does_not(
    client: TestClient, signed_in: dict[str, Any], pinned_today: date
) -> None:
    invoice = _invoice(client, _contact(client)["id"])
    path = f"/invoices/{invoice['id']}"
    line = {"lines.0.description": "Pressure washing", "lines.0.unit_price": "100"}

    warned = _post(client, f"{path}/edit", signed_in, **line, due_on="2040-01-01")

    assert warned.status_code == 409
    assert "The due date, January 1, 2040, is more than two years ahead." in warned.text
    assert 'value="2040-01-01"' in warned.text
    saved = _post(client, f"{path}/edit", signed_in, **line, due_on="2040-01-01", intent="anyway")
    _notice(saved, path, "updated")
    # Saved once, the far due date is no longer asked about when other fields change.
    again = _post(client, f"{path}/edit", signed_in, **line, due_on="2040-01-01", notes="Hi")
    _notice(again, path, "updated")
