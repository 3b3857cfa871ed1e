"""The world the report tests read: two businesses built once for the whole package.

Business A (America/Chicago) has invoices, payments, tickets and clock time across 2024-2026,
with figures on the month edges and on both 2026 clock changes (March 8 and November 1).
Business B (America/New_York) has different data: seventeen one-visit customers in seventeen
towns and one invoice. Everything goes through the API; the owner connection only back-dates
what the API stamps with "now" (an invoice's sent_at or created_at, clock entries), and each
place it does so says so.

The expected figures are written out by hand in the tests, from the table below.

A's tickets (local Chicago time; lines; status):
  T14 Eve   2024-12-10 09:00  Windows x4 = 3,400                              completed
  T12 Gus   2025-01-20 09:00  Windows x5 = 4,250                              completed
  T7  Eve   2025-02-10 09:00  Windows x12 = 10,200                            completed
  T1  Alice 2025-03-10 10:00  House wash 20,000                               completed
  T2  Alice 2026-03-08 09:00  Windows x20 17,000 + Gutters 15,000 - 2,000     completed (90 min)
  T8  Ben   2026-03-20 10:00  House wash 20,000                               cancelled (240 min)
  T9  Cara  2026-03-25 10:00  Windows x10                                     no-show (45 min)
  T4  Cara  2026-04-01 10:00  Screen repair (custom) 4,000 + Windows x10 8,500 completed (60 min)
  T6  Fay   2026-04-15 11:00  House wash 20,000                               completed (90 min)
  T5  Dan   2026-06-14 19:30  Gutters 18,001 (a Sunday evening: Monday in UTC) completed (60)
  T3  Ben   2026-11-01 09:00  House wash 20,000 + Squeegee kit x2 5,000       completed (120 min)
  T11 Alice 2026-12-20 10:00  House wash 20,000        in progress, clock running (30 min)
  T13 Gus   2027-02-01 10:00  Windows x5                                      scheduled

A's clock entries (ended): T2 100 min on 03-08; T3 90 min from 01:15 CDT to 01:45 CST on 11-01
(the fall-back hour: 30 minutes on the wall, 90 real) and 120 min from 09:00 CST; T4 66 min
on 04-01; T6 60 min from 23:50 CDT on 04-14 (04:50 UTC on the 15th). T5 has none. T11's clock
has been running since 2026-10-05 10:00 CDT. The 2024/2025 tickets have none.

A's addresses: Alice Springfield 62701; Ben "SPRINGFIELD" 62702; Cara Springfield with no
postal code; Fay Shelbyville 62565; Dan none; Eve Ogden 84401; Gus Ogden 84401.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi.testclient import TestClient

from crm.auth.config import AuthSettings
from crm.clients.vault_client import VaultClient
from crm.config import AppSettings, LlmSettings, Settings, SmtpSettings
from crm.embedded.stack import SMTP_FROM, EmbeddedStack
from crm.main import connect, create_app
from crm.utils.timezone import business_today
from tests.api.helpers import act, done, make, read
from tests.conftest import BASE_URL, TestDatabase, cloned_database
from tests.factories import make_user
from tests.worlds import signed_in_client

REPORTS = (
    "report_revenue",
    "report_services",
    "report_areas",
    "report_work",
    "report_receivables",
    "report_customers",
)
YEAR_2026 = {"from": "2026-01-01", "to": "2026-12-31"}
SPRING_2026 = {"from": "2026-03-01", "to": "2026-04-30"}


def plain(value: Any) -> Any:
    """The figures without the display copies of money (`*_formatted`) the API adds."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if not k.endswith("_formatted")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def report(client: TestClient, type_: str, **params: str) -> dict[str, Any]:
    result: dict[str, Any] = plain(done(read(client, type_, **params)))
    return result


CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")


