"""Two years of history and money for bench/reports.py, on top of bench/datagen.py's data set.

datagen's tickets straddle today by a year each way and nobody has been billed. The reports need
the past: tickets more than 30 days ahead are moved back two years (and become completed,
cancelled or no-show, with a clock entry when completed), so the business has ~2 years behind
it and a month booked ahead. Then every business gets money the way the app would have left it:
an invoice for ~93 % of completed visits (sent a few days after the visit; a few drafts, a few
void, some paid on site without being sent), its lines copied from the ticket, and payments
(most within two weeks, some late, a few never; some in two parts, tips on card payments,
partial refunds, and payments removed as entered twice). Plus the untidiness the reports must
absorb: city spellings differing in case and spaces, addresses without a city or postal code,
tickets without an address, discount lines and lines not from the catalog.

Everything is written by the superuser with ``session_replication_role = replica`` (no triggers,
no foreign-key checks: the ``paid_cents`` and ``status`` each invoice would have are computed
here), then analyzed. Deterministic for a given data set (hashes of row ids, a seeded RNG).

Also here: the candidate indexes bench/reports.py tries (created and dropped in the bench
database only).
"""

from __future__ import annotations

import random
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import dict_row

SEED = 15
DUE_DAYS = 14
METHODS = ("card",) * 9 + ("check",) * 5 + ("cash",) * 4 + ("bank_transfer",) * 2


def _hashed(sql: str) -> str:
    """``HASH(salt)`` / ``HASH(salt, column)``: a stable number in [0, 1000) from the row's id
    (or ``column``) and ``salt``, so each roll of the dice is the same on every run."""
    return re.sub(
        r"HASH\((\w+)(?:, ([\w.]+))?\)",
        lambda m: f"(abs(hashtext({m.group(2) or 'id'}::text || '{m.group(1)}')) % 1000)",
        sql,
    )


_HISTORY = [
    # Tickets more than 30 days ahead: two years back, and finished.
    """
    UPDATE tickets SET
        scheduled_start = scheduled_start - interval '730 days',
        status = CASE WHEN HASH(s) < 880 THEN 'completed'
                      WHEN HASH(s) < 950 THEN 'cancelled' ELSE 'no_show' END,
        cancel_reason = CASE WHEN HASH(s) < 880 THEN ''
                             WHEN HASH(s) < 950 THEN 'Rain' ELSE 'Nobody home' END,
        confirmation_status = 'confirmed',
        created_at = scheduled_start - interval '730 days' - HASH(c) * interval '86 minutes',
        completed_at = CASE WHEN HASH(s) < 880 THEN scheduled_start - interval '730 days'
            + make_interval(mins => duration_minutes + HASH(m) % 30) END,
        updated_at = scheduled_start - interval '730 days'
            + make_interval(mins => duration_minutes + 30)
    WHERE scheduled_start > now() + interval '30 days'
    """,
    # Their clock entries (datagen gives one to every completed ticket).
    """
    INSERT INTO time_entries (id, user_id, ticket_id, started_at, ended_at, created_at)
    SELECT gen_random_uuid(), user_id, id,
           scheduled_start + make_interval(mins => HASH(e) % 15 - 5),
           completed_at, scheduled_start
    FROM tickets t
    WHERE status = 'completed' AND NOT EXISTS (
        SELECT 1 FROM time_entries e WHERE e.user_id = t.user_id AND e.ticket_id = t.id)
    """,
    # Untidy places: case, spaces, missing city / postal code; tickets without an address.
    "UPDATE addresses SET city = lower(city) WHERE HASH(a) < 30",
    "UPDATE addresses SET city = ' ' || upper(city) || ' ' WHERE HASH(a) BETWEEN 30 AND 39",
    "UPDATE addresses SET city = '' WHERE HASH(a) BETWEEN 40 AND 49",
    "UPDATE addresses SET postal_code = '' WHERE HASH(p) < 12",
    "UPDATE tickets SET address_id = NULL WHERE HASH(n) < 8",
    # Discounts on 6 % of tickets, a line not from the catalog on 3 %, a retail product on 2 %.
    """
    INSERT INTO line_items (id, user_id, ticket_id, service_id, description, pricing_mode,
        quantity, unit_label, unit_price_cents, position, kind, created_at, updated_at)
    SELECT gen_random_uuid(), user_id, id, NULL, 'Returning customer discount', 'fixed', 1, '',
           -(500 + (HASH(d) % 5) * 500), 9, 'discount', created_at, created_at
    FROM tickets WHERE HASH(d) < 60
    """,
    """
    INSERT INTO line_items (id, user_id, ticket_id, service_id, description, pricing_mode,
        quantity, unit_label, unit_price_cents, position, created_at, updated_at)
    SELECT gen_random_uuid(), user_id, id, NULL, 'Extra: ladder work on the back', 'flexible',
           1, '', 2000 + (HASH(x) % 7) * 1000, 8, created_at, created_at
    FROM tickets WHERE HASH(x) < 30
    """,
    """
    INSERT INTO line_items (id, user_id, ticket_id, service_id, description, pricing_mode,
        quantity, unit_label, unit_price_cents, position, created_at, updated_at)
    SELECT gen_random_uuid(), t.user_id, t.id, s.id, s.name, 'product',
           1 + HASH(r, t.id) % 2, '', s.unit_price_cents, 7, t.created_at, t.created_at
    FROM tickets t JOIN services s ON s.user_id = t.user_id AND s.pricing_mode = 'product'
    WHERE HASH(r, t.id) < 20
    """,
]
HISTORY_SQL = [_hashed(sql) for sql in _HISTORY]

