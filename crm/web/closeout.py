"""Pages: the close-out wizard (docs/closeout.md), Back- and refresh-safe, with or without JS.

Every step page holds all three steps' forms (the others hidden). Without JavaScript each step
is POST-redirect-GET: its POST saves the step's fields server-side (crm/web/closeout_state.py,
per user and ticket) and answers 303 to the next step's page, so Back and refresh only re-read
pages and what was typed stays. With JavaScript (crm/static/js/closeout.js) the steps switch in
the page with history.pushState, and only Review and Complete reach the server. Nothing reaches
the ticket before "Complete ticket":

GET  /tickets/{id}/close            step 1, Work: minutes worked (from the clock) and every line
                                    (quantity; price only for flexible lines), plus "I confirm the
                                    final prices" when the ticket's price was an estimate
GET  /tickets/{id}/close/notes      step 2, Notes; /close/next step 3, Next step: nothing, reach
                                    out in N months, or schedule the next visit now
POST /tickets/{id}/close/work       save the step → 303 to the next one (``go=back``: to the one
POST /tickets/{id}/close/notes      before, unchecked); a mistake re-renders the step (422)
POST /tickets/{id}/close/next       save it and run ``ticket.close_out_preview`` on every step →
                                    303 /close/review (with JS, which posts every step at once,
                                    the review itself, its URL then set by the script); an error
                                    shows the step it belongs to
GET  /tickets/{id}/close/review     the saved draft: proposed facts (keep / change / reject),
                                    conflicts with facts on file, totals and the follow-up
POST /tickets/{id}/close/complete   runs ``ticket.close`` with the draft and one decision per
                                    fact → 303 /tickets/{id}/close/done?notice=completed; an error
                                    shows the review again (with a fresh draft after a refusal)
GET  /tickets/{id}/close/done       "Ticket completed": the invoice prompt, or skip to the calendar

Any wizard URL of a ticket already completed (a second tab, another phone) shows "This ticket
is already completed" with its links; a second "Complete" lands on the done page.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.auth.security_middleware import auth_state
from crm.clients.valkey_client import ValkeyClient
from crm.errors import NotFound
from crm.utils.timezone import business_today
from crm.utils.user_context import get_current_user
from crm.web import closeout_state
from crm.web.closeout_done import done_page
from crm.web.closeout_review import (
    MONTHS,
    decision_errors,
    follow_up_text,
    preview_inputs,
    proposals,
    read_decisions,
)
from crm.web.closeout_state import Saved
from crm.web.closeout_steps import (
    NOTES,
    QUANTITY,
    STEPS,
    TITLES,
    WORKED,
    check,
    current,
    first_step,
    read_step,
)
from crm.web.common import page, perform, read, redirect, render
from crm.web.forms import Form, FormData
from crm.web.tickets import conflict_status

router = APIRouter(include_in_schema=False)

PAGES = (*STEPS, "review")


def _url(ticket: dict[str, Any], step: str) -> str:
    base = f"/tickets/{ticket['id']}/close"
    return base if step == "work" else f"{base}/{step}"


def _ticket(request: Request, ticket_id: UUID) -> dict[str, Any]:
    ticket: dict[str, Any] = read(
        request, "tickets", id=ticket_id, include="line_items,time_entries,contact,address,notes"
    )
    return ticket


# -- the saved steps -------------------------------------------------------------------------


def _valkey(request: Request) -> ValkeyClient:
    valkey: ValkeyClient = request.app.state.resources.valkey
    return valkey


def _load(request: Request, ticket: dict[str, Any]) -> Saved:
    saved = closeout_state.load(valkey=_valkey(request), ticket_id=ticket["id"])
    return Saved(current(ticket, saved.values), saved.draft)


def _save(request: Request, ticket: dict[str, Any], saved: Saved) -> None:
    closeout_state.save(valkey=_valkey(request), ticket_id=ticket["id"], saved=saved)


def _take(request: Request, ticket: dict[str, Any], form: Form, step: str) -> dict[str, str]:
    """Save the posted steps (the URL's, and with JS every step) over what was kept; a new
    input makes the old draft stale, so it is dropped."""
    values = _load(request, ticket).values
    posted = [s for s in STEPS if s == step or s in form.getlist("step")]
    removed: list[str] = []
    for each in posted:
        values, kinds = read_step(ticket, values, form, each)
        removed += kinds
    if removed:  # the same security event an action's redaction records
        request.app.state.auth.security.record(
            "redacted",
            client=auth_state(request).client,
            account_id=get_current_user().user_id,
            details={
                "action": "ticket.close_out_wizard",
                "fields": [{"field": "notes", "kinds": removed}],
            },
        )
    _save(request, ticket, Saved(values))
    return values


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
    draft: dict[str, Any] | None = None,
    chosen: dict[str, dict[str, str]] | None = None,
    attribute_errors: dict[str, str] | None = None,
) -> HTMLResponse:
    review: dict[str, Any] = {}
    if draft is not None:
        review = {
            "draft": draft,
            "redacted": values.get("redacted") == "1",
            "proposals": proposals(draft, chosen or {}),
            "attribute_errors": attribute_errors or {},
            "follow_up": follow_up_text(draft["follow_up"]),
        }
    return render(
        request,
        "closeout/wizard.html",
        status=status,
        section="tickets",
        ticket=ticket,
        step=step,
        steps=STEPS,
        titles=TITLES,
        urls={s: _url(ticket, s) for s in PAGES},
        values=values,
        error=error,
        fields=fields or {},
        months=MONTHS,
        worked=WORKED,
        notes_limit=NOTES.max_length,
        quantity_places=3 if QUANTITY.places is None else QUANTITY.places,
        today=business_today(get_current_user().timezone).isoformat(),
        **review,
    )


def _fix(
    request: Request,
    ticket: dict[str, Any],
    values: dict[str, str],
    fields: dict[str, str],
    *,
    error: str,
    status: int = 422,
) -> HTMLResponse:
    """The earliest step with a problem, with the messages next to its fields."""
    step = first_step(fields)
    return _page(request, ticket, step, values, status=status, error=error, fields=fields)


def _blocked(request: Request, ticket: dict[str, Any]) -> Response | None:
    """A close-out only for a ticket in progress; a completed one says so, with its links."""
    if ticket["status"] == "in_progress":
        return None
    name = "completed" if ticket["status"] == "completed" else "blocked"
    return render(request, f"closeout/{name}.html", status=409, section="tickets", ticket=ticket)


# -- the step pages --------------------------------------------------------------------------


@router.get("/tickets/{ticket_id}/close", response_class=HTMLResponse)
@page
def start(request: Request, ticket_id: UUID) -> Response:
    """Step 1, prefilled from the clock and the ticket's lines (or from what was typed)."""
    return _show(request, ticket_id, "work")


def _show(request: Request, ticket_id: UUID, step: str) -> Response:
    ticket = _ticket(request, ticket_id)
    blocked = _blocked(request, ticket)
    if blocked:
        return blocked
    saved = _load(request, ticket)
    if step == "review" and saved.draft is None:
        return redirect(_url(ticket, "next"))  # nothing previewed since the last change
    return _page(
        request, ticket, step, saved.values, draft=saved.draft if step == "review" else None
    )


@router.post("/tickets/{ticket_id}/close/{step}", response_class=HTMLResponse)
def step_post(request: Request, ticket_id: UUID, step: str, form: FormData) -> Response:
    """Save a step and go on to the next page (303), back, or to what needs fixing (422)."""
    if step not in (*STEPS, "complete"):
        raise NotFound("There is no such close-out step.")
    ticket = _ticket(request, ticket_id)
    if step == "complete" and ticket["status"] == "completed":
        return redirect(f"/tickets/{ticket_id}/close/done")  # a second tap on Complete
    blocked = _blocked(request, ticket)
    if blocked:
        return blocked
    if step == "complete":
        return _complete(request, ticket, form)
    values = _take(request, ticket, form, step)
    index = STEPS.index(step)
    if form.get("go") == "back":
        return redirect(_url(ticket, STEPS[index - 1]) if index else f"/tickets/{ticket_id}")
    if step == "next":
        previewed = _preview(request, ticket, values)
        if isinstance(previewed, Response):
            return previewed
        if form.get("js") == "1":  # the script puts /close/review in the address bar
            return _page(request, ticket, "review", previewed.values, draft=previewed.draft)
        return redirect(_url(ticket, "review"))
    _, fields = check(ticket, values, (step,))
    if fields:
        return _fix(
            request,
            ticket,
            values,
            fields,
            error="Please fix the highlighted fields before going on.",
        )
    return redirect(_url(ticket, STEPS[index + 1]))


# -- review: the preview and the decisions ---------------------------------------------------


def _preview(request: Request, ticket: dict[str, Any], values: dict[str, str]) -> Saved | Response:
    """Run the preview on every step and keep its draft; or the step to fix, with why."""
    data, fields = check(ticket, values, STEPS)
    if fields:
        return _fix(request, ticket, values, fields, error="Please fix the highlighted fields.")
    outcome = perform(request, "ticket", "close_out_preview", data)
    if not outcome.ok:
        mapped = preview_inputs(outcome.fields, [str(line["id"]) for line in ticket["line_items"]])
        return _fix(
            request,
            ticket,
            values,
            mapped,
            error=outcome.error or "",
            status=conflict_status(outcome),
        )
    draft = closeout_state.as_json(outcome.result)
    # From here on the notes are kept as they will be stored: redacted.
    values = {**values, "notes": draft["notes"]}
    if outcome.redacted:
        values["redacted"] = "1"
    saved = Saved(values, draft)
    _save(request, ticket, saved)
    return saved


def _complete(request: Request, ticket: dict[str, Any], form: Form) -> Response:
    saved = _load(request, ticket)
    chosen, decisions, errors = read_decisions(form)
    if errors:
        return _review_again(
            request,
            ticket,
            saved,
            chosen=chosen,
            error="The ticket is not completed yet. Please fix the highlighted facts.",
            attribute_errors=errors,
        )
    data = {"ticket_id": ticket["id"], "draft_id": form.get("draft_id", ""), "decisions": decisions}
    outcome = perform(request, "ticket", "close", data)
    if outcome.ok:
        closeout_state.clear(valkey=_valkey(request), ticket_id=ticket["id"])
        finished = f"/tickets/{ticket['id']}/close/done"
        if form.get("js") == "1":  # the script puts the done page's URL in the address bar
            return done_page(request, _ticket(request, ticket["id"]), address=finished)
        return redirect(finished, "completed")
    if _ticket(request, ticket["id"])["status"] == "completed":  # a second tap, meanwhile
        return redirect(f"/tickets/{ticket['id']}/close/done")
    return _review_again(
        request,
        ticket,
        Saved(saved.values),  # the draft was refused: preview again
        chosen=chosen,
        error=f"The ticket is not completed yet: {outcome.error}",
        attribute_errors=decision_errors(outcome.fields, decisions),
    )


def _review_again(
    request: Request,
    ticket: dict[str, Any],
    saved: Saved,
    *,
    chosen: dict[str, dict[str, str]],
    error: str,
    attribute_errors: dict[str, str],
) -> Response:
    """The review with what went wrong: the saved draft, or a fresh one when there is none."""
    if saved.draft is None:
        previewed = _preview(request, ticket, saved.values)
        if isinstance(previewed, Response):
            return previewed
        saved = previewed
    return _page(
        request,
        ticket,
        "review",
        saved.values,
        status=422,
        error=error,
        draft=saved.draft,
        chosen=chosen,
        attribute_errors=attribute_errors,
    )


# -- done ------------------------------------------------------------------------------------


@router.get("/tickets/{ticket_id}/close/done", response_class=HTMLResponse)
@page
def done(request: Request, ticket_id: UUID) -> Response:
    """The ticket is completed: bill it now, or skip back to the calendar."""
    ticket = _ticket(request, ticket_id)
    if ticket["status"] != "completed":
        return redirect(f"/tickets/{ticket_id}")
    return done_page(request, ticket)


@router.get("/tickets/{ticket_id}/close/{step}", response_class=HTMLResponse)
@page
def step_page(request: Request, ticket_id: UUID, step: str) -> Response:
    """A step's page with what was saved; the review shows the last preview's draft."""
    if step not in PAGES:
        raise NotFound("There is no such close-out step.")
    return _show(request, ticket_id, step)
