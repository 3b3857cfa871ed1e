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
A sink failure is not swallowed: a database outage surfaces as ServiceUnavailable(postgres)
as it does everywhere, and the caller could not have stored the answer anyway. Do not hold a
unit of work open across an LLM call: the call can take ~10 s.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

import anthropic
import httpx
import jsonschema  # type: ignore[import-untyped]
import openai

from crm.clients.postgres_client import Connection, Database
from crm.config import LlmSettings
from crm.errors import ConfigurationError, ServiceUnavailable

log = logging.getLogger("crm.llm")

LOCAL = "local"
ANTHROPIC = "anthropic"
OPENAI = "openai"
# Fast, non-reasoning models suit short extraction calls under a 5 s budget.
DEFAULT_REMOTE_MODELS = {ANTHROPIC: "claude-haiku-4-5", OPENAI: "gpt-4.1-mini"}
DEFAULT_MAX_TOKENS = 1024
_MAX_ERROR_CHARS = 200
_MAX_RESPONSE_BYTES = 2_000_000
_FENCE = re.compile(r"^```(?:json)?\s*(?P<body>.*?)\s*```$", re.DOTALL)

T = TypeVar("T")


@dataclass(frozen=True)
class Timeouts:
    """Seconds per attempt; the defaults keep local then remote under ~10 s in the worst case."""

    connect: float = 1.0
    local: float = 4.0
    remote: float = 5.0


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters_schema: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class UsageRecord:
    """One attempt at one route: what it cost, how long it took, and why it failed if it did."""

    user_id: UUID
    purpose: str
    provider: str
    model: str
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: int
    ok: bool
    error: str | None = None


UsageSink = Callable[[UsageRecord], None]


@dataclass(frozen=True)
class LlmResult:
    provider: str
    model: str
    data: Any = None
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    attempts: tuple[UsageRecord, ...] = ()


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


# --- one attempt's request and reply, provider-neutral ---------------------------------------


class _AttemptFailed(Exception):
    """A route failed; the reason is short, fixed text with no prompt, answer or secret in it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:_MAX_ERROR_CHARS]


@dataclass(frozen=True)
class _Request:
    name: str
    system: str
    user: str
    schema: dict[str, Any] | None = None
    tools: tuple[Tool, ...] = ()
    require_tool: bool = False


@dataclass(frozen=True)
class _RawCall:
    name: str
    arguments: str | dict[str, Any]  # OpenAI sends a JSON string, Anthropic an object


@dataclass(frozen=True)
class _Reply:
    text: str | None
    calls: tuple[_RawCall, ...]
    input_tokens: int | None
    output_tokens: int | None


@dataclass(frozen=True)
class _Limits:
    total: float
    connect: float

    def timed_out(self) -> _AttemptFailed:
        return _AttemptFailed(f"timed out after {self.total:g} s")


class _Route(Protocol):
    provider: str
    model: str
    remote: bool

    def send(self, request: _Request, limits: _Limits) -> _Reply: ...

    def close(self) -> None: ...


class _Lazy(Generic[T]):
    """Build an HTTP client on first use, so a route that is never tried opens nothing."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._factory()
            return self._value

    def built(self) -> T | None:
        return self._value


# --- the OpenAI chat-completions shape (local servers and OpenAI itself) ---------------------


def chat_completions_url(endpoint: str) -> str:
    """Accept an endpoint given with or without a trailing /v1."""
    base = endpoint.strip().rstrip("/")
    base = base.removesuffix("/v1")
    return f"{base}/v1/chat/completions"


def _openai_body(
    request: _Request, model: str, *, max_tokens_key: str, max_tokens: int
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "system", "content": request.system},
            {"role": "user", "content": request.user},
        ],
        max_tokens_key: max_tokens,
    }
    if request.schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": request.name, "schema": request.schema, "strict": True},
        }
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters_schema,
                },
            }
            for t in request.tools
        ]
        body["tool_choice"] = "required" if request.require_tool else "auto"
    return body


