"""The forced close-out: preview everything (with extraction), then complete in one transaction.

DESIGN.md section 5. The preview commits nothing to the ticket; it stores a draft that
`ticket.close` must name, together with one decision per proposed attribute.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.core import audit, extraction
from crm.core.exceptions import CloseOutDraftInvalid
from crm.core.models.closeout import CloseOutPreview, CloseTicket, ReachOut, ScheduleNow
from crm.core.models.common import format_money
from crm.core.models.ticket import TicketCreate
from crm.core.registry import REGISTRY
from crm.core.services import base, contact_service, ticket_service
from crm.core.vocabulary import VocabularyError, normalise_value
from crm.errors import Conflict, TicketImmutable, ValidationFailed
from crm.utils.timezone import get_zone, utc_now
from crm.utils.user_context import get_current_user

REACH_OUT_HOUR = 9


def _require_in_progress(ticket: dict[str, Any]) -> None:
    if ticket["status"] == "completed":
        raise TicketImmutable()
    if ticket["status"] != "in_progress":
        raise Conflict(
            "Only a ticket in progress can be closed out. Clock in first.",
            details={"status": ticket["status"]},
        )


def _current_lines(conn: Connection, ticket_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT * FROM line_items WHERE ticket_id = %s ORDER BY position, created_at",
        (ticket_id,),
    ).fetchall()


def _fingerprint(ticket: dict[str, Any], lines: list[dict[str, Any]]) -> str:
    """Changes to the ticket or its lines after the preview make the draft stale."""
    parts = [str(ticket["updated_at"])] + [f"{line['id']}:{line['updated_at']}" for line in lines]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _check_lines(data: CloseOutPreview, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The confirmed list must be exactly the ticket's lines, priced by their modes."""
    current = {str(line["id"]): line for line in lines}
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


def _conflicts(conn: Connection, contact_id: UUID, proposals: list[dict[str, Any]]) -> list[Any]:
    existing = {
        row["key"]: row
        for row in conn.execute(
            "SELECT key, value, source FROM attributes WHERE contact_id = %s", (contact_id,)
        ).fetchall()
    }
    conflicts = []
    for proposal in proposals:
        row = existing.get(proposal["key"])
        if row is None:
            continue
        conflicts.append(
            {
                "key": proposal["key"],
                "existing_value": row["value"],
                "existing_source": row["source"],
                "proposed_value": proposal["value"],
                "same": row["value"] == proposal["value"],
            }
        )
    return conflicts


@REGISTRY.action("ticket", "close_out_preview", input=CloseOutPreview)
def preview(conn: Connection, data: CloseOutPreview) -> dict[str, Any]:
    """Check every close-out step, run extraction on the notes, and return a draft to confirm."""
    user = get_current_user()
    ticket = ticket_service.get(conn, data.ticket_id)
    _require_in_progress(ticket)
    lines = _current_lines(conn, data.ticket_id)
    confirmed = _check_lines(data, lines)
    if ticket["is_price_estimated"] and not data.confirm_estimated_prices:
        raise ValidationFailed(
            "This ticket's price was an estimate: confirm the final prices.",
            details={"fields": [{"field": "confirm_estimated_prices", "message": "must be true"}]},
        )
    follow_up = _follow_up(data, user.timezone)
    result = extraction.extractor().extract(data.notes, user_id=user.user_id)
    proposals = [p.as_dict() for p in result.proposals]
    subtotal = sum(line["total_cents"] for line in confirmed)
    payload = {
        "input": data.model_dump(mode="json"),
        "proposals": proposals,
        "extraction": result.as_dict(),
        "follow_up": follow_up,
        "lines": confirmed,
        "subtotal_cents": subtotal,
    }
    conn.execute("DELETE FROM closeout_drafts WHERE ticket_id = %s", (data.ticket_id,))
    draft = conn.execute(
        "INSERT INTO closeout_drafts (user_id, ticket_id, payload, fingerprint) VALUES "
        "(current_setting('app.current_user_id')::uuid, %s, %s, %s) RETURNING id, expires_at",
        (data.ticket_id, Jsonb(payload), _fingerprint(ticket, lines)),
    ).fetchone()
    assert draft is not None
    audit.record(
        conn,
        entity_type="ticket",
        entity_id=data.ticket_id,
        action="close_out_preview",
        changes={
            "draft_id": {"old": None, "new": draft["id"]},
            "extraction_route": {"old": None, "new": result.route},
        },
    )
    return {
        "draft_id": draft["id"],
        "expires_at": draft["expires_at"],
        "ticket_id": data.ticket_id,
        "duration_minutes": data.duration_minutes,
        "line_items": confirmed,
        "subtotal_cents": subtotal,
        "notes": data.notes,
        "proposed_attributes": proposals,
        "conflicts": _conflicts(conn, ticket["contact_id"], proposals),
        "extraction": result.as_dict(),
        "follow_up": follow_up,
    }


