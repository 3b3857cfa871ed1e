"""Page action: money off a ticket — a fixed amount or a percent (`line_item.add_discount`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.line_item import LineItemDiscount
from crm.web.forms import FormData, limits, parse_cents, parse_percent
from crm.web.tickets import _act, _detail

router = APIRouter(include_in_schema=False)

AMOUNT = limits(LineItemDiscount, "amount_cents")
PERCENT = limits(LineItemDiscount, "percent_bp")
FIELD_NAMES = {"amount_cents": "discount", "percent_bp": "discount", "description": "discount_note"}


@router.post("/tickets/{ticket_id}/discount", response_class=HTMLResponse)
def add_discount(request: Request, ticket_id: UUID, form: FormData) -> Response:
    """ "$10" or "10%" in one box: the sign says which."""
    typed = form.get("discount", "").strip()
    data: dict[str, Any] = {"ticket_id": ticket_id}
    if form.get("discount_note", "").strip():
        data["description"] = form["discount_note"].strip()
    try:
        if typed.endswith("%"):
            data["percent_bp"] = parse_percent(typed, required=True, limits=PERCENT)
        else:
            data["amount_cents"] = parse_cents(typed, required=True, limits=AMOUNT)
    except ValueError as exc:
        return _detail(
            request,
            ticket_id,
            status=422,
            form="discount",
            error="The discount was not added.",
            fields={"discount": str(exc) or "Type an amount like 10 or a percent like 10%."},
            values=form,
        )
    return _act(
        request,
        ticket_id,
        "line_item",
        "add_discount",
        data,
        notice="saved",
        form="discount",
        names={
            "amount_cents": "discount",
            "percent_bp": "discount",
            "description": "discount_note",
        },
        values=form,
    )
