"""After the visit and around it: the reach-out with its "book me" link, the thank-you, the
follow-up for an unanswered request, and an invoice sent by email."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from crm.utils.timezone import utc_now
from tests.api.helpers import act, closeout_job, done, make, preview_input, read
from tests.messaging.conftest import unique_email


def _close(client: Any, email: str) -> dict[str, Any]:
    job = closeout_job(client, start=(utc_now() - timedelta(hours=3)).isoformat())
    done(act(client, "contact", "update", id=job["contact"]["id"], email=email))
    done(act(client, "ticket", "clock_in", id=job["ticket"]["id"]))
    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job)))
    done(
        act(
            client,
            "ticket",
            "close",
            ticket_id=job["ticket"]["id"],
            draft_id=draft["draft_id"],
            decisions=[
                {"key": p["key"], "decision": "reject"} for p in draft["proposed_attributes"]
            ],
        )
    )
    return job


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _as_owner(owner: Any, user_id: Any, statement: str, *args: Any) -> None:
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        owner.execute(statement, args)


def _wait(client: Any, message_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        row: dict[str, Any] = done(read(client, "messages", id=message_id))
        if row["status"] == status or time.monotonic() > deadline:
            assert row["status"] == status, row
            return row
        time.sleep(0.1)


def test_the_reach_out_comes_with_a_book_me_link_and_an_unsubscribe(
    client, signed_in, no_quiet_hours, worker, outbox, owner
) -> None:
    email = unique_email("edna")
    job = _close(client, email)
    [reach_out] = [
        m
        for m in done(read(client, "messages", contact_id=job["contact"]["id"]))
        if m["kind"] == "reach_out"
    ]
    assert reach_out["status"] == "pending"
    assert _instant(reach_out["scheduled_for"]) > utc_now() + timedelta(days=170)  # 6 months
    # Six months pass.
    _as_owner(
        owner,
        signed_in["id"],
        "UPDATE scheduled_messages SET scheduled_for = now() WHERE id = %s",
        reach_out["id"],
    )
    [message] = outbox.wait_for(1, to=email, timeout=15)
    assert "/b/" in message["text"]
    headers = dict(message["headers"])
    assert headers["List-Unsubscribe"].startswith("<http://localhost/u/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "unsubscribe" in message["text"].lower()


def test_a_thank_you_after_the_job_when_the_business_sends_them(
    client, signed_in, no_quiet_hours, worker, outbox
) -> None:
    done(act(client, "messaging", "update", thank_you=True))
    email = unique_email("thanks")
    _close(client, email)
    [message] = outbox.wait_for(1, to=email, timeout=15)
    assert "thank" in message["subject"].lower()
    assert "List-Unsubscribe" in dict(message["headers"])


def test_no_thank_you_by_default(client, signed_in) -> None:
    job = _close(client, unique_email())
    kinds = {m["kind"] for m in done(read(client, "messages", contact_id=job["contact"]["id"]))}
    assert "thank_you" not in kinds and "reach_out" in kinds


def test_the_follow_up_goes_only_to_a_customer_who_has_not_answered(
    client, signed_in, no_quiet_hours, worker, outbox, owner
) -> None:
    quiet, answered = unique_email("quiet"), unique_email("answered")
    follow_ups = {}
    for email in (quiet, answered):
        contact = make(client, "contact", first_name="Kim", email=email)
        ticket = make(
            client,
            "ticket",
            contact_id=contact["id"],
            scheduled_start=(utc_now() + timedelta(days=4)).isoformat(),
        )
        [follow_up] = [
            m
            for m in done(read(client, "messages", ticket_id=ticket["id"]))
            if m["kind"] == "follow_up"
        ]
        ahead = _instant(follow_up["scheduled_for"]) - utc_now()
        assert timedelta(hours=23, minutes=59) < ahead <= timedelta(hours=24)
        follow_ups[email] = (ticket, follow_up)
    outbox.wait_for(1, to=quiet, timeout=15)  # the confirmation requests went
    outbox.wait_for(1, to=answered, timeout=15)
    ticket, _ = follow_ups[answered]
    _as_owner(
        owner,
        signed_in["id"],
        "UPDATE tickets SET confirmation_status = 'confirmed' WHERE id = %s",
        ticket["id"],
    )
    for _, follow_up in follow_ups.values():  # a day passes
        _as_owner(
            owner,
            signed_in["id"],
            "UPDATE scheduled_messages SET scheduled_for = now() WHERE id = %s",
            follow_up["id"],
        )
    sent = _wait(client, follow_ups[quiet][1]["id"], "sent")
    skipped = _wait(client, follow_ups[answered][1]["id"], "skipped")
    assert "already answered" in skipped["skip_reason"]
    assert len(outbox.messages(to=quiet)) == 2 and len(outbox.messages(to=answered)) == 1
    assert sent["to_address"] == quiet


def test_an_invoice_by_email_has_its_view_link_and_marks_it_sent(
    client, signed_in, no_quiet_hours, worker, outbox
) -> None:
    email = unique_email("billing")
    contact = make(client, "contact", first_name="Rosa", email=email)
    invoice = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=contact["id"],
            lines=[{"description": "Gutters", "quantity": "1", "unit_price_cents": 9000}],
        )
    )
    result = done(act(client, "invoice", "send", id=invoice["id"]))
    assert result["invoice"]["status"] == "sent"
    [message] = outbox.wait_for(1, to=email, timeout=15)
    assert (
        f"#{invoice['number']}" in message["subject"] or str(invoice["number"]) in message["text"]
    )
    assert "$90.00" in message["text"] and "/i/" in message["text"]
    view = message["text"].split("/i/", 1)[1].split()[0]
    page = client.get(f"/i/{view}")
    assert page.status_code == 200 and "$90.00" in page.text


def test_an_invoice_needs_an_email_address(client, signed_in) -> None:
    contact = make(client, "contact", first_name="Nomail")
    invoice = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=contact["id"],
            lines=[{"description": "Gutters", "quantity": "1", "unit_price_cents": 9000}],
        )
    )
    response = act(client, "invoice", "send", id=invoice["id"])
    assert response.status_code == 409
    assert "no email address" in response.json()["error"]["message"]
    assert done(read(client, "invoices", id=invoice["id"]))["status"] == "draft"
