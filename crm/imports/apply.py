"""Writing one batch of planned rows: a handful of set-based statements, whatever its size.

New contacts, filled fields, addresses, memo notes, facts and their audit rows each go in one
``INSERT … SELECT FROM unnest(…)`` (or ``UPDATE … FROM unnest``). The per-row search triggers
stand aside for the batch (``app.bulk_import``, migration 0015) and each touched contact's
search document is rebuilt once at the end, in the same transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from crm.clients.postgres_client import Connection
from crm.imports.matching import FIELDS, Plan
from crm.imports.square_customers import Customer
from crm.utils.request_id import current_request_id
from crm.utils.user_context import get_current_user

# A new contact is written once, with its search columns already filled from the same words
# refresh_contact_search (0008) would gather: a second write of each row (and of its three GIN
# index entries) was half of an import's time.
_NEW_CONTACTS = (
    "INSERT INTO contacts (id, user_id, first_name, last_name, company, email, phone, source, "
    "external_id, email_opted_out_at, search_names, search_text, search_vector) "
    "SELECT v.id, current_setting('app.current_user_id')::uuid, v.first_name, v.last_name, "
    "v.company, v.email, v.phone, v.source, v.external_id, "
    "CASE WHEN v.opt_out THEN now() END, search_fold(v.names), d.folded, "
    "to_tsvector('simple', search_street_suffixes(d.folded)) "
    "FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::text[], %s::text[], %s::boolean[], %s::text[], %s::text[]) "
    "AS v (id, first_name, last_name, company, email, phone, source, external_id, opt_out, "
    "names, doc) "
    "CROSS JOIN LATERAL (SELECT search_fold(left(v.doc, 100000)) AS folded) AS d"
)
# The words of the new contacts' documents for typo-tolerant search (as 0008 adds them), in
# word order so two writers cannot deadlock.
_SEARCH_TERMS = (
    "INSERT INTO search_terms (user_id, word) "
    "SELECT DISTINCT current_setting('app.current_user_id')::uuid, t.word "
    "FROM unnest(%s::text[]) AS d (doc), "
    "regexp_split_to_table(search_fold(left(d.doc, 100000)), '[^[:alpha:]]+') AS t (word) "
    "WHERE length(t.word) >= 3 ORDER BY 2 ON CONFLICT DO NOTHING"
)
# Fills only what is still empty when the row is written (checked again under the row lock).
_FILL_CONTACTS = (
    "UPDATE contacts c SET "
    "first_name = CASE WHEN c.first_name = '' THEN v.first_name ELSE c.first_name END, "
    "last_name = CASE WHEN c.last_name = '' THEN v.last_name ELSE c.last_name END, "
    "company = CASE WHEN c.company = '' THEN v.company ELSE c.company END, "
    "email = CASE WHEN c.email = '' THEN v.email ELSE c.email END, "
    "phone = CASE WHEN c.phone = '' THEN v.phone ELSE c.phone END, "
    "source = CASE WHEN c.source = '' THEN v.source ELSE c.source END, "
    "external_id = CASE WHEN c.external_id = '' THEN v.external_id ELSE c.external_id END, "
    "email_opted_out_at = CASE WHEN v.opt_out THEN coalesce(c.email_opted_out_at, now()) "
    "ELSE c.email_opted_out_at END "
    "FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::text[], %s::text[], %s::boolean[]) "
    "AS v (id, first_name, last_name, company, email, phone, source, external_id, opt_out) "
    "WHERE c.id = v.id"
)
_ADDRESSES = (
    "INSERT INTO addresses (user_id, contact_id, line1, line2, city, region, postal_code, "
    "country, is_primary) "
    "SELECT current_setting('app.current_user_id')::uuid, v.contact_id, v.line1, v.line2, "
    "v.city, v.region, v.postal_code, v.country, true "
    "FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::text[]) AS v (contact_id, line1, line2, city, region, postal_code, country) "
    "WHERE NOT EXISTS (SELECT 1 FROM addresses a WHERE a.contact_id = v.contact_id)"
)
_NOTES = (
    "INSERT INTO notes (user_id, contact_id, body) "
    "SELECT current_setting('app.current_user_id')::uuid, v.contact_id, v.body "
    "FROM unnest(%s::uuid[], %s::text[]) AS v (contact_id, body) "
    "WHERE NOT EXISTS (SELECT 1 FROM notes n WHERE n.contact_id = v.contact_id "
    "AND n.body = v.body)"
)
_FACTS = (
    "INSERT INTO attributes (user_id, contact_id, key, value, source, evidence) "
    "SELECT current_setting('app.current_user_id')::uuid, v.contact_id, v.key, v.value::jsonb, "
    "'import', v.evidence "
    "FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[]) "
    "AS v (contact_id, key, value, evidence) "
    "ON CONFLICT ON CONSTRAINT attributes_one_per_place DO NOTHING"
)
_AUDIT = (
    "INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, actor, "
    "request_id) "
    "SELECT %s, 'contact', v.id, v.action, v.changes::jsonb, %s, %s "
    "FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS v (id, action, changes)"
)
_REFRESH = "SELECT count(refresh_contact_search(id)) FROM unnest(%s::uuid[]) AS id"


@dataclass(frozen=True)
class Source:
    """Where the rows come from, for the facts' evidence and the audit rows."""

    import_id: UUID
    filename: str
    label: str


