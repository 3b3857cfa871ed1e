"""A dependent write and the removal of what it depends on, at the same moment (STYLE 17).

Every action that writes something hanging off another row (a ticket on a contact, a payment on
an invoice, a staff assignment…) share-locks that row first (``base.lock_parent``), and every
action that removes the row, or closes it to new children (cancel, void, retire), takes
``FOR UPDATE`` on it before it looks at what depends on it. So the two serialise: a removal
that comes second sees the new child (and refuses, or cleans it up); a write that comes second
finds the parent gone (404) or closed (409).

``PAIRS`` declares every (removal, dependent write) pair, and a registry-driven test fails when
an action takes a parent id no pair covers. Each pair is raced ``ROUNDS`` times on two real
connections: both outcomes are clean (done, 404 or 409: never a 5xx or a deadlock), no child
appears after its parent went, and nothing the removal refuses or cleans up survives it.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, get_args
from uuid import UUID

import psycopg
import pytest

from crm.clients.postgres_client import Connection, Database
from crm.core.exceptions import ContactHasDependencies
from crm.core.extraction import Extractor
from crm.core.registry import REGISTRY, ActionContext
from crm.errors import AppError, NotFound
from crm.utils.user_context import UserContext, user_context
from tests.factories import make_user

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

# Rounds per pair; PARENT_LOCK_ROUNDS=200 for a longer soak.
ROUNDS = int(os.environ.get("PARENT_LOCK_ROUNDS", "10"))
# Each racer starts up to this long after the other (seconds), so both orders come up.
JITTER = 0.004
START = "2026-12-01T15:00:00Z"
LINE = {"description": "Windows", "quantity": "1", "unit_price_cents": 15000}

Data = dict[str, Any]


# -- a business to race in -------------------------------------------------------------------


@dataclass(frozen=True)
class Business:
    db: Database
    user: UserContext
    owner: psycopg.Connection[dict[str, Any]]

    def call(self, domain: str, action: str, data: Data) -> Callable[[], Any]:
        """The action, parsed now and run later in its own unit of work (as the dispatcher
        would; staged actions open their own)."""
        spec = REGISTRY.actions[(domain, action)]
        parsed = spec.input.model_validate(data)

        def run() -> Any:
            with user_context(self.user):
                if spec.staged:
                    context = ActionContext(user=self.user, db=self.db, extractor=Extractor())
                    return spec.handler(context, parsed)
                with self.db.unit_of_work(self.user.user_id) as conn:
                    return spec.handler(conn, parsed)

        return run

    def act(self, domain: str, action: str, **data: Any) -> Any:
        return self.call(domain, action, data)()

    def complete(self, ticket_id: UUID) -> None:
        """Completion comes from the close-out flow; setups take the short way."""
        with self.owner.transaction():
            self.owner.execute(
                "SELECT set_config('app.current_user_id', %s, true)", (str(self.user.user_id),)
            )
            for status in ("in_progress", "completed"):
                self.owner.execute(
                    "UPDATE tickets SET status = %s WHERE id = %s", (status, ticket_id)
                )


@pytest.fixture
def business(db: Database, owner: psycopg.Connection[dict[str, Any]]) -> Business:
    user = make_user(owner)
    return Business(db, UserContext(user_id=user["id"], timezone=user["timezone"]), owner)


@pytest.fixture
def admin(database: TestDatabase) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """Sees every row, deleted ones included."""
    with database.superuser() as conn:
        yield conn


# -- the pairs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One round: the parent, the removal's input and the dependent write's input."""

    parent: UUID
    remove: Data
    write: Data


@dataclass(frozen=True)
class Pair:
    remove: tuple[str, str]
    """The action that removes the parent (or closes it to new children)."""
    write: tuple[str, str]
    """The dependent write."""
    field: str
    """The write's input field that names the parent (or the row that leads to it)."""
    children: str
    """The write's rows hanging off ``%(parent)s``, as the app sees them."""
    setup: Callable[[Business], Case]

    @property
    def name(self) -> str:
        return f"{'.'.join(self.remove)}|{'.'.join(self.write)}.{self.field}"


def _contact(b: Business) -> UUID:
    return UUID(str(b.act("contact", "create", first_name="Ann")["id"]))


