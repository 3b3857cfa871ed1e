"""Pages: requests to approve — what an API token asked for that only the owner may allow (a
delete, a cancellation, a refund, a message to a customer; docs/agents.md).

Approving runs the action there and then; the page comes back saying what happened ("Done: …",
or "Could not be done: …" when the world changed since it was asked). The header's badge
(crm/web/common.py) counts the requests waiting here.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.errors import AppError
from crm.web.common import Outcome, page, perform, read, redirect, render

router = APIRouter(include_in_schema=False)

RECENT = 30  # decided requests shown under the pending ones


def _decided_notice(request: Request, decided: str) -> dict[str, str] | None:
    """What became of the request just decided (``?decided=<id>``), in words."""
    try:
        found = read(request, "authorizations", id=decided)
    except AppError as exc:
        if exc.status >= 500:
            raise
        return None
    if found["status"] == "approved":
        return {"kind": "notice", "text": f"Done: {found['summary']}"}
    if found["status"] == "failed":
        message = (found["error"] or {}).get("message") or "it no longer applies."
        return {"kind": "error", "text": f"Could not be done: {message}"}
    if found["status"] == "denied":
        return {"kind": "notice", "text": f"Denied; nothing was done: {found['summary']}"}
    return None


def _page(
    request: Request, *, status: int = 200, decided: str = "", outcome: Outcome | None = None
) -> HTMLResponse:
    pending = read(request, "authorizations", status="pending", limit=100)
    recent = read(request, "authorizations", limit=RECENT + len(pending))
    return render(
        request,
        "authorizations/page.html",
        status=status,
        # Oldest first: the next to expire is at the top.
        pending=list(reversed(pending)),
        decided=[a for a in recent if a["status"] != "pending"][:RECENT],
        outcome=_decided_notice(request, decided) if decided else None,
        error=outcome.error if outcome else None,
    )


@router.get("/authorizations", response_class=HTMLResponse)
@page
def authorizations_page(request: Request, decided: str = "") -> HTMLResponse:
    """Waiting requests with Approve and Deny, then the recently decided ones."""
    return _page(request, decided=decided)


def _decide(request: Request, authorization_id: UUID, action: str) -> Response:
    outcome = perform(request, "authorization", action, {"id": str(authorization_id)})
    if not outcome.ok:
        return _page(request, status=outcome.status, outcome=outcome)
    result: dict[str, Any] = outcome.result
    return redirect(f"/authorizations?decided={result['id']}")


@router.post("/authorizations/{authorization_id}/approve", response_class=HTMLResponse)
def approve(request: Request, authorization_id: UUID) -> Response:
    """Run the requested action now, as it was asked."""
    return _decide(request, authorization_id, "approve")


@router.post("/authorizations/{authorization_id}/deny", response_class=HTMLResponse)
def deny(request: Request, authorization_id: UUID) -> Response:
    return _decide(request, authorization_id, "deny")
