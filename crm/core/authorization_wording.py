"""The words of an authorization summary: names, local times, money, and what a referenced
row is, read under RLS; plus the generic summary of an action that has no wording of its own
(crm/core/authorization_summary.py).

Every lookup reads one row by id and answers None when the row is not there (another
business's, deleted, never existed): a summary says so rather than fail.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg import sql
from pydantic import BaseModel

from crm.clients.postgres_client import Connection
from crm.core.models.common import format_money
from crm.core.plan_rules import describe
from crm.core.registry import REGISTRY
from crm.core.services import contact_service, plan_visits
from crm.core.services.appointment_messages import KIND_LABELS
from crm.utils.timezone import business_today, to_business_time, utc_now
from crm.utils.user_context import get_current_user

MAX_SUMMARY = 300
# A date this far from today, or in another year, is written with its year (as the pages do).
_NEAR_DAYS = 183
_CLOCK = "%-I:%M %p"
_DAY = "%a %b %-d"


# -- plain words -------------------------------------------------------------------------------


def clip(text: Any, limit: int = 60) -> str:
    """One line of free text, cut with "…" past ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def plural(number: int, noun: str) -> str:
    """(1, "visit") → "1 visit", (3, "visit") → "3 visits", (2, "entry") → "2 entries"."""
    if number == 1:
        return f"{number} {noun}"
    return f"{number} {noun[:-1]}ies" if re.search(r"[^aeiou]y$", noun) else f"{number} {noun}s"


def series(parts: Sequence[str]) -> str:
    """["a"] → "a", ["a", "b", "c"] → "a, b and c", [] → ""."""
    items = [p for p in parts if p]
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


def _with_year(fmt: str, day: date) -> str:
    today = business_today(get_current_user().timezone)
    far = day.year != today.year or abs((day - today).days) > _NEAR_DAYS
    return fmt.replace("%-d", "%-d, %Y", 1) if far else fmt


def when(value: datetime) -> str:
    """An instant on the business's clock, as the pages write it: "Tue Apr 14, 9:00 AM"."""
    local = to_business_time(value, get_current_user().timezone)
    return local.strftime(_with_year(f"{_DAY}, {_CLOCK}", local.date()))


def day(value: date) -> str:
    """A local date: "Tue Apr 14" (with its year when far off)."""
    return value.strftime(_with_year(_DAY, value))


def clock(value: time) -> str:
    """A local time of day: "9:00 AM"."""
    return value.strftime(_CLOCK)


def at_time(value: datetime) -> str:
    """ "now" for a time already come, else "on Tue Apr 14, 9:00 AM"."""
    return "now" if value <= utc_now() else f"on {when(value)}"


def missing(noun: str, entity_id: Any) -> str:
    """ "a ticket that no longer exists (id …)"."""
    return f"a {noun} that no longer exists (id {entity_id})"


# -- rows --------------------------------------------------------------------------------------


def row(conn: Connection, table: str, entity_id: Any) -> dict[str, Any] | None:
    """The row this business can see, or None (also for an id that is not an id)."""
    if not isinstance(entity_id, UUID):
        return None
    query = sql.SQL("SELECT * FROM {} WHERE id = %s").format(sql.Identifier(table))
    found: dict[str, Any] | None = conn.execute(query, (entity_id,)).fetchone()
    return found


def count(conn: Connection, query: str, params: Sequence[Any]) -> int:
    """A ``SELECT count(*) AS n …`` as an int."""
    found = conn.execute(query, params).fetchone()
    return int(found["n"]) if found else 0


def name_of(contact: dict[str, Any] | None) -> str:
    """The contact's name ("" when there is no contact)."""
    if contact is None:
        return ""
    return contact_service.display_name(contact) or "an unnamed contact"


def contact_name(conn: Connection, contact_id: Any) -> str:
    """The contact's name, or "a deleted contact"."""
    return name_of(row(conn, "contacts", contact_id)) or "a deleted contact"


def street(conn: Connection, address_id: Any) -> str:
    address = row(conn, "addresses", address_id)
    return address["line1"] if address else ""


def visit(conn: Connection, ticket: dict[str, Any]) -> str:
    """ "Tue Apr 14, 9:00 AM at 12 Oak St for Ann Lee"."""
    where = street(conn, ticket["address_id"])
    place = f" at {where}" if where else ""
    return (
        f"{when(ticket['scheduled_start'])}{place} for {contact_name(conn, ticket['contact_id'])}"
    )


def rule_text(plan: dict[str, Any]) -> str:
    """The plan's rule in words: "Every 4 weeks on Tuesday at 9:00 AM"."""
    return describe(plan_visits.rule_of(plan))


def reach(contact: dict[str, Any]) -> str:
    """How a message to this contact goes out: "email" or "text" (crm/core/services/
    message_content.py picks the channel the same way)."""
    if contact["preferred_contact_method"] == "sms" and contact["phone"]:
        return "text"
    return "email" if contact["email"] else "text"