def _openai_reply(payload: Any) -> _Reply:
    try:
        message = payload["choices"][0]["message"]
        calls = tuple(
            _RawCall(c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls") or ()
            if c.get("type", "function") == "function"
        )
        usage = payload.get("usage") or {}
        return _Reply(
            message.get("content"),
            calls,
            _count(usage.get("prompt_tokens")),
            _count(usage.get("completion_tokens")),
        )
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise _AttemptFailed("response is not a chat completion") from exc


class _LocalRoute:
    """An OpenAI-compatible server on our own hardware, spoken to with plain httpx."""

    provider = LOCAL
    remote = False

    def __init__(self, endpoint: str, model: str, max_tokens: int) -> None:
        self.model = model
        self._url = chat_completions_url(endpoint)
        self._max_tokens = max_tokens
        self._http = _Lazy(httpx.Client)

    def send(self, request: _Request, limits: _Limits) -> _Reply:
        body = _openai_body(
            request, self.model, max_tokens_key="max_tokens", max_tokens=self._max_tokens
        )
        status, raw = self._post(body, limits)
        if status != 200:
            raise _AttemptFailed(f"HTTP {status}")
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise _AttemptFailed("response is not a chat completion") from exc
        return _openai_reply(payload)

    def close(self) -> None:
        client = self._http.built()
        if client is not None:
            client.close()

    def _post(self, body: dict[str, Any], limits: _Limits) -> tuple[int, bytes]:
        """POST once more only when the connection could not be made: nothing was sent yet."""
        deadline = time.monotonic() + limits.total
        for attempt in (1, 2):
            try:
                return self._exchange(body, limits, deadline)
            except httpx.ConnectError as exc:
                if attempt == 2:
                    raise _AttemptFailed("connection failed") from exc
            except httpx.TimeoutException as exc:
                raise limits.timed_out() from exc
            except httpx.HTTPError as exc:
                raise _AttemptFailed(f"transport error ({type(exc).__name__})") from exc
        raise AssertionError("unreachable")

    def _exchange(
        self, body: dict[str, Any], limits: _Limits, deadline: float
    ) -> tuple[int, bytes]:
        """Stream the answer so a server trickling bytes cannot outlast the attempt's budget."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise limits.timed_out()
        timeout = httpx.Timeout(remaining, connect=min(limits.connect, remaining))
        with self._http.get().stream("POST", self._url, json=body, timeout=timeout) as response:
            received = bytearray()
            for chunk in response.iter_bytes():
                received += chunk
                if time.monotonic() > deadline:
                    raise limits.timed_out()
                if len(received) > _MAX_RESPONSE_BYTES:
                    raise _AttemptFailed("response too large")
            return response.status_code, bytes(received)


# --- remote providers through their SDKs -----------------------------------------------------


@contextmanager
def _sdk_errors(limits: _Limits) -> Iterator[None]:
    """Turn either SDK's errors into short reasons (``from None``: their text may echo the key)."""
    try:
        yield
    except (openai.APITimeoutError, anthropic.APITimeoutError):
        raise limits.timed_out() from None
    except (openai.APIConnectionError, anthropic.APIConnectionError):
        raise _AttemptFailed("connection failed") from None
    except (openai.APIStatusError, anthropic.APIStatusError) as exc:
        raise _AttemptFailed(f"HTTP {exc.status_code}") from None
    except (openai.OpenAIError, anthropic.AnthropicError) as exc:
        raise _AttemptFailed(f"provider error ({type(exc).__name__})") from None


class _OpenAiRoute:
    """OpenAI's chat completions, with strict json_schema output."""

    provider = OPENAI
    remote = True

    def __init__(self, api_key: str, model: str, base_url: str | None, max_tokens: int) -> None:
        self.model = model
        self._max_tokens = max_tokens
        # max_retries=0: the router decides what is retried (nothing, for a remote).
        self._sdk = _Lazy(lambda: openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0))

    def send(self, request: _Request, limits: _Limits) -> _Reply:
        body = _openai_body(
            request, self.model, max_tokens_key="max_completion_tokens", max_tokens=self._max_tokens
        )
        timeout = openai.Timeout(limits.total, connect=limits.connect)
        with _sdk_errors(limits):
            completion = self._sdk.get().chat.completions.create(**body, timeout=timeout)
        return _openai_reply(completion.model_dump(mode="json"))

    def close(self) -> None:
        client = self._sdk.built()
        if client is not None:
            client.close()


