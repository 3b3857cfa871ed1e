"""Which contact an imported row is, and what importing it would change.

A row matches by external id (Square Customer ID), then email (case-insensitive), then phone
(E.164); an email or phone match counts only for a contact with no external id or the same one,
so two Square customers sharing a phone stay two contacts (a row with no external id, from any
other CSV, matches any contact by email or phone). A matched contact is only *filled*:
an empty field takes the file's value, a missing address, memo note or fact is added, and
nothing the owner typed is ever overwritten. Rows are planned in file order against an index
that learns from each row, so a file that names one customer twice plans it once.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from crm.clients.postgres_client import Connection
from crm.imports.square_customers import Customer, Row, RowError

# Contact columns an import fills, with the words the preview uses for them.
FIELDS = {
    "first_name": "first name",
    "last_name": "last name",
    "company": "company",
    "email": "email",
    "phone": "phone",
    "source": "source",
    "external_id": "Square id",
}


def note_key(body: str) -> str:
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Known:
    """A contact as far as matching and filling care: existing, or planned by this import."""

    id: UUID
    values: dict[str, str]
    opted_out: bool
    has_address: bool
    notes: set[str] = field(default_factory=set)
    facts: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Plan:
    """What one row does: ``new``, ``update`` (with what it fills), ``unchanged``, ``invalid``."""

    line: int
    outcome: str
    customer: Customer | None = None
    contact_id: UUID | None = None
    fills: tuple[str, ...] = ()
    # What to write: contact columns (all for new, the filled ones for update), and the rest.
    values: dict[str, str] = field(default_factory=dict)
    opt_out: bool = False
    address: bool = False
    note: bool = False
    facts: tuple[str, ...] = ()
    reason: str = ""

    @property
    def summary(self) -> str:
        if self.outcome == "update":
            return "update: fills " + ", ".join(self.fills)
        if self.outcome == "invalid":
            return f"invalid: {self.reason}"
        return self.outcome


class Index:
    """Known contacts by external id, email and phone."""

    def __init__(self) -> None:
        self._by: dict[str, dict[str, Known]] = {"external_id": {}, "email": {}, "phone": {}}

    def add(self, known: Known) -> None:
        for column, found in self._by.items():
            value = known.values.get(column, "")
            if value:
                found.setdefault(value.lower() if column == "email" else value, known)

    def find(self, row: Customer) -> Known | None:
        hit = self._by["external_id"].get(row.external_id)
        if hit is not None:
            return hit
        for column, value in (("email", row.email), ("phone", row.phone)):
            hit = self._by[column].get(value) if value else None
            # A row without an id of its own (any other CSV) matches whatever contact it names.
            if hit is not None and (
                not row.external_id or hit.values.get("external_id", "") in ("", row.external_id)
            ):
                return hit
        return None


# Three indexable look-ups, not one OR (which under RLS reads every contact of the
# business for each batch). Emails are stored in lower case (the contact model folds them).
_EXISTING = (
    "WITH hits AS ("
    "SELECT id FROM contacts WHERE external_id <> '' AND external_id = ANY(%(ids)s) "
    "UNION SELECT id FROM contacts WHERE email <> '' AND email = ANY(%(emails)s) "
    "UNION SELECT id FROM contacts WHERE phone <> '' AND phone = ANY(%(phones)s)) "
    "SELECT c.id, c.first_name, c.last_name, c.company, c.email, c.phone, c.source, "
    "c.external_id, c.email_opted_out_at IS NOT NULL AS opted_out, "
    "EXISTS (SELECT 1 FROM addresses a WHERE a.contact_id = c.id) AS has_address, "
    "ARRAY(SELECT t.key FROM attributes t WHERE t.contact_id = c.id AND t.address_id IS NULL) "
    "AS facts, "
    "ARRAY(SELECT md5(n.body) FROM notes n WHERE n.contact_id = c.id) AS notes "
    "FROM contacts c JOIN hits h ON h.id = c.id "
    "ORDER BY c.created_at, c.id"
)


def load_index(conn: Connection, rows: list[Row], *, lock: bool = False) -> Index:
    """One query: every contact any of ``rows`` could match. ``lock`` share-locks them (the
    import adds addresses, notes and facts to them; a delete waits for it)."""
    customers = [r for r in rows if isinstance(r, Customer)]
    index = Index()
    if not customers:
        return index
    query = _EXISTING + (" FOR KEY SHARE OF c" if lock else "")
    found = conn.execute(
        query,
        {
            "ids": sorted({c.external_id for c in customers}),
            "emails": sorted({c.email for c in customers if c.email}),
            "phones": sorted({c.phone for c in customers if c.phone}),
        },
    ).fetchall()
    for row in found:
        index.add(
            Known(
                id=row["id"],
                values={column: row[column] for column in FIELDS},
                opted_out=row["opted_out"],
                has_address=row["has_address"],
                notes=set(row["notes"]),
                facts=set(row["facts"]),
            )
        )
    return index


def plan_rows(rows: list[Row], index: Index) -> list[Plan]:
    return [plan_row(row, index) for row in rows]


def plan_row(row: Row, index: Index) -> Plan:
    """What importing ``row`` does; the index then knows its result."""
    if isinstance(row, RowError):
        return Plan(row.line, "invalid", reason=row.reason)
    wanted = {column: getattr(row, column) for column in FIELDS}
    memo = note_key(row.memo) if row.memo else ""
    known = index.find(row)
    if known is None:
        known = Known(
            id=uuid.uuid4(),
            values=dict(wanted),
            opted_out=row.email_opted_out,
            has_address=row.address is not None,
            notes={memo} if memo else set(),
            facts=set(row.facts),
        )
        index.add(known)
        return Plan(
            row.line,
            "new",
            row,
            known.id,
            values=wanted,
            opt_out=row.email_opted_out,
            address=row.address is not None,
            note=bool(memo),
            facts=tuple(row.facts),
        )
    values = {c: v for c, v in wanted.items() if v and not known.values.get(c)}
    opt_out = row.email_opted_out and not known.opted_out
    address = row.address is not None and not known.has_address
    note = bool(memo) and memo not in known.notes
    facts = tuple(k for k in row.facts if k not in known.facts)
    fills = [FIELDS[c] for c in values]
    fills += ["email opt-out"] * opt_out + ["address"] * address + ["memo"] * note
    fills += list(facts)
    known.values.update(values)
    known.opted_out = known.opted_out or opt_out
    known.has_address = known.has_address or address
    known.notes.update({memo} if note else set())
    known.facts.update(facts)
    index.add(known)
    return Plan(
        row.line,
        "update" if fills else "unchanged",
        row,
        known.id,
        tuple(fills),
        values=values,
        opt_out=opt_out,
        address=address,
        note=note,
        facts=facts,
    )


def preview_row(plan: Plan) -> dict[str, Any]:
    """A row as the preview shows it: what will be stored, and what happens to it."""
    out: dict[str, Any] = {
        "line": plan.line,
        "outcome": plan.outcome,
        "summary": plan.summary,
        "fills": list(plan.fills),
        "reason": plan.reason,
    }
    row = plan.customer
    if row is not None:
        out.update(
            {
                "external_id": row.external_id,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "company": row.company,
                "email": row.email,
                "phone": row.phone,
                "source": row.source,
                "email_opted_out": row.email_opted_out,
                "address": row.address.one_line() if row.address else "",
                "memo": row.memo[:500],
                "facts": row.facts,
            }
        )
    return out