def at(day: str, clock: str, zone: ZoneInfo = CHICAGO) -> datetime:
    """A local wall-clock time (never one of the ambiguous fall-back hours)."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=zone)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- the package's own database and app (the root fixtures are per test) ----------------------


@pytest.fixture(scope="package")
def report_database(stack: EmbeddedStack) -> Iterator[TestDatabase]:
    with cloned_database(stack) as database:
        yield database


@pytest.fixture(scope="package")
def report_app(stack: EmbeddedStack, report_database: TestDatabase) -> Iterator[Any]:
    """The app on the package's database, its lifespan running for the whole package."""
    assert stack.info is not None and stack.smtp is not None
    settings = Settings(
        database_url=report_database.app_url,
        database_owner_url=report_database.owner_url,
        valkey_url=stack.info.valkey_url,
        smtp=SmtpSettings(host=stack.smtp.host, port=stack.smtp.port, from_address=SMTP_FROM),
        llm=LlmSettings(),
        app=AppSettings(base_url=BASE_URL, secret_key="test-secret-key"),
        auth=AuthSettings(allowed_hosts=("localhost",)),
        embedded_outbox=str(stack.info.outbox_dir),
    )
    vault = VaultClient(stack.info.credentials)
    vault.login()
    resources = connect(settings, vault)
    try:
        app = create_app(resources)
        with TestClient(app, base_url=BASE_URL):
            yield app
    finally:
        resources.close()


# -- building through the API ----------------------------------------------------------------


@dataclass
class Business:
    """One business's client and the ids of what was made for it."""

    client: TestClient
    owner: psycopg.Connection[dict[str, Any]]
    user_id: Any
    zone: ZoneInfo
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def act(self, domain: str, action: str, **data: Any) -> Any:
        return done(act(self.client, domain, action, **data))

    def as_owner(self, statement: str, params: tuple[Any, ...]) -> None:
        """Back-date what the API stamps with "now" (RLS is forced even for the owner role)."""
        with self.owner.transaction():
            self.owner.execute(
                "SELECT set_config('app.current_user_id', %s, true)", (str(self.user_id),)
            )
            self.owner.execute(statement, params)

    def contact(
        self, key: str, first: str, last: str, *, city: str = "", postal: str = ""
    ) -> dict[str, Any]:
        contact = make(
            self.client,
            "contact",
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@example.com",
        )
        if city or postal:
            address = make(
                self.client,
                "address",
                contact_id=contact["id"],
                line1="1 Main St",
                city=city,
                postal_code=postal,
            )
            contact["address_id"] = address["id"]
        contact["display_name"] = f"{first} {last}"
        self.contacts[key] = contact
        return contact

    def ticket(
        self,
        key: str,
        contact: str,
        start: datetime,
        lines: list[tuple[str | None, dict[str, Any]]],
        *,
        duration: int = 60,
        discount_cents: int = 0,
    ) -> dict[str, Any]:
        """A ticket with its lines: (service key or None for a custom line, line fields)."""
        who = self.contacts[contact]
        ticket = make(
            self.client,
            "ticket",
            contact_id=who["id"],
            address_id=who.get("address_id"),
            scheduled_start=start,
            duration_minutes=duration,
        )
        added = []
        for service, data in lines:
            service_id = self.services[service]["id"] if service else None
            added.append(
                self.act("line_item", "add", ticket_id=ticket["id"], service_id=service_id, **data)
            )
        if discount_cents:
            self.act(
                "line_item",
                "add_discount",
                ticket_id=ticket["id"],
                description="Neighbour referral",
                amount_cents=discount_cents,
            )
        ticket["lines"] = added
        self.tickets[key] = ticket
        return ticket

    def complete(self, key: str, clock: list[tuple[datetime, datetime]]) -> None:
        """Clock in and out through the API, put the clock entries on the chosen instants
        (owner connection: the API stamps them with now), then close out through the API."""
        ticket = self.tickets[key]
        self.act("ticket", "clock_in", id=ticket["id"])
        self.act("ticket", "clock_out", id=ticket["id"])
        self.as_owner("DELETE FROM time_entries WHERE ticket_id = %s", (ticket["id"],))
        for started, ended in clock:
            self.as_owner(
                "INSERT INTO time_entries (user_id, ticket_id, started_at, ended_at) "
                "VALUES (current_setting('app.current_user_id')::uuid, %s, %s, %s)",
                (ticket["id"], started, ended),
            )
        draft = self.act(
            "ticket",
            "close_out_preview",
            ticket_id=ticket["id"],
            duration_minutes=60,
            line_items=[
                {
                    "line_item_id": line["id"],
                    "quantity": line["quantity"],
                    "unit_price_cents": line["unit_price_cents"],
                }
                for line in ticket["lines"]
            ],
            confirm_estimated_prices=True,
            notes="",
            next_step={"kind": "none"},
        )
        closed = self.act(
            "ticket", "close", ticket_id=ticket["id"], draft_id=draft["draft_id"], decisions=[]
        )
        assert closed["ticket"]["status"] == "completed"

    def bill(self, key: str, ticket: str, due_on: str) -> dict[str, Any]:
        invoice: dict[str, Any] = self.act(
            "invoice",
            "create_from_ticket",
            ticket_id=self.tickets[ticket]["id"],
            tax_rate_bp=0,
            due_on=due_on,
        )
        self.invoices[key] = invoice
        return invoice

    def bill_standalone(
        self, key: str, contact: str, cents: int, due_on: str, created: datetime | None = None
    ) -> dict[str, Any]:
        invoice: dict[str, Any] = self.act(
            "invoice",
            "create_standalone",
            contact_id=self.contacts[contact]["id"],
            lines=[{"description": "Extra work", "quantity": "1", "unit_price_cents": cents}],
            tax_rate_bp=0,
            due_on=due_on,
        )
        if created is not None:
            # Back-dated: the API stamps created_at with now.
            self.as_owner(
                "UPDATE invoices SET created_at = %s WHERE id = %s", (created, invoice["id"])
            )
        self.invoices[key] = invoice
        return invoice

    def send(self, key: str, sent_at: datetime) -> None:
        """invoice.send through the API, then its sent_at back-dated (the API stamps now)."""
        invoice = self.invoices[key]
        sent = self.act("invoice", "send", id=invoice["id"])
        assert sent["invoice"]["status"] == "sent"
        self.as_owner("UPDATE invoices SET sent_at = %s WHERE id = %s", (sent_at, invoice["id"]))

    def pay(self, key: str, cents: int, paid_on: str | date, **data: Any) -> dict[str, Any]:
        result = self.act(
            "invoice",
            "record_payment",
            invoice_id=self.invoices[key]["id"],
            amount_cents=cents,
            paid_on=str(paid_on),
            method="card",
            **data,
        )
        payment: dict[str, Any] = result["payment"]
        return payment