def wants_automatic(contact: dict[str, Any] | None) -> bool:
    """Whether the customer gets messages they did not ask for one by one (as
    appointment_messages decides): reachable, and not "no contact"."""
    if contact is None or contact["preferred_contact_method"] == "none":
        return False
    return bool(contact["email"] or contact["phone"])


def pending_messages(conn: Connection, column: str, parent_id: UUID) -> int:
    """How many pending messages about this ticket, invoice or contact a change would stop."""
    query = sql.SQL(
        "SELECT count(*) AS n FROM scheduled_messages WHERE {} = %s AND status = 'pending'"
    ).format(sql.Identifier(column))
    found = conn.execute(query, (parent_id,)).fetchone()
    return int(found["n"]) if found else 0


def notice_due(conn: Connection, ticket: dict[str, Any], contact: dict[str, Any] | None) -> bool:
    """Whether cancelling tells the customer: only when a confirmation or reminder already
    reached them and they take such messages (appointment_messages.cancelled)."""
    told = conn.execute(
        "SELECT 1 FROM scheduled_messages WHERE ticket_id = %s AND kind = ANY(%s) "
        "AND status IN ('sent', 'sending') LIMIT 1",
        (ticket["id"], ["appointment_confirmation", "reminder"]),
    ).fetchone()
    return told is not None and wants_automatic(contact)


def series_visits(conn: Connection, plan_id: UUID, since: date) -> int:
    """The visits from ``since`` a series edit may change (plan_visits.future_visits):
    scheduled, not started, not changed on their own."""
    return count(
        conn,
        "SELECT count(*) AS n FROM tickets t WHERE plan_id = %s AND status = 'scheduled' "
        "AND NOT plan_detached AND plan_occurrence >= %s "
        "AND NOT EXISTS (SELECT 1 FROM time_entries e WHERE e.ticket_id = t.id)",
        (plan_id, since),
    )


def contact_blockers(conn: Connection, contact_id: UUID) -> list[str]:
    """What stops a contact's delete now: ["2 open tickets", "1 unpaid invoice"]."""
    found = conn.execute(
        "SELECT (SELECT count(*) FROM tickets WHERE contact_id = %(id)s "
        " AND status IN ('scheduled', 'in_progress')) AS tickets, "
        "(SELECT count(*) FROM invoices WHERE contact_id = %(id)s "
        " AND status IN ('draft', 'sent', 'partial')) AS invoices",
        {"id": contact_id},
    ).fetchone()
    if found is None:
        return []
    held = [(found["tickets"], "open ticket"), (found["invoices"], "unpaid invoice")]
    return [plural(int(n), noun) for n, noun in held if n]


# -- what an id is -----------------------------------------------------------------------------


def _ticket_label(conn: Connection, ticket: dict[str, Any]) -> str:
    return f"the visit on {visit(conn, ticket)}"


def _invoice_label(conn: Connection, invoice: dict[str, Any]) -> str:
    return f"invoice #{invoice['number']} for {contact_name(conn, invoice['contact_id'])}"


def payment_label(conn: Connection, payment: dict[str, Any]) -> str:
    """ "the $200.00 cash payment of Wed Apr 1 on invoice #1001 for Ann Lee"."""
    invoice = row(conn, "invoices", payment["invoice_id"])
    on = ""
    if invoice is not None:
        on = f" on invoice #{invoice['number']} for {contact_name(conn, invoice['contact_id'])}"
    amount = format_money(abs(payment["amount_cents"]))
    method = payment["method"].replace("_", " ")
    return f"the {amount} {method} {payment['kind']} of {day(payment['paid_on'])}{on}"


def kind_label(kind: str) -> str:
    """ "reminder", "message" (a custom one)."""
    return "message" if kind == "custom" else KIND_LABELS.get(kind, kind).lower()


# table → (noun, how to name a row of it)
_REFS: dict[str, tuple[str, Callable[[Connection, dict[str, Any]], str]]] = {
    "contacts": ("contact", lambda conn, r: name_of(r)),
    "tickets": ("ticket", _ticket_label),
    "addresses": ("address", lambda conn, r: clip(r["line1"])),
    "invoices": ("invoice", _invoice_label),
    "payments": ("payment", payment_label),
    "services": ("service", lambda conn, r: clip(r["name"])),
    "staff": ("staff member", lambda conn, r: clip(r["name"])),
    "notes": ("note", lambda conn, r: f"the note “{clip(r['body'], 40)}”"),
    "attributes": (
        "fact",
        lambda conn, r: f"{r['key']} of {contact_name(conn, r['contact_id'])}",
    ),
    "plans": (
        "plan",
        lambda conn, r: f"the plan for {contact_name(conn, r['contact_id'])} ({rule_text(r)})",
    ),
    "scheduled_messages": (
        "message",
        lambda conn, r: f"“{clip(r['subject'], 40)}” to {contact_name(conn, r['contact_id'])}",
    ),
    "waitlist_entries": (
        "waitlist entry",
        lambda conn, r: f"the waitlist entry of {contact_name(conn, r['contact_id'])}",
    ),
    "imports": ("import", lambda conn, r: clip(r["filename"] or "an unnamed file")),
    "line_items": ("line item", lambda conn, r: clip(r["description"] or "a line")),
}
DOMAIN_TABLES = {
    "contact": "contacts",
    "address": "addresses",
    "attribute": "attributes",
    "note": "notes",
    "ticket": "tickets",
    "invoice": "invoices",
    "message": "scheduled_messages",
    "plan": "plans",
    "service": "services",
    "staff": "staff",
    "waitlist": "waitlist_entries",
    "import": "imports",
    "line_item": "line_items",
}
_FIELD_TABLES = {
    "contact_id": "contacts",
    "referred_by_id": "contacts",
    "ticket_id": "tickets",
    "address_id": "addresses",
    "invoice_id": "invoices",
    "payment_id": "payments",
    "service_id": "services",
    "staff_ids": "staff",
}


