"""What the API answered, as an MCP tool result.

A tool's result is the JSON the API returns: the envelope's ``data`` on success, the
authorization request for a queued sensitive action (HTTP 202), and on a refusal an MCP tool
error (``isError``) carrying the API's ``{"code", "message", "details"}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types

from crm.errors import AppError

PENDING_NOTE = (
    "PENDING: this action did not run. It waits for the owner to approve it in the web app "
    "(Authorizations). Tell the user it needs their approval; check its status with "
    "query_authorizations and id={id}. It expires if not decided within 24 hours."
)


@dataclass(frozen=True)
class Outcome:
    """One answer as the API gives it: its HTTP status, then its data or its error."""

    status: int
    data: Any = None
    warnings: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None

    @property
    def pending(self) -> bool:
        return self.status == 202


def refused(exc: AppError) -> Outcome:
    """An AppError as the API would render it."""
    return Outcome(
        exc.status, error={"code": exc.code, "message": exc.message, "details": exc.details}
    )


def tool_result(outcome: Outcome) -> types.CallToolResult:
    """The outcome as text (JSON) and structured content; a refusal is a tool error."""
    if outcome.error is not None:
        error = {k: v for k, v in outcome.error.items() if k != "details" or v}
        return types.CallToolResult(
            content=[_text(error)], structured_content={"error": error}, is_error=True
        )
    content: list[types.ContentBlock] = [_text(outcome.data)]
    structured: dict[str, Any]
    if outcome.pending:
        request_id = (outcome.data or {}).get("id", "")
        content.append(types.TextContent(text=PENDING_NOTE.format(id=request_id)))
        structured = {"pending": True, "authorization": outcome.data}
    else:
        structured = {"data": outcome.data}
    if outcome.warnings:
        content.append(_text({"warnings": outcome.warnings}))
        structured["warnings"] = outcome.warnings
    return types.CallToolResult(content=content, structured_content=structured)


def _text(value: Any) -> types.TextContent:
    return types.TextContent(text=json.dumps(value, ensure_ascii=False))