@dataclass
class World:
    app: Any
    a: Business
    b: Business
    today: date  # A's business day when the world was built (Chicago)


def build_a(b: Business, today: date) -> None:
    b.act("business", "update", timezone="America/Chicago")
    for key, name, mode, price, label in (
        ("house", "House wash", "fixed", 20000, ""),
        ("windows", "Windows", "per_unit", 850, "window"),
        ("gutters", "Gutters", "flexible", 0, ""),
        ("kit", "Squeegee kit", "product", 2500, ""),
    ):
        b.services[key] = make(
            b.client,
            "service",
            name=name,
            pricing_mode=mode,
            unit_price_cents=price,
            unit_label=label,
        )
    b.contact("alice", "Alice", "Able", city="Springfield", postal="62701")
    b.contact("ben", "Ben", "Baker", city="SPRINGFIELD", postal="62702")
    b.contact("cara", "Cara", "Cole", city="Springfield")
    b.contact("dan", "Dan", "Doe")
    b.contact("eve", "Eve", "Egan", city="Ogden", postal="84401")
    b.contact("fay", "Fay", "Fox", city="Shelbyville", postal="62565")
    b.contact("gus", "Gus", "Gray", city="Ogden", postal="84401")

    b.ticket("T14", "eve", at("2024-12-10", "09:00"), [("windows", {"quantity": "4"})])
    b.complete("T14", [])
    b.ticket("T12", "gus", at("2025-01-20", "09:00"), [("windows", {"quantity": "5"})])
    b.complete("T12", [])
    b.ticket("T7", "eve", at("2025-02-10", "09:00"), [("windows", {"quantity": "12"})])
    b.complete("T7", [])
    b.ticket("T1", "alice", at("2025-03-10", "10:00"), [("house", {})])
    b.complete("T1", [])
    b.ticket(
        "T2",
        "alice",
        at("2026-03-08", "09:00"),  # the spring-forward Sunday: 14:00 UTC
        [("windows", {"quantity": "20"}), ("gutters", {"unit_price_cents": 15000})],
        duration=90,
        discount_cents=2000,
    )
    b.complete("T2", [(utc("2026-03-08T14:00"), utc("2026-03-08T15:40"))])  # 100 min
    b.ticket("T8", "ben", at("2026-03-20", "10:00"), [("house", {})], duration=240)
    b.act("ticket", "cancel", id=b.tickets["T8"]["id"], reason="Moved away")
    b.ticket(
        "T9", "cara", at("2026-03-25", "10:00"), [("windows", {"quantity": "10"})], duration=45
    )
    b.act("ticket", "mark_no_show", id=b.tickets["T9"]["id"], reason="Not home")
    b.ticket(
        "T4",
        "cara",
        at("2026-04-01", "10:00"),
        [
            (None, {"description": "Screen repair", "unit_price_cents": 4000}),
            ("windows", {"quantity": "10"}),
        ],
    )
    b.complete("T4", [(utc("2026-04-01T15:00"), utc("2026-04-01T16:06"))])  # 66 min
    b.ticket("T6", "fay", at("2026-04-15", "11:00"), [("house", {})], duration=90)
    # Clock started 23:50 CDT on the 14th (04:50 UTC on the 15th): counts on the 14th.
    b.complete("T6", [(utc("2026-04-15T04:50"), utc("2026-04-15T05:50"))])
    # Sunday 19:30 CDT is Monday 00:30 UTC.
    b.ticket("T5", "dan", at("2026-06-14", "19:30"), [("gutters", {"unit_price_cents": 18001})])
    b.complete("T5", [])
    b.ticket(
        "T3",
        "ben",
        at("2026-11-01", "09:00"),  # the fall-back Sunday: 15:00 UTC
        [("house", {}), ("kit", {"quantity": "2"})],
        duration=120,
    )
    b.complete(
        "T3",
        [
            # 01:15 CDT to 01:45 CST: 30 minutes on the wall, 90 real ones.
            (utc("2026-11-01T06:15"), utc("2026-11-01T07:45")),
            (utc("2026-11-01T15:00"), utc("2026-11-01T17:00")),  # 09:00-11:00 CST, 120 min
        ],
    )
    b.ticket("T13", "gus", at("2027-02-01", "10:00"), [("windows", {"quantity": "5"})])
    b.ticket("T11", "alice", at("2026-12-20", "10:00"), [("house", {})], duration=30)
    # The last clock-in of A: left running, its start back-dated (the API stamps now).
    b.act("ticket", "clock_in", id=b.tickets["T11"]["id"])
    b.as_owner(
        "UPDATE time_entries SET started_at = %s WHERE ticket_id = %s",
        (at("2026-10-05", "10:00"), b.tickets["T11"]["id"]),
    )

    # Invoices. I1: last year's March, paid with a tip.
    b.bill("I1", "T1", "2025-03-24")
    b.send("I1", at("2025-03-10", "10:00"))
    b.pay("I1", 20000, "2025-03-15", tip_cents=1000)
    # I7: sent 23:30 CDT on 2025-04-30 (04:30 UTC May 1) - April; paid in May.
    b.bill("I7", "T7", "2025-05-14")
    b.send("I7", at("2025-04-30", "23:30"))
    b.pay("I7", 10200, "2025-05-02")
    # I2: sent 23:30 CDT on 2026-03-31 (04:30 UTC April 1) - March. 100 on 03-31, 200 + 15 tip
    # on 04-01, 50 refunded on 04-10: 50 still owed.
    b.bill("I2", "T2", "2026-04-14")
    b.send("I2", at("2026-03-31", "23:30"))
    b.pay("I2", 10000, "2026-03-31")
    april = b.pay("I2", 20000, "2026-04-01", tip_cents=1500)
    b.act(
        "invoice",
        "refund",
        payment_id=april["id"],
        amount_cents=5000,
        reason="One pane missed",
        refunded_on="2026-04-10",
    )
    # I3: sent 04-02, paid 04-05, and that payment removed (recorded by mistake).
    b.bill("I3", "T4", "2026-04-16")
    b.send("I3", at("2026-04-02", "10:00"))
    wrong = b.pay("I3", 12500, "2026-04-05")
    b.act("invoice", "remove_payment", payment_id=wrong["id"], reason="Wrong invoice")
    # I4: never sent, paid on the spot: counts on the day it was created (back-dated).
    b.bill_standalone("I4", "alice", 7000, "2026-04-20", created=at("2026-04-20", "12:00"))
    b.pay("I4", 7000, "2026-04-20")
    # I5: sent in March, then voided. I6: a March draft. Neither counts.
    b.bill_standalone("I5", "ben", 9900, "2026-03-29")
    b.send("I5", at("2026-03-15", "10:00"))
    b.act("invoice", "void", id=b.invoices["I5"]["id"], reason="Billed twice")
    b.bill_standalone("I6", "cara", 4400, "2026-03-26", created=at("2026-03-12", "12:00"))

    # Receivables on the bucket edges, sent at local noon N days before today.
    for key, contact, cents, age in (
        ("R30", "fay", 1000, 30),
        ("R31", "ben", 2000, 31),
        ("R90", "dan", 3000, 90),
        ("R91", "gus", 4000, 91),
    ):
        day = today - timedelta(days=age)
        b.bill_standalone(key, contact, cents, (day + timedelta(days=14)).isoformat())
        b.send(key, datetime.combine(day, time(12), tzinfo=CHICAGO))
    b.pay("R31", 500, today - timedelta(days=20))


