"""STAND-IN for Anthropic's Messages API, for tests only.

Speaks just enough of POST /v1/messages to exercise the official anthropic SDK: a message
object whose content holds text and tool_use blocks, and usage. It is not a model: it
answers what the test told it to.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.stand_ins import StandInServer

USAGE = {"input_tokens": 20, "output_tokens": 9}
_ids = itertools.count(1)


def message(request: Any, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """A Messages API response as the real service returns it."""
    uses_tool = any(b["type"] == "tool_use" for b in blocks)
    return {
        "id": f"msg_standin_{next(_ids)}",
        "type": "message",
        "role": "assistant",
        "model": request.get("model", "") if isinstance(request, dict) else "",
        "content": blocks,
        "stop_reason": "tool_use" if uses_tool else "end_turn",
        "stop_sequence": None,
        "usage": USAGE,
    }


def _tool_use(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": f"toolu_standin_{next(_ids)}",
        "name": name,
        "input": arguments,
    }


class AnthropicStandIn(StandInServer):
    """Answer messages with a forced-tool JSON answer, text, a tool call, an error, or slowly."""

    path = "/v1/messages"

    def answer_json(self, data: dict[str, Any], *, delay: float = 0.0) -> None:
        """Answer as Claude does to a forced tool_choice: one tool_use of that tool."""

        def responder(request: Any) -> tuple[int, Any]:
            forced = request["tool_choice"]["name"]
            return 200, message(request, [_tool_use(forced, data)])

        self.respond(responder, delay=delay)

    def answer_text(self, text: str) -> None:
        self.respond(lambda request: (200, message(request, [{"type": "text", "text": text}])))

    def call_tool(self, name: str, arguments: dict[str, Any]) -> None:
        blocks = [{"type": "text", "text": "Let me do that."}, _tool_use(name, arguments)]
        self.respond(lambda request: (200, message(request, blocks)))

    def stall(self, seconds: float) -> None:
        """Slow mode: a valid answer, but only after ``seconds``."""
        late = [{"type": "text", "text": "too late"}]
        self.respond(lambda request: (200, message(request, late)), delay=seconds)

    def fail(self, status: int, payload: Any = None) -> None:
        body = payload or {"type": "error", "error": {"type": "api_error", "message": "stand-in"}}
        super().fail(status, body)
