"""The routes a language-model request can take: a local OpenAI-compatible server over httpx,
and the remote providers (OpenAI, Anthropic) through their SDKs. Each turns a provider-neutral
Request into a Reply or raises AttemptFailed with a short fixed reason."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpx

from crm.clients.llm_types import (
    AttemptFailed,
    Limits,
    LlmSettings,
    RawCall,
    Reply,
    Request,
    Route,
)
from crm.errors import ConfigurationError

LOCAL = "local"
ANTHROPIC = "anthropic"
OPENAI = "openai"
# Fast, non-reasoning models suit short extraction calls under a 5 s budget.
DEFAULT_REMOTE_MODELS = {ANTHROPIC: "claude-haiku-4-5", OPENAI: "gpt-4.1-mini"}
DEFAULT_MAX_TOKENS = 1024
MAX_RESPONSE_BYTES = 2_000_000

T = TypeVar("T")

log = logging.getLogger("crm.llm")


def count(value: Any) -> int | None:
    """A token count from a usage block, or None when the provider did not say."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else None


class Lazy(Generic[T]):
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


def openai_body(
    request: Request, model: str, *, max_tokens_key: str, max_tokens: int
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


def openai_reply(payload: Any) -> Reply:
    try:
        message = payload["choices"][0]["message"]
        calls = tuple(
            RawCall(c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls") or ()
            if c.get("type", "function") == "function"
        )
        usage = payload.get("usage") or {}
        return Reply(
            message.get("content"),
            calls,
            count(usage.get("prompt_tokens")),
            count(usage.get("completion_tokens")),
        )
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise AttemptFailed("response is not a chat completion") from exc


class LocalRoute:
    """An OpenAI-compatible server on our own hardware, spoken to with plain httpx."""

    provider = LOCAL
    remote = False

    def __init__(self, endpoint: str, model: str, max_tokens: int) -> None:
        self.model = model
        self._url = chat_completions_url(endpoint)
        self._max_tokens = max_tokens
        self._http = Lazy(httpx.Client)

    def prepare(self) -> None:
        self._http.get()

    def send(self, request: Request, limits: Limits) -> Reply:
        body = openai_body(
            request, self.model, max_tokens_key="max_tokens", max_tokens=self._max_tokens
        )
        status, raw = self._post(body, limits)
        if status != 200:
            raise AttemptFailed(f"HTTP {status}")
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise AttemptFailed("response is not a chat completion") from exc
        return openai_reply(payload)

    def close(self) -> None:
        client = self._http.built()
        if client is not None:
            client.close()

    def _post(self, body: dict[str, Any], limits: Limits) -> tuple[int, bytes]:
        """POST once more only when the connection could not be made: nothing was sent yet."""
        deadline = time.monotonic() + limits.total
        for attempt in (1, 2):
            try:
                return self._exchange(body, limits, deadline)
            except httpx.ConnectError as exc:
                if attempt == 2:
                    raise AttemptFailed("connection failed") from exc
            except httpx.ConnectTimeout as exc:
                if attempt == 2 or deadline - time.monotonic() <= limits.connect:
                    raise AttemptFailed(f"could not connect within {limits.connect:g} s") from exc
            except httpx.TimeoutException as exc:
                raise limits.timed_out() from exc
            except httpx.HTTPError as exc:
                raise AttemptFailed(f"transport error ({type(exc).__name__})") from exc
        raise AssertionError("unreachable")

    def _exchange(self, body: dict[str, Any], limits: Limits, deadline: float) -> tuple[int, bytes]:
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
                if len(received) > MAX_RESPONSE_BYTES:
                    raise AttemptFailed("response too large")
            return response.status_code, bytes(received)


# --- the client ------------------------------------------------------------------------------


def build_routes(
    settings: LlmSettings, *, remote_model: str | None, remote_base_url: str | None, max_tokens: int
) -> tuple[Route, ...]:
    local: Route | None = None
    if settings.local_endpoint.strip() and settings.local_model.strip():
        local = LocalRoute(settings.local_endpoint, settings.local_model.strip(), max_tokens)
    remote: Route | None = None
    provider = settings.remote_provider.strip().lower()
    if provider and provider not in DEFAULT_REMOTE_MODELS:
        raise ConfigurationError(
            "Vault secret crm/llm key LLM_REMOTE_PROVIDER must be anthropic or openai, "
            f"not {provider!r}"
        )
    if provider and not settings.remote_api_key:
        log.warning("LLM_REMOTE_PROVIDER is set but LLM_REMOTE_API_KEY is empty: no remote route")
    elif provider:
        # The SDKs take ~4 s to import: only a process that has a remote route pays for them.
        from crm.clients.llm_remote import REMOTE_ROUTES

        model = remote_model or DEFAULT_REMOTE_MODELS[provider]
        route = REMOTE_ROUTES[provider]
        remote = route(settings.remote_api_key, model, remote_base_url, max_tokens)
    ordered = (local, remote) if settings.prefer_local else (remote, local)
    return tuple(r for r in ordered if r is not None)
