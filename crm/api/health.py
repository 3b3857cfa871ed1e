"""Health: is every dependency answering, and how fast."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from crm.dependencies import AppResources
from crm.errors import ServiceUnavailable
from crm.jobs.status import queue_status
from crm.responses import envelope, ok

router = APIRouter(prefix="/api/health", tags=["health"])


def _check(probe: Callable[[], None]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        probe()
    except ServiceUnavailable as exc:
        status, error = "error", exc.message
    else:
        status, error = "ok", ""
    result: dict[str, object] = {
        "status": status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    if error:
        result["error"] = error
    return result


@router.get("", summary="Check PostgreSQL, Valkey and Vault")
def health(request: Request, resources: AppResources) -> JSONResponse:
    checks = {
        "postgres": _check(resources.db.ping),
        "valkey": _check(resources.valkey.ping),
        "vault": _check(resources.vault.health),
    }
    _add_restarts(request, checks)
    failed = [name for name, check in checks.items() if check["status"] != "ok"]
    if not failed:
        jobs = {"jobs": queue_status(resources.db)}
        return ok({"status": "ok", "checks": checks, **jobs, **_last_backup(request)})
    body = envelope(
        None,
        success=False,
        error={
            "code": "SERVICE_UNAVAILABLE",
            "message": f"Unavailable: {', '.join(failed)}",
            "details": {"failed": failed, "checks": checks},
        },
    )
    return JSONResponse(body, status_code=503)


def _add_restarts(request: Request, checks: dict[str, dict[str, object]]) -> None:
    """Embedded mode only: each supervised server's state, restart count and last restart."""
    status: Callable[[], dict[str, dict[str, object]]] | None = getattr(
        request.app.state, "embedded_status", None
    )
    for name, supervision in (status() if status else {}).items():
        if name in checks:
            checks[name].update(supervision)


def _last_backup(request: Request) -> dict[str, object]:
    """Embedded mode only: the daily backup's state, with the age of the last good one."""
    summary: Callable[[], dict[str, object]] | None = getattr(
        request.app.state, "backup_status", None
    )
    return {"backup": summary()} if summary else {}


@router.get("/live", summary="The process is running")
async def live() -> JSONResponse:
    """Answered on the event loop itself: if this is slow, something is blocking the loop."""
    return ok({"status": "ok"})
