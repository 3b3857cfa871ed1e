"""The messaging pages: Settings → Messaging and the wording editor, the Messages page (text,
attempts, retry), and messaging on the contact, calendar, ticket and invoice pages."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from crm.web.settings_messaging import lead_text, parse_leads, parse_time
from tests.api.helpers import act, done, make, read


def post(client: TestClient, url: str, signed_in: dict[str, Any], **data: Any) -> Response:
    return client.post(
        url, data={"csrf_token": signed_in["csrf_token"], **data}, follow_redirects=False
    )


@contextmanager
def as_business(owner: psycopg.Connection[Any], signed_in: dict[str, Any]) -> Iterator[Any]:
    """The owner role, under the business's RLS: for what only the worker or a customer does."""
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(signed_in["id"]),))
        yield owner


def settings(client: TestClient) -> dict[str, Any]:
    result: dict[str, Any] = done(read(client, "messaging_settings"))
    return result


def template(client: TestClient, kind: str) -> dict[str, Any]:
    return next(t for t in done(read(client, "message_templates")) if t["kind"] == kind)


def schedule(client: TestClient, contact: dict[str, Any], subject: str = "Hello") -> Any:
    return done(
        act(
            client,
            "message",
            "schedule",
            kind="custom",
            contact_id=contact["id"],
            subject=subject,
            body="Hi Ann, see you soon.",
            scheduled_for="2026-11-20T15:00:00Z",
        )
    )


# -- reminders typed as hours ----------------------------------------------------------------


def test_reminder_leads_read_as_hours_and_shown_back() -> None:
    assert parse_leads("48 hours, 2 hours") == [2880, 120]
    assert parse_leads("2, 48") == [2880, 120]
    assert parse_leads("1.5 hours; 30 min and 2 days") == [2880, 90, 30]
    assert parse_leads("  ") == []
    for bad in ("soon", "0", "721", "1, 2, 3, 4, 5, 6", "9" * 300):
        with pytest.raises(ValueError):
            parse_leads(bad)
    assert [lead_text(m) for m in (2880, 120, 60, 90, 30, 1, 100)] == [
        "48 hours",
        "2 hours",
        "1 hour",
        "1.5 hours",
        "30 minutes",
        "1 minute",
        "100 minutes",
    ]
    assert parse_time("8:05 pm") == "20:05" and parse_time("07:00") == "07:00"
    for bad in ("25:00", "13:00 pm", "noon", ""):
        with pytest.raises(ValueError):
            parse_time(bad)


# -- Settings → Messaging --------------------------------------------------------------------