def apply(conn: Connection, plans: list[Plan], *, source: Source) -> list[UUID]:
    """Write the batch's plans (new and update); returns the contacts it touched."""
    conn.execute("SELECT set_config('app.bulk_import', 'on', true)")
    new = [p for p in plans if p.outcome == "new"]
    updates = _merged_updates([p for p in plans if p.outcome == "update"])
    writing = new + [p for p in plans if p.outcome == "update"]
    if new:
        docs = [_search_document(p) for p in new]
        conn.execute(
            _NEW_CONTACTS,
            (*_contact_columns(new), [_names(p) for p in new], docs),
        )
        conn.execute(_SEARCH_TERMS, (docs,))
    if updates:
        conn.execute(_FILL_CONTACTS, _contact_columns(updates))
    addresses = [p for p in writing if p.address]
    if addresses:
        conn.execute(_ADDRESSES, _address_columns(addresses))
    notes = [p for p in writing if p.note]
    if notes:
        conn.execute(_NOTES, ([p.contact_id for p in notes], [_row(p).memo for p in notes]))
    facts = [(p, key) for p in writing for key in p.facts]
    if facts:
        conn.execute(
            _FACTS,
            (
                [p.contact_id for p, _ in facts],
                [key for _, key in facts],
                [json.dumps(_row(p).facts[key]) for p, key in facts],
                # No line number: every digit makes the redaction trigger work (0004, 0006).
                [f"{source.label}: {source.filename}"[:2000] for _ in facts],
            ),
        )
    _audit(conn, writing, source)
    touched = list(dict.fromkeys(p.contact_id for p in writing if p.contact_id is not None))
    # New contacts were written with their search columns; a filled one is rebuilt once.
    fresh = {p.contact_id for p in new}
    refresh = [c for c in touched if c not in fresh]
    conn.execute("SELECT set_config('app.bulk_import', 'off', true)")
    if refresh:
        conn.execute(_REFRESH, (refresh,))
    return touched


def _names(plan: Plan) -> str:
    return " ".join(plan.values.get(c, "") for c in ("first_name", "last_name", "company"))


def _search_document(plan: Plan) -> str:
    """A new contact's search document: the words refresh_contact_search (migration 0008)
    gathers from the contact, its address, its facts and its notes, from the row itself."""
    row = _row(plan)
    values = plan.values
    email, phone = values.get("email", ""), values.get("phone", "")
    parts = [_names(plan), email, email.replace("@", " "), phone, re.sub(r"\D", "", phone)]
    if plan.address and row.address:
        address = row.address
        parts += [address.line1, address.line2, address.city, address.region, address.postal_code]
    for key in plan.facts:
        value = row.facts[key]
        parts += [
            key.replace(".", " ").replace("_", " "),
            value if isinstance(value, str) else json.dumps(value),
        ]
    if plan.note:
        parts.append(row.memo)
    return " ".join(part for part in parts if part)


def _row(plan: Plan) -> Customer:
    assert plan.customer is not None
    return plan.customer


def _merged_updates(plans: list[Plan]) -> list[Plan]:
    """One fill per contact (a file may name a customer twice in one batch)."""
    merged: dict[UUID | None, Plan] = {}
    for plan in plans:
        if not plan.values and not plan.opt_out:
            continue
        first = merged.get(plan.contact_id)
        if first is None:
            merged[plan.contact_id] = plan
        else:
            merged[plan.contact_id] = Plan(
                first.line,
                "update",
                first.customer,
                first.contact_id,
                values={**plan.values, **first.values},
                opt_out=first.opt_out or plan.opt_out,
            )
    return list(merged.values())


def _contact_columns(plans: list[Plan]) -> tuple[list[Any], ...]:
    columns: tuple[list[Any], ...] = ([p.contact_id for p in plans],)
    columns += tuple([p.values.get(c, "") for p in plans] for c in FIELDS)
    return (*columns, [p.opt_out for p in plans])


def _address_columns(plans: list[Plan]) -> tuple[list[Any], ...]:
    rows = [_row(p).address for p in plans]
    return (
        [p.contact_id for p in plans],
        *(
            [getattr(a, name) if a else "" for a in rows]
            for name in ("line1", "line2", "city", "region", "postal_code", "country")
        ),
    )


def _audit(conn: Connection, plans: list[Plan], source: Source) -> None:
    """One audit row per contact created or filled, like a contact.create / update would
    write, naming the import."""
    if not plans:
        return
    user = get_current_user()
    changes = []
    for plan in plans:
        row = _row(plan)
        change: dict[str, Any] = {
            c: {"old": None if plan.outcome == "new" else "", "new": v}
            for c, v in plan.values.items()
            if v
        }
        if plan.opt_out:
            change["email_opted_out"] = {"old": False, "new": True}
        if plan.address and row.address:
            change["address"] = {"old": None, "new": row.address.one_line()}
        if plan.note:
            change["note"] = {"old": None, "new": row.memo[:200]}
        if plan.facts:
            change["facts"] = {"old": None, "new": {k: row.facts[k] for k in plan.facts}}
        change["import"] = {"old": None, "new": {"id": str(source.import_id), "line": plan.line}}
        changes.append(json.dumps(change))
    conn.execute(
        _AUDIT,
        (
            user.user_id,
            user.actor or f"user:{user.user_id}",
            current_request_id(),
            [p.contact_id for p in plans],
            ["create" if p.outcome == "new" else "update" for p in plans],
            changes,
        ),
    )
