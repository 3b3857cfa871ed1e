"""A realistic, deterministic data set for latency benchmarks, loaded fast with COPY.

One "big" business (10,000 contacts, 15,000 addresses, 50,000 tickets over +-1 year with their
line items, staff, time entries and audit rows, 100,000 notes, 30,000 attributes) and 19 small
ones, all in America/Chicago (north Alabama addresses). Everything is written by the PostgreSQL
superuser, which bypasses RLS, so every row names its ``user_id`` itself.

The load session runs with ``session_replication_role = replica``: user triggers (the per-row
search refresh, ticket guards, updated_at) and foreign-key checks are skipped for this session
only, so the running app is unaffected. The search columns are then filled by one set-based
UPDATE equivalent to ``refresh_contact_search()``, and the database is vacuumed and analyzed.

Rows are the same for the same seed; times are relative to ``now`` (tickets straddle today).

Run by hand against a running ``crm serve``:  python -m bench.datagen --data-dir .crm-data
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

TIMEZONE = "America/Chicago"
BIG_EMAIL = "big@example.com"
SEED = 20260501


@dataclass(frozen=True)
class Sizes:
    contacts: int
    second_addresses: int
    tickets: int
    notes: int
    attributes_per_contact: int
    staff: int


BIG = Sizes(
    contacts=10_000,
    second_addresses=5_000,
    tickets=50_000,
    notes=100_000,
    attributes_per_contact=3,
    staff=5,
)
SMALL = Sizes(
    contacts=200, second_addresses=20, tickets=300, notes=400, attributes_per_contact=1, staff=2
)
SMALL_BUSINESSES = 19


@dataclass
class Dataset:
    """What was loaded: the big business to benchmark, row counts, and how long it took."""

    big_user_id: uuid.UUID
    big_email: str
    timezone: str
    user_ids: list[uuid.UUID]
    counts: dict[str, int] = field(default_factory=dict)
    load_seconds: float = 0.0
    search_seconds: float = 0.0
    vacuum_seconds: float = 0.0

    @property
    def total_seconds(self) -> float:
        return self.load_seconds + self.search_seconds + self.vacuum_seconds


# -- vocabulary ----------------------------------------------------------------------------


def _split(text: str, sep: str = "|") -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(sep) if part.strip())


FIRST_NAMES = _split(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily "
    "Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah "
    "Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Dorothy "
    "Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Brenda Stephen Emma Larry "
    "Anna Justin Pamela Scott Nicole Brandon Samantha Benjamin Katherine Samuel Christine "
    "Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia "
    "Dennis Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam Victoria Nathan "
    "Joyce Henry Lauren Zachary Kelly Douglas Christina Peter Ruth Kyle Joan Noah Virginia "
    "Ethan Judith Jeremy Evelyn Walter Hannah Christian Andrea Keith Megan Roger Cheryl Terry "
    "Jacqueline Austin Madison Sean Teresa Gerald Abigail Carl Sophia Harold Martha Dylan "
    "Sara Arthur Gloria Lawrence Janice Jordan Kathryn Jesse Ann Bryan Isabella Billy Judy "
    "Bruce Charlotte Gabriel Julia Joe Grace Logan Amber Alan Alice Juan Jean Albert Denise "
    "Willie Frances Elijah Danielle Wayne Marilyn Randy Natalie Vincent Beverly Mason Diana "
    "Roy Brittany Ralph Theresa Bobby Kayla Russell Alexis Bradley Doris Philip Lori Eugene",
    " ",
)
LAST_NAMES = _split(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales "
    "Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar "
    "Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington "
    "Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson "
    "Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes "
    "Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
    "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant "
    "Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley "
    "Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado "
    "Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Willis Carpenter "
    "Lawrence Sandoval Whitfield McAllister Pruitt Blackwell Thornton Holloway Kilgore",
    " ",
)
COMPANY_WORDS = _split(
    "Rocket City | Tennessee Valley | Monte Sano | Big Spring | Redstone | Hampton Cove | "
    "Flint River | Jones Valley | Green Mountain | Cummings | Bridge Street | Lowe Mill"
)
COMPANY_KINDS = _split(
    "Property Management | Dental | Realty | Family Practice | Veterinary Clinic | Church | "
    "Apartments | Coffee Co. | Insurance | Law Office | Fitness | Bakery"
)
EMAIL_DOMAINS = _split(
    "gmail.com gmail.com gmail.com yahoo.com hotmail.com outlook.com icloud.com att.net "
    "comcast.net knology.net bellsouth.net",
    " ",
)
# city: weight: zip codes
CITIES = tuple(
    (city, int(weight), _split(zips, " "))
    for city, weight, zips in (
        line.split(":")
        for line in _split(
            "Huntsville:40:35801 35802 35803 35805 35806 35810 35811 35816 | "
            "Madison:18:35756 35757 35758 | Owens Cross Roads:12:35763 | Hampton Cove:6:35763 | "
            "Decatur:6:35601 35603 | Athens:5:35611 35613 | Meridianville:4:35759 | "
            "Gurley:3:35748 | Brownsboro:3:35741 | New Market:3:35761"
        )
    )
)
STREETS = _split(
    "Whitesburg | Bailey Cove | Governors | Memorial | Jordan | Hughes | Wall Triana | "
    "Old Madison Pike | Balch | Slaughter | Zierdt | Hobbs | Cecil Ashburn | Taylor | "
    "Old Big Cove | Dug Hill | Sutton | Hampton Cove | Cherry Tree | Magnolia | Oak Park | "
    "Willow Bend | Dogwood | Chapel Hill | Pine Ridge | Creekside | Meadow Lark | Cedar Point | "
    "Mountain Gap | Four Mile Post | Bankhead | Holmes | Monroe | Lily Flagg | Drake | Airport | "
    "Weatherly | Green Cove | Byrd Spring | Clinton | Franklin | Adams"
)
STREET_KINDS = _split("Rd Dr St Ln Ave Blvd Ct Way Pkwy Cir Trl", " ")
ADDRESS_LABELS = _split("Home | Home | Home | Rental | Office | Lake house | Mom's house")
ACCESS_NOTES = ("", "", "", "", *_split(
    "Gate code 4821 | Side gate, latch sticks | Beware of dog in back yard | "
    "Park in driveway, not on the grass | Key under the blue pot | Call on arrival | "
    "Ring the back doorbell | Alarm code on file; ask before entering"
))  # fmt: skip
SOURCES = ("", *_split("referral google facebook nextdoor repeat angi", " "), "yard sign")
TIMES_OF_DAY = ("", "", "morning", "afternoon", "evening", "early morning")
CONTACT_METHODS = ("any", "any", "email", "phone", "sms", "none")
DOG_NAMES = _split("Biscuit Max Bella Daisy Cooper Rocky Sadie Duke Bear", " ")
CAT_NAMES = _split("Luna Oliver Milo Cleo Simba Pepper Mittens", " ")
AGE_GROUPS = _split("elderly | elderly | adult | adult | young family | retired couple")
PROPERTY_TYPES = _split("single family | townhouse | duplex | office | storefront | church")
PARKING = _split("driveway | street | back alley | visitor lot")
NOTE_OPENERS = _split(
    "Called to confirm the appointment. | Customer asked about | Left a voicemail about | "
    "Texted a reminder about | Spoke with the homeowner about | Neighbor asked about | "
    "Emailed an estimate for | Customer happy with | Customer unhappy with | "
    "Follow up next spring about"
)
NOTE_TOPICS = _split(
    "gutter cleaning | screen repair | hard water stains on the sunroom glass | "
    "pressure washing the driveway | skylights | the second story windows | "
    "solar panel cleaning | a quarterly plan | pollen season | the storm windows | "
    "track cleaning | chandelier cleaning | post-construction cleanup | the fence"
)
NOTE_DETAILS = ("", "", *_split(
    "Prefers we use the side gate. | The dog is friendly but barks. | "
    "Ladder needed for the back of the house. | Pay by check on completion. | "
    "Asked for the same crew as last time. | "
    "Elderly mother lives there; be patient at the door. | "
    "Windows on the east side have hard water spots. | "
    "Wants a call 30 minutes before arrival. | Gate code changed, see access notes. | "
    "Pollen is bad this time of year. | Mentioned a referral from a neighbor. | "
    "Do not park on the grass."
))  # fmt: skip
TICKET_NOTES = _split(
    "Cleaned {n} windows inside and out. | Screens washed and reinstalled. | "
    "Found a cracked pane in the {room}; told the customer. | "
    "Customer was not home; left a door tag. | "
    "Hard water spots on the {room} windows need a second pass. | "
    "Took {n} minutes longer than planned. | "
    "Ladder work on the back; bring the 28 ft ladder next time. | Paid on site by check."
)
ROOMS = _split("kitchen | sunroom | living room | master bedroom | garage | bonus room")
STAFF_NAMES = _split(
    "Marcus Reed | Tanya Fields | Luis Ortega | Hannah Brooks | DeShawn Carter | Kelsey Moore | "
    "Tom Whitaker"
)
# name: pricing_mode: price cents: unit label: default minutes
SERVICES = tuple(
    (name, mode, int(price), unit, int(minutes))
    for name, mode, price, unit, minutes in (
        line.split(":")
        for line in _split(
            "Exterior window cleaning:per_unit:600:window:120 | "
            "Interior window cleaning:per_unit:500:window:120 | "
            "Screen cleaning:per_unit:300:screen:30 | Gutter cleaning:fixed:14900::90 | "
            "Pressure washing:flexible:19900::120 | Solar panel cleaning:per_unit:900:panel:60 | "
            "Trip charge:fixed:2500::0 | Window squeegee (retail):product:1899::0"
        )
    )
)
ATTRIBUTE_KEYS = _split(
    "pets.dog_name pets.cat_name access.gate_code access.parking age_group "
    "property.window_count property.stories property.type billing.tax_exempt "
    "preferences.no_ladder_inside",
    " ",
)


# -- generation ----------------------------------------------------------------------------


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _pick_city(rng: random.Random) -> tuple[str, str]:
    city, _, zips = rng.choices(CITIES, weights=[c[1] for c in CITIES])[0]
    return city, rng.choice(zips)


class _Tables:
    """Rows per table, in COPY column order."""

    COLUMNS: dict[str, tuple[str, ...]] = {
        table: _split(columns, " ")
        for table, columns in {
            "users": "id email display_name business_name timezone created_at",
            "staff": "id user_id name email phone created_at updated_at",
            "services": "id user_id name description pricing_mode unit_price_cents unit_label "
            "default_duration_minutes created_at updated_at",
            "contacts": "id user_id first_name last_name company email phone "
            "preferred_contact_method preferred_time_of_day source referred_by_id created_at "
            "updated_at",
            "addresses": "id user_id contact_id label line1 line2 city region postal_code "
            "access_notes is_primary created_at updated_at",
            "tickets": "id user_id contact_id address_id title scheduled_start duration_minutes "
            "status confirmation_status cancel_reason completed_at created_at updated_at",
            "ticket_staff": "user_id ticket_id staff_id created_at",
            "time_entries": "id user_id ticket_id started_at ended_at created_at",
            "line_items": "id user_id ticket_id service_id description pricing_mode quantity "
            "unit_label unit_price_cents position created_at updated_at",
            "notes": "id user_id contact_id ticket_id body created_at updated_at deleted_at",
            "attributes": "id user_id contact_id key value source confidence evidence "
            "created_at updated_at",
            "audit_log": "id user_id entity_type entity_id action changes actor created_at",
        }.items()
    }

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.COLUMNS}

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)


class _Business:
    """Generates one business's rows into ``tables``."""

    def __init__(
        self,
        rng: random.Random,
        tables: _Tables,
        *,
        user_id: uuid.UUID,
        sizes: Sizes,
        now: datetime,
    ) -> None:
        self.rng = rng
        self.t = tables
        self.user_id = user_id
        self.sizes = sizes
        self.now = now
        self.zone = ZoneInfo(TIMEZONE)
        self.today = now.astimezone(self.zone).date()
        self.actor = f"user:{user_id}"
        self.staff_ids: list[uuid.UUID] = []
        self.services: list[tuple[uuid.UUID, str, str, int, str, int]] = []
        self.contacts: list[uuid.UUID] = []
        self.primary_address: dict[uuid.UUID, uuid.UUID] = {}
        self.window_count: dict[uuid.UUID, int] = {}
        self.tickets: list[tuple[uuid.UUID, uuid.UUID, datetime]] = []

    # helpers
    def _past(self, max_days: int, min_days: float = 0.0) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(min_days, max_days))

    def _audit(self, entity_type: str, entity_id: uuid.UUID, action: str, at: datetime) -> None:
        changes = json.dumps({} if action == "create" else {"status": {"new": action}})
        self.t.add(
            "audit_log",
            (
                _uuid(self.rng),
                self.user_id,
                entity_type,
                entity_id,
                action,
                changes,
                self.actor,
                at,
            ),
        )

    def generate(self) -> None:
        self._staff_and_services()
        self._contacts()
        self._attributes()
        self._tickets()
        self._notes()

    def _staff_and_services(self) -> None:
        created = self.now - timedelta(days=1500)
        for name in self.rng.sample(STAFF_NAMES, self.sizes.staff):
            staff_id = _uuid(self.rng)
            self.staff_ids.append(staff_id)
            email = name.lower().replace(" ", ".") + "@crew.example.com"
            phone = f"+1256555{self.rng.randrange(10_000):04d}"
            self.t.add("staff", (staff_id, self.user_id, name, email, phone, created, created))
        for name, mode, price, unit, minutes in SERVICES:
            service_id = _uuid(self.rng)
            self.services.append((service_id, name, mode, price, unit, minutes))
            self.t.add(
                "services",
                (service_id, self.user_id, name, "", mode, price, unit, minutes, created, created),
            )

    def _contacts(self) -> None:
        rng = self.rng
        for i in range(self.sizes.contacts):
            contact_id = _uuid(rng)
            first, last, company = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), ""
            roll = rng.random()
            if roll < 0.04:  # a business only
                first = last = ""
                company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
            elif roll < 0.12:  # a person at a business
                company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
            email = ""
            if rng.random() < 0.85:
                if company and not first:
                    local = "office"
                    domain = company.lower().replace(" ", "").replace(".", "") + ".com"
                else:
                    style = rng.randrange(4)
                    local = (
                        f"{first[0]}{last}",
                        f"{first}.{last}",
                        f"{first}{last[0]}{rng.randrange(10, 99)}",
                        f"{last}{first[0]}{rng.randrange(1, 9)}",
                    )[style].lower()
                    domain = rng.choice(EMAIL_DOMAINS)
                email = f"{local}@{domain}"
            phone = f"+1256555{rng.randrange(10_000):04d}" if rng.random() < 0.95 else ""
            created = self._past(4 * 365, 1)
            referred = rng.choice(self.contacts) if self.contacts and rng.random() < 0.05 else None
            self.t.add(
                "contacts",
                (
                    contact_id, self.user_id, first, last, company, email, phone,
                    rng.choice(CONTACT_METHODS), rng.choice(TIMES_OF_DAY), rng.choice(SOURCES),
                    referred, created, created,
                ),
            )  # fmt: skip
            self.contacts.append(contact_id)
            self._address(contact_id, created, primary=True)
            self._audit("contact", contact_id, "create", created)
            if i < self.sizes.second_addresses:
                self._address(contact_id, created + timedelta(days=30), primary=False)

    def _address(self, contact_id: uuid.UUID, created: datetime, *, primary: bool) -> None:
        rng = self.rng
        address_id = _uuid(rng)
        city, postal = _pick_city(rng)
        line1 = f"{rng.randrange(100, 9999)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"
        line2 = rng.choice(("", "", "", "", "Apt 2", "Unit B", "Suite 100"))
        label = "Home" if primary and rng.random() < 0.8 else rng.choice(ADDRESS_LABELS)
        self.t.add(
            "addresses",
            (
                address_id, self.user_id, contact_id, label, line1, line2, city, "AL", postal,
                rng.choice(ACCESS_NOTES), primary, created, created,
            ),
        )  # fmt: skip
        if primary:
            self.primary_address[contact_id] = address_id

    def _attributes(self) -> None:
        rng = self.rng
        for contact_id in self.contacts:
            for key in rng.sample(ATTRIBUTE_KEYS, self.sizes.attributes_per_contact):
                value: Any
                if key == "pets.dog_name":
                    value = rng.choice(DOG_NAMES)
                elif key == "pets.cat_name":
                    value = rng.choice(CAT_NAMES)
                elif key == "access.gate_code":
                    value = f"{rng.randrange(10_000):04d}"
                elif key == "access.parking":
                    value = rng.choice(PARKING)
                elif key == "age_group":
                    value = rng.choice(AGE_GROUPS)
                elif key == "property.window_count":
                    value = rng.randrange(8, 60)
                    self.window_count[contact_id] = value
                elif key == "property.stories":
                    value = rng.choice((1, 1, 2, 2, 3))
                elif key == "property.type":
                    value = rng.choice(PROPERTY_TYPES)
                else:
                    value = rng.random() < 0.3
                source, confidence, evidence = "manual", Decimal("1.00"), ""
                if rng.random() < 0.2:
                    source, confidence = "llm:local", Decimal(f"0.{rng.randrange(60, 99)}")
                    evidence = "mentioned in a note"
                at = self._past(3 * 365)
                self.t.add(
                    "attributes",
                    (
                        _uuid(rng), self.user_id, contact_id, key, json.dumps(value), source,
                        confidence, evidence, at, at,
                    ),
                )  # fmt: skip

    def _slot(self, day: date) -> datetime:
        hour = self.rng.randrange(7, 17)
        minute = self.rng.choice((0, 15, 30, 45))
        return datetime.combine(day, dtime(hour, minute), tzinfo=self.zone).astimezone(UTC)

    def _tickets(self) -> None:
        rng = self.rng
        count = self.sizes.tickets
        # A handful on today's local date, one of them in progress right now.
        todays = min(8, count)
        for i in range(count):
            contact_id = rng.choice(self.contacts)
            if i < todays:
                start = self._slot(self.today)
                if i == 0:
                    start = (self.now - timedelta(minutes=25)).replace(second=0, microsecond=0)
            else:
                start = self._slot(self.today + timedelta(days=rng.randint(-365, 365)))
            self._ticket(contact_id, start, in_progress=(i == 0))

    def _ticket(self, contact_id: uuid.UUID, start: datetime, *, in_progress: bool) -> None:
        rng = self.rng
        duration = rng.choice((30, 45, 60, 60, 90, 120, 180))
        end = start + timedelta(minutes=duration)
        cancel_reason, completed_at = "", None
        if in_progress:
            status, duration = "in_progress", 90
        elif end <= self.now:
            roll = rng.random()
            status = "completed" if roll < 0.88 else ("cancelled" if roll < 0.95 else "no_show")
        else:
            status = "cancelled" if rng.random() < 0.04 else "scheduled"
        if status == "completed":
            completed_at = end + timedelta(minutes=rng.randrange(0, 30))
        elif status == "cancelled":
            cancel_reason = rng.choice(("Rain", "Customer rescheduled", "Out of town", "Sick"))
        elif status == "no_show":
            cancel_reason = "Nobody home"
        created = min(start - timedelta(days=rng.uniform(1, 60)), self.now - timedelta(hours=1))
        if status == "scheduled":
            confirmation = rng.choice(("unconfirmed", "confirmed", "confirmed"))
        else:
            confirmation = "confirmed" if rng.random() < 0.9 else "unconfirmed"
        ticket_id = _uuid(rng)
        services = rng.sample(self.services[:6], rng.randint(1, 3))
        title = services[0][1]
        updated = completed_at or created
        self.t.add(
            "tickets",
            (
                ticket_id, self.user_id, contact_id, self.primary_address[contact_id], title,
                start, duration, status, confirmation, cancel_reason, completed_at, created,
                updated,
            ),
        )  # fmt: skip
        self.tickets.append((ticket_id, contact_id, start))
        self._audit("ticket", ticket_id, "create", created)
        for position, (service_id, name, mode, price, unit, _) in enumerate(services):
            quantity: Decimal | int = 1
            if mode == "per_unit":
                quantity = self.window_count.get(contact_id) or rng.randrange(8, 40)
            elif mode == "flexible":
                price = rng.randrange(9_900, 39_900, 500)
            self.t.add(
                "line_items",
                (
                    _uuid(rng), self.user_id, ticket_id, service_id, name, mode, quantity, unit,
                    price, position, created, created,
                ),
            )  # fmt: skip
        for staff_id in rng.sample(self.staff_ids, rng.choice((1, 1, 2))):
            self.t.add("ticket_staff", (self.user_id, ticket_id, staff_id, created))
        if status in ("completed", "in_progress"):
            started = start + timedelta(minutes=rng.randrange(-5, 10))
            started = min(started, self.now - timedelta(minutes=1))
            ended = completed_at if status == "completed" else None
            if ended is not None and ended < started:
                ended = started + timedelta(minutes=duration)
            self.t.add(
                "time_entries", (_uuid(rng), self.user_id, ticket_id, started, ended, started)
            )
            self._audit("ticket", ticket_id, "in_progress", started)
            if ended is not None:
                self._audit("ticket", ticket_id, "completed", ended)

    def _notes(self) -> None:
        rng = self.rng
        for _ in range(self.sizes.notes):
            ticket_id = None
            if rng.random() < 0.2:
                ticket_id, contact_id, start = rng.choice(self.tickets)
                body = rng.choice(TICKET_NOTES).format(
                    n=rng.randrange(8, 45), room=rng.choice(ROOMS)
                )
                at = min(start + timedelta(hours=2), self.now - timedelta(minutes=5))
            else:
                contact_id = rng.choice(self.contacts)
                body = " ".join(
                    part
                    for part in (
                        rng.choice(NOTE_OPENERS),
                        rng.choice(NOTE_TOPICS) + ".",
                        rng.choice(NOTE_DETAILS),
                    )
                    if part
                )
                at = self._past(3 * 365)
            deleted = at + timedelta(days=1) if rng.random() < 0.01 else None
            self.t.add(
                "notes", (_uuid(rng), self.user_id, contact_id, ticket_id, body, at, at, deleted)
            )


