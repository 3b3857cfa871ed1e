"""Calling the actions and data API the way a client does."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response


def act(client: TestClient, domain: str, action: str, **data: Any) -> Response:
    """POST /api/actions; the client must be signed in (the `signed_in` fixture)."""
    return client.post(
        "/api/actions", json={"domain": domain, "action": action, "data": _jsonable(data)}
    )


def done(response: Response, status: int = 200) -> Any:
    """The envelope's data, after checking the status (with the body in the failure message)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is (status < 400)
    return body["data"]


def error(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    err: dict[str, Any] = response.json()["error"]
    assert err["code"] == code, err
    return err


def read(client: TestClient, type_: str, **params: Any) -> Response:
    return client.get("/api/data", params={"type": type_, **{k: str(v) for k, v in params.items()}})


def make(client: TestClient, domain: str, **data: Any) -> dict[str, Any]:
    """Create one entity through the API and return it."""
    result: dict[str, Any] = done(act(client, domain, "create", **data))
    return result


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ in ("UUID", "Decimal"):
        return str(value)
    return value
