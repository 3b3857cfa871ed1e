"""The sentence an owner reads before approving an agent's sensitive action: exact names, local
times, money and who is told, checked against what the action then really does."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

import psycopg
from fastapi.testclient import TestClient
from pydantic import BaseModel

from crm.clients.postgres_client import Database
from crm.core.authorization_summary import summarize
from crm.core.authorization_wording import DOMAIN_TABLES
from crm.core.dispatch import parse
from crm.core.registry import REGISTRY
from crm.utils.timezone import business_today
from crm.utils.user_context import UserContext, user_context
from tests.api.helpers import act, done, make
from tests.api.test_bad_input import BASE, world
from tests.factories import make_user

# Far enough off that the pages (and the summaries) write the year.
START = "2031-04-15T09:00:00-05:00"
LABEL = "Tue Apr 15, 2031, 9:00 AM"


def user_of(business: dict[str, Any]) -> UserContext:
    return UserContext(user_id=business["id"], timezone=business["timezone"])


def summary(db: Database, business: dict[str, Any], domain: str, action: str, **data: Any) -> str:
    """What the owner would read if an agent asked for domain.action with this input."""
    parsed, _ = parse(REGISTRY.actions[(domain, action)], data)
    user = user_of(business)
    with user_context(user), db.unit_of_work(user.user_id) as conn:
        return summarize(conn, domain, action, parsed)


def ann(client: TestClient, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ann Lee with a primary address at 12 Oak St, and a ticket there."""
    contact = make(client, "contact", first_name="Ann", last_name="Lee", **fields)
    make(client, "address", contact_id=contact["id"], line1="12 Oak St", is_primary=True)
    return contact, make(client, "ticket", contact_id=contact["id"], scheduled_start=START)


def mark_sent(db: Database, business: dict[str, Any], ticket_id: str, kind: str) -> None:
    """The customer has had this message about the ticket (the worker sent it)."""
    with db.unit_of_work(business["id"]) as conn:
        conn.execute(
            "UPDATE scheduled_messages SET status = 'sent' WHERE ticket_id = %s AND kind = %s",
            (ticket_id, kind),
        )


def cancellations(db: Database, business: dict[str, Any], ticket_id: str) -> int:
    with db.unit_of_work(business["id"]) as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM scheduled_messages WHERE ticket_id = %s "
            "AND kind = 'cancellation'",
            (ticket_id,),
        ).fetchone()
    assert row is not None
    return int(row["n"])


# -- tickets -----------------------------------------------------------------------------------


def test_cancelling_a_ticket_of_a_customer_without_email_tells_nobody(
    client: TestClient, signed_in: dict[str, Any], db: Database
) -> None:
    _, ticket = ann(client)
    text = summary(db, signed_in, "ticket", "cancel", id=ticket["id"], reason="Rain")
    assert (
        text == f"Cancel {LABEL} at 12 Oak St for Ann Lee (reason: Rain), without telling Ann Lee"
    )
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="Rain"))
    assert cancellations(db, signed_in, ticket["id"]) == 0


def test_cancelling_a_ticket_the_customer_was_told_of_emails_them(
    client: TestClient, signed_in: dict[str, Any], db: Database
) -> None:
    _, ticket = ann(client, email="ann@example.com")
    # Booked: a confirmation request, a follow-up and two reminders, all pending.
    mark_sent(db, signed_in, ticket["id"], "appointment_confirmation")
    text = summary(db, signed_in, "ticket", "cancel", id=ticket["id"], reason="Rain")
    assert text == (
        f"Cancel {LABEL} at 12 Oak St for Ann Lee (reason: Rain), stop its 3 pending messages "
        "and email Ann Lee a cancellation notice"
    )
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="Rain"))
    assert cancellations(db, signed_in, ticket["id"]) == 1


def test_cancelling_before_anything_reached_the_customer_tells_nobody(
    client: TestClient, signed_in: dict[str, Any], db: Database
) -> None:
    _, ticket = ann(client, email="ann@example.com")
    text = summary(db, signed_in, "ticket", "cancel", id=ticket["id"], reason="Rain")
    assert text == (
        f"Cancel {LABEL} at 12 Oak St for Ann Lee (reason: Rain) and stop its 4 pending "
        "messages, without telling Ann Lee"
    )
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="Rain"))
    assert cancellations(db, signed_in, ticket["id"]) == 0