# -- loading -------------------------------------------------------------------------------

# refresh_contact_search() for every contact of the given businesses, in one statement.
SEARCH_SQL = """
UPDATE contacts c
SET search_names = search_fold(concat_ws(' ', c.first_name, c.last_name, c.company)),
    search_text = search_fold(left(d.doc, 100000)),
    search_vector = to_tsvector(
        'simple', search_street_suffixes(search_fold(left(d.doc, 100000)))
    )
FROM (
    SELECT c2.id,
           concat_ws(' ', c2.first_name, c2.last_name, c2.company, c2.email,
                     replace(c2.email, '@', ' '), c2.phone, c2.phone_digits,
                     c2.preferred_time_of_day, a.doc, t.doc, n.doc) AS doc
    FROM contacts c2
    LEFT JOIN (
        SELECT contact_id,
               string_agg(concat_ws(' ', label, line1, line2, city, region, postal_code,
                                    access_notes), ' ') AS doc
        FROM addresses WHERE user_id = ANY(%(users)s) GROUP BY contact_id
    ) a ON a.contact_id = c2.id
    LEFT JOIN (
        SELECT contact_id,
               string_agg(concat_ws(' ', replace(key, '_', ' '),
                                    CASE jsonb_typeof(value) WHEN 'string' THEN value #>> '{}'
                                         ELSE value::text END), ' ') AS doc
        FROM attributes WHERE user_id = ANY(%(users)s) GROUP BY contact_id
    ) t ON t.contact_id = c2.id
    LEFT JOIN (
        SELECT contact_id, string_agg(body, ' ') AS doc
        FROM notes WHERE user_id = ANY(%(users)s) AND deleted_at IS NULL GROUP BY contact_id
    ) n ON n.contact_id = c2.id
    WHERE c2.user_id = ANY(%(users)s)
) d
WHERE c.id = d.id
"""


