"""What an API token may do (docs/agents.md): every edge an agent comes in by (``/api/*``, MCP)
asks here before an action runs.

- A ``read`` token reads; it runs no action at all.
- ``owner`` actions (making tokens, deciding authorizations) are never open to a token.
- A ``sensitive`` action does not run: it is checked (a bad input is a 422 now, not at
  approval), worded, and queued for the owner — the answer is ``Pending`` (HTTP 202).
- Everything else runs as it would from a page, audited with the token as the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm.core.action_classes import OWNER, SENSITIVE, class_of
from crm.core.api_tokens import TokenInfo
from crm.core.authorization_summary import summarize
from crm.core.dispatch import ActionResult, Dispatcher, lookup, parse
from crm.core.models.common import present
from crm.core.services import authorization_service
from crm.errors import Forbidden
from crm.utils.user_context import UserContext, user_context


@dataclass(frozen=True)
class Pending:
    """A sensitive action waiting for the owner: the request, as the API shows it."""

    authorization: dict[str, Any]
    warnings: list[dict[str, Any]]


def act(
    dispatcher: Dispatcher,
    user: UserContext,
    token: TokenInfo,
    domain: Any,
    action: Any,
    data: Any,
    *,
    client: Any = None,
) -> ActionResult | Pending:
    """Run the action for the token, or queue it for the owner, or refuse it (403)."""
    spec = lookup(domain, action)
    name = f"{spec.domain}.{spec.name}"
    kind = class_of(spec.domain, spec.name)
    if kind == OWNER:
        raise Forbidden(
            f"{name} is only for the owner, signed in to the web app; API tokens cannot do it.",
            details={"action": name, "class": kind},
        )
    if not token.can_write:
        raise Forbidden(
            f"This API token can only read; {name} changes data. Use a read+write token.",
            details={"action": name, "scope": token.scope},
        )
    if kind != SENSITIVE:
        return dispatcher.run(user, spec.domain, spec.name, data, client=client)
    parsed, redacted = parse(spec, data)
    with user_context(user), dispatcher.db.unit_of_work(user.user_id) as conn:
        summary = summarize(conn, spec.domain, spec.name, parsed)
        request = authorization_service.request(
            conn,
            token_id=token.id,
            domain=spec.domain,
            action=spec.name,
            data=parsed.model_dump(mode="json", exclude_unset=True),
            summary=summary,
        )
        warnings = ActionResult(None, redacted).warnings
        return Pending(present(request, user.timezone), warnings)