TICKETS_SQL = """
SELECT t.id, t.user_id, t.contact_id, t.scheduled_start, t.completed_at,
       GREATEST(COALESCE(sum(l.total_cents), 0), 0)::bigint AS subtotal
FROM tickets t
LEFT JOIN line_items l ON l.user_id = t.user_id AND l.ticket_id = t.id AND l.deleted_at IS NULL
WHERE t.status = 'completed' AND t.deleted_at IS NULL
GROUP BY t.id
ORDER BY t.user_id, t.completed_at, t.id
"""

INVOICE_COLUMNS = [
    *("id", "user_id", "number", "contact_id", "ticket_id", "status", "subtotal_cents"),
    *("total_cents", "paid_cents", "due_on", "sent_at", "voided_at", "created_at", "updated_at"),
]
PAYMENT_COLUMNS = [
    *("id", "user_id", "invoice_id", "amount_cents", "method", "paid_on", "created_at", "kind"),
    *("refund_of", "tip_cents", "reason", "removed_at", "removed_reason"),
]

LINES_SQL = """
INSERT INTO invoice_lines (id, user_id, invoice_id, description, quantity, unit_label,
    unit_price_cents, total_cents, position, kind)
SELECT gen_random_uuid(), l.user_id, i.id, l.description, l.quantity, l.unit_label,
       l.unit_price_cents, l.total_cents, l.position, l.kind
FROM invoices i JOIN line_items l ON l.user_id = i.user_id AND l.ticket_id = i.ticket_id
WHERE l.deleted_at IS NULL
"""


@dataclass
class Money:
    invoices: int = 0
    payments: int = 0
    moved_tickets: int = 0
    seconds: float = 0.0
    facts_seconds: float = 0.0