def test_a_customer_who_wants_no_messages_is_not_told(
    client: TestClient, signed_in: dict[str, Any], db: Database
) -> None:
    contact, ticket = ann(client, email="ann@example.com")
    mark_sent(db, signed_in, ticket["id"], "appointment_confirmation")
    done(act(client, "contact", "update", id=contact["id"], preferred_contact_method="none"))
    text = summary(db, signed_in, "ticket", "cancel", id=ticket["id"], reason="Rain")
    assert text.endswith("without telling Ann Lee")
    done(act(client, "ticket", "cancel", id=ticket["id"], reason="Rain"))
    assert cancellations(db, signed_in, ticket["id"]) == 0


def test_another_business_sees_a_ticket_that_no_longer_exists(
    client: TestClient, signed_in: dict[str, Any], db: Database, owner: psycopg.Connection
) -> None:
    _, ticket = ann(client)
    other = make_user(owner)
    text = summary(db, other, "ticket", "cancel", id=ticket["id"], reason="Rain")
    assert text == f"Cancel a ticket that no longer exists (id {ticket['id']})"
    done(act(client, "ticket", "delete", id=ticket["id"]))
    text = summary(db, signed_in, "ticket", "cancel", id=ticket["id"], reason="Rain")
    assert text == f"Cancel a ticket that no longer exists (id {ticket['id']})"


# -- money -------------------------------------------------------------------------------------


def invoice_for(client: TestClient, contact_id: str) -> dict[str, Any]:
    line = {"description": "Windows", "quantity": "1", "unit_price_cents": 123450}
    result: dict[str, Any] = done(
        act(client, "invoice", "create_standalone", contact_id=contact_id, lines=[line])
    )
    return result


def test_voiding_an_invoice(client: TestClient, signed_in: dict[str, Any], db: Database) -> None:
    contact = make(client, "contact", first_name="Ann", last_name="Lee")
    invoice = invoice_for(client, contact["id"])
    text = summary(db, signed_in, "invoice", "void", id=invoice["id"], reason="Duplicate")
    assert text == (
        f"Void invoice #{invoice['number']} ($1,234.50, draft) for Ann Lee (reason: Duplicate)"
    )


def test_refunding_part_of_a_payment(
    client: TestClient, signed_in: dict[str, Any], db: Database
) -> None:
    contact = make(client, "contact", first_name="Ann", last_name="Lee")
    invoice = invoice_for(client, contact["id"])
    paid = done(
        act(
            client,
            "invoice",
            "record_payment",
            invoice_id=invoice["id"],
            amount_cents=20000,
            method="cash",
            paid_on="2031-04-01",
        )
    )
    text = summary(
        db,
        signed_in,
        "invoice",
        "refund",
        payment_id=paid["payment"]["id"],
        amount_cents=5000,
        reason="Streaks",
    )
    assert text == (
        "Refund $50.00 (cash) of the $200.00 cash payment of Tue Apr 1, 2031 on invoice "
        f"#{invoice['number']} for Ann Lee (reason: Streaks)"
    )
    # The void is refused while money is paid on the invoice: the summary says so.
    void = summary(db, signed_in, "invoice", "void", id=invoice["id"])
    assert void.endswith("; refused now: $200.00 is paid on it")


# -- contacts, plans, messages, imports --------------------------------------------------------


def test_deleting_a_contact(client: TestClient, signed_in: dict[str, Any], db: Database) -> None:
    contact = make(client, "contact", first_name="Ann", last_name="Lee", email="ann@example.com")
    done(
        act(
            client,
            "message",
            "schedule",
            kind="custom",
            contact_id=contact["id"],
            subject="Spring special",
            body="10% off in April",
            scheduled_for=START,
        )
    )
    text = summary(db, signed_in, "contact", "delete", id=contact["id"])
    assert text == "Delete the contact Ann Lee (ann@example.com) and stop 1 pending message"
    make(client, "ticket", contact_id=contact["id"], scheduled_start=START)
    text = summary(db, signed_in, "contact", "delete", id=contact["id"])
    assert text.endswith("; refused now: Ann Lee has 1 open ticket")


