"""Language models behind one provider-neutral interface, with fallback and per-attempt usage.

Two routes: a local OpenAI-compatible server (llama.cpp, Ollama, vLLM) spoken to with httpx,
and a remote provider (Anthropic or OpenAI) through its official SDK. LLM_PREFER_LOCAL picks
the order; a timeout, connection failure, HTTP error or an answer that is not valid JSON for
the caller's schema moves on to the next route. Unconfigured routes are skipped; when every
route fails, LlmUnavailable (a 503) names each failure.

Prompts, answers and API keys are never logged or recorded. A failure is described by a short
fixed text ("HTTP 500", "timed out after 4 s", "answer does not match the schema (at
properties/name/type)"): never str() of an SDK error, whose message can echo the key.

Usage: one UsageRecord per attempt goes to the usage sink as soon as the attempt ends.
``database_usage_sink(db)`` writes each in its own short transaction, so failed attempts and
attempts whose caller later rolls back are still counted (the tokens were spent either way).
A sink failure (e.g. the database is briefly unreachable) is logged and the answer is still
returned: an answer that was paid for is never thrown away or mistaken for "model unavailable".
Never hold a unit of work open across an LLM call: the call can take ~10 s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any
from uuid import UUID

from crm.clients import llm_answers
from crm.clients.llm_answers import check_schema, request_name
from crm.clients.llm_routes import DEFAULT_MAX_TOKENS, build_routes, chat_completions_url
from crm.clients.llm_types import (
    AttemptFailed,
    Limits,
    LlmResult,
    LlmSettings,
    Reply,
    Request,
    Route,
    Timeouts,
    Tool,
    ToolCall,
    UsageRecord,
    UsageSink,
)
from crm.clients.postgres_client import Connection, Database
from crm.errors import ServiceUnavailable
from crm.utils.blocking import forbid_event_loop

__all__ = [
    "LlmClient",
    "LlmResult",
    "LlmSettings",
    "LlmUnavailable",
    "Timeouts",
    "Tool",
    "ToolCall",
    "UsageRecord",
    "chat_completions_url",
    "database_usage_sink",
    "record_usage",
]

log = logging.getLogger("crm.llm")


class LlmUnavailable(ServiceUnavailable):
    """No configured route produced a valid answer; the message names each route's failure."""

    def __init__(self, attempts: Sequence[UsageRecord]) -> None:
        routes = [{"provider": a.provider, "model": a.model, "error": a.error} for a in attempts]
        summary = "; ".join(f"{a.provider}: {a.error}" for a in attempts)
        super().__init__(
            f"No language model answered ({summary or 'no LLM route is configured'}).",
            service="llm",
            details={"routes": routes},
        )
        self.attempts = tuple(attempts)


# --- usage ----------------------------------------------------------------------------------

_INSERT_USAGE = """
INSERT INTO llm_usage
    (user_id, purpose, provider, model, input_tokens, output_tokens, latency_ms, ok, error)
VALUES (%(user_id)s, %(purpose)s, %(provider)s, %(model)s, %(input_tokens)s,
        %(output_tokens)s, %(latency_ms)s, %(ok)s, %(error)s)
"""


def record_usage(conn: Connection, record: UsageRecord) -> None:
    """Insert one attempt in the caller's transaction: it is lost if that transaction rolls back."""
    conn.execute(_INSERT_USAGE, asdict(record))


def database_usage_sink(db: Database) -> UsageSink:
    """Write each attempt in its own short unit of work, so failures and rollbacks still count."""

    def sink(record: UsageRecord) -> None:
        with db.unit_of_work(record.user_id) as conn:
            record_usage(conn, record)

    return sink