def _ticket(b: Business, contact: UUID, **data: Any) -> UUID:
    ticket = b.act("ticket", "create", contact_id=contact, scheduled_start=START, **data)
    return UUID(str(ticket["id"]))


def _billable_ticket(b: Business, *, completed: bool = False) -> tuple[UUID, UUID]:
    contact = _contact(b)
    ticket = _ticket(b, contact)
    b.act("line_item", "add", ticket_id=ticket, description="Windows", unit_price_cents=15000)
    if completed:
        b.complete(ticket)
    return contact, ticket


def _message(contact: UUID, **about: Any) -> Data:
    return {
        "kind": "custom",
        "contact_id": contact,
        "subject": "Hello",
        "body": "See you soon.",
        "scheduled_for": START,
        **about,
    }


def on_contact(write: Callable[[Business, UUID], Data]) -> Callable[[Business], Case]:
    def setup(b: Business) -> Case:
        contact = _contact(b)
        return Case(contact, {"id": contact}, write(b, contact))

    return setup


def through_completed_ticket(write: Callable[[UUID], Data]) -> Callable[[Business], Case]:
    """The contact of a completed ticket (which no longer holds its contact back)."""

    def setup(b: Business) -> Case:
        contact, ticket = _billable_ticket(b, completed=True)
        return Case(contact, {"id": contact}, write(ticket))

    return setup


def on_ticket(
    write: Callable[[UUID, UUID], Data], *, remove: Data | None = None
) -> Callable[[Business], Case]:
    def setup(b: Business) -> Case:
        contact, ticket = _billable_ticket(b)
        return Case(ticket, {"id": ticket, **(remove or {})}, write(contact, ticket))

    return setup


def _in_progress_job(b: Business) -> tuple[UUID, Data]:
    """A ticket being worked on, and the close-out preview input for it."""
    contact = _contact(b)
    ticket = _ticket(b, contact)
    line = b.act("line_item", "add", ticket_id=ticket, description="Windows", unit_price_cents=100)
    b.act("ticket", "clock_in", id=ticket)
    preview = {
        "ticket_id": ticket,
        "duration_minutes": 60,
        "line_items": [{"line_item_id": line["id"], "quantity": "1", "unit_price_cents": 100}],
        "notes": "Washed every window. Dog named Biscuit.",
        "next_step": {"kind": "none"},
    }
    return ticket, preview


def _preview(b: Business) -> Case:
    ticket, preview = _in_progress_job(b)
    return Case(ticket, {"id": ticket}, preview)


def _close(b: Business) -> Case:
    ticket, preview = _in_progress_job(b)
    draft = b.act("ticket", "close_out_preview", **preview)
    decisions = [{"key": p["key"], "decision": "accept"} for p in draft["proposed_attributes"]]
    return Case(
        ticket,
        {"id": ticket},
        {"ticket_id": ticket, "draft_id": draft["draft_id"], "decisions": decisions},
    )


def _address_and(write: Callable[[UUID, UUID, UUID], Data]) -> Callable[[Business], Case]:
    """A contact with a ticket (no address yet) and then an address (its primary)."""

    def setup(b: Business) -> Case:
        contact = _contact(b)
        ticket = _ticket(b, contact)
        address = UUID(str(b.act("address", "create", contact_id=contact, line1="1 Main St")["id"]))
        return Case(address, {"id": address}, write(contact, ticket, address))

    return setup


def _fact_and_address(b: Business) -> Case:
    """A fact on the person, and an address it is being moved to."""
    contact = _contact(b)
    fact = b.act("attribute", "create", contact_id=contact, key="hazards.bees", value=True)
    address = UUID(str(b.act("address", "create", contact_id=contact, line1="1 Main St")["id"]))
    return Case(address, {"id": address}, {"id": fact["id"], "address_id": address})


def _plan_input(contact: UUID, **extra: Any) -> Data:
    """A four-weekly plan starting a week from now (its visits hold the contact back)."""
    start = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    return {
        "contact_id": contact,
        "rrule": "FREQ=WEEKLY;INTERVAL=4",
        "start_date": start,
        "start_time": "09:00",
        "confirm_overlaps": True,
        **extra,
    }