def _load_draft(conn: Connection, data: CloseTicket) -> dict[str, Any]:
    draft = conn.execute(
        "SELECT * FROM closeout_drafts WHERE id = %s AND ticket_id = %s AND expires_at > now()",
        (data.draft_id, data.ticket_id),
    ).fetchone()
    if draft is None:
        raise CloseOutDraftInvalid()
    return draft


def _decided_values(proposals: list[dict[str, Any]], data: CloseTicket) -> list[dict[str, Any]]:
    """One decision per proposed attribute; returns the attributes to store."""
    by_key = {p["key"]: p for p in proposals}
    keys = [d.key for d in data.decisions]
    if len(set(keys)) != len(keys) or set(keys) != set(by_key):
        raise ValidationFailed(
            "Decide on every proposed attribute exactly once: accept, edit or reject.",
            details={
                "undecided": sorted(set(by_key) - set(keys)),
                "unknown": sorted(set(keys) - set(by_key)),
            },
        )
    chosen = []
    for index, decision in enumerate(data.decisions):
        proposal = by_key[decision.key]
        if decision.decision == "reject":
            continue
        if decision.decision == "accept":
            chosen.append(proposal)
            continue
        try:
            value = normalise_value(decision.key, decision.value)
        except VocabularyError as exc:
            raise ValidationFailed(
                str(exc),
                details={"fields": [{"field": f"decisions.{index}.value", "message": str(exc)}]},
            ) from exc
        chosen.append({**proposal, "value": value, "source": "manual", "confidence": 1.0})
    return chosen


@REGISTRY.action("ticket", "close", input=CloseTicket)
def close(conn: Connection, data: CloseTicket) -> dict[str, Any]:
    """Complete the ticket as previewed: note, decided attributes, follow-up — all or nothing."""
    user = get_current_user()
    ticket = ticket_service.get(conn, data.ticket_id, lock=True)
    draft = _load_draft(conn, data)
    _require_in_progress(ticket)
    lines = _current_lines(conn, data.ticket_id)
    if _fingerprint(ticket, lines) != draft["fingerprint"]:
        raise CloseOutDraftInvalid(
            "The ticket changed after the preview; review the close-out again."
        )
    payload = draft["payload"]
    preview_input = CloseOutPreview.model_validate(payload["input"])
    attributes = _decided_values(payload["proposals"], data)

    for line in payload["lines"]:
        if line["changed"]:
            base.update_row(
                conn,
                "line_items",
                UUID(line["line_item_id"]),
                {"quantity": line["quantity"], "unit_price_cents": line["unit_price_cents"]},
                label="line item",
                entity_type="line_item",
            )
    conn.execute(
        "UPDATE time_entries SET ended_at = now() WHERE ticket_id = %s AND ended_at IS NULL",
        (data.ticket_id,),
    )
    base.update_row(
        conn,
        "tickets",
        data.ticket_id,
        {"worked_minutes": preview_input.duration_minutes},
        label="ticket",
        entity_type="ticket",
    )
    note = None
    if preview_input.notes.strip():
        note = base.insert_row(
            conn,
            "notes",
            {
                "contact_id": ticket["contact_id"],
                "ticket_id": data.ticket_id,
                "body": preview_input.notes,
            },
            entity_type="note",
        )
    stored = [
        _store_attribute(conn, ticket, attribute, note["id"] if note else None)
        for attribute in attributes
    ]
    completed = ticket_service.transition(
        conn, ticket_service.get(conn, data.ticket_id), "completed"
    )
    next_step = _create_next_step(conn, ticket, payload["follow_up"], preview_input, user.timezone)
    conn.execute("DELETE FROM closeout_drafts WHERE ticket_id = %s", (data.ticket_id,))
    return {
        "ticket": completed,
        "note": note,
        "attributes": stored,
        "next_step": next_step,
        "total_formatted": format_money(payload["subtotal_cents"]),
        "invoice_prompt": {
            "domain": "invoice",
            "action": "create_from_ticket",
            "data": {"ticket_id": str(data.ticket_id)},
        },
    }


