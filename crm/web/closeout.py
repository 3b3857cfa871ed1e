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

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.models.closeout import CloseOutPreview, ConfirmedLine
from crm.dependencies import CurrentUser
from crm.utils.timezone import business_today
from crm.web.closeout_review import (
    MONTHS,
    decision_errors,
    follow_up_text,
    next_step_input,
    preview_inputs,
    proposals,
    read_decisions,
)
from crm.web.common import page, perform, read, redirect, render
from crm.web.formats import dollars, quantity
from crm.web.forms import (
    Form,
    FormData,
    limits,
    parse_cents,
    parse_int,
    parse_quantity,
)
from crm.web.tickets import conflict_status

router = APIRouter(include_in_schema=False)

STEPS = ("work", "notes", "next")
TITLES = {"work": "Work done", "notes": "Notes", "next": "Next step", "review": "Review"}
WORKED = limits(CloseOutPreview, "duration_minutes")
NOTES = limits(CloseOutPreview, "notes")
QUANTITY = limits(ConfirmedLine, "quantity")
PRICE = limits(ConfirmedLine, "unit_price_cents")
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
        request, "tickets", id=ticket_id, include="line_items,time_entries,contact,notes"
    )
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
        values[f"qty-{line['id']}"] = quantity(line["quantity"])
        if line["pricing_mode"] == "flexible":
            values[f"price-{line['id']}"] = dollars(line["unit_price_cents"])
    return values


def _state(form: Form, ticket: dict[str, Any]) -> dict[str, str]:
    """What the form carries, over the defaults; only known fields, of current lines."""
    values = _defaults(ticket)
    lines = {f"{p}-{line['id']}" for line in ticket["line_items"] for p in ("qty", "price")}
    values.update((k, v) for k, v in form.items() if k in _STATE_KEYS or k in lines)
    return values


def _check(
    ticket: dict[str, Any], values: dict[str, str], steps: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The preview input for the given steps, or per-field messages (input names)."""
    fields: dict[str, str] = {}
    data: dict[str, Any] = {"ticket_id": ticket["id"]}
    if "work" in steps:
        try:
            data["duration_minutes"] = parse_int(
                values.get("duration", ""),
                limits=WORKED,
                message="Type the minutes worked, {span}.",
            )
        except ValueError as exc:
            fields["duration"] = str(exc)
        data["line_items"] = []
        for line in ticket["line_items"]:
            if line.get("kind", "item") == "discount":
                continue  # discounts follow the confirmed items
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
        worked=WORKED,
        notes_limit=NOTES.max_length,
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
@page
def start(request: Request, ticket_id: UUID) -> Response:
    """Step 1, prefilled from the clock and the ticket's lines."""
    ticket = _ticket(request, ticket_id)
    return _blocked(request, ticket) or _page(request, ticket, "work", _defaults(ticket))


@router.post("/tickets/{ticket_id}/close/{step}", response_class=HTMLResponse)
def step_page(request: Request, ticket_id: UUID, step: str, form: FormData) -> Response:
    """A step with what was entered so far; the steps before it are checked first."""
    ticket = _ticket(request, ticket_id)
    blocked = _blocked(request, ticket)
    if blocked:
        return blocked
    values = _state(form, ticket)
    if step == "review":
        return _review(request, ticket, values)
    if step == "complete":
        return _complete(request, ticket, values, form)
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
        mapped = preview_inputs(outcome.fields, [str(line["id"]) for line in ticket["line_items"]])
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
        proposals=proposals(draft, chosen or {}),
        attribute_errors=attribute_errors or {},
        follow_up=follow_up_text(draft["follow_up"]),
    )


def _complete(
    request: Request, ticket: dict[str, Any], values: dict[str, str], form: Form
) -> Response:
    chosen, decisions, errors = read_decisions(form)
    if errors:
        return _review(
            request,
            ticket,
            values,
            chosen=chosen,
            error="The ticket is not completed yet. Please fix the highlighted facts.",
            attribute_errors=errors,
        )
    data = {"ticket_id": ticket["id"], "draft_id": form.get("draft_id", ""), "decisions": decisions}
    outcome = perform(request, "ticket", "close", data)
    if outcome.ok:
        return redirect(f"/tickets/{ticket['id']}/close/done", "completed")
    if _ticket(request, ticket["id"])["status"] == "completed":  # a second tap
        return redirect(f"/tickets/{ticket['id']}/close/done")
    return _review(
        request,
        ticket,
        values,
        chosen=chosen,
        error=f"The ticket is not completed yet: {outcome.error}",
        attribute_errors=decision_errors(outcome.fields, decisions),
    )


# -- done ------------------------------------------------------------------------------------


@router.get("/tickets/{ticket_id}/close/done", response_class=HTMLResponse)
@page
def done(request: Request, ticket_id: UUID, user: CurrentUser) -> Response:
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
        **{"from": business_today(user.timezone).isoformat()},
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
