"""The waitlist: customers who want a visit sooner, offered the slots that free up.

An entry is open until it is booked (its ticket made in the same unit of work) or removed;
an open entry past its latest date is expired, computed when read (docs/waitlist.md).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.core.exceptions import ServiceRetired
from crm.core.models.common import Ref
from crm.core.models.note import NoteCreate
from crm.core.models.ticket import LineItemAdd, TicketCreate
from crm.core.models.waitlist import (
    WaitlistBook,
    WaitlistCreate,
    WaitlistService,
    WaitlistUpdate,
)
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import (
    base,
    contact_service,
    line_item_service,
    note_service,
    ticket_service,
    waitlist_fit,
)
from crm.errors import Conflict, ValidationFailed
from crm.utils.timezone import business_today, get_zone
from crm.utils.user_context import get_current_user

STATUSES = ("open", "booked", "removed")
# Slot queries look at this many open entries at most before ranking them.
_SLOT_CANDIDATES = 1000


class WaitlistEntryClosed(Conflict):
    code = "WAITLIST_ENTRY_CLOSED"
    default_message = "This waitlist entry is no longer open."


class WaitlistEntryExpired(Conflict):
    code = "WAITLIST_ENTRY_EXPIRED"
    default_message = "This waitlist entry has expired: its latest date has passed."


def _today() -> Any:
    return business_today(get_current_user().timezone)


def shape(row: dict[str, Any]) -> dict[str, Any]:
    """An entry as the API shows it: local times as HH:MM, and whether it has expired."""
    out = dict(row)
    for name in ("earliest_time", "latest_time"):
        out[name] = row[name].strftime("%H:%M") if row[name] is not None else None
    out["expired"] = waitlist_fit.is_expired(row, _today())
    return out


def _lines(conn: Connection, services: list[WaitlistService]) -> tuple[list[dict[str, Any]], int]:
    """The entry's service lines as stored, and the minutes the catalog gives them; each
    service is share-locked, live and not retired, and a fixed-price one is wanted once."""
    lines, minutes = [], Decimal(0)
    for index, wanted in enumerate(services):
        service = base.lock_parent(conn, "services", wanted.service_id, label="service")
        if service["retired_at"] is not None:
            raise ServiceRetired()
        if service["pricing_mode"] == "fixed" and wanted.quantity != 1:
            raise ValidationFailed(
                f"{service['name']} has a fixed price; it is done once (quantity 1).",
                details={
                    "fields": [{"field": f"services.{index}.quantity", "message": "must be 1"}]
                },
            )
        lines.append({"service_id": str(service["id"]), "quantity": str(wanted.quantity)})
        minutes += wanted.quantity * service["default_duration_minutes"]
    return lines, min(max(math.ceil(minutes / 5) * 5, 5), 1440) if minutes > 0 else 60


def _check_address(conn: Connection, address_id: UUID, contact_id: UUID) -> None:
    address = base.lock_parent(conn, "addresses", address_id, label="address")
    if address["contact_id"] != contact_id:
        raise ValidationFailed(
            "That address belongs to a different contact.",
            details={"fields": [{"field": "address_id", "message": "not this contact's"}]},
        )


@REGISTRY.action("waitlist", "create", input=WaitlistCreate)
def create(conn: Connection, data: WaitlistCreate) -> dict[str, Any]:
    """Put a customer on the waitlist with the services, days, times and dates that suit them."""
    base.lock_parent(conn, "contacts", data.contact_id, label="contact")
    if data.address_id is not None:
        _check_address(conn, data.address_id, data.contact_id)
    lines, minutes = _lines(conn, data.services)
    earliest = data.earliest_date or _today()
    if earliest > data.latest_date:
        raise ValidationFailed(
            "The latest date is before today; pick a later one.",
            details={"fields": [{"field": "latest_date", "message": "before the earliest date"}]},
        )
    values = {
        "contact_id": data.contact_id,
        "address_id": data.address_id,
        "services": Jsonb(lines),
        "duration_minutes": data.duration_minutes or minutes,
        "weekdays": data.weekdays,
        "earliest_time": data.earliest_time,
        "latest_time": data.latest_time,
        "earliest_date": earliest,
        "latest_date": data.latest_date,
        "note": data.note,
    }
    return shape(base.insert_row(conn, "waitlist_entries", values, entity_type="waitlist_entry"))


def _open(conn: Connection, entry_id: UUID) -> dict[str, Any]:
    """The entry, locked, refused unless open."""
    entry = base.load(conn, "waitlist_entries", entry_id, label="waitlist entry", lock=True)
    if entry["status"] != "open":
        raise WaitlistEntryClosed(
            f"This waitlist entry is {entry['status']}.", details={"status": entry["status"]}
        )
    return entry


@REGISTRY.action("waitlist", "update", input=WaitlistUpdate)
def update(conn: Connection, data: WaitlistUpdate) -> dict[str, Any]:
    """Change an open entry's wishes (a later latest date revives an expired one)."""
    current = base.load(conn, "waitlist_entries", data.id, label="waitlist entry")
    values = base.changed_fields(data)
    # The new address before the entry itself: parents first, as every write locks them.
    if values.get("address_id") is not None:
        _check_address(conn, values["address_id"], current["contact_id"])
    entry = _open(conn, data.id)
    for name in ("services", "earliest_date", "latest_date", "weekdays"):
        if name in values and values[name] is None:
            raise ValidationFailed(
                f"{name} can't be empty.",
                details={"fields": [{"field": name, "message": "required"}]},
            )
    if "services" in values:
        lines, minutes = _lines(conn, data.services or [])
        values["services"] = Jsonb(lines)
        if values.get("duration_minutes") is None:
            values["duration_minutes"] = minutes
    if "duration_minutes" in values and values["duration_minutes"] is None:
        values.pop("duration_minutes")
    if "note" in values and values["note"] is None:
        values["note"] = ""
    window = {**entry, **values}
    if window["earliest_date"] > window["latest_date"]:
        raise ValidationFailed(
            "The earliest date must not be after the latest date.",
            details={"fields": [{"field": "latest_date", "message": "before the earliest date"}]},
        )
    if (
        window["earliest_time"] is not None
        and window["latest_time"] is not None
        and window["earliest_time"] >= window["latest_time"]
    ):
        raise ValidationFailed(
            "The earliest time must be before the latest time.",
            details={"fields": [{"field": "latest_time", "message": "before the earliest"}]},
        )
    return shape(
        base.update_row(
            conn,
            "waitlist_entries",
            data.id,
            values,
            label="waitlist entry",
            entity_type="waitlist_entry",
        )
    )


