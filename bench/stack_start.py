"""Cold start (fresh data folder, initdb included) and warm restart of the embedded stack,
each timed from ``EmbeddedStack.start()`` until ``GET /api/health`` reports every check ok.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

from bench.core import Context, Result
from bench.session import fresh_data_dir, stop_and_remove
from crm.clients.vault_client import VaultClient
from crm.config import load_settings
from crm.embedded.stack import EmbeddedStack
from crm.main import connect, create_app

with warnings.catch_warnings():
    # Starlette nags about httpx vs httpx2; pytest's config ignores the same warning.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

COLD_TARGET_S = 10.0
HEALTH_TIMEOUT_S = 60.0
CHECKS = ("postgres", "valkey", "vault")


def _healthy(body: Any) -> bool:
    checks = (body.get("data") or {}).get("checks") or {}
    return all((checks.get(name) or {}).get("status") == "ok" for name in CHECKS)


def _start_until_healthy(stack: EmbeddedStack) -> tuple[float, float]:
    """Start the stack and the app the way `crm serve` does; wait for a healthy answer.

    Returns (total seconds, seconds spent inside ``stack.start()``). The app is closed
    again before returning; the stack keeps running.
    """
    started = time.perf_counter()
    info = stack.start()
    stack_done = time.perf_counter()
    vault = VaultClient(info.credentials)
    vault.login()
    settings = load_settings(vault, embedded_outbox=str(info.outbox_dir))
    resources = connect(settings, vault)
    app = create_app(resources)
    # The lifespan closes `resources` when the client exits. The Host must be one the app
    # allows (the stack's base URL), not TestClient's default "testserver".
    with TestClient(app, base_url=info.base_url) as client:
        while True:
            response = client.get("/api/health")
            if response.status_code == 200 and _healthy(response.json()):
                break
            if time.perf_counter() - started > HEALTH_TIMEOUT_S:
                raise RuntimeError(
                    f"/api/health not ok after {HEALTH_TIMEOUT_S:.0f}s: "
                    f"{response.status_code} {response.text}"
                )
            time.sleep(0.05)
        total = time.perf_counter() - started
    return total, stack_done - started


def measure(ctx: Context) -> list[Result]:
    data_dir: Path = fresh_data_dir()
    stack = EmbeddedStack(data_dir, echo_mail=False)
    try:
        cold, cold_stack = _start_until_healthy(stack)

        stopping = time.perf_counter()
        stack.stop()
        stop = time.perf_counter() - stopping

        stack = EmbeddedStack(data_dir, echo_mail=False)
        warm, warm_stack = _start_until_healthy(stack)
    finally:
        stop_and_remove(stack, data_dir)

    how = "health via in-process fastapi TestClient (no uvicorn/socket)"
    return [
        Result(
            "stack_cold_start_s",
            round(cold, 3),
            "s",
            target=f"< {COLD_TARGET_S:g} s",
            ok=cold < COLD_TARGET_S,
            notes=f"fresh dir incl. initdb; stack.start() {cold_stack:.2f} s, "
            f"app + first healthy /api/health {cold - cold_stack:.2f} s; {how}",
        ),
        Result(
            "stack_warm_restart_s",
            round(warm, 3),
            "s",
            notes=f"same dir after stop; stack.start() {warm_stack:.2f} s, "
            f"app + first healthy /api/health {warm - warm_stack:.2f} s; {how}",
        ),
        Result("stack_stop_s", round(stop, 3), "s", notes="EmbeddedStack.stop() after cold start"),
    ]
