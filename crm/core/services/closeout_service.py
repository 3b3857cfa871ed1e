"""Close-out, step two: complete the ticket as previewed, in one transaction.

docs/closeout.md. `ticket.close` names the draft stored by the preview (closeout_preview) and
decides on every proposed attribute; the ticket, its note, the decided attributes and the
follow-up are saved together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from crm.clients.postgres_client import Connection
from crm.core.exceptions import CloseOutDraftInvalid
from crm.core.models.closeout import CloseOutPreview, CloseTicket, ScheduleNow
from crm.core.models.common import format_money
from crm.core.models.ticket import LineItemAdd, TicketCreate
from crm.core.registry import REGISTRY
from crm.core.services import (
    attribute_service,
    base,
    contact_service,
    line_item_service,
    ticket_service,
)
from crm.core.services.closeout_preview import current_lines, fingerprint, require_in_progress
from crm.core.vocabulary import VocabularyError, normalise_value
from crm.errors import ValidationFailed
from crm.utils.user_context import get_current_user


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
    require_in_progress(ticket)
    lines = current_lines(conn, data.ticket_id)
    if fingerprint(ticket, lines) != draft["fingerprint"]:
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
    ticket_service.stop_clock(conn, data.ticket_id)
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
    # A draft from before property facts has no address_id: the same rule places it now.
    address_id = attribute.get("address_id")
    place = UUID(address_id) if address_id else None
    if "address_id" not in attribute:
        place = attribute_service.place_for(conn, ticket["contact_id"], attribute["key"], None)
    existing = attribute_service.find(conn, ticket["contact_id"], attribute["key"], place)
    if existing:
        return base.update_row(
            conn, "attributes", existing["id"], values, label="attribute", entity_type="attribute"
        )
    return base.insert_row(
        conn,
        "attributes",
        {
            "contact_id": ticket["contact_id"],
            "address_id": place,
            "key": attribute["key"],
            **values,
        },
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
                "templated": True,
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
        _copy_services(conn, ticket["id"], new_ticket["id"])
        return {"kind": "schedule_now", "ticket": new_ticket}
    return {"kind": "none"}


def _copy_services(conn: Connection, done_id: UUID, next_id: UUID) -> None:
    """The next visit gets this visit's services as confirmed (quantities; a flexible price as
    charged; set prices at today's catalog price). A service retired since comes along as a
    custom line with its last price. Discounts were for this visit and are not copied."""
    rows = conn.execute(
        "SELECT l.*, s.retired_at FROM line_items l LEFT JOIN services s ON s.id = l.service_id "
        "WHERE l.ticket_id = %s AND l.kind = 'item' ORDER BY l.position, l.created_at",
        (done_id,),
    ).fetchall()
    for line in rows:
        live = line["service_id"] is not None and line["retired_at"] is None
        line_item_service.add_line_item(
            conn,
            LineItemAdd(
                ticket_id=next_id,
                service_id=line["service_id"] if live else None,
                description=line["description"],
                quantity=line["quantity"],
                unit_price_cents=(
                    line["unit_price_cents"]
                    if not live or line["pricing_mode"] == "flexible"
                    else None
                ),
            ),
        )