def test_messaging_settings_save_and_refuse_next_to_the_fields(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    assert 'href="/settings/messaging"' in client.get("/settings").text
    assert 'href="/settings/calendar"' in client.get("/settings").text
    page = client.get("/settings/messaging")
    assert page.status_code == 200
    assert 'value="48 hours, 2 hours"' in page.text and 'value="24"' in page.text
    assert 'name="confirmations" value="1" checked' in page.text
    assert 'value="20:00"' in page.text and 'value="08:00"' in page.text

    saved = post(
        client,
        "/settings/messaging",
        signed_in,
        reminders="72, 1.5 hours, 30 min",
        follow_up_hours="0",
        thank_you="1",
        quiet_start="21:30",
        quiet_end="7:00 am",
        reply_to="Office@Example.com",
        business_phone="(256) 555-0100",
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/settings/messaging?notice=saved"
    now = settings(client)
    assert now["reminder_minutes"] == [4320, 90, 30]
    assert now["follow_up_hours"] == 0 and now["thank_you"] is True
    assert now["confirmations"] is False  # an unticked box is "off"
    assert (now["quiet_start"], now["quiet_end"]) == ("21:30", "07:00")
    assert now["reply_to"] == "office@example.com"
    shown = client.get("/settings/messaging").text
    assert 'value="72 hours, 1.5 hours, 30 minutes"' in shown

    bad = post(
        client,
        "/settings/messaging",
        signed_in,
        reminders="soon",
        follow_up_hours="999",
        quiet_start="25:00",
        quiet_end="08:00",
    )
    assert bad.status_code == 422
    assert 'id="reminders-error">“soon” isn' in bad.text
    assert 'id="follow_up_hours-error">Enter whole hours from 0 to 336' in bad.text
    assert 'id="quiet_start-error">Enter a time like 20:00' in bad.text
    assert 'value="soon"' in bad.text and 'value="999"' in bad.text  # what was typed stays
    assert settings(client) == now

    refused = post(
        client,
        "/settings/messaging",
        signed_in,
        reminders="2",
        follow_up_hours="24",
        quiet_start="20:00",
        quiet_end="08:00",
        reply_to="not an email",
    )
    assert refused.status_code == 422
    assert 'id="reply_to-error">Not an email address' in refused.text
    assert settings(client) == now


# -- the wording editor ----------------------------------------------------------------------


def test_templates_list_and_the_editor_show_the_built_in_wording(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    listing = client.get("/settings/messaging/templates").text
    assert 'href="/settings/messaging/templates/reminder"' in listing and "Built-in" in listing
    page = client.get("/settings/messaging/templates/reminder")
    assert page.status_code == 200
    assert "{{ customer_first_name }}" in page.text  # the variables are listed
    assert "The customer&#39;s first name" in page.text
    # The built-in wording, previewed with sample details and the business's own name.
    assert "Reminder: window cleaning tomorrow at 9:00 AM" in page.text
    assert "Reminder from Sparkle Windows: we&#39;ll see you tomorrow" in page.text
    assert "Go back to the built-in wording" not in page.text
    assert client.get("/settings/messaging/templates/custom").status_code == 404
    assert client.get("/settings/messaging/templates/nonsense").status_code == 404


def test_preview_fills_in_sample_details_without_saving(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    body = "Hello {{ customer_first_name }},\n\nSee you {{ reminder_when }} at {{ address }}.\n"
    url = "/settings/messaging/templates/reminder"
    page = post(client, url, signed_in, do="preview", subject="Soon!", body=body, sms="")
    assert page.status_code == 200
    assert (
        "<pre>Hello Jane,\n\nSee you tomorrow at 1428 Elm Street, Springfield.\n</pre>" in page.text
    )
    frame = re.search(r'<iframe sandbox srcdoc="([^"]*)"', page.text)
    assert frame is not None
    email = html.unescape(frame.group(1))  # the HTML email, escaped in srcdoc
    assert "<p data-style=" in email and " style=" not in email  # the frame's CSP blocks style=
    assert re.search(r'<link rel="stylesheet" href="/static/css/email-preview\.\w+\.css">', email)
    assert "No text message written." in page.text
    assert ">Hello {{ customer_first_name }},\n\nSee you" in page.text  # the typed text stays
    assert template(client, "reminder")["customised"] is False

    live = post(client, url, signed_in, do="preview", partial="1", subject="Soon!", body=body)
    assert live.status_code == 200
    assert "Hello Jane," in live.text and "<nav" not in live.text

    broken = post(client, url, signed_in, do="preview", subject="Hi", body="{{ nope }}")
    assert broken.status_code == 422
    assert "Line 1: &#39;nope&#39; is not a variable you can use" in broken.text


def test_save_is_refused_with_the_line_and_keeps_the_text_then_saves_and_resets(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    url = "/settings/messaging/templates/follow_up"
    typed = "Hi {{ customer_first_name }},\n\nThanks!\n{{ customer_name }\n"
    refused = post(client, url, signed_in, do="save", subject="How did it go?", body=typed, sms="")
    assert refused.status_code == 422
    assert "Not saved: a problem in the email. Line 4: " in refused.text
    error = re.search(r'id="t-body-error">([^<]*)<', refused.text)
    assert error is not None and error.group(1).startswith("Line 4: ")
    assert html.escape(typed, quote=False) in refused.text  # what was typed is still there
    assert 'value="How did it go?"' in refused.text
    assert template(client, "follow_up")["customised"] is False

    saved = post(
        client,
        url,
        signed_in,
        do="save",
        subject="How did it go, {{ customer_first_name }}?",
        body="Thanks for having us, {{ customer_first_name }}!\n",
        sms="Thanks from {{ business_name }}!",
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{url}?notice=template_saved"
    now = template(client, "follow_up")
    assert now["customised"] is True and now["sms"] == "Thanks from {{ business_name }}!"
    page = client.get(url).text
    assert "Your wording" in page and "Thanks for having us, Jane!" in page
    assert f'action="{url}/reset"' in page
    assert "Your wording" in client.get("/settings/messaging/templates").text

    reset = post(client, f"{url}/reset", signed_in)
    assert reset.status_code == 303
    assert template(client, "follow_up")["customised"] is False
    assert "How did your window cleaning go?" in client.get(url).text


# -- the Messages page -----------------------------------------------------------------------


def test_a_failed_message_stands_out_with_its_text_attempts_and_retry(
    client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection[Any]
) -> None:
    ann = make(client, "contact", first_name="Ann", email="ann@example.com")
    message = schedule(client, ann, "Your windows")
    with as_business(owner, signed_in) as conn:
        conn.execute(
            "UPDATE scheduled_messages SET status = 'failed', to_address = 'ann@example.com', "
            "last_error = '550 mailbox unavailable', attempts = 2, scheduled_for = now() "
            "WHERE id = %s",
            (message["id"],),
        )
        for outcome, detail in (("retry", "421 try later"), ("failed", "550 mailbox unavailable")):
            conn.execute(
                "INSERT INTO message_attempts (user_id, message_id, channel, outcome, detail) "
                "VALUES (%s, %s, 'email', %s, %s)",
                (signed_in["id"], message["id"], outcome, detail),
            )

    page = client.get("/messages")
    assert page.status_code == 200
    assert "1 message failed</strong> in the last 30 days" in page.text
    assert re.search(r'href="/messages\?from=[0-9-]+&amp;status=failed"', page.text)
    assert "Not delivered: 550 mailbox unavailable" in page.text
    assert "Email to ann@example.com" in page.text
    assert "<pre>Hi Ann, see you soon.</pre>" in page.text  # the exact text
    assert "Delivery attempts (2)" in page.text and "421 try later" in page.text
    assert "Failed, tried again later" in page.text
    assert f'action="/messages/{message["id"]}/retry"' in page.text
    assert f'action="/messages/{message["id"]}/cancel"' not in page.text

    assert "Your windows" in client.get("/messages", params={"kind": "custom"}).text
    assert "Your windows" not in client.get("/messages", params={"kind": "reminder"}).text
    assert "Your windows" not in client.get("/messages", params={"channel": "sms"}).text
    bad = client.get("/messages", params={"kind": "spam", "channel": "fax"})
    assert bad.status_code == 422
    assert "Choose a kind of message from the list." in bad.text
    assert "Choose email or text message." in bad.text

    retried = post(client, f"/messages/{message['id']}/retry", signed_in, back="/messages")
    assert retried.status_code == 303
    assert retried.headers["location"] == "/messages?notice=retried"
    assert done(read(client, "messages", id=message["id"]))["status"] == "pending"
    after = client.get(retried.headers["location"]).text
    assert "Sending it again now." in after and "message failed" not in after
    assert f'action="/messages/{message["id"]}/cancel"' in after

    again = post(client, f"/messages/{message['id']}/retry", signed_in, back="/messages")
    assert again.status_code == 409
    assert "Only a failed or skipped message can be retried" in again.text


def test_skipped_and_quiet_hours_messages_say_why(
    client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection[Any]
) -> None:
    ann = make(client, "contact", first_name="Ann", email="ann@example.com")
    skipped = schedule(client, ann, "Skipped one")
    waiting = schedule(client, ann, "Waiting one")
    with as_business(owner, signed_in) as conn:
        conn.execute(
            "UPDATE scheduled_messages SET status = 'skipped', "
            "skip_reason = 'the customer unsubscribed from these emails' WHERE id = %s",
            (skipped["id"],),
        )
        later = conn.execute(
            "UPDATE scheduled_messages SET scheduled_for = scheduled_for + interval '10 hours' "
            "WHERE id = %s RETURNING scheduled_for",
            (waiting["id"],),
        ).fetchone()["scheduled_for"]
        conn.execute(
            "INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, actor) "
            "VALUES (%s, 'message', %s, 'wait', %s, 'worker')",
            (
                signed_in["id"],
                waiting["id"],
                psycopg.types.json.Jsonb({"scheduled_for": {"new": later.isoformat()}}),
            ),
        )
    page = client.get("/messages", params={"from": ""}).text
    assert "Not sent: the customer unsubscribed from these emails." in page
    assert "Waits for your quiet hours to end" in page
    assert f'action="/messages/{skipped["id"]}/retry"' in page


# -- the contact page ------------------------------------------------------------------------


def test_contact_page_lists_messages_and_resubscribes(
    client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection[Any]
) -> None:
    ann = make(client, "contact", first_name="Ann", email="ann@example.com")
    schedule(client, ann, "First")
    path = f"/contacts/{ann['id']}"
    page = client.get(path).text
    assert "Custom message</strong> · goes out Fri Nov 20, 9:00 AM" in page
    assert '<span class="badge scheduled">Scheduled</span>' in page
    assert f'href="/messages?from=&amp;contact_id={ann["id"]}"' in page
    assert "Unsubscribed" not in page

    with as_business(owner, signed_in) as conn:
        conn.execute(
            "UPDATE contacts SET email_opted_out_at = '2026-03-05T15:00:00Z' WHERE id = %s",
            (ann["id"],),
        )
    page = client.get(path).text
    assert "Unsubscribed from email on Mar 5, 2026" in page
    assert f'action="{path}/resubscribe"' in page

    response = post(client, f"{path}/resubscribe", signed_in)
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}?notice=resubscribed#messages"
    assert done(read(client, "contacts", id=ann["id"]))["email_opted_out_at"] is None
    trail = done(read(client, "contacts", id=ann["id"], include="audit_trail"))["audit_trail"]
    assert trail[-1]["action"] == "resubscribe"
    page = client.get(f"{path}?notice=resubscribed").text
    assert "they get your emails again" in page and "Unsubscribed from email" not in page


# -- calendar and ticket ---------------------------------------------------------------------


def test_calendar_and_ticket_show_what_the_customer_answered(
    client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection[Any]
) -> None:
    answers = {
        "unconfirmed": "Unconfirmed",
        "confirmed": "Confirmed ✓",
        "declined": "Can&#39;t make it",
        "reschedule_requested": "Wants to reschedule",
    }
    tickets = {}
    for hour, status in enumerate(answers, start=14):
        contact = make(client, "contact", first_name=f"C{hour}")
        tickets[status] = make(
            client, "ticket", contact_id=contact["id"], scheduled_start=f"2026-11-30T{hour}:00:00Z"
        )
    with as_business(owner, signed_in) as conn:
        for status, ticket in tickets.items():
            conn.execute(
                "UPDATE tickets SET confirmation_status = %s, confirmation_note = %s, "
                "confirmation_answered_at = CASE WHEN %s = 'unconfirmed' THEN NULL "
                "ELSE '2026-11-25T18:30:00Z'::timestamptz END WHERE id = %s",
                (status, "Out of town" if status == "declined" else "", status, ticket["id"]),
            )
    for view in ("day", "week"):
        page = client.get("/", params={"date": "2026-11-30", "view": view}).text
        for status, label in answers.items():
            assert f'<span class="badge {status}">{label}</span>' in page, (view, status)
        assert page.count('class="ticket attention"') == 2

    declined = client.get(f"/tickets/{tickets['declined']['id']}").text
    assert "can&#39;t make it. “Out of town”" in declined
    assert "answered Wed Nov 25, 12:30 PM" in declined
    confirmed = client.get(f"/tickets/{tickets['confirmed']['id']}").text
    assert '<span class="badge confirmed">Confirmed ✓</span>' in confirmed
    assert 'class="warning" id="confirmation"' not in confirmed


# -- the invoice page ------------------------------------------------------------------------


def invoice_for(client: TestClient, contact: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=contact["id"],
            lines=[{"description": "Gutters", "quantity": "1", "unit_price_cents": 9000}],
        )
    )
    return result


def test_invoice_send_by_email(client: TestClient, signed_in: dict[str, Any]) -> None:
    ann = make(client, "contact", first_name="Ann", email="ann@example.com")
    invoice = invoice_for(client, ann)
    path = f"/invoices/{invoice['id']}"
    page = client.get(path).text
    assert f'action="{path}/send"' in page and '<button type="submit">Send by email' in page
    assert "Emails ann@example.com a link to view the invoice" in page

    sent = post(client, f"{path}/send", signed_in)
    assert sent.status_code == 303 and sent.headers["location"] == f"{path}?notice=emailed"
    assert done(read(client, "invoices", id=invoice["id"]))["status"] == "sent"
    messages = done(read(client, "messages", invoice_id=invoice["id"]))
    assert [(m["kind"], m["status"]) for m in messages] == [("invoice", "pending")]
    page = client.get(sent.headers["location"]).text
    assert "on its way to the customer by email" in page and "Email queued" in page
    assert "Email it again" in page

    bob = make(client, "contact", first_name="Bob")
    other = invoice_for(client, bob)
    page = client.get(f"/invoices/{other['id']}").text
    assert 'disabled aria-describedby="send-hint">Send by email' in page
    assert "Bob has no email address, so it can't be emailed." in page
    refused = post(client, f"/invoices/{other['id']}/send", signed_in)
    assert refused.status_code == 409
    assert "This customer has no email address" in refused.text
    assert done(read(client, "messages", invoice_id=other["id"])) == []