def _store_attribute(
    conn: Connection, ticket: dict[str, Any], attribute: dict[str, Any], note_id: UUID | None
) -> dict[str, Any]:
    values = {
        "value": Jsonb(attribute["value"]),
        "source": attribute["source"],
        "confidence": attribute["confidence"],
        "evidence": attribute["evidence"],
        "source_note_id": note_id,
        "source_ticket_id": ticket["id"],
    }
    existing = conn.execute(
        "SELECT id FROM attributes WHERE contact_id = %s AND key = %s",
        (ticket["contact_id"], attribute["key"]),
    ).fetchone()
    if existing:
        return base.update_row(
            conn, "attributes", existing["id"], values, label="attribute", entity_type="attribute"
        )
    return base.insert_row(
        conn,
        "attributes",
        {"contact_id": ticket["contact_id"], "key": attribute["key"], **values},
        entity_type="attribute",
    )


def _create_next_step(
    conn: Connection,
    ticket: dict[str, Any],
    follow_up: dict[str, Any],
    preview_input: CloseOutPreview,
    timezone: str,
) -> dict[str, Any]:
    if follow_up["kind"] == "reach_out":
        contact = contact_service.get(conn, ticket["contact_id"])
        business = conn.execute("SELECT business_name FROM users").fetchone()
        name = contact["first_name"] or contact["display_name"]
        message = base.insert_row(
            conn,
            "scheduled_messages",
            {
                "kind": "reach_out",
                "contact_id": ticket["contact_id"],
                "ticket_id": ticket["id"],
                "subject": "Time for your next window cleaning?",
                "body": (
                    f"Hi {name},\n\nIt has been a while since we cleaned your windows. "
                    "Would you like to book your next visit? Just reply to this email.\n\n"
                    f"{business['business_name'] if business else ''}"
                ),
                "scheduled_for": datetime.fromisoformat(follow_up["scheduled_for"]),
                "dedupe_key": f"reach_out:{ticket['id']}",
            },
            entity_type="message",
        )
        return {"kind": "reach_out", "message": message}
    if follow_up["kind"] == "schedule_now":
        step = preview_input.next_step
        assert isinstance(step, ScheduleNow)
        staff = conn.execute(
            "SELECT staff_id FROM ticket_staff WHERE ticket_id = %s", (ticket["id"],)
        ).fetchall()
        new_ticket = ticket_service.create(
            conn,
            TicketCreate(
                contact_id=ticket["contact_id"],
                address_id=ticket["address_id"],
                title=ticket["title"],
                scheduled_start=step.start,
                duration_minutes=step.duration_minutes or ticket["duration_minutes"],
                staff_ids=[row["staff_id"] for row in staff],
                is_price_estimated=ticket["is_price_estimated"],
            ),
        )
        return {"kind": "schedule_now", "ticket": new_ticket}
    return {"kind": "none"}