@REGISTRY.action("waitlist", "remove", input=Ref)
def remove(conn: Connection, data: Ref) -> dict[str, Any]:
    """Take an open entry off the waitlist (it stays on record, as removed)."""
    _open(conn, data.id)
    return shape(
        base.update_row(
            conn,
            "waitlist_entries",
            data.id,
            {"status": "removed"},
            label="waitlist entry",
            entity_type="waitlist_entry",
            action="removed",
        )
    )


@REGISTRY.action("waitlist", "book", input=WaitlistBook)
def book(conn: Connection, data: WaitlistBook) -> dict[str, Any]:
    """Book an open entry: its ticket with the entry's services (the booking confirmation goes
    out as for any ticket), and the entry closed as booked, all at once."""
    first = base.load(conn, "waitlist_entries", data.id, label="waitlist entry")
    # Parents before the entry: an address being deleted updates the entry (its key sets
    # address_id to NULL), so locking the entry first could deadlock with it.
    base.lock_parent(conn, "contacts", first["contact_id"], label="contact")
    if first["address_id"] is not None:
        conn.execute(
            "SELECT id FROM addresses WHERE id = %s FOR KEY SHARE", (first["address_id"],)
        ).fetchone()
    entry = _open(conn, data.id)
    if waitlist_fit.is_expired(entry, _today()):
        raise WaitlistEntryExpired(details={"latest_date": entry["latest_date"].isoformat()})
    ticket = ticket_service.create(
        conn,
        TicketCreate.model_validate(
            {
                "contact_id": entry["contact_id"],
                "address_id": entry["address_id"],
                "scheduled_start": data.scheduled_start,
                "duration_minutes": entry["duration_minutes"],
                "staff_ids": data.staff_ids,
            }
        ),
    )
    for line in entry["services"]:
        line_item_service.add_line_item(
            conn,
            LineItemAdd.model_validate(
                {
                    "ticket_id": ticket["id"],
                    "service_id": line["service_id"],
                    "quantity": Decimal(line["quantity"]),
                }
            ),
        )
    if entry["note"]:
        note_service.create(
            conn, NoteCreate.model_validate({"ticket_id": ticket["id"], "body": entry["note"]})
        )
    booked = base.update_row(
        conn,
        "waitlist_entries",
        data.id,
        {"status": "booked", "booked_ticket_id": ticket["id"]},
        label="waitlist entry",
        entity_type="waitlist_entry",
        action="booked",
    )
    return {**shape(booked), "ticket": ticket_service.get(conn, ticket["id"])}


