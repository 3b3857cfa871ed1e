"""Mixed load: its settings, and the setup before a run (server, businesses, sign-ins)."""

from __future__ import annotations

import os
import random
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import psycopg
from psycopg.rows import dict_row

from bench import datagen
from bench.api_latency import Server, sign_in

DEFAULT_SECONDS = 60.0
DEFAULT_USERS = 20
ENV_SECONDS = "BENCH_MIXED_SECONDS"
ENV_USERS = "BENCH_MIXED_USERS"
MAX_SECONDS = 900.0
# Every technician signs in through POST /auth/login from 127.0.0.1, which the server limits
# to 30 per IP per 15 minutes by default.
MAX_USERS = 25
SEED = 20260502
THINK_S = (0.2, 1.0)
CLOSEOUT_EVERY = 3  # loops; staggered per technician
REQUEST_TIMEOUT_S = 10.0
SIGN_IN_WORKERS = 5

# One business per technician: a one-person window-cleaning business, tickets over +-1 year
# (8 of them today). Small enough that loading 20 of them takes ~10 s.
SIZES = datagen.Sizes(
    contacts=500,
    second_addresses=50,
    tickets=800,
    notes=800,
    attributes_per_contact=2,
    staff=2,
)


# -- settings ----------------------------------------------------------------------------


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, not {raw!r}") from exc


def settings(seconds: float | None = None, users: int | None = None) -> tuple[float, int]:
    """Duration and technician count: arguments, else the environment, else the defaults."""
    secs = seconds if seconds is not None else _env_number(ENV_SECONDS, DEFAULT_SECONDS)
    count = users if users is not None else int(_env_number(ENV_USERS, DEFAULT_USERS))
    if not 1 <= secs <= MAX_SECONDS:
        raise ValueError(f"duration must be 1..{MAX_SECONDS:g} s, not {secs:g}")
    if not 1 <= count <= MAX_USERS:
        raise ValueError(f"technicians must be 1..{MAX_USERS}, not {count}")
    return secs, count


# -- data ----------------------------------------------------------------------------------


@dataclass
class Tech:
    """One technician = one business account, its own session and its own RNG."""

    index: int
    email: str
    user_id: UUID
    rng: random.Random
    closable: deque[str] = field(default_factory=deque)  # today's tickets not yet done
    ticket_ids: list[str] = field(default_factory=list)  # this week's, if the page has none
    contact_ids: list[str] = field(default_factory=list)
    search_terms: list[str] = field(default_factory=list)
    service: tuple[str, int] = ("", 0)  # a per-unit service: id, unit price
    cookies: httpx.Cookies | None = None
    csrf: str = ""
    closeouts: int = 0