def _plan_and(field: str) -> Callable[[Business], Case]:
    """A plan, and an address or a staff member it is being changed to (for all visits)."""

    def setup(b: Business) -> Case:
        contact = _contact(b)
        plan = b.act("plan", "create", **_plan_input(contact))
        if field == "address_id":
            parent = b.act("address", "create", contact_id=contact, line1="1 Main St")["id"]
            change: Data = {"address_id": parent}
        else:
            parent = b.act("staff", "create", name="Jo")["id"]
            change = {"staff_ids": [parent]}
        return Case(
            UUID(str(parent)),
            {"id": parent},
            {"id": plan["id"], "scope": "all", "confirm_overlaps": True, **change},
        )

    return setup


def _plan_visit(write: Callable[[UUID, UUID], Data]) -> Callable[[Business], Case]:
    """A plan's first visit, deleted while the plan changes or skips it."""

    def setup(b: Business) -> Case:
        plan = b.act("plan", "create", **_plan_input(_contact(b)))
        visit = UUID(str(plan["next_visits"][0]["id"]))
        return Case(visit, {"id": visit}, write(UUID(str(plan["id"])), visit))

    return setup


def _staff_and(write: Callable[[UUID, UUID, UUID], Data]) -> Callable[[Business], Case]:
    def setup(b: Business) -> Case:
        contact = _contact(b)
        ticket = _ticket(b, contact)
        staff = UUID(str(b.act("staff", "create", name="Jo")["id"]))
        return Case(staff, {"id": staff}, write(contact, ticket, staff))

    return setup


def _service(b: Business) -> Case:
    contact = _contact(b)
    ticket = _ticket(b, contact)
    service = b.act("service", "create", name="Wash", pricing_mode="flexible", unit_price_cents=100)
    return Case(
        service["id"], {"id": service["id"]}, {"ticket_id": ticket, "service_id": service["id"]}
    )


def on_invoice(write: Callable[[UUID, UUID], Data]) -> Callable[[Business], Case]:
    def setup(b: Business) -> Case:
        contact = _contact(b)
        invoice = b.act("invoice", "create_standalone", contact_id=contact, lines=[LINE])
        return Case(invoice["id"], {"id": invoice["id"]}, write(contact, invoice["id"]))

    return setup


def _payment(b: Business) -> Case:
    """A payment that can be refunded, against its removal (both lock the invoice first)."""
    contact = _contact(b)
    invoice = b.act("invoice", "create_standalone", contact_id=contact, lines=[LINE])
    paid = b.act("invoice", "record_payment", invoice_id=invoice["id"], amount_cents=5000)
    payment = paid["payment"]["id"]
    return Case(
        payment,
        {"payment_id": payment, "reason": "Recorded twice"},
        {"payment_id": payment, "amount_cents": 1000, "reason": "Broken screen"},
    )


def _wanted(b: Business) -> list[Data]:
    """A waitlist entry's services: one new fixed-price service."""
    service = b.act("service", "create", name="Wash", pricing_mode="fixed", unit_price_cents=100)
    return [{"service_id": service["id"]}]


def _wish(b: Business, contact: UUID, **data: Any) -> UUID:
    """An open waitlist entry for the contact."""
    entry = b.act("waitlist", "create", contact_id=contact, services=_wanted(b), **WISH, **data)
    return UUID(str(entry["id"]))


def _wish_and(write: Callable[[Business, UUID, UUID, UUID], Data]) -> Callable[[Business], Case]:
    """A contact with an address (its primary) and an entry there; the address is the parent."""

    def setup(b: Business) -> Case:
        contact = _contact(b)
        address = UUID(str(b.act("address", "create", contact_id=contact, line1="1 Main St")["id"]))
        entry = _wish(b, contact, address_id=address)
        return Case(address, {"id": address}, write(b, contact, address, entry))

    return setup


def _wish_on_contact(b: Business) -> Case:
    contact = _contact(b)
    entry = _wish(b, contact)
    return Case(contact, {"id": contact}, {"id": entry, "scheduled_start": START})


def _wish_and_staff(b: Business) -> Case:
    contact = _contact(b)
    entry = _wish(b, contact)
    staff = UUID(str(b.act("staff", "create", name="Jo")["id"]))
    return Case(staff, {"id": staff}, {"id": entry, "scheduled_start": START, "staff_ids": [staff]})


WISH = {"latest_date": "2031-07-01"}

CONTACT = ("contact", "delete")
TICKET = ("ticket", "delete")