# -- reads -------------------------------------------------------------------------------------

INCLUDES = (
    contact_service.include_contact(on="contact_id"),
    base.Include(
        "address",
        "SELECT id AS _parent, * FROM addresses WHERE id = ANY(%(ids)s)",
        on="address_id",
        one=True,
    ),
    base.audit_trail("waitlist_entry"),
)
# Entries of a deleted contact are not listed or offered (the contact is gone).
_LIVE_CONTACT = sql.SQL("EXISTS (SELECT 1 FROM contacts c WHERE c.id = w.contact_id)")


@REGISTRY.data_type(
    "waitlist",
    filters={
        "status": "open, booked or removed (open ones carry expired: true|false)",
        "contact_id": "this contact's entries",
        "slot_start": "with slot_minutes: only the open, unexpired entries that fit the slot "
        "starting then (ISO date and time), best first, each with fit_start",
        "slot_minutes": "the slot's length in minutes (5 to 1440)",
    },
    includes=base.include_names(INCLUDES),
)
def load_waitlist(conn: Connection, query: DataQuery) -> Any:
    """Waitlist entries, waiting longest first; or those that fit a slot, best first."""
    if query.id is not None:
        row = base.load(conn, "waitlist_entries", query.id, label="waitlist entry")
        return shape(base.with_includes(conn, [row], query.include, INCLUDES)[0])
    if query.filters.get("slot_start") or query.filters.get("slot_minutes"):
        return _fitting(conn, query)
    rows = base.list_rows(
        conn,
        query,
        sql.SQL("SELECT w.* FROM waitlist_entries w"),
        order=("w.created_at", "w.id"),
        ids=("contact_id",),
        statuses=STATUSES,
        label="waitlist",
        conditions=(_LIVE_CONTACT,),
    )
    return [shape(row) for row in base.with_includes(conn, rows, query.include, INCLUDES)]


def _slot(query: DataQuery) -> tuple[datetime, int]:
    raw, minutes = query.filters.get("slot_start", ""), query.filters.get("slot_minutes", "")
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        start = None
    if start is None or start.tzinfo is None or not 2000 <= start.year <= 2100:
        raise ValidationFailed(
            "Filter slot_start must be a date and time with its offset, like "
            "2026-11-26T09:00:00-06:00.",
            details={"fields": [{"field": "slot_start", "message": "not a date and time"}]},
        )
    if not (minutes.isascii() and minutes.isdigit() and len(minutes) <= 4) or not (
        5 <= int(minutes) <= 1440
    ):
        raise ValidationFailed(
            "Filter slot_minutes must be a number of minutes from 5 to 1440.",
            details={"fields": [{"field": "slot_minutes", "message": "5 to 1440"}]},
        )
    return start, int(minutes)


def _fitting(conn: Connection, query: DataQuery) -> list[dict[str, Any]]:
    start, minutes = _slot(query)
    zone = get_zone(query.timezone)
    today = business_today(query.timezone)
    rows = base.list_rows(
        conn,
        replace(query, limit=_SLOT_CANDIDATES),
        sql.SQL("SELECT w.* FROM waitlist_entries w"),
        order=("w.created_at", "w.id"),
        ids=("contact_id",),
        where={"status": "open"},
        conditions=(
            _LIVE_CONTACT,
            sql.SQL("w.latest_date >= {}").format(sql.Literal(today)),
            sql.SQL("w.duration_minutes <= {}").format(sql.Literal(minutes)),
        ),
    )
    fits = []
    for row in rows:
        begin = waitlist_fit.fit_start(row, start, minutes, zone, today)
        if begin is not None:
            fits.append({**row, "fit_start": begin})
    best = waitlist_fit.rank(fits, zone, today)[: query.limit]
    return [shape(row) for row in base.with_includes(conn, best, query.include, INCLUDES)]