class _Ledger:
    """Invoices and payments for completed tickets, as the app's actions would leave them."""

    def __init__(self, now: datetime, zone: ZoneInfo) -> None:
        self.rng = random.Random(SEED)
        self.now = now
        self.zone = zone
        self.today = now.astimezone(zone).date()
        self.invoices: list[tuple[Any, ...]] = []
        self.payments: list[tuple[Any, ...]] = []
        self.numbers: dict[uuid.UUID, int] = {}

    def _local(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def _at(self, day: date, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=self.zone).astimezone(UTC)

    def _pay(self, user: Any, invoice: uuid.UUID, amount: int, day: date, **extra: Any) -> Any:
        pid = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        method = extra.pop("method", None) or self.rng.choice(METHODS)
        tip = 0
        if extra.get("kind", "payment") == "payment" and method == "card":
            tip = self.rng.choice((500, 1000, 1500, 2000, 3000)) if self.rng.random() < 0.12 else 0
        row = {
            "kind": "payment",
            "refund_of": None,
            "reason": "",
            "removed_at": None,
            "removed_reason": "",
        }
        row.update(extra)
        created = self._at(day, self.rng.randrange(8, 20))
        self.payments.append(
            (pid, user, invoice, amount, method, day, created, row["kind"], row["refund_of"],
             tip, row["reason"], row["removed_at"], row["removed_reason"])
        )  # fmt: skip
        return pid, method

    def invoice(self, t: dict[str, Any]) -> None:
        rng, user = self.rng, t["user_id"]
        if rng.random() >= 0.93:
            return
        iid = uuid.UUID(int=rng.getrandbits(128), version=4)
        total = int(t["subtotal"])
        created = t["completed_at"] + timedelta(minutes=rng.randrange(5, 240))
        sending: datetime = t["completed_at"] + timedelta(hours=rng.randrange(2, 24 * 6))
        sent: datetime | None = sending
        roll = rng.random()
        status, paid, voided = "sent", 0, None
        if sending > self.now or roll < 0.01:  # not sent yet (or forgotten): a draft
            sent, status = None, "draft"
        elif roll < 0.025:
            voided, status = sending + timedelta(days=rng.randrange(1, 10)), "void"
        elif roll < 0.105 and total > 0:  # paid on site, never sent
            sent = None
            self._pay(user, iid, total, self._local(t["completed_at"]))
            status, paid = "paid", total
        elif total > 0:
            paid = self._collect(user, iid, total, self._local(sending))
            status = "paid" if paid == total else ("partial" if paid else "sent")
        elif total == 0:
            status = "paid"
        issued = self._local(sent or created)
        self.numbers[user] = number = self.numbers.get(user, 0) + 1
        updated = max(voided or sent or created, created)
        self.invoices.append(
            (iid, user, number, t["contact_id"], t["id"], status, total, total, paid,
             issued + timedelta(days=DUE_DAYS), sent, voided, created, updated)
        )  # fmt: skip

    def _collect(self, user: Any, iid: uuid.UUID, total: int, sent_day: date) -> int:
        """Payments on a sent invoice up to today; what they add up to (refunds subtracted)."""
        rng = self.rng
        late = rng.random()
        if late < 0.015:
            return 0  # never paid
        delay = (
            rng.randrange(0, 15)
            if late < 0.72
            else (rng.randrange(15, 46) if late < 0.93 else rng.randrange(46, 121))
        )
        day, paid = sent_day + timedelta(days=delay), 0
        parts = [total]
        if rng.random() < 0.05 and total >= 200:
            parts = [total // 2, total - total // 2]
        for part in parts:
            if day > self.today:
                break
            pid, method = self._pay(user, iid, part, day)
            paid += part
            if rng.random() < 0.01 and part >= 100:  # a partial refund a few days later
                back = part * rng.randrange(10, 51) // 100
                when = day + timedelta(days=rng.randrange(2, 20))
                if when <= self.today and back > 0:
                    self._pay(
                        user, iid, -back, when, kind="refund", refund_of=pid, method=method,
                        reason="Streaks on two panes; refunded part",
                    )  # fmt: skip
                    paid -= back
            day += timedelta(days=rng.randrange(20, 40))
        if paid and rng.random() < 0.005:  # entered twice, then removed
            self._pay(
                user, iid, parts[0], day, removed_at=self.now,
                removed_reason="Entered twice",
            )  # fmt: skip
        return paid


def _copy(
    conn: psycopg.Connection[Any], table: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def enrich(superuser_url: str, timezone: str) -> Money:
    """Move history back, add the money; returns counts and the time it took."""
    started = time.perf_counter()
    money = Money()
    with psycopg.connect(superuser_url, autocommit=True, row_factory=dict_row) as conn:
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            for i, sql in enumerate(HISTORY_SQL):
                cur = conn.execute(sql)
                if i == 0:
                    money.moved_tickets = cur.rowcount
            ledger = _Ledger(datetime.now(UTC), ZoneInfo(timezone))
            for ticket in conn.execute(TICKETS_SQL).fetchall():
                ledger.invoice(ticket)
            _copy(conn, "invoices", INVOICE_COLUMNS, ledger.invoices)
            _copy(conn, "payments", PAYMENT_COLUMNS, ledger.payments)
            conn.execute(LINES_SQL)
            for user, last in ledger.numbers.items():
                conn.execute(
                    "INSERT INTO invoice_counters (user_id, next_number) VALUES (%s, %s) "
                    "ON CONFLICT (user_id) DO UPDATE SET next_number = EXCLUDED.next_number",
                    (user, last + 1),
                )
        conn.execute("VACUUM (ANALYZE) tickets, time_entries, addresses, line_items")
        conn.execute("VACUUM (ANALYZE) invoices, invoice_lines, payments, invoice_counters")
        # The load ran without triggers: the report facts (migration 0018) are rebuilt here.
        facts_started = time.perf_counter()
        conn.execute("SELECT report_facts_rebuild(id) FROM users")
        conn.execute(
            "VACUUM (ANALYZE) ticket_facts, ticket_line_facts, invoice_facts, contact_visit_facts"
        )
        money.facts_seconds = time.perf_counter() - facts_started
        conn.execute("CHECKPOINT")
    money.invoices, money.payments = len(ledger.invoices), len(ledger.payments)
    money.seconds = time.perf_counter() - started
    return money


def summary(superuser_url: str, user_id: uuid.UUID) -> dict[str, Any]:
    """What the big business now holds, for the bench notes and a sanity check."""
    with psycopg.connect(superuser_url, autocommit=True, row_factory=dict_row) as conn:
        row = conn.execute(
            """
            SELECT (SELECT min(scheduled_start)::date FROM tickets WHERE user_id = %(u)s) first,
                   (SELECT max(scheduled_start)::date FROM tickets WHERE user_id = %(u)s) last,
                   (SELECT count(*) FROM tickets WHERE user_id = %(u)s
                     AND status = 'completed') completed,
                   (SELECT count(*) FROM invoices WHERE user_id = %(u)s) invoices,
                   (SELECT count(*) FROM invoices WHERE user_id = %(u)s
                     AND status IN ('sent', 'partial')) owing,
                   (SELECT count(*) FROM payments WHERE user_id = %(u)s) payments,
                   (SELECT count(*) FROM line_items WHERE user_id = %(u)s) line_items,
                   (SELECT count(*) FROM time_entries WHERE user_id = %(u)s) time_entries
            """,
            {"u": user_id},
        ).fetchone()
    assert row is not None
    return dict(row)


# -- candidate indexes (bench database only; what a migration might add) ----------------------


@dataclass(frozen=True)
class Candidate:
    """An index to try: its DDL (created in the bench database only) and what it may help."""

    name: str
    ddl: str
    reports: tuple[str, ...]


CANDIDATES = (
    Candidate(
        "payments_paid_on",
        "CREATE INDEX bench_payments_paid_on ON payments (user_id, paid_on) "
        "INCLUDE (amount_cents, tip_cents) WHERE removed_at IS NULL",
        ("revenue",),
    ),
    Candidate(
        "invoices_sent",
        "CREATE INDEX bench_invoices_sent ON invoices (user_id, (COALESCE(sent_at, created_at))) "
        "INCLUDE (total_cents, status) WHERE deleted_at IS NULL",
        ("revenue", "receivables"),
    ),
    Candidate(
        "tickets_status_start",
        "CREATE INDEX bench_tickets_status_start ON tickets (user_id, status, scheduled_start) "
        "WHERE deleted_at IS NULL",
        ("services", "areas", "work", "customers"),
    ),
    Candidate(
        "line_items_ticket_cover",
        "CREATE INDEX bench_line_items_ticket_cover ON line_items (user_id, ticket_id) "
        "INCLUDE (kind, service_id, pricing_mode, total_cents) WHERE deleted_at IS NULL",
        ("services", "areas", "customers"),
    ),
    Candidate(
        "time_entries_started",
        "CREATE INDEX bench_time_entries_started ON time_entries (user_id, started_at) "
        "INCLUDE (ended_at, ticket_id)",
        ("work",),
    ),
    Candidate(
        "tickets_contact_completed",
        "CREATE INDEX bench_tickets_contact_completed ON tickets "
        "(user_id, contact_id, scheduled_start) WHERE status = 'completed' AND deleted_at IS NULL",
        ("customers",),
    ),
)