PAIRS = (
    # A contact: deleting it is refused while it has open tickets or unpaid invoices, cancels
    # its pending messages, and leaves everything else (addresses, notes, facts, referrals).
    Pair(
        CONTACT,
        ("address", "create"),
        "contact_id",
        "SELECT id FROM addresses WHERE contact_id = %(parent)s",
        on_contact(lambda b, c: {"contact_id": c, "line1": "1 Main St"}),
    ),
    Pair(
        CONTACT,
        ("attribute", "create"),
        "contact_id",
        "SELECT id FROM attributes WHERE contact_id = %(parent)s",
        on_contact(lambda b, c: {"contact_id": c, "key": "pets", "value": "dog"}),
    ),
    Pair(
        CONTACT,
        ("contact", "create"),
        "referred_by_id",
        "SELECT id FROM contacts WHERE referred_by_id = %(parent)s",
        on_contact(lambda b, c: {"first_name": "Bo", "referred_by_id": c}),
    ),
    Pair(
        CONTACT,
        ("contact", "update"),
        "referred_by_id",
        "SELECT id FROM contacts WHERE referred_by_id = %(parent)s",
        on_contact(lambda b, c: {"id": _contact(b), "referred_by_id": c}),
    ),
    Pair(
        CONTACT,
        ("invoice", "create_standalone"),
        "contact_id",
        "SELECT id FROM invoices WHERE contact_id = %(parent)s",
        on_contact(lambda b, c: {"contact_id": c, "lines": [LINE]}),
    ),
    Pair(
        CONTACT,
        ("invoice", "create_from_ticket"),
        "ticket_id",
        "SELECT id FROM invoices WHERE contact_id = %(parent)s",
        through_completed_ticket(lambda t: {"ticket_id": t}),
    ),
    Pair(
        CONTACT,
        ("message", "schedule"),
        "contact_id",
        "SELECT id FROM scheduled_messages WHERE contact_id = %(parent)s",
        on_contact(lambda b, c: _message(c)),
    ),
    Pair(
        CONTACT,
        ("note", "create"),
        "contact_id",
        "SELECT id FROM notes WHERE contact_id = %(parent)s",
        on_contact(lambda b, c: {"contact_id": c, "body": "Gate sticks."}),
    ),
    Pair(
        CONTACT,
        ("note", "create"),
        "ticket_id",
        "SELECT id FROM notes WHERE contact_id = %(parent)s",
        through_completed_ticket(lambda t: {"ticket_id": t, "body": "Gate sticks."}),
    ),
    Pair(
        CONTACT,
        ("ticket", "create"),
        "contact_id",
        "SELECT id FROM tickets WHERE contact_id = %(parent)s",
        on_contact(lambda b, c: {"contact_id": c, "scheduled_start": START}),
    ),
    # A ticket: deleting it is refused once completed or billed; it stops the clock, cancels
    # pending messages and drops close-out drafts. Cancelling it cancels pending messages.
    Pair(
        TICKET,
        ("invoice", "create_from_ticket"),
        "ticket_id",
        "SELECT id FROM invoices WHERE ticket_id = %(parent)s",
        on_ticket(lambda c, t: {"ticket_id": t}),
    ),
    Pair(
        TICKET,
        ("line_item", "add"),
        "ticket_id",
        "SELECT id FROM line_items WHERE ticket_id = %(parent)s",
        on_ticket(lambda c, t: {"ticket_id": t, "description": "Gutters", "unit_price_cents": 5}),
    ),
    Pair(
        TICKET,
        ("line_item", "add_discount"),
        "ticket_id",
        "SELECT id FROM line_items WHERE ticket_id = %(parent)s",
        on_ticket(lambda c, t: {"ticket_id": t, "percent_bp": 1000}),
    ),
    Pair(
        TICKET,
        ("message", "schedule"),
        "ticket_id",
        "SELECT id FROM scheduled_messages WHERE ticket_id = %(parent)s",
        on_ticket(lambda c, t: _message(c, ticket_id=t)),
    ),
    Pair(
        ("ticket", "cancel"),
        ("message", "schedule"),
        "ticket_id",
        "SELECT id FROM scheduled_messages WHERE ticket_id = %(parent)s",
        on_ticket(lambda c, t: _message(c, ticket_id=t), remove={"reason": "Rain"}),
    ),
    Pair(
        TICKET,
        ("note", "create"),
        "ticket_id",
        "SELECT id FROM notes WHERE ticket_id = %(parent)s",
        on_ticket(lambda c, t: {"ticket_id": t, "body": "Gate sticks."}),
    ),
    Pair(
        TICKET,
        ("ticket", "clock_in"),
        "id",
        "SELECT id FROM time_entries WHERE ticket_id = %(parent)s",
        on_ticket(lambda c, t: {"id": t}),
    ),
    Pair(
        TICKET,
        ("ticket", "close_out_preview"),
        "ticket_id",
        "SELECT id FROM closeout_drafts WHERE ticket_id = %(parent)s",
        _preview,
    ),
    Pair(
        TICKET,
        ("ticket", "close"),
        "ticket_id",
        "SELECT id FROM notes WHERE ticket_id = %(parent)s",
        _close,
    ),
    # An address: deleting it is refused while a ticket points at it.
    Pair(
        ("address", "delete"),
        ("ticket", "create"),
        "address_id",
        "SELECT id FROM tickets WHERE address_id = %(parent)s",
        _address_and(lambda c, t, a: {"contact_id": c, "address_id": a, "scheduled_start": START}),
    ),
    Pair(  # no address given: the contact's primary one
        ("address", "delete"),
        ("ticket", "create"),
        "contact_id",
        "SELECT id FROM tickets WHERE address_id = %(parent)s",
        _address_and(lambda c, t, a: {"contact_id": c, "scheduled_start": START}),
    ),
    Pair(
        ("address", "delete"),
        ("ticket", "update"),
        "address_id",
        "SELECT id FROM tickets WHERE address_id = %(parent)s",
        _address_and(lambda c, t, a: {"id": t, "address_id": a}),
    ),
    # A property's facts go with it (docs/property-facts.md): none may survive its address.
    Pair(
        ("address", "delete"),
        ("attribute", "create"),
        "address_id",
        "SELECT id FROM attributes WHERE address_id = %(parent)s",
        _address_and(lambda c, t, a: {"contact_id": c, "key": "pets", "value": 1, "address_id": a}),
    ),
    Pair(  # no address given: a property fact goes to the primary one
        ("address", "delete"),
        ("attribute", "create"),
        "contact_id",
        "SELECT id FROM attributes WHERE address_id = %(parent)s",
        _address_and(lambda c, t, a: {"contact_id": c, "key": "access.gate_code", "value": "1"}),
    ),
    Pair(
        ("address", "delete"),
        ("attribute", "update"),
        "address_id",
        "SELECT id FROM attributes WHERE address_id = %(parent)s",
        _fact_and_address,
    ),
    # A plan: a contact with a plan's visits booked is not deleted; an address a plan visits
    # is not deleted; a deleted staff member is never put on a plan after.
    Pair(
        CONTACT,
        ("plan", "create"),
        "contact_id",
        "SELECT id FROM plans WHERE contact_id = %(parent)s",
        on_contact(lambda b, c: _plan_input(c)),
    ),
    Pair(
        ("address", "delete"),
        ("plan", "create"),
        "address_id",
        "SELECT id FROM plans WHERE address_id = %(parent)s",
        _address_and(lambda c, t, a: _plan_input(c, address_id=a)),
    ),
    Pair(
        ("address", "delete"),
        ("plan", "update"),
        "address_id",
        "SELECT id FROM plans WHERE address_id = %(parent)s",
        _plan_and("address_id"),
    ),
    Pair(
        ("staff", "delete"),
        ("plan", "create"),
        "staff_ids",
        "SELECT id FROM plans WHERE %(parent)s = ANY(staff_ids)",
        _staff_and(lambda c, t, s: _plan_input(c, staff_ids=[s])),
    ),
    Pair(
        ("staff", "delete"),
        ("plan", "update"),
        "staff_ids",
        "SELECT id FROM plans WHERE %(parent)s = ANY(staff_ids)",
        _plan_and("staff_ids"),
    ),
    Pair(
        TICKET,
        ("plan", "skip"),
        "ticket_id",
        "SELECT id FROM scheduled_messages WHERE ticket_id = %(parent)s AND status = 'pending'",
        _plan_visit(lambda p, v: {"ticket_id": v, "reason": "Away"}),
    ),
    Pair(
        TICKET,
        ("plan", "update"),
        "ticket_id",
        "SELECT id FROM tickets WHERE id = %(parent)s AND plan_detached",
        _plan_visit(
            lambda p, v: {"id": p, "scope": "this", "ticket_id": v, "duration_minutes": 120}
        ),
    ),
    # A staff member: tickets keep pointing at deleted staff, but none is assigned after.
    Pair(
        ("staff", "delete"),
        ("ticket", "create"),
        "staff_ids",
        "SELECT ticket_id AS id FROM ticket_staff WHERE staff_id = %(parent)s",
        _staff_and(lambda c, t, s: {"contact_id": c, "scheduled_start": START, "staff_ids": [s]}),
    ),
    Pair(
        ("staff", "delete"),
        ("ticket", "assign_staff"),
        "staff_ids",
        "SELECT ticket_id AS id FROM ticket_staff WHERE staff_id = %(parent)s",
        _staff_and(lambda c, t, s: {"id": t, "staff_ids": [s]}),
    ),
    # A service: retired ones stay on old lines but are never added after.
    Pair(
        ("service", "retire"),
        ("line_item", "add"),
        "service_id",
        "SELECT id FROM line_items WHERE service_id = %(parent)s",
        _service,
    ),
    # An invoice (never deleted): voiding is refused once paid, and cancels pending messages.
    Pair(
        ("invoice", "void"),
        ("invoice", "record_payment"),
        "invoice_id",
        "SELECT id FROM payments WHERE invoice_id = %(parent)s",
        on_invoice(lambda c, i: {"invoice_id": i, "amount_cents": 100}),
    ),
    Pair(
        ("invoice", "void"),
        ("message", "schedule"),
        "invoice_id",
        "SELECT id FROM scheduled_messages WHERE invoice_id = %(parent)s",
        on_invoice(lambda c, i: _message(c, kind="invoice", invoice_id=i)),
    ),
    # A payment: a refund comes from a payment still on record; a refunded one stays.
    Pair(
        ("invoice", "remove_payment"),
        ("invoice", "refund"),
        "payment_id",
        "SELECT id FROM payments WHERE refund_of = %(parent)s",
        _payment,
    ),
    # The waitlist: an entry lives on a contact (whose deletion leaves it unlisted) and may
    # name an address (deleting it keeps the wish and forgets the place); booking one creates
    # a ticket on its contact and address, with staff.
    Pair(
        CONTACT,
        ("waitlist", "create"),
        "contact_id",
        "SELECT id FROM waitlist_entries WHERE contact_id = %(parent)s",
        on_contact(lambda b, c: {**WISH, "contact_id": c, "services": _wanted(b)}),
    ),
    Pair(
        CONTACT,
        ("waitlist", "book"),
        "id",
        "SELECT id FROM tickets WHERE contact_id = %(parent)s",
        _wish_on_contact,
    ),
    Pair(
        ("address", "delete"),
        ("waitlist", "create"),
        "address_id",
        "SELECT id FROM waitlist_entries WHERE address_id = %(parent)s",
        _wish_and(
            lambda b, c, a, e: {**WISH, "contact_id": c, "address_id": a, "services": _wanted(b)}
        ),
    ),
    Pair(
        ("address", "delete"),
        ("waitlist", "update"),
        "address_id",
        "SELECT id FROM waitlist_entries WHERE address_id = %(parent)s",
        _wish_and(lambda b, c, a, e: {"id": e, "address_id": a}),
    ),
    Pair(
        ("address", "delete"),
        ("waitlist", "book"),
        "id",
        "SELECT id FROM tickets WHERE address_id = %(parent)s",
        _wish_and(lambda b, c, a, e: {"id": e, "scheduled_start": START}),
    ),
    Pair(
        ("staff", "delete"),
        ("waitlist", "book"),
        "staff_ids",
        "SELECT ticket_id AS id FROM ticket_staff WHERE staff_id = %(parent)s",
        _wish_and_staff,
    ),
)