class LlmClient:
    """Ask the configured models in order; the first valid answer wins, every attempt counts."""

    def __init__(
        self,
        settings: LlmSettings,
        *,
        usage_sink: UsageSink | None,
        timeouts: Timeouts | None = None,
        remote_model: str | None = None,
        remote_base_url: str | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        self._routes = build_routes(
            settings,
            remote_model=remote_model,
            remote_base_url=remote_base_url,
            max_tokens=max_tokens,
        )
        self._usage_sink = usage_sink
        self._timeouts = timeouts or Timeouts()

    @property
    def routes(self) -> tuple[str, ...]:
        """The providers that will be tried, in order (empty: no LLM is configured)."""
        return tuple(r.provider for r in self._routes)

    def complete_json(
        self,
        *,
        system: str,
        user: str,
        schema: dict[str, Any],
        purpose: str,
        user_id: UUID,
        timeout: float | None = None,
    ) -> LlmResult:
        """An answer that parses as JSON and validates against ``schema``, or LlmUnavailable."""
        check_schema(schema)
        request = Request(request_name(purpose), system, user, schema=schema)
        return self._run(request, purpose=purpose, user_id=user_id, timeout=timeout)

    def complete_with_tools(
        self,
        *,
        system: str,
        user: str,
        tools: Sequence[Tool],
        purpose: str,
        user_id: UUID,
        require_tool: bool = False,
        timeout: float | None = None,
    ) -> LlmResult:
        """Text and/or tool calls whose arguments validate against their tool's schema."""
        for tool in tools:
            check_schema(tool.parameters_schema)
        request = Request(
            request_name(purpose), system, user, tools=tuple(tools), require_tool=require_tool
        )
        return self._run(request, purpose=purpose, user_id=user_id, timeout=timeout)

    def prepare(self, *schemas: dict[str, Any]) -> None:
        """Do the one-time work at start (HTTP clients, schema checks), not in a user's request.

        Built lazily, the first call costs ~70 ms of CPU that holds the interpreter, which
        every other request of the process would wait on.
        """
        for route in self._routes:
            route.prepare()
        for schema in schemas:
            check_schema(schema)

    def close(self) -> None:
        for route in self._routes:
            route.close()

    def _run(
        self, request: Request, *, purpose: str, user_id: UUID, timeout: float | None
    ) -> LlmResult:
        forbid_event_loop("A language-model call")
        attempts: list[UsageRecord] = []
        for route in self._routes:
            result, record = self._attempt(
                route, request, timeout=timeout, purpose=purpose, user_id=user_id
            )
            attempts.append(record)
            self._record(record)
            if result is not None:
                return replace(result, attempts=tuple(attempts))
        raise LlmUnavailable(attempts)

    def _record(self, record: UsageRecord) -> None:
        """Hand one attempt to the usage sink; a sink failure is logged, never a model failure."""
        if self._usage_sink is None:
            return
        try:
            self._usage_sink(record)
        except Exception:
            log.exception("could not record LLM usage (%s, %s)", record.provider, record.model)

    def _attempt(
        self,
        route: Route,
        request: Request,
        *,
        timeout: float | None,
        purpose: str,
        user_id: UUID,
    ) -> tuple[LlmResult | None, UsageRecord]:
        limits = self._limits(route, timeout)
        started = time.monotonic()
        reply: Reply | None = None
        result: LlmResult | None = None
        error: str | None = None
        try:
            reply = route.send(request, limits)
            result = llm_answers.result(request, reply, route)
        except AttemptFailed as exc:
            error = exc.reason
            log.warning("LLM route %s (%s) failed: %s", route.provider, route.model, error)
        record = UsageRecord(
            user_id=user_id,
            purpose=purpose,
            provider=route.provider,
            model=route.model,
            input_tokens=reply.input_tokens if reply else None,
            output_tokens=reply.output_tokens if reply else None,
            latency_ms=round((time.monotonic() - started) * 1000),
            ok=error is None,
            error=error,
        )
        return result, record

    def _limits(self, route: Route, timeout: float | None) -> Limits:
        default = self._timeouts.remote if route.remote else self._timeouts.local
        total = default if timeout is None else timeout
        if total <= 0:
            raise ValueError("an LLM timeout must be positive")
        return Limits(total=total, connect=min(self._timeouts.connect, total))
