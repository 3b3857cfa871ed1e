"""The close-out's last page, "Ticket completed": the invoice prompt and what comes next.

The routes are in crm/web/closeout.py: GET /tickets/{id}/close/done shows it, and with
JavaScript the Complete post answers with it directly (one round trip less on a slow phone).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from crm.utils.timezone import business_today
from crm.utils.user_context import get_current_user
from crm.web.common import read, render


def done_page(
    request: Request, ticket: dict[str, Any], *, address: str | None = None
) -> HTMLResponse:
    """The completed ticket with its invoice (or the offer to make one) and its follow-up;
    ``address`` is the GET URL for the script to put in the address bar after a POST."""
    ticket_id = str(ticket["id"])
    invoice = next(
        (i for i in read(request, "invoices", ticket_id=ticket_id) if i["status"] != "void"),
        None,
    )
    reach_out = [
        m
        for m in read(request, "messages", ticket_id=ticket_id, status="pending")
        if m["kind"] == "reach_out"
    ]
    # The visit this close-out booked ("schedule the next visit now"): created in the same
    # transaction that completed the ticket, so at the same now(). Another visit the customer
    # already had (the other property's, say) is not this close-out's next step.
    upcoming = [
        t
        for t in read(
            request,
            "tickets",
            contact_id=str(ticket["contact_id"]),
            status="scheduled",
            limit=100,
            include="",
            **{"from": business_today(get_current_user().timezone).isoformat()},
        )
        if ticket["completed_at"] is not None and t["created_at"] == ticket["completed_at"]
    ]
    return render(
        request,
        "closeout/done.html",
        section="tickets",
        ticket=ticket,
        invoice=invoice,
        reach_out=reach_out[0] if reach_out else None,
        next_visit=upcoming[0] if upcoming else None,
        address=address,
        notice="completed" if address else request.query_params.get("notice"),
    )
