"""Stop a server under the running app: 503s naming it, never empty data; then recovery."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crm.embedded.stack import EmbeddedStack
from crm.main import Resources


@pytest.fixture
def app_with_data_route(app: FastAPI, resources: Resources) -> FastAPI:
    """A read route shaped like every data endpoint: one read-only unit of work."""

    @app.get("/api/test/business/{user_id}")
    def business(user_id: uuid.UUID) -> dict[str, object]:
        with resources.db.read_only(user_id) as conn:
            rows = conn.execute("SELECT business_name FROM users").fetchall()
        return {"businesses": [r["business_name"] for r in rows]}

    return app


@pytest.fixture
def live(app_with_data_route: FastAPI, signed_in: dict) -> Iterator[TestClient]:
    with TestClient(
        app_with_data_route, base_url="http://localhost", raise_server_exceptions=False
    ) as client:
        client.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")
        yield client


def test_postgres_outage_is_503_and_recovers(
    stack: EmbeddedStack, live: TestClient, signed_in: dict, owner
) -> None:
    owner.close()
    url = f"/api/test/business/{signed_in['id']}"
    assert live.get(url).json() == {"businesses": ["Sparkle Windows"]}
    assert stack.postgres is not None

    stack.postgres.stop()
    try:
        health = live.get("/api/health")
        assert health.status_code == 503
        error = health.json()["error"]
        assert error["code"] == "SERVICE_UNAVAILABLE"
        assert error["details"]["failed"] == ["postgres"]
        assert "postgres" in error["message"]
        assert error["details"]["checks"]["valkey"]["status"] == "ok"

        data = live.get(url)
        assert data.status_code == 503
        assert data.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert data.json()["data"] is None
    finally:
        stack.postgres.start()

    assert live.get("/api/health").status_code == 200
    assert live.get(url).json() == {"businesses": ["Sparkle Windows"]}


def test_valkey_outage_is_503_and_recovers(stack: EmbeddedStack, live: TestClient) -> None:
    assert stack.valkey is not None
    assert live.get("/api/health").status_code == 200
    stack.valkey.stop()
    try:
        health = live.get("/api/health")
        assert health.status_code == 503
        assert health.json()["error"]["details"]["failed"] == ["valkey"]
    finally:
        stack.valkey.start()
    assert live.get("/api/health").status_code == 200


def test_outage_on_a_page_shows_the_unavailable_page(
    stack: EmbeddedStack, app_with_data_route: FastAPI, resources: Resources, signed_in: dict
) -> None:
    @app_with_data_route.get("/test-page")
    def page() -> dict[str, str]:
        resources.valkey.ping()
        return {"ok": "yes"}

    assert stack.valkey is not None
    with TestClient(
        app_with_data_route, base_url="http://localhost", raise_server_exceptions=False
    ) as client:
        client.cookies.set("crm_session", signed_in["cookie"], domain="localhost.local")
        response = client.get("/test-page")
        assert response.status_code == 200
        stack.valkey.stop()
        try:
            response = client.get("/test-page")
        finally:
            stack.valkey.start()
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.text
