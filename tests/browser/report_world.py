"""Two years of a small window-cleaning business, written straight into a served app's database
(as its superuser, the way an import would) so the Reports pages have something to draw.

40 customers in 6 cities, a visit about every 6 weeks each, mostly completed (some cancelled or
no-shows, some booked ahead), each with its service lines, a clock entry, an invoice sent two
days later and, mostly, paid a week after that. Deterministic (seeded).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

CITIES = (
    ("Huntsville", "35801"),
    ("Huntsville", "35806"),
    ("Madison", "35758"),
    ("Owens Cross Roads", "35763"),
    ("Decatur", "35601"),
    ("Athens", "35611"),
    ("Meridianville", "35759"),
)
FIRST = ("Ann", "Bob", "Carla", "Dev", "Edna", "Femi", "Gus", "Hana", "Ivan", "June")
LAST = ("Lee", "Ortiz", "Nguyen", "Whitfield", "Okafor", "Brandt", "Sato", "Keller")
SERVICES = (
    ("Window cleaning", "per_unit", 500, "window", 5),
    ("Gutter cleaning", "fixed", 15000, "", 90),
    ("Screen repair", "flexible", 4000, "", 30),
    ("Pressure washing", "fixed", 22500, "", 120),
)


def seed(superuser_url: str, email: str, today: date, *, rng_seed: int = 15) -> None:
    rng = random.Random(rng_seed)
    with psycopg.connect(superuser_url, autocommit=False) as conn:
        row = conn.execute("SELECT id, timezone FROM users WHERE email = %s", (email,)).fetchone()
        assert row is not None, f"no business {email}"
        user_id, tz = row[0], ZoneInfo(row[1])
        services = []
        for name, mode, price, unit, minutes in SERVICES:
            sid = uuid.uuid4()
            conn.execute(
                "INSERT INTO services (id, user_id, name, pricing_mode, unit_price_cents, "
                "unit_label, default_duration_minutes) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (sid, user_id, name, mode, price, unit, minutes),
            )
            services.append((sid, name, mode, price, unit))
        number = 1
        for n in range(40):
            number = _customer(conn, rng, user_id, tz, today, n, services, number)
        conn.execute(
            "INSERT INTO invoice_counters (user_id, next_number) VALUES (%s, %s) "
            "ON CONFLICT (user_id) DO UPDATE SET next_number = EXCLUDED.next_number",
            (user_id, number),
        )
        conn.commit()


def _customer(
    conn: psycopg.Connection[Any],
    rng: random.Random,
    user_id: uuid.UUID,
    tz: ZoneInfo,
    today: date,
    n: int,
    services: list[tuple[Any, ...]],
    number: int,
) -> int:
    cid, aid = uuid.uuid4(), uuid.uuid4()
    city, postal = CITIES[n % len(CITIES)]
    conn.execute(
        "INSERT INTO contacts (id, user_id, first_name, last_name, email) "
        "VALUES (%s, %s, %s, %s, %s)",
        (cid, user_id, FIRST[n % 10], LAST[n % 8], f"customer{n}@example.com"),
    )
    conn.execute(
        "INSERT INTO addresses (id, user_id, contact_id, line1, city, postal_code, is_primary) "
        "VALUES (%s, %s, %s, %s, %s, %s, true)",
        (aid, user_id, cid, f"{100 + n} Birch Lane", city, postal),
    )
    day = today - timedelta(days=730 - rng.randrange(0, 60))
    # A few customers stop coming after their first year (the report's "lost").
    last_day = today + timedelta(days=30) if n % 9 else today - timedelta(days=600)
    while day <= last_day:
        start = datetime.combine(day, time(rng.choice((8, 9, 9, 10, 11, 13, 14, 15))), tz)
        number = _visit(conn, rng, user_id, cid, aid, start, today, services, number)
        day += timedelta(days=rng.choice((35, 42, 42, 49, 56)))
    return number


def _visit(
    conn: psycopg.Connection[Any],
    rng: random.Random,
    user_id: uuid.UUID,
    cid: uuid.UUID,
    aid: uuid.UUID,
    start: datetime,
    today: date,
    services: list[tuple[Any, ...]],
    number: int,
) -> int:
    tid = uuid.uuid4()
    future = start.date() > today
    roll = rng.random()
    status = (
        "scheduled" if future else "cancelled" if roll < 0.06 else "no_show" if roll < 0.09 else ""
    )
    conn.execute(
        "INSERT INTO tickets (id, user_id, contact_id, address_id, scheduled_start, "
        "duration_minutes, status) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (tid, user_id, cid, aid, start, rng.choice((60, 90, 120)), status or "in_progress"),
    )
    if status:
        return number
    picked = [services[0], *rng.sample(services[1:], rng.randrange(0, 3))]
    total = 0
    for position, (sid, name, mode, price, unit) in enumerate(picked):
        quantity = rng.randrange(12, 40) if mode == "per_unit" else 1
        conn.execute(
            "INSERT INTO line_items (user_id, ticket_id, service_id, description, pricing_mode, "
            "quantity, unit_label, unit_price_cents, position) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (user_id, tid, sid, name, mode, quantity, unit, price, position),
        )
        total += quantity * price
    worked = timedelta(minutes=rng.randrange(50, 150))
    conn.execute(
        "INSERT INTO time_entries (user_id, ticket_id, started_at, ended_at) "
        "VALUES (%s, %s, %s, %s)",
        (user_id, tid, start, start + worked),
    )
    conn.execute(
        "UPDATE tickets SET status = 'completed', completed_at = %s WHERE id = %s",
        (start + worked, tid),
    )
    sent = start + timedelta(days=2)
    if sent.date() > today:
        return number
    paid = rng.random() < 0.85 or (today - sent.date()).days > 120
    paid_on = sent.date() + timedelta(days=rng.randrange(3, 20))
    paid = paid and paid_on <= today
    iid = uuid.uuid4()
    conn.execute(
        "INSERT INTO invoices (id, user_id, number, contact_id, ticket_id, status, "
        "subtotal_cents, total_cents, paid_cents, sent_at, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            iid, user_id, number, cid, tid, "paid" if paid else "sent", total, total,
            total if paid else 0, sent.astimezone(UTC), sent.astimezone(UTC),
        ),
    )  # fmt: skip
    if paid:
        conn.execute(
            "INSERT INTO payments (user_id, invoice_id, amount_cents, method, paid_on, tip_cents) "
            "VALUES (%s, %s, %s, 'card', %s, %s)",
            (user_id, iid, total, paid_on, rng.choice((0, 0, 0, 500, 1000))),
        )
    return number + 1