def noun(table: str) -> str:
    """ "ticket" for tickets, "waitlist entry" for waitlist_entries."""
    return _REFS[table][0]


def ref(conn: Connection, table: str, entity_id: Any) -> str:
    """What the id names ("Ann Lee", "invoice #1001 for Ann Lee"), or that it is gone."""
    noun, label = _REFS[table]
    found = row(conn, table, entity_id)
    return label(conn, found) if found else missing(noun, entity_id)


# -- the generic summary -----------------------------------------------------------------------

_UNLABELLED = frozenset(
    {"name", "first_name", "last_name", "company", "email", "phone", "title", "line1", "body"}
)
_PARENTHESES = re.compile(r"\s*\([^)]*(\)|$)")
# Rows whose description already says what they are ("the visit on …", "invoice #1001 …").
_SELF_NAMED = frozenset(
    {"tickets", "invoices", "payments", "notes", "plans", "scheduled_messages", "waitlist_entries"}
)


def headline(domain: str, action: str) -> str:
    """The action's docstring, first clause, without asides: "Schedule a ticket for a
    contact"."""
    spec = REGISTRY.actions.get((domain, action))
    text = " ".join((inspect.getdoc(spec.handler) or "").split()) if spec else ""
    text = _PARENTHESES.sub("", text)
    text = re.split(r"[.;:]\s", text + " ", maxsplit=1)[0].strip().rstrip(".")
    return text or f"{domain}.{action}"


def generic(conn: Connection, domain: str, action: str, data: BaseModel) -> str:
    """ "Create a contact: Ann Lee, ann@example.com"; a change names its target first:
    "Change a staff member's name or contact details: Sam Crew; set name Bo Crew"."""
    sent = data.model_fields_set
    values = {name: getattr(data, name, None) for name in type(data).model_fields if name in sent}
    table = DOMAIN_TABLES.get(domain)
    target = ref(conn, table, values.pop("id")) if "id" in values and table else ""
    parts: list[str] = []
    if not target:  # a new person's name, as one
        person = " ".join(str(values.pop(k)) for k in ("first_name", "last_name") if values.get(k))
        parts.append(clip(person))
    for name, value in values.items():
        said = _field(conn, name, value)
        if said:
            bare = (name in _UNLABELLED and not target) or _FIELD_TABLES.get(name) in _SELF_NAMED
            parts.append(said if bare else f"{_label(name, value)} {said}")
    if "id" in values:  # a domain whose rows this module does not know
        parts.insert(0, f"id {values['id']}")
    details = "; set ".join(p for p in (target, ", ".join(parts)) if p)
    return f"{headline(domain, action)}: {details}" if details else headline(domain, action)


def _label(name: str, value: Any) -> str:
    if name in _FIELD_TABLES:
        name = name.removesuffix("_ids").removesuffix("_id")
    if isinstance(value, int):
        for suffix in ("_cents", "_bp", "_minutes"):
            name = name.removesuffix(suffix)
    return name.replace("_", " ")


def _field(conn: Connection, name: str, value: Any) -> str:
    """One input value in words; "" for nothing worth saying."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if name == "content" and isinstance(value, str):
        return plural(value.count("\n") + 1, "line") + " of text"
    table = _FIELD_TABLES.get(name)
    if table is not None:
        ids = value if isinstance(value, list) else [value]
        return clip(", ".join(ref(conn, table, i) for i in ids), 120)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name.endswith("_cents") and isinstance(value, int):
        return format_money(value)
    if name.endswith("_bp") and isinstance(value, int):
        return f"{Decimal(value) / 100:f}".rstrip("0").rstrip(".") + "%"
    if name.endswith("_minutes") and isinstance(value, int):
        return f"{value} min"
    return _value(value)


def _value(value: Any) -> str:
    if isinstance(value, datetime):
        return when(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return day(value)
    if isinstance(value, time):
        return clock(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        if value and all(isinstance(v, str | int | date) for v in value):
            return clip(", ".join(_value(v) for v in value))
        return plural(len(value), "item")
    if isinstance(value, dict | BaseModel):
        return plural(len(value if isinstance(value, dict) else value.model_fields_set), "entry")
    return clip(value)
