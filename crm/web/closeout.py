"""Pages: the close-out wizard (docs/closeout.md) as plain forms, start to finish.

Every step posts the whole close-out so far — the other steps ride along in hidden fields — so
"Back" keeps what was typed, and nothing reaches the ticket before "Complete ticket":

GET  /tickets/{id}/close            step 1, Work: minutes worked (from the clock) and every line
                                    (quantity; price only for flexible lines), plus "I confirm the
                                    final prices" when the ticket's price was an estimate
POST /tickets/{id}/close/work       step 1 again, with what was entered (Back from step 2)
POST /tickets/{id}/close/notes      step 2, Notes (step 1 is checked first)
POST /tickets/{id}/close/next       step 3, Next step: nothing, reach out in N months, or
                                    schedule the next visit now
POST /tickets/{id}/close/review     runs ``ticket.close_out_preview``: the confirmation page with
                                    the proposed facts (accept / change / reject), conflicts with
                                    facts on file, totals and the follow-up; an error re-renders
                                    the step it belongs to
POST /tickets/{id}/close/complete   runs ``ticket.close`` with the draft and one decision per
                                    fact → 303 /tickets/{id}/close/done?notice=completed; an error
                                    shows the review again (with a fresh draft)
GET  /tickets/{id}/close/done       "Ticket completed": the invoice prompt, or skip to the calendar
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.vocabulary import VOCABULARY
from crm.utils.timezone import get_zone, utc_now
from crm.utils.user_context import get_current_user
from crm.web.common import Outcome, perform, read, redirect, render
from crm.web.tickets import (
    business_today,
    conflict_status,
    dollars,
    parse_cents,
    parse_quantity,
    qty_text,
)

router = APIRouter(include_in_schema=False)

STEPS = ("work", "notes", "next")
TITLES = {"work": "Work done", "notes": "Notes", "next": "Next step", "review": "Review"}
MONTHS = range(1, 25)
_STATE_KEYS = {
    "duration",
    "confirm",
    "notes",
    "redacted",
    "next_kind",
    "months",
    "next_date",
    "next_time",
}


def _step_of(key: str) -> str:
    if key in ("duration", "confirm") or key.startswith(("qty-", "price-")):
        return "work"
    return "notes" if key in ("notes", "redacted") else "next"


# -- the ticket and the carried state --------------------------------------------------------


def _ticket(request: Request, ticket_id: UUID) -> dict[str, Any]:
    ticket: dict[str, Any] = read(
        request, "tickets", id=ticket_id, include="line_items,time_entries,contact"
    )
    for line in ticket["line_items"]:
        line["qty"] = qty_text(line["quantity"])
    return ticket


def _defaults(ticket: dict[str, Any]) -> dict[str, str]:
    values = {
        "duration": str(ticket["clocked_minutes"]),
        "notes": "",
        "next_kind": "",
        "months": "6",
        "next_date": "",
        "next_time": "09:00",
    }
    for line in ticket["line_items"]:
        values[f"qty-{line['id']}"] = line["qty"]
        if line["pricing_mode"] == "flexible":
            values[f"price-{line['id']}"] = dollars(line["unit_price_cents"])
    return values


async def _state(request: Request, ticket: dict[str, Any]) -> dict[str, str]:
    """What the form carries, over the defaults; only known fields, of current lines."""
    form = await request.form()
    values = _defaults(ticket)
    lines = {f"{p}-{line['id']}" for line in ticket["line_items"] for p in ("qty", "price")}
    for key, value in form.items():
        if isinstance(value, str) and (key in _STATE_KEYS or key in lines):
            values[key] = value
    return values


def _check(
    ticket: dict[str, Any], values: dict[str, str], steps: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The preview input for the given steps, or per-field messages (input names)."""
    fields: dict[str, str] = {}
    data: dict[str, Any] = {"ticket_id": ticket["id"]}
    if "work" in steps:
        try:
            data["duration_minutes"] = int(values.get("duration", "").strip())
            if not 0 <= data["duration_minutes"] <= 1440:
                raise ValueError
        except ValueError:
            fields["duration"] = "Type the minutes worked, from 0 to 1440."
        data["line_items"] = []
        for line in ticket["line_items"]:
            lid = str(line["id"])
            item: dict[str, Any] = {
                "line_item_id": lid,
                "quantity": line["quantity"],
                "unit_price_cents": line["unit_price_cents"],
            }
            if line["pricing_mode"] != "fixed":
                try:
                    item["quantity"] = parse_quantity(values.get(f"qty-{lid}", ""))
                except ValueError as exc:
                    fields[f"qty-{lid}"] = str(exc)
            if line["pricing_mode"] == "flexible":
                try:
                    item["unit_price_cents"] = parse_cents(values.get(f"price-{lid}", ""))
                except ValueError as exc:
                    fields[f"price-{lid}"] = str(exc)
            data["line_items"].append(item)
        data["confirm_estimated_prices"] = values.get("confirm") == "1"
        if ticket["is_price_estimated"] and not data["confirm_estimated_prices"]:
            fields["confirm"] = "The price was an estimate: check the prices, then tick this box."
    if "notes" in steps:
        data["notes"] = values.get("notes", "")
        if len(data["notes"]) > 20000:
            fields["notes"] = "The notes are too long: keep them under 20,000 characters."
    if "next" in steps:
        data["next_step"], more = _next_step(values)
        fields.update(more)
    return data, fields


