"""The in-process backend of ``/mcp``: the request's API token acts through the agent gate.

Who acts is only ever what the auth middleware put on the request (``request.state.auth``:
the token and its business); nothing the client says decides it. The dispatcher is blocking
(psycopg), so every call runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from starlette.requests import Request

from crm.api.actions import capabilities_document
from crm.auth.tokens import TokenInfo
from crm.core import agent_gate
from crm.core.dispatch import Dispatcher
from crm.core.models.common import present
from crm.core.models.read import MAX_LIMIT
from crm.core.services import business_service
from crm.errors import NotAuthenticated
from crm.mcp import prompts
from crm.mcp.results import Outcome
from crm.mcp.tools import ReadArgs
from crm.utils.timezone import business_today
from crm.utils.user_context import UserContext, user_context

NEEDS_A_BEARER = "The MCP endpoint takes an API token: Authorization: Bearer <token>."


class LocalBackend:
    """One request's calls, as its token, on the app's dispatcher."""

    def __init__(self, request: Any) -> None:
        if not isinstance(request, Request):
            raise NotAuthenticated(NEEDS_A_BEARER)
        state = getattr(request.state, "auth", None)
        if state is None or state.token is None or state.user is None:
            raise NotAuthenticated(NEEDS_A_BEARER)
        self.token: TokenInfo = state.token
        self.client = state.client
        self.user = UserContext(
            user_id=state.user.id, timezone=state.user.timezone, actor=self.token.actor
        )
        self.dispatcher: Dispatcher = request.app.state.dispatcher

    async def act(self, domain: str, action: str, data: dict[str, Any]) -> Outcome:
        def run() -> Outcome:
            outcome = agent_gate.act(
                self.dispatcher, self.user, self.token, domain, action, data, client=self.client
            )
            if isinstance(outcome, agent_gate.Pending):
                return Outcome(202, outcome.authorization, outcome.warnings)
            return Outcome(200, outcome.presented, outcome.warnings)

        return await to_thread.run_sync(run)

    async def read(self, type_: str, args: ReadArgs) -> Outcome:
        def run() -> Outcome:
            data = self.dispatcher.read(
                self.user,
                type_,
                id=args.id,
                search=args.search,
                limit=args.limit,
                include=args.include,
                filters=args.filters,
                presented=True,
            )
            return Outcome(200, data)

        return await to_thread.run_sync(run)

    async def capabilities(self) -> Outcome:
        # Every action's JSON Schema is built here: CPU work, kept off the event loop.
        return await to_thread.run_sync(lambda: Outcome(200, capabilities_document()))

    async def resource(self, uri: str) -> Any:
        if uri == prompts.BUSINESS:
            return await to_thread.run_sync(self._business)
        return await to_thread.run_sync(self._schedule_today)

    def _business(self) -> dict[str, Any]:
        """The business's row, today's date there, and what this token may do."""
        with user_context(self.user), self.dispatcher.db.read_only(self.user.user_id) as conn:
            profile: dict[str, Any] = present(business_service.get(conn), self.user.timezone)
        profile["today"] = business_today(self.user.timezone).isoformat()
        profile["access"] = {
            "token_name": self.token.name,
            "scope": "read+write" if self.token.can_write else "read",
            "sensitive_actions": "wait for the owner's approval in the web app",
        }
        return profile

    def _schedule_today(self) -> dict[str, Any]:
        """Today's tickets where the business is, in time order, with contact and address."""
        today = business_today(self.user.timezone).isoformat()
        tickets = self.dispatcher.read(
            self.user,
            "tickets",
            limit=MAX_LIMIT,
            include="contact,address",
            filters={"from": today, "to": today},
            presented=True,
        )
        return {
            "date": today,
            "timezone": self.user.timezone,
            "tickets": [t for t in tickets if t.get("status") != "cancelled"],
        }