def _load(superuser_url: str, count: int, now: datetime) -> tuple[list[Tech], int, float]:
    """One business per technician, generated and COPYed like bench/datagen.load does."""
    started = time.perf_counter()
    rng = random.Random(SEED)
    tables = datagen._Tables()
    techs: list[Tech] = []
    for i in range(count):
        user_id = datagen._uuid(rng)
        email = f"tech{i:02d}@example.com"
        tables.add(
            "users",
            (user_id, email, f"Technician {i}", f"{rng.choice(datagen.COMPANY_WORDS)} Windows "
             f"{i}", datagen.TIMEZONE, now - timedelta(days=1500)),
        )  # fmt: skip
        datagen._Business(rng, tables, user_id=user_id, sizes=SIZES, now=now).generate()
        techs.append(Tech(i, email, user_id, random.Random(SEED + i)))
    rows = sum(len(r) for r in tables.rows.values())
    users = [t.user_id for t in techs]
    with psycopg.connect(superuser_url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            for name in datagen._Tables.COLUMNS:
                datagen._copy(conn, name, tables.rows[name])
        del tables
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(datagen.SEARCH_SQL, {"users": users})
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")
    return techs, rows, time.perf_counter() - started


def _pick(superuser_url: str, techs: list[Tech], now: datetime) -> None:
    """Per technician: today's open tickets, ids to browse, search terms, a service."""
    zone = ZoneInfo(datagen.TIMEZONE)
    today = now.astimezone(zone).date()
    day_start = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    monday = day_start - timedelta(days=today.weekday())
    with psycopg.connect(superuser_url, autocommit=True, row_factory=dict_row) as raw:
        for tech in techs:
            user = tech.user_id
            tech.closable.extend(
                str(r["id"])
                for r in raw.execute(
                    "SELECT id FROM tickets WHERE user_id = %s AND deleted_at IS NULL "
                    "AND status IN ('scheduled', 'in_progress') "
                    "AND scheduled_start >= %s AND scheduled_start < %s "
                    "ORDER BY status = 'in_progress' DESC, scheduled_start, id",
                    (user, day_start, day_start + timedelta(days=1)),
                ).fetchall()
            )
            tech.ticket_ids = [
                str(r["id"])
                for r in raw.execute(
                    "SELECT id FROM tickets WHERE user_id = %s AND deleted_at IS NULL "
                    "AND scheduled_start >= %s AND scheduled_start < %s ORDER BY id",
                    (user, monday, monday + timedelta(days=7)),
                ).fetchall()
            ]
            contacts = raw.execute(
                "SELECT c.id, c.first_name, c.last_name, c.company, c.phone, a.line1 "
                "FROM contacts c LEFT JOIN addresses a ON a.contact_id = c.id AND a.is_primary "
                "WHERE c.user_id = %s ORDER BY c.id",
                (user,),
            ).fetchall()
            tech.contact_ids = [str(c["id"]) for c in contacts]
            terms: list[str] = []
            for c in tech.rng.sample(contacts, min(40, len(contacts))):
                kind = tech.rng.randrange(5)
                if kind == 0 and c["last_name"]:
                    terms.append(c["last_name"])
                elif kind == 1 and c["first_name"] and c["last_name"]:
                    terms.append(f"{c['first_name']} {c['last_name'][:3]}")
                elif kind == 2 and c["phone"]:
                    terms.append(c["phone"][-4:])
                elif kind == 3 and c["line1"]:
                    terms.append(c["line1"].split(" ", 1)[1].split(" ")[0])  # the street name
                else:
                    terms.append((c["last_name"] or c["company"] or "window")[:4])
            tech.search_terms = terms
            service = raw.execute(
                "SELECT id, unit_price_cents FROM services WHERE user_id = %s "
                "AND pricing_mode = 'per_unit' ORDER BY name LIMIT 1",
                (user,),
            ).fetchone()
            assert service is not None, "datagen makes a per-unit service per business"
            tech.service = (str(service["id"]), int(service["unit_price_cents"]))


def _sign_in_all(base_url: str, techs: list[Tech]) -> None:
    """The real email-link flow per technician, a few at a time."""

    def one(tech: Tech) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            sign_in(client, tech.email)
            tech.csrf = client.get("/auth/session").raise_for_status().json()["data"]["csrf_token"]
            tech.cookies = httpx.Cookies(client.cookies)

    with ThreadPoolExecutor(max_workers=SIGN_IN_WORKERS) as pool:
        for done in [pool.submit(one, tech) for tech in techs]:
            done.result()


def prepare(server: Server, count: int) -> tuple[list[Tech], int, dict[str, float]]:
    """Start the server, load the businesses, sign everyone in; the rows and the seconds taken."""
    setup: dict[str, float] = {}
    started = time.perf_counter()
    server.start()
    server.wait_healthy()
    setup["server start"] = time.perf_counter() - started
    superuser_url = server.stack()["postgres"]["urls"]["superuser"]
    now = datetime.now(UTC)
    techs, rows, setup["data load"] = _load(superuser_url, count, now)
    started = time.perf_counter()
    _pick(superuser_url, techs, now)
    _sign_in_all(server.base_url, techs)
    setup[f"{count} sign-ins"] = time.perf_counter() - started
    return techs, rows, setup