def _next_step(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    kind = values.get("next_kind", "")
    if kind == "none":
        return {"kind": "none"}, {}
    if kind == "reach_out":
        months = values.get("months", "")
        if not months.isdigit() or int(months) not in MONTHS:
            return {}, {"months": "Pick 1 to 24 months."}
        return {"kind": "reach_out", "months": int(months)}, {}
    if kind == "schedule_now":
        try:
            day = date.fromisoformat(values.get("next_date", ""))
            at = time.fromisoformat(values.get("next_time", ""))
        except ValueError:
            return {}, {"next_date": "Pick the day and time of the next visit."}
        start = datetime.combine(day, at, tzinfo=get_zone(get_current_user().timezone))
        if start <= utc_now():
            return {}, {"next_date": "The next visit must be in the future."}
        return {"kind": "schedule_now", "start": start}, {}
    return {}, {"next_kind": "Choose what happens next."}


def _first_step(fields: dict[str, str]) -> str:
    for step in STEPS:
        if any(_step_of(key) == step for key in fields):
            return step
    return "work"


# -- rendering -------------------------------------------------------------------------------


def _page(
    request: Request,
    ticket: dict[str, Any],
    step: str,
    values: dict[str, str],
    *,
    status: int = 200,
    error: str | None = None,
    fields: dict[str, str] | None = None,
    **extra: Any,
) -> HTMLResponse:
    # The other steps ride along unseen; the review page carries all of them.
    hidden = {k: v for k, v in values.items() if step == "review" or _step_of(k) != step}
    return render(
        request,
        f"closeout/{step}.html",
        status=status,
        section="tickets",
        ticket=ticket,
        step=step,
        steps=STEPS,
        titles=TITLES,
        values=values,
        hidden=hidden,
        error=error,
        fields=fields or {},
        months=MONTHS,
        **extra,
    )


def _blocked(request: Request, ticket: dict[str, Any]) -> Response | None:
    """A close-out only for a ticket in progress; a completed one goes to its page."""
    if ticket["status"] == "in_progress":
        return None
    if ticket["status"] == "completed":
        return redirect(f"/tickets/{ticket['id']}")
    return render(request, "closeout/blocked.html", status=409, section="tickets", ticket=ticket)


@router.get("/tickets/{ticket_id}/close", response_class=HTMLResponse)
def start(request: Request, ticket_id: UUID) -> Response:
    """Step 1, prefilled from the clock and the ticket's lines."""
    ticket = _ticket(request, ticket_id)
    return _blocked(request, ticket) or _page(request, ticket, "work", _defaults(ticket))


@router.post("/tickets/{ticket_id}/close/{step}", response_class=HTMLResponse)
async def step_page(request: Request, ticket_id: UUID, step: str) -> Response:
    """A step with what was entered so far; the steps before it are checked first."""
    ticket = _ticket(request, ticket_id)
    blocked = _blocked(request, ticket)
    if blocked:
        return blocked
    values = await _state(request, ticket)
    if step == "review":
        return _review(request, ticket, values)
    if step == "complete":
        return await _complete(request, ticket, values)
    if step not in STEPS:
        return _page(request, ticket, "work", values)
    _, fields = _check(ticket, values, STEPS[: STEPS.index(step)])
    if fields:
        first = _first_step(fields)
        return _page(
            request,
            ticket,
            first,
            values,
            status=422,
            error="Please fix the highlighted fields before going on.",
            fields=fields,
        )
    return _page(request, ticket, step, values)


# -- review: the preview and the decisions ---------------------------------------------------


def _preview_fields(fields: dict[str, str], ticket: dict[str, Any]) -> dict[str, str]:
    """The preview's field names (``line_items.0.quantity``) → the wizard's inputs."""
    lines = [str(line["id"]) for line in ticket["line_items"]]
    out: dict[str, str] = {}
    for name, message in fields.items():
        parts = name.split(".")
        if parts[0] == "line_items" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            lid = lines[index] if index < len(lines) else ""
            key = f"{'price' if parts[2] == 'unit_price_cents' else 'qty'}-{lid}"
        else:
            key = {
                "duration_minutes": "duration",
                "confirm_estimated_prices": "confirm",
                "notes": "notes",
            }.get(parts[0], "")
            if parts[0] == "next_step":
                key = "months" if parts[-1] == "months" else "next_date"
        out.setdefault(key or "duration", message)
    return out


def _review(
    request: Request,
    ticket: dict[str, Any],
    values: dict[str, str],
    *,
    chosen: dict[str, dict[str, str]] | None = None,
    error: str | None = None,
    attribute_errors: dict[str, str] | None = None,
) -> HTMLResponse:
    data, fields = _check(ticket, values, STEPS)
    if fields:
        return _page(
            request,
            ticket,
            _first_step(fields),
            values,
            status=422,
            error="Please fix the highlighted fields.",
            fields=fields,
        )
    outcome = perform(request, "ticket", "close_out_preview", data)
    if not outcome.ok:
        mapped = _preview_fields(outcome.fields, ticket)
        return _page(
            request,
            ticket,
            _first_step(mapped),
            values,
            status=conflict_status(outcome),
            error=outcome.error,
            fields=mapped,
        )
    draft = outcome.result
    # From here on the notes are carried as they will be stored: redacted.
    values = {**values, "notes": draft["notes"]}
    if outcome.redacted:
        values["redacted"] = "1"
    return _page(
        request,
        ticket,
        "review",
        values,
        status=422 if error else 200,
        error=error,
        draft=draft,
        redacted=values.get("redacted") == "1",
        proposals=_proposals(draft, chosen or {}),
        attribute_errors=attribute_errors or {},
        follow_up=_follow_up_text(draft["follow_up"]),
    )


def _value_text(kind: str, value: Any) -> str:
    """A value as a person reads (and types) it: 20+, yes, Monday, Friday."""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "count" and isinstance(value, dict):
        return f"{value.get('count')}{'+' if value.get('plus') else ''}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _shown(kind: str, value: Any) -> str:
    text = _value_text(kind, value)
    return text.replace("_", " ").capitalize() if kind in ("bool", "choice", "choices") else text


def _source_text(source: str) -> str:
    if source == "rules":
        return "found by the note rules"
    if source.startswith("llm:"):
        return f"suggested by the AI model ({source[4:]})"
    return "entered by hand" if source == "manual" else source


def _proposals(draft: dict[str, Any], chosen: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    conflicts = {c["key"]: c for c in draft["conflicts"]}
    out = []
    for index, proposal in enumerate(draft["proposed_attributes"]):
        key = proposal["key"]
        term = VOCABULARY.get(key)
        kind = term.kind if term else "text"
        conflict = conflicts.get(key)
        previous = chosen.get(key, {})
        out.append(
            {
                "index": index,
                "key": key,
                "label": re.sub(r"\s*\(.*?\)", "", term.description if term else key).capitalize(),
                "kind": kind,
                "choices": term.choices if term else (),
                "value": _shown(kind, proposal["value"]),
                "evidence": proposal["evidence"],
                "source": _source_text(proposal["source"]),
                "confidence": round(float(proposal["confidence"]) * 100),
                "conflict": conflict
                and {
                    "same": conflict["same"],
                    "value": _shown(kind, conflict["existing_value"]),
                    "source": _source_text(conflict["existing_source"]),
                },
                "decision": previous.get("decision", "accept"),
                "edit": previous.get("value", _value_text(kind, proposal["value"])),
            }
        )
    return out


def _follow_up_text(follow_up: dict[str, Any]) -> dict[str, Any]:
    kind = follow_up["kind"]
    if kind == "reach_out":
        return {"kind": kind, "when": follow_up["scheduled_for"], "months": follow_up["months"]}
    if kind == "schedule_now":
        return {"kind": kind, "when": follow_up["start"]}
    return {"kind": "none"}


_COUNT = re.compile(r"(\d{1,5})\s*(\+?)")


def parse_edit(kind: str, text: str) -> Any:
    """What a person typed as a new value → the vocabulary's shape (checked by the service)."""
    text = text.strip()
    if not text:
        raise ValueError("Type the new value, or choose Keep or Reject.")
    if kind == "bool":
        if text.lower() in ("yes", "no"):
            return text.lower() == "yes"
        raise ValueError("Choose yes or no.")
    if kind == "count":
        match = _COUNT.fullmatch(text)
        if not match:
            raise ValueError("Type a number like 20, or 20+ for “20 or more”.")
        return {"count": int(match.group(1)), "plus": bool(match.group(2))}
    if kind == "choices":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


async def _complete(request: Request, ticket: dict[str, Any], values: dict[str, str]) -> Response:
    form = await request.form()
    chosen: dict[str, dict[str, str]] = {}
    decisions: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    count = str(form.get("count", "0"))
    for index in range(int(count) if count.isdigit() else 0):
        key = str(form.get(f"key-{index}", ""))
        decision = str(form.get(f"decision-{index}", ""))
        text = str(form.get(f"value-{index}", ""))
        chosen[key] = {"decision": decision, "value": text}
        term = VOCABULARY.get(key)
        if decision not in ("accept", "edit", "reject"):
            errors[key] = "Choose keep, change or reject."
            continue
        entry: dict[str, Any] = {"key": key, "decision": decision}
        if decision == "edit":
            try:
                entry["value"] = parse_edit(term.kind if term else "text", text)
            except ValueError as exc:
                errors[key] = str(exc)
        decisions.append(entry)
    if errors:
        return _review(
            request,
            ticket,
            values,
            chosen=chosen,
            error="The ticket is not completed yet. Please fix the highlighted facts.",
            attribute_errors=errors,
        )
    outcome: Outcome = perform(
        request,
        "ticket",
        "close",
        {
            "ticket_id": ticket["id"],
            "draft_id": str(form.get("draft_id", "")),
            "decisions": decisions,
        },
    )
    if outcome.ok:
        return redirect(f"/tickets/{ticket['id']}/close/done", "completed")
    if _ticket(request, ticket["id"])["status"] == "completed":  # a second tap
        return redirect(f"/tickets/{ticket['id']}/close/done")
    for name, message in outcome.fields.items():
        parts = name.split(".")
        if parts[0] == "decisions" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(decisions):
                errors[decisions[index]["key"]] = message
    return _review(
        request,
        ticket,
        values,
        chosen=chosen,
        error=f"The ticket is not completed yet: {outcome.error}",
        attribute_errors=errors,
    )


# -- done ------------------------------------------------------------------------------------


@router.get("/tickets/{ticket_id}/close/done", response_class=HTMLResponse)
def done(request: Request, ticket_id: UUID) -> Response:
    """The ticket is completed: bill it now, or skip back to the calendar."""
    ticket = _ticket(request, ticket_id)
    if ticket["status"] != "completed":
        return redirect(f"/tickets/{ticket_id}")
    invoice = next(
        (i for i in read(request, "invoices", ticket_id=str(ticket_id)) if i["status"] != "void"),
        None,
    )
    reach_out = [
        m
        for m in read(request, "messages", ticket_id=str(ticket_id), status="pending")
        if m["kind"] == "reach_out"
    ]
    upcoming = read(
        request,
        "tickets",
        contact_id=str(ticket["contact_id"]),
        status="scheduled",
        limit=5,
        include="",
        **{"from": business_today().isoformat()},
    )
    return render(
        request,
        "closeout/done.html",
        section="tickets",
        ticket=ticket,
        invoice=invoice,
        reach_out=reach_out[0] if reach_out else None,
        next_visit=upcoming[0] if upcoming else None,
    )
