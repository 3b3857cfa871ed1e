"""Shared pieces of the fuzz tests: a seeded business to aim at, row counts, and the budget.

The budget (examples per action and generation mode, or per page form) is `CRM_FUZZ_EXAMPLES`:
small in `make test` (the suite must stay fast), large in `make fuzz` (≥ 20,000 requests).
"""

from __future__ import annotations

import os
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings

from tests.api.helpers import act, closeout_job, done, make, preview_input

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "12"))

# EXAMPLES generated cases, reproducible, no shrinking (a failure is recorded, not raised).
FUZZ = settings(
    max_examples=EXAMPLES,
    database=None,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# Every table a business's actions can write to (counted as the superuser, past RLS).
TABLES = (
    "contacts",
    "addresses",
    "staff",
    "services",
    "tickets",
    "ticket_staff",
    "line_items",
    "time_entries",
    "notes",
    "attributes",
    "invoice_counters",
    "invoices",
    "invoice_lines",
    "payments",
    "scheduled_messages",
    "closeout_drafts",
    "api_tokens",
    "authorizations",
    "audit_log",
    "ticket_facts",
    "ticket_line_facts",
    "invoice_facts",
)


def row_counts(admin: psycopg.Connection[Any]) -> dict[str, int]:
    """How many rows each table holds, in one round trip."""
    # The table names are the constants above, never input.
    query = " UNION ALL ".join(
        f"SELECT '{t}' AS t, count(*) AS n FROM {t}"  # noqa: S608
        for t in TABLES
    )
    return {row["t"]: row["n"] for row in admin.execute(query).fetchall()}


@dataclass
class World:
    """Real ids of one of everything, so fuzzed input reaches past "not found"."""

    ids: dict[str, list[str]] = field(default_factory=dict)

    def pick(self, kind: str, rng: random.Random) -> str:
        choices = self.ids.get(kind) or [str(uuid.uuid4())]
        return rng.choice(choices)


# Which kind of record an id field names; `id` depends on the action's domain.
ID_FIELDS = {
    "contact_id": "contact",
    "address_id": "address",
    "ticket_id": "ticket",
    "invoice_id": "invoice",
    "service_id": "service",
    "line_item_id": "line_item",
    "draft_id": "draft",
}


def seed_world(client: TestClient) -> World:
    """One business with a contact, address, staff, services, tickets (one in progress),
    lines, a note, an attribute, an invoice with a payment and a scheduled message."""
    job = closeout_job(client, start="2026-11-26T15:00:00Z")
    contact, ticket = job["contact"], job["ticket"]
    address = make(client, "address", contact_id=contact["id"], line1="12 Oak St", label="Rental")
    staff = make(client, "staff", name="Sam Crew")
    note = make(client, "note", contact_id=contact["id"], body="Gate code 4411")
    attribute = make(
        client, "attribute", contact_id=contact["id"], key="pets.dog_name", value="Rex"
    )
    other = make(client, "ticket", contact_id=contact["id"], scheduled_start="2026-12-03T15:00:00Z")
    done(act(client, "ticket", "clock_in", id=ticket["id"]))
    invoice = done(
        act(
            client,
            "invoice",
            "create_standalone",
            contact_id=contact["id"],
            lines=[{"description": "Gutters", "quantity": "1", "unit_price_cents": 9000}],
        )
    )
    message = done(
        act(
            client,
            "message",
            "schedule",
            kind="custom",
            contact_id=contact["id"],
            subject="Hello",
            body="See you soon",
            scheduled_for="2027-01-05T15:00:00Z",
        )
    )
    lonely = make(client, "contact", first_name="Nobody", last_name="Yet")
    completed = _completed_ticket(client)
    services = [job["screens"]["service_id"], job["wash"]["service_id"]]
    return World(
        ids={
            "contact": [contact["id"], lonely["id"]],
            "completed": [completed],
            "address": [address["id"]],
            "staff": [staff["id"]],
            "service": services,
            "ticket": [ticket["id"], other["id"]],
            "line_item": [job["screens"]["id"], job["wash"]["id"]],
            "note": [note["id"]],
            "attribute": [attribute["id"]],
            "invoice": [invoice["id"]],
            "message": [message["id"]],
        }
    )


def aim(domain: str, data: Any, world: World, rng: random.Random) -> Any:
    """Point most id fields of generated input at real records (the rest stay random)."""
    if not isinstance(data, dict):
        return data
    aimed = dict(data)
    for name, value in data.items():
        if rng.random() < 0.25 or not isinstance(value, str):
            continue
        if name == "id":
            aimed[name] = world.pick(domain, rng)
        elif name in ID_FIELDS:
            aimed[name] = world.pick(ID_FIELDS[name], rng)
    if isinstance(data.get("staff_ids"), list) and rng.random() < 0.75:
        aimed["staff_ids"] = [world.pick("staff", rng)]
    return aimed


def _completed_ticket(client: TestClient) -> str:
    """A ticket closed out through the API (so pages offer its invoice)."""
    job = closeout_job(client, start="2026-11-25T15:00:00Z")
    tid = job["ticket"]["id"]
    done(act(client, "ticket", "clock_in", id=tid))
    preview = done(
        act(client, "ticket", "close_out_preview", **preview_input(job, next_step={"kind": "none"}))
    )
    decisions = [{"key": p["key"], "decision": "accept"} for p in preview["proposed_attributes"]]
    done(
        act(
            client,
            "ticket",
            "close",
            ticket_id=tid,
            draft_id=preview["draft_id"],
            decisions=decisions,
        )
    )
    return str(tid)
