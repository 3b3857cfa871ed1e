"""Fuzzing every registered action through POST /api/actions, generated from the typed OpenAPI.

Schemathesis turns each action's input schema (the same one /openapi.json publishes) into
Hypothesis strategies: valid inputs ("positive") and inputs that break the schema on purpose
("negative": wrong types, out-of-range numbers, missing fields, raw bytes…). Most id fields are
aimed at real records of a seeded business so the input gets past "not found". Every answer
must be below 500, and a refused one must leave every table exactly as it was.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import given
from schemathesis import GenerationMode

from crm.api.openapi import action_request_schemas
from tests.fuzzing import FUZZ, World, aim, row_counts, seed_world

# Actions that end a record run last, so the others meet live records.
LAST = ("delete", "void", "cancel", "retire", "mark_no_show", "close")


def _operations() -> list[tuple[str, str, Any]]:
    """One schemathesis operation per action, each with its own body schema."""
    _, components = action_request_schemas()
    paths = {}
    for member in components["ActionRequest"]["oneOf"]:
        domain = member["properties"]["domain"]["const"]
        action = member["properties"]["action"]["const"]
        paths[f"/{domain}/{action}"] = {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": member}},
                },
                "responses": {"200": {"description": "ok"}},
            }
        }
    document = {
        "openapi": "3.1.0",
        "info": {"title": "actions", "version": "1"},
        "paths": paths,
        "components": {"schemas": components},
    }
    schema = schemathesis.openapi.from_dict(document)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        _, domain, action = operation.path.split("/")
        found.append((domain, action, operation))
    return sorted(found, key=lambda f: (f[1] in LAST, f[0], f[1]))


@pytest.fixture
def world(client: TestClient, signed_in: dict[str, Any]) -> World:
    return seed_world(client)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_action_input_is_a_server_error_or_half_saved(
    client: TestClient, world: World, database: Any, mode: GenerationMode
) -> None:
    rng = random.Random(20261130)
    failures: list[str] = []
    sent: list[int] = []
    with database.superuser() as admin:

        def send(domain: str, action: str, body: Any) -> None:
            if isinstance(body, dict) and isinstance(body.get("data"), dict):
                body = {**body, "data": aim(domain, body["data"], world, rng)}
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            before = row_counts(admin)
            response = client.post(
                "/api/actions", content=raw, headers={"Content-Type": "application/json"}
            )
            sent.append(response.status_code)
            status = response.status_code
            if status >= 500:
                failures.append(f"{domain}.{action} -> {status}: {raw[:300]!r}")
            elif status >= 400 and row_counts(admin) != before:
                failures.append(f"{domain}.{action} -> {status} but saved: {raw[:300]!r}")

        for domain, action, operation in _operations():
            _run(operation.as_strategy(generation_mode=mode), send, domain, action)
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(Counter(sent).items()))
    print(
        f"\nfuzz ({mode.value}): {len(sent)} action requests ({statuses}), {len(failures)} failures"
    )
    assert failures == [], "\n".join(failures[:20])


def _run(strategy: Any, send: Any, domain: str, action: str) -> None:
    """EXAMPLES generated cases of one action, without shrinking (a failure is recorded)."""

    @FUZZ
    @given(strategy)
    def one(case: Any) -> None:
        send(domain, action, case.body)

    one()
