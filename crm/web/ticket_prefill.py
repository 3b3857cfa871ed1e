"""What the new-ticket form fills in: the day (a calendar slot), the minutes (the catalog's usual
times), or everything from another ticket to book again.

"Book again" (a cancelled or no-show visit on the calendar) opens ``/tickets/new?again=<id>``:
a new ticket with the same customer, address, services, minutes, crew and title, so only the
day is left to pick. The old ticket stays as it was, in the history; reopening it instead is
on its own page.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import Request

from crm.core.models.ticket import LineItemAdd, TicketCreate
from crm.errors import NotFound
from crm.utils.timezone import get_zone, to_business_time, utc_now
from crm.web.common import read
from crm.web.formats import dollars, quantity
from crm.web.forms import limits, parse_quantity

DURATION = limits(TicketCreate, "duration_minutes")
QUANTITY = limits(LineItemAdd, "quantity")


def defaults(start: str | None, on: str | None, timezone: str) -> dict[str, str]:
    """The day and time from a calendar slot or a day; else the next whole hour."""
    values = {"duration": "60", "duration_auto": "60", "date": "", "time": ""}
    try:
        if start:
            moment = datetime.fromisoformat(start)
            values["date"], values["time"] = moment.date().isoformat(), moment.strftime("%H:%M")
        elif on:
            values["date"], values["time"] = date.fromisoformat(on).isoformat(), "09:00"
    except ValueError:
        pass
    if not values["date"]:
        local_now = utc_now().astimezone(get_zone(timezone))
        upcoming = local_now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        values["date"], values["time"] = upcoming.date().isoformat(), upcoming.strftime("%H:%M")
    return values


def catalog_minutes(services: list[dict[str, Any]], values: dict[str, Any]) -> int | None:
    """How long the picked lines usually take, by the catalog; None when nothing is picked.

    A per-unit service's usual time is for one unit (5 minutes a window), so it is multiplied
    by the quantity; any other service counts its usual time once. The sum is rounded up to
    the form's 5-minute step and kept within a ticket's bounds.
    """
    total, picked = Decimal(0), False
    for service in services:
        raw = str(values.get(f"qty-{service['id']}", "")).strip()
        if not raw or raw == "0":
            continue
        count = Decimal(1)
        if service["pricing_mode"] == "per_unit":
            try:
                count = parse_quantity(raw, required=True, limits=QUANTITY)
            except ValueError:
                continue
        picked = True
        total += count * service["default_duration_minutes"]
    if not picked or total <= 0:
        return None
    minutes = math.ceil(total / 5) * 5
    return int(min(max(minutes, DURATION.low or 5), DURATION.high or 1440))


def fill_duration(values: dict[str, Any], services: list[dict[str, Any]]) -> None:
    """Fill the duration from the catalog unless the owner typed their own."""
    typed = values.get("duration", "")
    if typed and typed != values.get("duration_auto"):
        return
    minutes = str(catalog_minutes(services, values) or 60)
    values["duration"] = values["duration_auto"] = minutes


def again(request: Request, ticket_id: str, timezone: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form's values copied from a ticket, and what the page says about it.

    The visit keeps its time of day, on the next day that time is still ahead. A line whose
    service was retired since is left out, and the page names it.
    """
    try:
        ticket = read(request, "tickets", id=UUID(ticket_id), include="line_items,staff")
    except ValueError as exc:
        raise NotFound("No such ticket to book again.") from exc
    local_now = utc_now().astimezone(get_zone(timezone))
    at = to_business_time(ticket["scheduled_start"], timezone)
    day = local_now.date() + timedelta(days=0 if at.time() > local_now.time() else 1)
    values: dict[str, Any] = {
        "contact_id": str(ticket["contact_id"]),
        "address_id": str(ticket["address_id"] or ""),
        "date": day.isoformat(),
        "time": at.strftime("%H:%M"),
        "duration": str(ticket["duration_minutes"]),
        "duration_auto": "",  # the old visit's minutes, kept as if typed
        "staff_ids": [str(s["id"]) for s in ticket["staff"]],
        "title": ticket["title"] or "",
        "estimated": "1" if ticket["is_price_estimated"] else "",
    }
    offered = {str(s["id"]) for s in read(request, "services", limit=1000)}
    left_out: list[str] = []
    for line in ticket["line_items"]:
        sid = str(line["service_id"] or "")
        if line["kind"] != "item" or not sid:
            continue
        if sid not in offered:
            left_out.append(line["description"])
            continue
        fixed = line["pricing_mode"] == "fixed"
        values[f"qty-{sid}"] = "1" if fixed else quantity(line["quantity"])
        if line["pricing_mode"] == "flexible":
            values[f"price-{sid}"] = dollars(line["unit_price_cents"])
    return values, {"ticket": ticket, "left_out": left_out}
