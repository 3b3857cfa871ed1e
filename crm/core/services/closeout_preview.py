"""Close-out, step one: check everything the technician confirmed and read the notes.

docs/closeout.md. The preview commits nothing to the ticket; it stores a draft that
`ticket.close` (closeout_service) must name, with one decision per proposed attribute. It is a
staged action: extraction (possibly a language model) runs between two short units of work,
holding no connection while it waits.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.closeout import CloseOutPreview, ReachOut, ScheduleNow
from crm.core.registry import REGISTRY, ActionContext
from crm.core.services import ticket_service
from crm.core.vocabulary import is_property_fact
from crm.errors import Conflict, TicketImmutable, ValidationFailed
from crm.utils.timezone import get_zone, utc_now

REACH_OUT_HOUR = 9


def require_in_progress(ticket: dict[str, Any]) -> None:
    if ticket["status"] == "completed":
        raise TicketImmutable()
    if ticket["status"] != "in_progress":
        raise Conflict(
            "Only a ticket in progress can be closed out. Clock in first.",
            details={"status": ticket["status"]},
        )


def current_lines(conn: Connection, ticket_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT * FROM line_items WHERE ticket_id = %s ORDER BY position, created_at",
        (ticket_id,),
    ).fetchall()


def fingerprint(ticket: dict[str, Any], lines: list[dict[str, Any]]) -> str:
    """Changes to the ticket or its lines after the preview make the draft stale."""
    parts = [str(ticket["updated_at"])] + [f"{line['id']}:{line['updated_at']}" for line in lines]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _check_lines(data: CloseOutPreview, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The confirmed list must be exactly the ticket's item lines, priced by their modes; its
    discount lines follow them (a percent one recomputed on the confirmed items)."""
    current = {str(line["id"]): line for line in lines if line.get("kind", "item") == "item"}
    confirmed = [str(c.line_item_id) for c in data.line_items]
    if len(set(confirmed)) != len(confirmed) or set(confirmed) != set(current):
        raise ValidationFailed(
            "The ticket's services changed since you reviewed them; review them again.",
            details={
                "missing": sorted(set(current) - set(confirmed)),
                "unknown": sorted(set(confirmed) - set(current)),
            },
        )
    result = []
    for index, item in enumerate(data.line_items):
        line = current[str(item.line_item_id)]
        if line["pricing_mode"] != "flexible" and item.unit_price_cents != line["unit_price_cents"]:
            raise ValidationFailed(
                f"{line['description']} has a set price; only flexible prices change here.",
                details={
                    "fields": [
                        {
                            "field": f"line_items.{index}.unit_price_cents",
                            "message": "set by the service",
                        }
                    ]
                },
            )
        if line["pricing_mode"] == "fixed" and item.quantity != 1:
            raise ValidationFailed(f"{line['description']} is added once (quantity 1).")
        total = int((item.quantity * item.unit_price_cents).to_integral_value())
        result.append(
            {
                "line_item_id": str(line["id"]),
                "description": line["description"],
                "pricing_mode": line["pricing_mode"],
                "quantity": format(item.quantity.normalize(), "f"),
                "unit_price_cents": item.unit_price_cents,
                "total_cents": total,
                "changed": item.quantity != line["quantity"]
                or item.unit_price_cents != line["unit_price_cents"],
            }
        )
    items = sum(line["total_cents"] for line in result)
    for line in lines:
        if line.get("kind", "item") != "discount":
            continue
        bp = line.get("percent_bp")
        amount = -((items * bp + 5000) // 10000) if bp else int(line["unit_price_cents"])
        result.append(
            {
                "line_item_id": str(line["id"]),
                "description": line["description"],
                "pricing_mode": line["pricing_mode"],
                "quantity": "1",
                "unit_price_cents": amount,
                "total_cents": amount,
                "changed": False,  # the database reprices a percent discount itself
            }
        )
    return result


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _follow_up(data: CloseOutPreview, timezone: str) -> dict[str, Any]:
    step = data.next_step
    if isinstance(step, ReachOut):
        zone = get_zone(timezone)
        local_day = _add_months(utc_now().astimezone(zone).date(), step.months)
        when = datetime.combine(local_day, time(REACH_OUT_HOUR), tzinfo=zone)
        return {"kind": "reach_out", "months": step.months, "scheduled_for": when.isoformat()}
    if isinstance(step, ScheduleNow):
        if step.start <= utc_now():
            raise ValidationFailed(
                "The next visit must be in the future.",
                details={"fields": [{"field": "next_step.start", "message": "in the past"}]},
            )
        return {
            "kind": "schedule_now",
            "start": step.start.isoformat(),
            "duration_minutes": step.duration_minutes,
        }
    return {"kind": "none"}


def _place(proposals: list[dict[str, Any]], ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """Each proposal with the place it is about: a property fact (docs/property-facts.md) goes
    to the ticket's address, anything else to the customer."""
    address = str(ticket["address_id"]) if ticket["address_id"] else None
    return [{**p, "address_id": address if is_property_fact(p["key"]) else None} for p in proposals]


def _conflicts(conn: Connection, contact_id: UUID, proposals: list[dict[str, Any]]) -> list[Any]:
    """Proposals that meet a fact on file for the same key at the same place."""
    existing = {
        (row["key"], str(row["address_id"]) if row["address_id"] else None): row
        for row in conn.execute(
            "SELECT key, value, source, address_id FROM attributes WHERE contact_id = %s",
            (contact_id,),
        ).fetchall()
    }
    conflicts = []
    for proposal in proposals:
        row = existing.get((proposal["key"], proposal.get("address_id")))
        if row is None:
            continue
        conflicts.append(
            {
                "key": proposal["key"],
                "address_id": proposal.get("address_id"),
                "existing_value": row["value"],
                "existing_source": row["source"],
                "proposed_value": proposal["value"],
                "same": row["value"] == proposal["value"],
            }
        )
    return conflicts


@REGISTRY.action("ticket", "close_out_preview", input=CloseOutPreview, staged=True)
def preview(context: ActionContext, data: CloseOutPreview) -> dict[str, Any]:
    """Check every close-out step, run extraction on the notes, and return a draft to confirm.

    Three steps, so no connection waits on the model: check in one short unit of work, extract
    holding nothing, then store the draft in a second unit of work that re-checks the ticket.
    """
    user = context.user
    with context.unit_of_work() as conn:
        ticket, lines, confirmed = _checked(conn, data)
        follow_up = _follow_up(data, user.timezone)
        seen = fingerprint(ticket, lines)
    result = context.extractor.extract(data.notes, user_id=user.user_id)
    proposals = _place([p.as_dict() for p in result.proposals], ticket)
    subtotal = sum(line["total_cents"] for line in confirmed)
    payload = {
        "input": data.model_dump(mode="json"),
        "proposals": proposals,
        "extraction": result.as_dict(),
        "follow_up": follow_up,
        "lines": confirmed,
        "subtotal_cents": subtotal,
    }
    with context.unit_of_work() as conn:
        ticket = ticket_service.get(conn, data.ticket_id, lock=True)
        require_in_progress(ticket)
        if fingerprint(ticket, current_lines(conn, data.ticket_id)) != seen:
            raise Conflict(
                "The ticket changed while its notes were being read; review the close-out again.",
                details={"ticket_id": str(data.ticket_id)},
            )
        draft = _store_draft(conn, data.ticket_id, payload, seen, result.route)
        conflicts = _conflicts(conn, ticket["contact_id"], proposals)
    return {
        "draft_id": draft["id"],
        "expires_at": draft["expires_at"],
        "ticket_id": data.ticket_id,
        "duration_minutes": data.duration_minutes,
        "line_items": confirmed,
        "subtotal_cents": subtotal,
        "notes": data.notes,
        "proposed_attributes": proposals,
        "conflicts": conflicts,
        "extraction": result.as_dict(),
        "follow_up": follow_up,
    }


def _checked(
    conn: Connection, data: CloseOutPreview
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The ticket, its lines and the confirmed lines, or the first rule the input breaks."""
    ticket = ticket_service.get(conn, data.ticket_id)
    require_in_progress(ticket)
    lines = current_lines(conn, data.ticket_id)
    confirmed = _check_lines(data, lines)
    if ticket["is_price_estimated"] and not data.confirm_estimated_prices:
        raise ValidationFailed(
            "This ticket's price was an estimate: confirm the final prices.",
            details={"fields": [{"field": "confirm_estimated_prices", "message": "must be true"}]},
        )
    return ticket, lines, confirmed


def _store_draft(
    conn: Connection, ticket_id: UUID, payload: dict[str, Any], fingerprint: str, route: str
) -> dict[str, Any]:
    conn.execute("DELETE FROM closeout_drafts WHERE ticket_id = %s", (ticket_id,))
    draft = conn.execute(
        "INSERT INTO closeout_drafts (user_id, ticket_id, payload, fingerprint) VALUES "
        "(current_setting('app.current_user_id')::uuid, %s, %s, %s) RETURNING id, expires_at",
        (ticket_id, Jsonb(payload), fingerprint),
    ).fetchone()
    assert draft is not None
    audit.record(
        conn,
        entity_type="ticket",
        entity_id=ticket_id,
        action="close_out_preview",
        changes={
            "draft_id": {"old": None, "new": draft["id"]},
            "extraction_route": {"old": None, "new": route},
        },
    )
    return draft
