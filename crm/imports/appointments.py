"""Matching and writing Square appointments: one batch is a handful of set-based statements.

A row's client is an existing contact found by email, then phone, then exact name
(case-insensitive), else a new contact; its service and staff are found by name
(case-insensitive), else created. A row whose ticket already exists (``tickets.external_id``:
``square:<appointment_id>``, or ``square-key:<hash>`` of client, start and service for a row
without an id) is ``unchanged``. Tickets are inserted directly: no confirmation, reminder or
any other message is planned for imported history.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from crm.clients.postgres_client import Connection
from crm.imports.apply import Source
from crm.imports.square_appointments import Appointment, Row
from crm.imports.square_customers import RowError
from crm.utils.request_id import current_request_id
from crm.utils.user_context import get_current_user


@dataclass(frozen=True)
class Plan:
    line: int
    outcome: str  # new, unchanged, invalid
    appointment: Appointment | None = None
    ticket_id: UUID | None = None
    contact_id: UUID | None = None
    new_contact: bool = False
    service_id: UUID | None = None
    new_service: bool = False
    staff_id: UUID | None = None
    new_staff: bool = False
    reason: str = ""

    @property
    def summary(self) -> str:
        if self.outcome == "invalid":
            return f"invalid: {self.reason}"
        if self.outcome != "new":
            return self.outcome
        made = ["new client"] * self.new_contact + ["new service"] * self.new_service
        made += ["new staff"] * self.new_staff
        return "new" + (f" ({', '.join(made)})" if made else "")


@dataclass
class Index:
    tickets: set[str] = field(default_factory=set)
    contacts: dict[str, dict[str, UUID]] = field(
        default_factory=lambda: {"email": {}, "phone": {}, "name": {}}
    )
    services: dict[str, UUID] = field(default_factory=dict)
    staff: dict[str, UUID] = field(default_factory=dict)

    def contact(self, row: Appointment) -> UUID | None:
        for kind, value in (
            ("email", row.client_email),
            ("phone", row.client_phone),
            ("name", row.client_name.lower()),
        ):
            if value and value in self.contacts[kind]:
                return self.contacts[kind][value]
        return None

    def add_contact(self, contact_id: UUID, email: str, phone: str, name: str) -> None:
        for kind, value in (("email", email), ("phone", phone), ("name", name.lower())):
            if value:
                self.contacts[kind].setdefault(value, contact_id)


_CONTACTS = (
    "SELECT id, email, phone, lower(btrim(first_name || ' ' || last_name)) AS name FROM ("
    "SELECT id FROM contacts WHERE email <> '' AND email = ANY(%(emails)s) "
    "UNION SELECT id FROM contacts WHERE phone <> '' AND phone = ANY(%(phones)s) "
    "UNION SELECT id FROM contacts "
    "WHERE lower(btrim(first_name || ' ' || last_name)) = ANY(%(names)s) "
    "OR lower(company) = ANY(%(names)s)) AS h JOIN contacts USING (id) "
    "WHERE deleted_at IS NULL ORDER BY created_at, id"
)


def load_index(conn: Connection, rows: list[Row], *, lock: bool = False) -> Index:
    index = Index()
    appointments = [r for r in rows if isinstance(r, Appointment)]
    if not appointments:
        return index
    found = conn.execute(
        "SELECT external_id FROM tickets WHERE external_id = ANY(%s)",
        ([a.external_id for a in appointments],),
    ).fetchall()
    index.tickets = {r["external_id"] for r in found}
    contacts = conn.execute(
        _CONTACTS + (" FOR KEY SHARE OF contacts" if lock else ""),
        {
            "emails": sorted({a.client_email for a in appointments if a.client_email}),
            "phones": sorted({a.client_phone for a in appointments if a.client_phone}),
            "names": sorted({a.client_name.lower() for a in appointments}),
        },
    ).fetchall()
    for c in contacts:
        index.add_contact(c["id"], c["email"], c["phone"], c["name"])
    for table, into, names in (
        ("services", index.services, {a.service.lower() for a in appointments}),
        ("staff", index.staff, {a.staff.lower() for a in appointments if a.staff}),
    ):
        alive = "retired_at IS NULL" if table == "services" else "deleted_at IS NULL"
        for r in conn.execute(
            f"SELECT id, lower(name) AS name FROM {table} WHERE lower(name) = ANY(%s) "  # noqa: S608
            f"ORDER BY ({alive}) DESC, created_at",
            (sorted(names),),
        ).fetchall():
            into.setdefault(r["name"], r["id"])
    return index


def plan_rows(rows: list[Row], index: Index) -> list[Plan]:
    return [plan_row(row, index) for row in rows]


def plan_row(row: Row, index: Index) -> Plan:
    if isinstance(row, RowError):
        return Plan(row.line, "invalid", reason=row.reason)
    if row.external_id in index.tickets:
        return Plan(row.line, "unchanged", row)
    index.tickets.add(row.external_id)
    contact_id = index.contact(row)
    new_contact = contact_id is None
    if contact_id is None:
        contact_id = uuid.uuid4()
        index.add_contact(contact_id, row.client_email, row.client_phone, row.client_name)
    service_id = index.services.get(row.service.lower())
    new_service = service_id is None
    if service_id is None:
        service_id = index.services[row.service.lower()] = uuid.uuid4()
    staff_id, new_staff = None, False
    if row.staff:
        staff_id = index.staff.get(row.staff.lower())
        if staff_id is None:
            new_staff = True
            staff_id = index.staff[row.staff.lower()] = uuid.uuid4()
    return Plan(
        row.line,
        "new",
        row,
        uuid.uuid4(),
        contact_id,
        new_contact,
        service_id,
        new_service,
        staff_id,
        new_staff,
    )


def preview_row(plan: Plan) -> dict[str, Any]:
    out: dict[str, Any] = {
        "line": plan.line,
        "outcome": plan.outcome,
        "summary": plan.summary,
        "fills": [],
        "reason": plan.reason,
    }
    row = plan.appointment
    if row is not None:
        first, last = row.first_last
        out.update(
            {
                "external_id": row.external_id,
                "first_name": first,
                "company": "",
                "source": "",
                "memo": "",
                "email_opted_out": False,
                "facts": {},
                "last_name": last,
                "email": row.client_email,
                "phone": row.client_phone,
                "address": row.address,
                "service": row.service,
                "staff": row.staff,
                "start": row.start.isoformat(),
                "duration_minutes": row.duration_minutes,
                "status": row.status,
                "cancel_reason": row.cancel_reason,
            }
        )
    return out


def _unnest(conn: Connection, statement: str, columns: list[list[Any]]) -> None:
    if columns and columns[0]:
        conn.execute(statement, tuple(columns))


def apply(conn: Connection, plans: list[Plan], *, source: Source) -> list[UUID]:
    """Write the batch's new appointments; returns the tickets it created."""
    new = [p for p in plans if p.outcome == "new" and p.appointment is not None]
    rows = [(p, p.appointment) for p in new if p.appointment is not None]
    contacts = [(p, a) for p, a in rows if p.new_contact]
    _unnest(
        conn,
        "INSERT INTO contacts (id, user_id, first_name, last_name, email, phone, source) "
        "SELECT v.id, current_setting('app.current_user_id')::uuid, v.f, v.l, v.e, v.p, "
        "'Square appointments' FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], "
        "%s::text[]) AS v (id, f, l, e, p)",
        [
            [p.contact_id for p, _ in contacts],
            [a.first_last[0] for _, a in contacts],
            [a.first_last[1] for _, a in contacts],
            [a.client_email for _, a in contacts],
            [a.client_phone for _, a in contacts],
        ],
    )
    services = {p.service_id: a.service for p, a in rows if p.new_service}
    _unnest(
        conn,
        "INSERT INTO services (id, user_id, name, pricing_mode, unit_price_cents) "
        "SELECT v.id, current_setting('app.current_user_id')::uuid, v.name, 'flexible', 0 "
        "FROM unnest(%s::uuid[], %s::text[]) AS v (id, name)",
        [list(services), list(services.values())],
    )
    staff = {p.staff_id: a.staff for p, a in rows if p.new_staff}
    _unnest(
        conn,
        "INSERT INTO staff (id, user_id, name) "
        "SELECT v.id, current_setting('app.current_user_id')::uuid, v.name "
        "FROM unnest(%s::uuid[], %s::text[]) AS v (id, name)",
        [list(staff), list(staff.values())],
    )
    # The address text as an address of the client unless it has one with that first line;
    # primary when the client has none (the first of the batch's addresses for it).
    addressed = {(p.contact_id, a.address.lower()): (p, a) for p, a in rows if a.address}
    _unnest(
        conn,
        "INSERT INTO addresses (user_id, contact_id, line1, is_primary) "
        "SELECT current_setting('app.current_user_id')::uuid, v.c, v.l, "
        "v.n = 1 AND NOT EXISTS (SELECT 1 FROM addresses a WHERE a.contact_id = v.c) "
        "FROM (SELECT u.c, u.l, row_number() OVER (PARTITION BY u.c ORDER BY u.o) AS n "
        "FROM unnest(%s::uuid[], %s::text[]) WITH ORDINALITY AS u (c, l, o)) AS v "
        "WHERE NOT EXISTS (SELECT 1 FROM addresses a WHERE a.contact_id = v.c "
        "AND lower(a.line1) = lower(v.l))",
        [[p.contact_id for p, _ in addressed.values()], [a.address for _, a in addressed.values()]],
    )
    # Completed ones are inserted scheduled, get their line, staff and notes, then go
    # in_progress -> completed (the guard freezes a completed ticket's children).
    _unnest(
        conn,
        "INSERT INTO tickets (id, user_id, contact_id, address_id, title, scheduled_start, "
        "duration_minutes, status, cancel_reason, external_id) "
        "SELECT v.id, current_setting('app.current_user_id')::uuid, v.contact_id, "
        "coalesce((SELECT a.id FROM addresses a WHERE a.contact_id = v.contact_id "
        "AND v.address <> '' AND lower(a.line1) = lower(v.address) LIMIT 1), "
        "(SELECT a.id FROM addresses a WHERE a.contact_id = v.contact_id AND a.is_primary)), "
        "v.title, v.start, v.minutes, "
        "CASE WHEN v.status = 'completed' THEN 'scheduled' ELSE v.status END, v.reason, v.ext "
        "FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::timestamptz[], "
        "%s::int[], %s::text[], %s::text[], %s::text[]) "
        "AS v (id, contact_id, address, title, start, minutes, status, reason, ext)",
        [
            [p.ticket_id for p, _ in rows],
            [p.contact_id for p, _ in rows],
            [a.address for _, a in rows],
            [a.service for _, a in rows],
            [a.start for _, a in rows],
            [a.duration_minutes for _, a in rows],
            [a.status for _, a in rows],
            [a.cancel_reason for _, a in rows],
            [a.external_id for _, a in rows],
        ],
    )
    _unnest(
        conn,
        "INSERT INTO line_items (user_id, ticket_id, service_id, description, pricing_mode, "
        "unit_price_cents) SELECT current_setting('app.current_user_id')::uuid, v.t, v.s, "
        "v.d, 'flexible', coalesce((SELECT CASE WHEN s.pricing_mode = 'fixed' "
        "THEN s.unit_price_cents ELSE 0 END FROM services s WHERE s.id = v.s), 0) "
        "FROM unnest(%s::uuid[], %s::uuid[], %s::text[]) AS v (t, s, d)",
        [
            [p.ticket_id for p, _ in rows],
            [p.service_id for p, _ in rows],
            [a.service for _, a in rows],
        ],
    )
    assigned = [(p, a) for p, a in rows if p.staff_id]
    _unnest(
        conn,
        "INSERT INTO ticket_staff (user_id, ticket_id, staff_id) "
        "SELECT current_setting('app.current_user_id')::uuid, v.t, v.s "
        "FROM unnest(%s::uuid[], %s::uuid[]) AS v (t, s)",
        [[p.ticket_id for p, _ in assigned], [p.staff_id for p, _ in assigned]],
    )
    notes = [
        (p, f"{label}: {body}")
        for p, a in rows
        for label, body in (
            ("Note from client", a.note_from_client),
            ("Note from business", a.note_from_business),
        )
        if body
    ]
    _unnest(
        conn,
        "INSERT INTO notes (user_id, contact_id, ticket_id, body) "
        "SELECT current_setting('app.current_user_id')::uuid, v.c, v.t, left(v.b, 20000) "
        "FROM unnest(%s::uuid[], %s::uuid[], %s::text[]) AS v (c, t, b)",
        [
            [p.contact_id for p, _ in notes],
            [p.ticket_id for p, _ in notes],
            [b for _, b in notes],
        ],
    )
    done = [p.ticket_id for p, a in rows if a.status == "completed"]
    if done:
        conn.execute("UPDATE tickets SET status = 'in_progress' WHERE id = ANY(%s)", (done,))
        conn.execute(
            "UPDATE tickets SET status = 'completed', "
            "completed_at = scheduled_start + make_interval(mins => duration_minutes) "
            "WHERE id = ANY(%s)",
            (done,),
        )
    _audit(conn, rows, source)
    return [p.ticket_id for p, _ in rows if p.ticket_id is not None]


def _audit(conn: Connection, rows: list[tuple[Plan, Appointment]], source: Source) -> None:
    if not rows:
        return
    user = get_current_user()
    changes = [
        json.dumps(
            {
                "status": {"old": None, "new": a.status},
                "scheduled_start": {"old": None, "new": a.start.isoformat()},
                "service": {"old": None, "new": a.service},
                "external_id": {"old": None, "new": a.external_id},
                "import": {"old": None, "new": {"id": str(source.import_id), "line": p.line}},
            }
        )
        for p, a in rows
    ]
    conn.execute(
        "INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, actor, "
        "request_id) SELECT %s, 'ticket', v.id, 'create', v.changes::jsonb, %s, %s "
        "FROM unnest(%s::uuid[], %s::text[]) AS v (id, changes)",
        (
            user.user_id,
            user.actor or f"user:{user.user_id}",
            current_request_id(),
            [p.ticket_id for p, _ in rows],
            changes,
        ),
    )
