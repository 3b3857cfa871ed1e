"""The close-out wizard's three steps as fields: their starting values, a post read into them,
and the preview input they make (or the messages to show next to them).

The routes are in crm/web/closeout.py and keep the values in crm/web/closeout_state.py. The
bounds come from the action's input models, so a step cannot drift from what the preview takes.
"""

from __future__ import annotations

from typing import Any

from crm.core.models.closeout import CloseOutPreview, ConfirmedLine
from crm.core.sanitise import REDACTED, redact
from crm.web.closeout_review import next_step_input
from crm.web.formats import dollars, quantity
from crm.web.forms import Form, limits, parse_cents, parse_int, parse_quantity

STEPS = ("work", "notes", "next")
TITLES = {"work": "Work done", "notes": "Notes", "next": "Next step", "review": "Review"}
WORKED = limits(CloseOutPreview, "duration_minutes")
NOTES = limits(CloseOutPreview, "notes")
QUANTITY = limits(ConfirmedLine, "quantity")
PRICE = limits(ConfirmedLine, "unit_price_cents")
NEXT_KEYS = ("next_kind", "months", "next_date", "next_time")
# The longest value kept for any field: notes at their limit and one more character, so an
# overlong note is still refused with its message rather than cut silently.
LONGEST = (NOTES.max_length or 20_000) + 1


def step_of(key: str) -> str:
    """The step a field belongs to."""
    if key in ("duration", "confirm") or key.startswith(("qty-", "price-")):
        return "work"
    return "notes" if key in ("notes", "redacted") else "next"


def first_step(fields: dict[str, str]) -> str:
    """The earliest step with a problem: where the wizard sends the person to fix it."""
    for step in STEPS:
        if any(step_of(key) == step for key in fields):
            return step
    return "work"


def _items(ticket: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in ticket["line_items"] if line.get("kind", "item") != "discount"]


def step_keys(ticket: dict[str, Any], step: str) -> list[str]:
    """The fields a step's form posts, for the ticket's current lines."""
    if step == "work":
        keys = ["duration", "confirm"]
        for line in _items(ticket):
            if line["pricing_mode"] != "fixed":
                keys.append(f"qty-{line['id']}")
            if line["pricing_mode"] == "flexible":
                keys.append(f"price-{line['id']}")
        return keys
    return ["notes"] if step == "notes" else list(NEXT_KEYS)


def defaults(ticket: dict[str, Any]) -> dict[str, str]:
    """A wizard not started yet: the minutes from the clock and the ticket's own lines."""
    values = {
        "duration": str(ticket["clocked_minutes"]),
        "notes": "",
        "next_kind": "",
        "months": "6",
        "next_date": "",
        "next_time": "09:00",
    }
    for line in ticket["line_items"]:
        values[f"qty-{line['id']}"] = quantity(line["quantity"])
        if line["pricing_mode"] == "flexible":
            values[f"price-{line['id']}"] = dollars(line["unit_price_cents"])
    return values


def current(ticket: dict[str, Any], kept: dict[str, str]) -> dict[str, str]:
    """What was kept, over the defaults: only known fields, of lines the ticket still has."""
    known = {"confirm", "redacted", *defaults(ticket)}
    return {**defaults(ticket), **{k: v for k, v in kept.items() if k in known}}


def read_step(
    ticket: dict[str, Any], values: dict[str, str], form: Form, step: str
) -> tuple[dict[str, str], list[str]]:
    """``values`` with one step's fields as posted (a field left out is blank, as an unticked
    box is), the notes redacted; and the kinds of number removed from them, if any."""
    out = dict(values)
    for key in step_keys(ticket, step):
        out[key] = form.get(key, "")[:LONGEST]
    if step != "notes":
        return out, []
    cleaned, found = redact(out["notes"])
    kept_flag = values.get("redacted") == "1" and REDACTED in cleaned
    out["notes"], out["redacted"] = cleaned, "1" if found.any or kept_flag else ""
    return out, found.kinds()


def check(
    ticket: dict[str, Any], values: dict[str, str], steps: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The preview input for the given steps, or per-field messages (input names)."""
    fields: dict[str, str] = {}
    data: dict[str, Any] = {"ticket_id": ticket["id"]}
    if "work" in steps:
        data.update(_work(ticket, values, fields))
    if "notes" in steps:
        data["notes"] = values.get("notes", "")
        if NOTES.max_length is not None and len(data["notes"]) > NOTES.max_length:
            fields["notes"] = (
                f"The notes are too long: keep them to {NOTES.max_length:,} characters."
            )
    if "next" in steps:
        data["next_step"], more = next_step_input(values)
        fields.update(more)
    return data, fields


def _work(ticket: dict[str, Any], values: dict[str, str], fields: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"line_items": []}
    try:
        data["duration_minutes"] = parse_int(
            values.get("duration", ""), limits=WORKED, message="Type the minutes worked, {span}."
        )
    except ValueError as exc:
        fields["duration"] = str(exc)
    for line in _items(ticket):  # discounts follow the confirmed items
        lid = str(line["id"])
        item: dict[str, Any] = {
            "line_item_id": lid,
            "quantity": line["quantity"],
            "unit_price_cents": line["unit_price_cents"],
        }
        if line["pricing_mode"] != "fixed":
            try:
                item["quantity"] = parse_quantity(
                    values.get(f"qty-{lid}", ""), required=True, limits=QUANTITY
                )
            except ValueError as exc:
                fields[f"qty-{lid}"] = str(exc)
        if line["pricing_mode"] == "flexible":
            try:
                item["unit_price_cents"] = parse_cents(
                    values.get(f"price-{lid}", ""), required=True, limits=PRICE
                )
            except ValueError as exc:
                fields[f"price-{lid}"] = str(exc)
        data["line_items"].append(item)
    data["confirm_estimated_prices"] = values.get("confirm") == "1"
    if ticket["is_price_estimated"] and not data["confirm_estimated_prices"]:
        fields["confirm"] = "The price was an estimate: check the prices, then tick this box."
    return data
