"""The language-model client's value types, shared by the client, its routes and callers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

MAX_ERROR_CHARS = 200


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


@dataclass(frozen=True)
class LlmSettings:
    local_endpoint: str = ""
    local_model: str = ""
    remote_provider: str = ""
    remote_api_key: str = field(default="", repr=False)
    prefer_local: bool = True


# --- one attempt's request and reply, provider-neutral ---------------------------------------


class AttemptFailed(Exception):
    """A route failed; the reason is short, fixed text with no prompt, answer or secret in it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:MAX_ERROR_CHARS]


@dataclass(frozen=True)
class Request:
    name: str
    system: str
    user: str
    schema: dict[str, Any] | None = None
    tools: tuple[Tool, ...] = ()
    require_tool: bool = False


@dataclass(frozen=True)
class RawCall:
    name: str
    arguments: str | dict[str, Any]  # OpenAI sends a JSON string, Anthropic an object


@dataclass(frozen=True)
class Reply:
    text: str | None
    calls: tuple[RawCall, ...]
    input_tokens: int | None
    output_tokens: int | None


@dataclass(frozen=True)
class Limits:
    total: float
    connect: float

    def timed_out(self) -> AttemptFailed:
        return AttemptFailed(f"timed out after {self.total:g} s")


class Route(Protocol):
    provider: str
    model: str
    remote: bool

    def prepare(self) -> None:
        """Build the HTTP client now (no request is sent), so the first call pays nothing."""

    def send(self, request: Request, limits: Limits) -> Reply: ...

    def close(self) -> None: ...