def build_b(b: Business) -> None:
    """Seventeen customers in seventeen towns, one February 2026 visit each (custom lines of
    $10 to $170), and one invoice sent in March 2026 with $30 paid."""
    b.act("business", "update", timezone="America/New_York")
    for n in range(1, 18):
        key = f"b{n:02d}"
        b.contact(key, "Zed", f"Town{n:02d}", city=f"Town{n:02d}", postal=f"100{n:02d}")
        b.ticket(
            key,
            key,
            at(f"2026-02-{n:02d}", "14:00", NEW_YORK),
            [(None, {"description": "Panes", "unit_price_cents": n * 1000})],
        )
        b.complete(key, [])
    b.bill("BI", "b17", "2026-03-29")
    b.send("BI", at("2026-03-15", "10:00", NEW_YORK))
    b.pay("BI", 3000, "2026-03-20")


@pytest.fixture(scope="package")
def world(report_app: Any, report_database: TestDatabase) -> Iterator[World]:
    with report_database.owner() as owner:
        a_user = make_user(owner, business_name="Sparkle Windows", timezone="UTC")
        b_user = make_user(owner, business_name="Other Panes", timezone="UTC")
        a = Business(signed_in_client(report_app, a_user["id"]), owner, a_user["id"], CHICAGO)
        b = Business(signed_in_client(report_app, b_user["id"]), owner, b_user["id"], NEW_YORK)
        today = business_today("America/Chicago")
        build_a(a, today)
        build_b(b)
        yield World(app=report_app, a=a, b=b, today=today)


@pytest.fixture(scope="package")
def stranger(report_app: Any) -> TestClient:
    """A client with no session."""
    return TestClient(report_app, base_url=BASE_URL)
