"""The catalog service picker's fields read back: ``qty-<id>`` (a tick for a fixed-price
service) and ``price-<id>`` (a flexible one's price), as the new-ticket and the plan forms send
them (the ``service_picker`` macro in crm/templates/tickets/_macros.html)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm.core.models.ticket import LineItemAdd
from crm.web.forms import limits, parse_cents, parse_quantity

QUANTITY = limits(LineItemAdd, "quantity")
PRICE = limits(LineItemAdd, "unit_price_cents")


def picked_services(
    values: Any, services: list[dict[str, Any]], fields: dict[str, str]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each service given a quantity (or ticked), with its line: ``{"service_id", "quantity"}``
    and, for a flexible price typed, ``unit_price_cents``. Problems go into ``fields`` under
    the input's name."""
    picked = []
    for service in services:
        sid = str(service["id"])
        raw = str(values.get(f"qty-{sid}", "") or "").strip()
        if not raw or raw == "0":
            continue
        line: dict[str, Any] = {"service_id": sid, "quantity": Decimal(1)}
        if service["pricing_mode"] != "fixed":
            try:
                line["quantity"] = parse_quantity(raw, required=True, limits=QUANTITY)
            except ValueError as exc:
                fields[f"qty-{sid}"] = str(exc)
        if service["pricing_mode"] == "flexible":
            try:
                price = str(values.get(f"price-{sid}", "") or "")
                if (cents := parse_cents(price, required=False, limits=PRICE)) is not None:
                    line["unit_price_cents"] = cents
            except ValueError as exc:
                fields[f"price-{sid}"] = str(exc)
        picked.append((service, line))
    return picked
