"""Open-family facts through the close-out: placed on the address or the contact, saved when
accepted, and found by search like every attribute."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, closeout_job, done, preview_input, read

NOTE = (
    "Her son Bartholomew translates, she only speaks Vietnamese. "
    "Sprinklers by the drive come on at 6am. Quarterly service."
)


@pytest.fixture
def job(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    return closeout_job(client, start="2026-11-26T15:00:00Z")


def test_open_facts_are_placed_saved_and_searchable(
    client: TestClient, job: dict[str, Any]
) -> None:
    tid = job["ticket"]["id"]
    done(act(client, "ticket", "clock_in", id=tid))
    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job, notes=NOTE)))
    proposed = {p["key"]: p for p in draft["proposed_attributes"]}
    assert proposed["people.son"]["value"] == "Bartholomew"
    assert proposed["language.spoken"]["value"] == "Vietnamese"
    assert proposed["schedule.frequency"]["value"] == "quarterly"
    assert proposed["hazards.sprinklers"]["value"].startswith("sprinklers")
    # The place's facts go to the ticket's address, the person's to the contact.
    assert proposed["hazards.sprinklers"]["address_id"] is not None
    for key in ("people.son", "language.spoken", "schedule.frequency"):
        assert proposed[key]["address_id"] is None, key

    decisions = [{"key": key, "decision": "accept"} for key in proposed]
    closed = done(
        act(
            client,
            "ticket",
            "close",
            ticket_id=tid,
            draft_id=draft["draft_id"],
            decisions=decisions,
        )
    )
    assert closed["ticket"]["status"] == "completed"

    found = [c["display_name"] for c in done(read(client, "contacts", search="Bartholomew"))]
    assert found == ["Edna Whitfield"]
    found = [c["display_name"] for c in done(read(client, "contacts", search="vietnamese"))]
    assert found == ["Edna Whitfield"]