# Input fields holding ids (other than the action's own ``id``) that name no parent.
NOT_PARENTS = {
    ("ticket", "close", "draft_id"): "the ticket's own draft, read and deleted under its lock",
    (
        "invoice",
        "remove_payment",
        "payment_id",
    ): "the row it marks removed, under its invoice's lock",
}

# What no removal may leave behind, whatever the order (read as the superuser: all rows).
LEFT_BEHIND = {
    "contact": (
        "SELECT c.id FROM contacts c WHERE c.id = %(parent)s AND c.deleted_at IS NOT NULL AND ("
        " EXISTS (SELECT 1 FROM tickets t WHERE t.contact_id = c.id AND t.deleted_at IS NULL"
        "  AND t.status IN ('scheduled', 'in_progress'))"
        " OR EXISTS (SELECT 1 FROM invoices i WHERE i.contact_id = c.id"
        "  AND i.deleted_at IS NULL AND i.status IN ('draft', 'sent', 'partial'))"
        " OR EXISTS (SELECT 1 FROM scheduled_messages m WHERE m.contact_id = c.id"
        "  AND m.status = 'pending'))"
    ),
    "ticket": (
        "SELECT t.id FROM tickets t WHERE t.id = %(parent)s AND ("
        " (t.deleted_at IS NOT NULL OR t.status IN ('cancelled', 'no_show')) AND ("
        "  EXISTS (SELECT 1 FROM scheduled_messages m WHERE m.ticket_id = t.id"
        "   AND m.status = 'pending')"
        "  OR EXISTS (SELECT 1 FROM time_entries e WHERE e.ticket_id = t.id"
        "   AND e.ended_at IS NULL))"
        " OR t.deleted_at IS NOT NULL AND ("
        "  t.status = 'completed'"
        "  OR EXISTS (SELECT 1 FROM invoices i WHERE i.ticket_id = t.id"
        "   AND i.deleted_at IS NULL AND i.status <> 'void')"
        "  OR EXISTS (SELECT 1 FROM closeout_drafts d WHERE d.ticket_id = t.id)))"
    ),
    "invoice": (
        "SELECT i.id FROM invoices i WHERE i.id = %(parent)s AND i.status = 'void' AND ("
        " EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id AND p.removed_at IS NULL"
        "  HAVING sum(p.amount_cents) <> 0)"
        " OR EXISTS (SELECT 1 FROM scheduled_messages m WHERE m.invoice_id = i.id"
        "  AND m.status = 'pending'))"
    ),
}