def _copy(conn: psycopg.Connection[Any], table: str, rows: Iterable[Sequence[Any]]) -> None:
    columns = ", ".join(_Tables.COLUMNS[table])
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def build(*, seed: int = SEED, now: datetime | None = None) -> tuple[_Tables, Dataset]:
    """Every row, in memory (about 550,000 rows; a few seconds)."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    tables = _Tables()
    user_ids: list[uuid.UUID] = []
    for i in range(1 + SMALL_BUSINESSES):
        user_id = _uuid(rng)
        user_ids.append(user_id)
        big = i == 0
        email = BIG_EMAIL if big else f"owner{i:02d}@example.com"
        business = (
            "Big Valley Window Cleaning" if big else f"{rng.choice(COMPANY_WORDS)} Windows {i}"
        )
        tables.add(
            "users",
            (user_id, email, "Big Owner" if big else f"Owner {i}", business, TIMEZONE,
             now - timedelta(days=1500)),
        )  # fmt: skip
        _Business(rng, tables, user_id=user_id, sizes=BIG if big else SMALL, now=now).generate()
    dataset = Dataset(
        big_user_id=user_ids[0], big_email=BIG_EMAIL, timezone=TIMEZONE, user_ids=user_ids
    )
    dataset.counts = {name: len(rows) for name, rows in tables.rows.items()}
    return tables, dataset


def load(superuser_url: str, *, seed: int = SEED, now: datetime | None = None) -> Dataset:
    """Generate and load everything into the (empty) database at ``superuser_url``."""
    started = time.perf_counter()
    tables, dataset = build(seed=seed, now=now)
    with psycopg.connect(superuser_url, autocommit=True) as conn:
        with conn.transaction():
            # This session only: no user triggers (search refresh per row), no FK checks.
            conn.execute("SET LOCAL session_replication_role = replica")
            for name in _Tables.COLUMNS:
                _copy(conn, name, tables.rows[name])
        dataset.load_seconds = time.perf_counter() - started
        del tables

        started = time.perf_counter()
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(SEARCH_SQL, {"users": dataset.user_ids})
            conn.execute(
                "INSERT INTO search_terms (user_id, word) SELECT DISTINCT c.user_id, t.word "
                "FROM contacts c, "
                "regexp_split_to_table(c.search_text, '[^[:alpha:]]+') AS t (word) "
                "WHERE length(t.word) >= 3 ON CONFLICT DO NOTHING"
            )
        dataset.search_seconds = time.perf_counter() - started

        started = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        # Write the loaded pages out now, not in a checkpoint in the middle of a measurement.
        conn.execute("CHECKPOINT")
        dataset.vacuum_seconds = time.perf_counter() - started
    return dataset


def superuser_url_from(data_dir: Path) -> str:
    stack = json.loads((data_dir / "stack.json").read_text())
    return str(stack["postgres"]["urls"]["superuser"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.datagen", description="Load the benchmark data set."
    )
    parser.add_argument("--data-dir", type=Path, default=Path(".crm-data"))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    dataset = load(superuser_url_from(args.data_dir), seed=args.seed)
    print(
        f"loaded {sum(dataset.counts.values()):,} rows in {dataset.total_seconds:.1f} s "
        f"(copy {dataset.load_seconds:.1f} s, search {dataset.search_seconds:.1f} s, "
        f"vacuum + checkpoint {dataset.vacuum_seconds:.1f} s); big business {dataset.big_email} "
        f"= {dataset.big_user_id}"
    )
    print(json.dumps(dataset.counts, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