def test_ending_a_plan_counts_the_visits_it_cancels(
    client: TestClient, signed_in: dict[str, Any], db: Database
) -> None:
    contact = make(client, "contact", first_name="Ann", last_name="Lee")
    make(client, "address", contact_id=contact["id"], line1="12 Oak St", is_primary=True)
    first = business_today(signed_in["timezone"]) + timedelta(days=1)
    plan = make(
        client,
        "plan",
        contact_id=contact["id"],
        rrule="FREQ=WEEKLY;COUNT=4",
        start_date=first.isoformat(),
        start_time="09:00",
    )
    text = summary(db, signed_in, "plan", "end", id=plan["id"], reason="Moving")
    assert text == (
        f"End the plan for Ann Lee at 12 Oak St (Every week on {first:%A} at 9:00 AM, 4 visits) "
        "and cancel its 4 upcoming visits, without telling Ann Lee; reason: Moving"
    )
    assert done(act(client, "plan", "end", id=plan["id"], reason="Moving"))["cancelled"] == 4


def test_scheduling_a_message(client: TestClient, signed_in: dict[str, Any], db: Database) -> None:
    contact = make(client, "contact", first_name="Ann", last_name="Lee", email="ann@example.com")
    data = {
        "kind": "custom",
        "contact_id": contact["id"],
        "subject": "Spring special",
        "body": "10% off in April",
        "scheduled_for": START,
    }
    text = summary(db, signed_in, "message", "schedule", **data)
    assert text == f"Email Ann Lee the message “Spring special” on {LABEL}"


def test_starting_an_import(client: TestClient, signed_in: dict[str, Any], db: Database) -> None:
    content = (
        "Square Customer ID,First Name,Last Name,Email Address,Phone Number\n"
        "SQ1,Edna,Whitfield,edna@example.com,(256) 555-0134\n"
        "SQ2,Bea,Cole,not-an-email,\n"
        "SQ3,Cal,Reed,cal@example.com,\n"
    )
    preview = done(
        act(
            client,
            "import",
            "preview",
            kind="square_customers",
            filename="customers.csv",
            content=content,
        )
    )
    counts = preview["counts"]
    text = summary(db, signed_in, "import", "start", id=preview["id"])
    assert text == (
        "Import customers.csv (Square customer export): 3 rows, "
        f"{counts['new']} new, {counts['updated']} updated, {counts['unchanged']} unchanged, "
        f"{counts['invalid']} invalid skipped"
    )
    assert counts["new"] + counts["invalid"] == 3


# -- every action ------------------------------------------------------------------------------


def test_every_action_has_a_short_summary_of_real_data(
    client: TestClient, signed_in: dict[str, Any], db: Database
) -> None:
    ids = world(client)
    user = user_of(signed_in)
    with user_context(user), db.unit_of_work(user.user_id) as conn:
        for (domain, action), base in sorted(BASE.items()):
            parsed, _ = parse(REGISTRY.actions[(domain, action)], base(ids))
            text = summarize(conn, domain, action, parsed)
            assert 0 < len(text) <= 300, (domain, action, text)
            assert "no longer exists" not in text, (domain, action, text)
            # Values in words, never as Python writes them.
            for artefact in ("UUID(", "Decimal(", "datetime.", "{'", "['", "None"):
                assert artefact not in text, (domain, action, text)
            print(f"{domain}.{action}: {text}")


def sample(annotation: Any) -> Any:
    """A value of the annotated type, for inputs built without validation."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return args[0]
    if origin is Union or (origin is None and args):
        return sample(next(a for a in args if a is not type(None)))
    if origin is list:
        return []
    if origin is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return minimal(annotation)
    kinds: dict[Any, Any] = {
        uuid.UUID: uuid.uuid4(),
        datetime: datetime.fromisoformat(START),
        date: date(2031, 4, 15),
        time: time(9),
        int: 1,
        Decimal: Decimal(1),
        bool: False,
    }
    return kinds.get(annotation, "x")


def minimal(model: type[BaseModel]) -> BaseModel:
    """The model with every required field set to a sample value (ids that exist nowhere)."""
    values = {
        name: sample(field.annotation)
        for name, field in model.model_fields.items()
        if field.is_required()
    }
    return model.model_construct(**values)


def test_every_action_says_so_when_what_it_names_is_gone(
    signed_in: dict[str, Any], db: Database
) -> None:
    user = user_of(signed_in)
    with user_context(user), db.unit_of_work(user.user_id) as conn:
        for (domain, action), spec in sorted(REGISTRY.actions.items()):
            data = minimal(spec.input)
            text = summarize(conn, domain, action, data)
            assert 0 < len(text) <= 300, (domain, action, text)
            if "id" in spec.input.model_fields and domain in DOMAIN_TABLES:
                assert "no longer exists" in text, (domain, action, text)
