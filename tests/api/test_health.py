from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_reports_every_dependency_with_latency(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    checks = response.json()["data"]["checks"]
    assert set(checks) == {"postgres", "valkey", "vault"}
    for check in checks.values():
        assert check["status"] == "ok"
        assert 0 <= check["latency_ms"] < 2000


def test_liveness_needs_nothing(client: TestClient) -> None:
    assert client.get("/api/health/live").json()["data"] == {"status": "ok"}