def _anthropic_body(request: _Request, model: str, max_tokens: int) -> dict[str, Any]:
    """JSON output is a forced call of one tool whose input_schema is the caller's schema."""
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": max_tokens,
        "system": request.system,
        "messages": [{"role": "user", "content": request.user}],
    }
    if request.schema is not None:
        body["tools"] = [
            {
                "name": request.name,
                "description": "Give the answer.",
                "input_schema": request.schema,
            }
        ]
        body["tool_choice"] = {"type": "tool", "name": request.name}
    elif request.tools:
        body["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters_schema}
            for t in request.tools
        ]
        body["tool_choice"] = {"type": "any" if request.require_tool else "auto"}
    return body


def _anthropic_reply(payload: Any) -> _Reply:
    try:
        blocks = payload.get("content") or []
        texts = [b["text"] for b in blocks if b.get("type") == "text"]
        calls = tuple(
            _RawCall(b["name"], b.get("input") or {}) for b in blocks if b.get("type") == "tool_use"
        )
        usage = payload.get("usage") or {}
        return _Reply(
            "".join(texts) if texts else None,
            calls,
            _count(usage.get("input_tokens")),
            _count(usage.get("output_tokens")),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise _AttemptFailed("response is not a message") from exc


class _AnthropicRoute:
    """Anthropic's Messages API; tools map to tools/tool_use."""

    provider = ANTHROPIC
    remote = True

    def __init__(self, api_key: str, model: str, base_url: str | None, max_tokens: int) -> None:
        self.model = model
        self._max_tokens = max_tokens
        self._sdk = _Lazy(
            lambda: anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0)
        )

    def send(self, request: _Request, limits: _Limits) -> _Reply:
        body = _anthropic_body(request, self.model, self._max_tokens)
        timeout = anthropic.Timeout(limits.total, connect=limits.connect)
        with _sdk_errors(limits):
            message = self._sdk.get().messages.create(**body, timeout=timeout)
        return _anthropic_reply(message.model_dump(mode="json"))

    def close(self) -> None:
        client = self._sdk.built()
        if client is not None:
            client.close()


_REMOTE_ROUTES: dict[str, type[_OpenAiRoute] | type[_AnthropicRoute]] = {
    ANTHROPIC: _AnthropicRoute,
    OPENAI: _OpenAiRoute,
}


# --- reading an answer -----------------------------------------------------------------------


def _count(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else None


def _parse_json(text: str) -> Any:
    """Parse the answer, tolerating the code fence some local models wrap JSON in."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    try:
        return json.loads(fenced["body"] if fenced else stripped)
    except ValueError as exc:
        raise _AttemptFailed("answer is not JSON") from exc


def _arguments(call: _RawCall) -> Any:
    return _parse_json(call.arguments) if isinstance(call.arguments, str) else call.arguments


def _validate(data: Any, schema: dict[str, Any]) -> None:
    """Name only the schema location that failed: the answer's values may quote the prompt."""
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(data)
    )
    if error is not None:
        where = "/".join(str(part) for part in error.schema_path) or "root"
        raise _AttemptFailed(f"answer does not match the schema (at {where})")


def _json_answer(request: _Request, reply: _Reply) -> Any:
    assert request.schema is not None
    forced = [c for c in reply.calls if c.name == request.name]
    if forced:
        data = _arguments(forced[0])
    elif isinstance(reply.text, str) and reply.text.strip():
        data = _parse_json(reply.text)
    else:
        raise _AttemptFailed("empty answer")
    _validate(data, request.schema)
    return data


def _tool_answer(request: _Request, reply: _Reply) -> tuple[ToolCall, ...]:
    tools = {t.name: t for t in request.tools}
    calls = []
    for raw in reply.calls:
        tool = tools.get(raw.name)
        if tool is None:
            raise _AttemptFailed("answer calls an unknown tool")
        arguments = _arguments(raw)
        if not isinstance(arguments, dict):
            raise _AttemptFailed("tool arguments are not an object")
        _validate(arguments, tool.parameters_schema)
        calls.append(ToolCall(raw.name, arguments))
    if request.require_tool and not calls:
        raise _AttemptFailed("answer calls no tool")
    if not calls and not (reply.text or "").strip():
        raise _AttemptFailed("empty answer")
    return tuple(calls)


