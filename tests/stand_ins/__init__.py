"""STAND-INS for external HTTP services, for tests only: small real servers on loopback.

Each stand-in is a threaded stdlib HTTP server on a free 127.0.0.1 port. It records every
request it receives (path, headers, JSON body) and answers the way the test told it to,
optionally after a delay, so clients are exercised over real sockets with no internet.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

# Given the request body, what to answer: (HTTP status, JSON payload or raw bytes).
Responder = Callable[[Any], tuple[int, Any]]


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: Any


class _Server(ThreadingHTTPServer):
    # Model servers accept many connections at once; the stock backlog of 5 drops SYNs
    # when ten requests arrive together.
    request_queue_size = 128


class StandInServer:
    """A loopback HTTP server that records each POST and answers as the test last told it."""

    path = "/"

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._responder: Responder = lambda body: (500, {"error": "no behaviour set"})
        self._delay = 0.0
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def _serve(self) -> None:
        # A short poll keeps stop() quick: shutdown() waits for the loop to notice.
        self._server.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def respond(self, responder: Responder, *, delay: float = 0.0) -> None:
        """Answer every following request with ``responder``, after ``delay`` seconds."""
        with self._lock:
            self._responder = responder
            self._delay = delay

    def fail(self, status: int, payload: Any = None) -> None:
        """Answer with an HTTP error (the payload defaults to a generic error object)."""
        body = payload if payload is not None else {"error": {"message": "stand-in failure"}}
        self.respond(lambda _request: (status, body))

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
        """Record the request and build the answer; a stall ends early when the server stops."""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(RecordedRequest(path, headers, body))
            responder, delay = self._responder, self._delay
        if path != self.path:
            return 404, b'{"error": {"message": "no such path on this stand-in"}}'
        if delay:
            self._released.wait(delay)
        status, payload = responder(body)
        return status, payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def _handler_for(stand_in: StandInServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = stand_in.handle(self.path, headers, raw)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): exactly what slow mode is for

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