def _holds_ids(annotation: Any) -> bool:
    """A UUID, an optional one or a list of them: a field that names other rows."""
    return annotation is UUID or any(_holds_ids(arg) for arg in get_args(annotation))


def test_every_parent_an_action_names_is_raced_against_its_removal() -> None:
    """A new action (or field) that points at a parent must join PAIRS: derived from the
    registry, so a new child type can't be forgotten."""
    named = {
        (domain, action, field)
        for (domain, action), spec in REGISTRY.actions.items()
        for field, info in spec.input.model_fields.items()
        if field != "id" and _holds_ids(info.annotation)
    }
    covered = {(*pair.write, pair.field) for pair in PAIRS}
    assert named - covered - set(NOT_PARENTS) == set()
    assert set(NOT_PARENTS) <= named
    for pair in PAIRS:
        assert pair.remove in REGISTRY.actions and pair.write in REGISTRY.actions
        assert pair.field in REGISTRY.actions[pair.write].input.model_fields
    # Every create action whose input names a contact, ticket or invoice is among them.
    for domain, action, field in named:
        if field in ("contact_id", "ticket_id", "invoice_id"):
            assert (domain, action, field) in covered, (domain, action, field)


# -- the race --------------------------------------------------------------------------------


def _outcome(exc: BaseException) -> str:
    return f"{exc.status} {exc.code}" if isinstance(exc, AppError) else repr(exc)


