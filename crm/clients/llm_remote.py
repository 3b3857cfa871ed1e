"""The remote routes: OpenAI and Anthropic through their official SDKs.

Imported only when a remote provider is configured (the SDKs take seconds to import). SDK
errors become short fixed reasons (``from None``: their text may echo the API key).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anthropic
import openai

from crm.clients.llm_routes import ANTHROPIC, OPENAI, Lazy, count, openai_body, openai_reply
from crm.clients.llm_types import AttemptFailed, Limits, RawCall, Reply, Request


@contextmanager
def _sdk_errors(limits: Limits) -> Iterator[None]:
    """Turn either SDK's errors into short reasons (``from None``: their text may echo the key)."""
    try:
        yield
    except (openai.APITimeoutError, anthropic.APITimeoutError):
        raise limits.timed_out() from None
    except (openai.APIConnectionError, anthropic.APIConnectionError):
        raise AttemptFailed("connection failed") from None
    except (openai.APIStatusError, anthropic.APIStatusError) as exc:
        raise AttemptFailed(f"HTTP {exc.status_code}") from None
    except (openai.OpenAIError, anthropic.AnthropicError) as exc:
        raise AttemptFailed(f"provider error ({type(exc).__name__})") from None


class OpenAiRoute:
    """OpenAI's chat completions, with strict json_schema output."""

    provider = OPENAI
    remote = True

    def __init__(self, api_key: str, model: str, base_url: str | None, max_tokens: int) -> None:
        self.model = model
        self._max_tokens = max_tokens
        # max_retries=0: the router decides what is retried (nothing, for a remote).
        self._sdk = Lazy(lambda: openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0))

    def send(self, request: Request, limits: Limits) -> Reply:
        body = openai_body(
            request, self.model, max_tokens_key="max_completion_tokens", max_tokens=self._max_tokens
        )
        timeout = openai.Timeout(limits.total, connect=limits.connect)
        with _sdk_errors(limits):
            completion = self._sdk.get().chat.completions.create(**body, timeout=timeout)
        return openai_reply(completion.model_dump(mode="json"))

    def prepare(self) -> None:
        self._sdk.get()

    def close(self) -> None:
        client = self._sdk.built()
        if client is not None:
            client.close()


def _anthropic_body(request: Request, model: str, max_tokens: int) -> dict[str, Any]:
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


def _anthropic_reply(payload: Any) -> Reply:
    try:
        blocks = payload.get("content") or []
        texts = [b["text"] for b in blocks if b.get("type") == "text"]
        calls = tuple(
            RawCall(b["name"], b.get("input") or {}) for b in blocks if b.get("type") == "tool_use"
        )
        usage = payload.get("usage") or {}
        return Reply(
            "".join(texts) if texts else None,
            calls,
            count(usage.get("input_tokens")),
            count(usage.get("output_tokens")),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise AttemptFailed("response is not a message") from exc


class AnthropicRoute:
    """Anthropic's Messages API; tools map to tools/tool_use."""

    provider = ANTHROPIC
    remote = True

    def __init__(self, api_key: str, model: str, base_url: str | None, max_tokens: int) -> None:
        self.model = model
        self._max_tokens = max_tokens
        self._sdk = Lazy(
            lambda: anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0)
        )

    def send(self, request: Request, limits: Limits) -> Reply:
        body = _anthropic_body(request, self.model, self._max_tokens)
        timeout = anthropic.Timeout(limits.total, connect=limits.connect)
        with _sdk_errors(limits):
            message = self._sdk.get().messages.create(**body, timeout=timeout)
        return _anthropic_reply(message.model_dump(mode="json"))

    def prepare(self) -> None:
        self._sdk.get()

    def close(self) -> None:
        client = self._sdk.built()
        if client is not None:
            client.close()


REMOTE_ROUTES: dict[str, type[OpenAiRoute] | type[AnthropicRoute]] = {
    ANTHROPIC: AnthropicRoute,
    OPENAI: OpenAiRoute,
}