def _result(request: _Request, reply: _Reply, route: _Route) -> LlmResult:
    if request.schema is not None:
        data = _json_answer(request, reply)
        return LlmResult(provider=route.provider, model=route.model, data=data)
    calls = _tool_answer(request, reply)
    return LlmResult(
        provider=route.provider, model=route.model, text=reply.text or "", tool_calls=calls
    )


# --- the client ------------------------------------------------------------------------------


def _build_routes(
    settings: LlmSettings, *, remote_model: str | None, remote_base_url: str | None, max_tokens: int
) -> tuple[_Route, ...]:
    local: _Route | None = None
    if settings.local_endpoint.strip() and settings.local_model.strip():
        local = _LocalRoute(settings.local_endpoint, settings.local_model.strip(), max_tokens)
    remote: _Route | None = None
    provider = settings.remote_provider.strip().lower()
    if provider and provider not in _REMOTE_ROUTES:
        raise ConfigurationError(
            "Vault secret crm/llm key LLM_REMOTE_PROVIDER must be anthropic or openai, "
            f"not {provider!r}"
        )
    if provider and not settings.remote_api_key:
        log.warning("LLM_REMOTE_PROVIDER is set but LLM_REMOTE_API_KEY is empty: no remote route")
    elif provider:
        model = remote_model or DEFAULT_REMOTE_MODELS[provider]
        route = _REMOTE_ROUTES[provider]
        remote = route(settings.remote_api_key, model, remote_base_url, max_tokens)
    ordered = (local, remote) if settings.prefer_local else (remote, local)
    return tuple(r for r in ordered if r is not None)


def _request_name(purpose: str) -> str:
    """The schema/tool name providers require (^[A-Za-z0-9_-]{1,64}$), taken from the purpose."""
    if not purpose.strip() or len(purpose) > 64:
        raise ValueError("purpose must be 1 to 64 characters")
    return re.sub(r"[^A-Za-z0-9_-]", "_", purpose.strip())


def _check_schema(schema: dict[str, Any]) -> None:
    """Both providers want an object at the root; a broken schema is a bug, not an outage."""
    if schema.get("type") != "object":
        raise ValueError("the answer schema must describe a JSON object")
    jsonschema.Draft202012Validator.check_schema(schema)


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
        self._routes = _build_routes(
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
        _check_schema(schema)
        request = _Request(_request_name(purpose), system, user, schema=schema)
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
            _check_schema(tool.parameters_schema)
        request = _Request(
            _request_name(purpose), system, user, tools=tuple(tools), require_tool=require_tool
        )
        return self._run(request, purpose=purpose, user_id=user_id, timeout=timeout)

    def close(self) -> None:
        for route in self._routes:
            route.close()

    def _run(
        self, request: _Request, *, purpose: str, user_id: UUID, timeout: float | None
    ) -> LlmResult:
        attempts: list[UsageRecord] = []
        for route in self._routes:
            result, record = self._attempt(
                route, request, timeout=timeout, purpose=purpose, user_id=user_id
            )
            attempts.append(record)
            if self._usage_sink is not None:
                self._usage_sink(record)
            if result is not None:
                return replace(result, attempts=tuple(attempts))
        raise LlmUnavailable(attempts)

    def _attempt(
        self,
        route: _Route,
        request: _Request,
        *,
        timeout: float | None,
        purpose: str,
        user_id: UUID,
    ) -> tuple[LlmResult | None, UsageRecord]:
        limits = self._limits(route, timeout)
        started = time.monotonic()
        reply: _Reply | None = None
        result: LlmResult | None = None
        error: str | None = None
        try:
            reply = route.send(request, limits)
            result = _result(request, reply, route)
        except _AttemptFailed as exc:
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

    def _limits(self, route: _Route, timeout: float | None) -> _Limits:
        default = self._timeouts.remote if route.remote else self._timeouts.local
        total = default if timeout is None else timeout
        if total <= 0:
            raise ValueError("an LLM timeout must be positive")
        return _Limits(total=total, connect=min(self._timeouts.connect, total))