def _children(conn: Connection, pair: Pair, parent: UUID) -> set[UUID]:
    return {row["id"] for row in conn.execute(pair.children, {"parent": parent}).fetchall()}


def _race(b: Business, pair: Pair, case: Case) -> tuple[str, str, set[UUID]]:
    """Run the removal and the write at once; their outcomes, and the children the removal
    saw while it still held its lock (everything that may outlive the parent)."""
    start = threading.Barrier(2, timeout=10)
    outcomes: dict[str, str] = {}
    seen: set[UUID] = set()
    spec = REGISTRY.actions[pair.remove]
    removal = spec.input.model_validate(case.remove)
    write = b.call(*pair.write, case.write)

    def remove() -> None:
        try:
            with user_context(b.user):
                start.wait()
                time.sleep(random.random() * JITTER)
                with b.db.unit_of_work(b.user.user_id) as conn:
                    spec.handler(conn, removal)
                    seen.update(_children(conn, pair, case.parent))
        except BaseException as exc:  # noqa: BLE001 - every outcome is recorded and judged
            outcomes["remove"] = _outcome(exc)
        else:
            outcomes["remove"] = "done"

    def add() -> None:
        try:
            start.wait()
            time.sleep(random.random() * JITTER)
            write()
        except BaseException as exc:  # noqa: BLE001
            outcomes["write"] = _outcome(exc)
        else:
            outcomes["write"] = "done"

    threads = [threading.Thread(target=remove), threading.Thread(target=add)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a racer never finished"
    return outcomes["remove"], outcomes["write"], seen


def _clean(outcome: str, allowed: tuple[str, ...]) -> bool:
    return outcome == "done" or outcome.split(" ")[0] in allowed


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair.name)
def test_a_removal_and_a_dependent_write_at_once_leave_no_orphan(
    pair: Pair, business: Business, admin: psycopg.Connection[dict[str, Any]]
) -> None:
    tally: Counter[tuple[str, str]] = Counter()
    for _ in range(ROUNDS):
        case = pair.setup(business)
        removed, written, seen = _race(business, pair, case)
        tally[(removed, written)] += 1
        assert _clean(removed, ("409",)), removed
        assert _clean(written, ("404", "409")), written
        with user_context(business.user), business.db.read_only(business.user.user_id) as conn:
            children = _children(conn, pair, case.parent)
        if removed == "done":
            assert children <= seen, f"a child appeared after its parent went ({written})"
        left = LEFT_BEHIND.get(pair.remove[0])
        if left is not None:
            assert admin.execute(left, {"parent": case.parent}).fetchall() == [], (
                removed,
                written,
            )
    print(f"\n{pair.name}: {dict(tally)}")


