"""A page reads everything it shows in one read-only transaction (one BEGIN/COMMIT per page)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crm.clients.postgres_client import Database
from tests.api.helpers import closeout_job


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every read-only transaction opened by the app, in order (they still run for real)."""
    opened: list[str] = []
    original = Database.read_only

    @contextmanager
    def counted(self: Database, user_id: Any) -> Iterator[Any]:
        opened.append("read_only")
        with original(self, user_id) as conn:
            yield conn

    monkeypatch.setattr(Database, "read_only", counted)
    return opened


def test_each_page_is_one_read_only_transaction(
    client: TestClient, signed_in: dict[str, Any], transactions: list[str]
) -> None:
    job = closeout_job(client, start="2026-11-30T15:00:00Z")
    pages = [
        "/",
        "/?view=week",
        f"/tickets/{job['ticket']['id']}",
        f"/contacts/{job['contact']['id']}",
        "/contacts?q=Edna",
        "/tickets/new",
        "/invoices",
        "/settings",
    ]
    for path in pages:
        transactions.clear()
        response = client.get(path)
        assert response.status_code == 200, path
        # One to check the signed-in account (the auth middleware), one for the whole page.
        assert transactions == ["read_only", "read_only"], path
    # The ticket page still shows what its reads found: the customer, the lines, the staff form.
    page = client.get(f"/tickets/{job['ticket']['id']}").text
    assert "Edna" in page and "Screen cleaning" in page
