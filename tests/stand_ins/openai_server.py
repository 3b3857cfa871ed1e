"""STAND-IN for an OpenAI-compatible chat-completions server, for tests only.

Speaks just enough of POST /v1/chat/completions (as served by llama.cpp, Ollama, vLLM and
api.openai.com) to exercise the local route over httpx and the remote route through the
official openai SDK: a chat.completion object with choices[0].message content or tool_calls,
and usage. It is not a model: it answers what the test told it to.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from tests.stand_ins import StandInServer

USAGE = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
_ids = itertools.count(1)


def completion(
    request: Any,
    *,
    content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    usage: bool = True,
) -> dict[str, Any]:
    """A chat.completion object as the real servers return it."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    answer: dict[str, Any] = {
        "id": f"chatcmpl-standin-{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "") if isinstance(request, dict) else "",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
    }
    if usage:
        answer["usage"] = USAGE
    return answer


class OpenAiStandIn(StandInServer):
    """Answer chat completions with given JSON, text, a tool call, an error, or slowly."""

    path = "/v1/chat/completions"

    def answer_json(self, data: Any, *, delay: float = 0.0, usage: bool = True) -> None:
        self.answer_text(json.dumps(data), delay=delay, usage=usage)

    def answer_text(self, text: str, *, delay: float = 0.0, usage: bool = True) -> None:
        self.respond(
            lambda request: (200, completion(request, content=text, usage=usage)), delay=delay
        )

    def call_tool(self, name: str, arguments: dict[str, Any] | str) -> None:
        """Answer with one function tool call (arguments as the JSON string OpenAI sends)."""
        encoded = arguments if isinstance(arguments, str) else json.dumps(arguments)
        call = {
            "id": "call_standin_1",
            "type": "function",
            "function": {"name": name, "arguments": encoded},
        }
        self.respond(lambda request: (200, completion(request, tool_calls=[call])))

    def stall(self, seconds: float) -> None:
        """Slow mode: a valid answer, but only after ``seconds``."""
        self.answer_json({}, delay=seconds)