# -- the waits, step by step ----------------------------------------------------------------


def _wait_for_a_lock_wait(database: TestDatabase) -> None:
    with database.superuser() as admin:
        for _ in range(200):
            waiting = admin.execute(
                "SELECT count(*) AS n FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if waiting and waiting["n"]:
                return
            time.sleep(0.05)
    raise AssertionError("the second transaction never waited for the first one's lock")


def _in_thread(run: Callable[[], Any]) -> tuple[threading.Thread, list[BaseException | str]]:
    result: list[BaseException | str] = []

    def target() -> None:
        try:
            run()
        except BaseException as exc:  # noqa: BLE001 - judged by the test
            result.append(exc)
        else:
            result.append("done")

    thread = threading.Thread(target=target)
    thread.start()
    return thread, result


def test_a_ticket_created_while_its_contact_is_being_deleted_waits_and_finds_no_contact(
    business: Business, database: TestDatabase
) -> None:
    contact = _contact(business)
    create = business.call("ticket", "create", {"contact_id": contact, "scheduled_start": START})
    delete = REGISTRY.actions[("contact", "delete")]
    with user_context(business.user), business.db.unit_of_work(business.user.user_id) as conn:
        delete.handler(conn, delete.input.model_validate({"id": contact}))
        thread, result = _in_thread(create)
        _wait_for_a_lock_wait(database)
        assert result == []  # still waiting on the delete's lock
    thread.join(timeout=10)

    assert len(result) == 1 and isinstance(result[0], NotFound), result
    with user_context(business.user), business.db.read_only(business.user.user_id) as conn:
        assert conn.execute("SELECT count(*) AS n FROM tickets").fetchone() == {"n": 0}


def test_a_contact_deleted_while_a_ticket_is_being_created_waits_and_then_refuses(
    business: Business, database: TestDatabase
) -> None:
    contact = _contact(business)
    delete = business.call("contact", "delete", {"id": contact})
    create = REGISTRY.actions[("ticket", "create")]
    with user_context(business.user), business.db.unit_of_work(business.user.user_id) as conn:
        create.handler(
            conn, create.input.model_validate({"contact_id": contact, "scheduled_start": START})
        )
        thread, result = _in_thread(delete)
        _wait_for_a_lock_wait(database)
        assert result == []  # still waiting on the new ticket's share lock
    thread.join(timeout=10)

    assert len(result) == 1 and isinstance(result[0], ContactHasDependencies), result
    assert result[0].details == {"open_tickets": 1, "unpaid_invoices": 0}
