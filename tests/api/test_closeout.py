"""The forced close-out, end to end over HTTP (extraction by the built-in rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.helpers import (
    HEADLINE_NOTE,
    act,
    closeout_job,
    done,
    error,
    make,
    preview_input,
    read,
)
from tests.factories import make_user

NOTE = HEADLINE_NOTE


@pytest.fixture
def job(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    return closeout_job(client, start="2026-11-26T15:00:00Z")


def test_close_out_end_to_end(client: TestClient, job: dict[str, Any]) -> None:
    tid, cid = job["ticket"]["id"], job["contact"]["id"]
    # Not before the job has started.
    error(act(client, "ticket", "close_out_preview", **preview_input(job)), 409, "CONFLICT")
    done(act(client, "ticket", "clock_in", id=tid))
    done(act(client, "ticket", "clock_out", id=tid))
    # An existing manual fact that the note contradicts.
    make(client, "attribute", contact_id=cid, key="access.gate_closed", value=False)

    # Every step is required, and an estimated price must be confirmed.
    partial = preview_input(job)
    del partial["next_step"]
    error(act(client, "ticket", "close_out_preview", **partial), 422, "VALIDATION_ERROR")
    error(
        act(
            client,
            "ticket",
            "close_out_preview",
            **preview_input(job, confirm_estimated_prices=False),
        ),
        422,
        "VALIDATION_ERROR",
    )
    wrong_price = preview_input(job)
    wrong_price["line_items"][0]["unit_price_cents"] = 100
    error(act(client, "ticket", "close_out_preview", **wrong_price), 422, "VALIDATION_ERROR")

    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job)))
    proposed = {p["key"]: p for p in draft["proposed_attributes"]}
    assert proposed["demographic.age_group"]["value"] == "elderly"
    assert proposed["property.screen_count"]["value"] == {"count": 20, "plus": True}
    assert proposed["pets.dog_name"]["value"] == "Biscuit"
    assert proposed["access.gate_closed"]["value"] is True
    assert proposed["equipment.extension_ladder"]["value"] is True
    for proposal in proposed.values():
        assert proposal["evidence"] in NOTE
        assert proposal["source"] == "rules"
        assert 0 < proposal["confidence"] <= 1
    assert draft["extraction"]["route"] == "rules"
    # The gate is a fact about the property: the hand-entered one went to the primary address,
    # the ticket is at that address, so the two meet.
    assert draft["conflicts"] == [
        {
            "key": "access.gate_closed",
            "address_id": job["ticket"]["address_id"],
            "existing_value": False,
            "existing_source": "manual",
            "proposed_value": True,
            "same": False,
        }
    ]
    assert draft["subtotal_cents"] == 22 * 350 + 17500
    assert draft["follow_up"]["kind"] == "reach_out"
    # Nothing is committed yet.
    ticket = done(read(client, "tickets", id=tid, include="notes"))
    assert ticket["status"] == "in_progress" and ticket["notes"] == []
    assert [a["key"] for a in done(read(client, "attributes", contact_id=cid))] == [
        "access.gate_closed"
    ]

    decisions = []
    for key in proposed:
        if key == "equipment.extension_ladder":
            decisions.append({"key": key, "decision": "reject"})
        elif key == "pets.dog_name":
            decisions.append({"key": key, "decision": "edit", "value": "biscuit jr"})
        else:
            decisions.append({"key": key, "decision": "accept"})
    error(
        act(
            client,
            "ticket",
            "close",
            ticket_id=tid,
            draft_id=draft["draft_id"],
            decisions=decisions[:-1],
        ),
        422,
        "VALIDATION_ERROR",
    )
    bad_edit = [{**d, "value": 7} if d["key"] == "pets.dog_name" else d for d in decisions]
    error(
        act(
            client, "ticket", "close", ticket_id=tid, draft_id=draft["draft_id"], decisions=bad_edit
        ),
        422,
        "VALIDATION_ERROR",
    )

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
    assert closed["ticket"]["worked_minutes"] == 95
    assert closed["invoice_prompt"] == {
        "domain": "invoice",
        "action": "create_from_ticket",
        "data": {"ticket_id": tid},
    }

    attributes = {a["key"]: a for a in done(read(client, "attributes", contact_id=cid))}
    expected_keys = set(proposed) - {"equipment.extension_ladder"}
    assert set(attributes) == expected_keys
    assert attributes["pets.dog_name"]["value"] == "Biscuit Jr"
    assert attributes["pets.dog_name"]["source"] == "manual"
    assert attributes["access.gate_closed"]["value"] is True
    assert attributes["access.gate_closed"]["source"] == "rules"
    assert attributes["demographic.age_group"]["source_ticket_id"] == tid
    note = done(read(client, "notes", ticket_id=tid))
    assert [n["body"] for n in note] == [NOTE]
    assert attributes["demographic.age_group"]["source_note_id"] == note[0]["id"]

    messages = done(read(client, "messages", contact_id=cid))
    assert [m["kind"] for m in messages] == ["reach_out"]
    local = datetime.fromisoformat(messages[0]["scheduled_for"]).astimezone(
        ZoneInfo("America/Chicago")
    )
    today = datetime.now(UTC).astimezone(ZoneInfo("America/Chicago")).date()
    assert local.hour == 9 and 179 <= (local.date() - today).days <= 185

    lines = {i["id"]: i for i in done(read(client, "line_items", ticket_id=tid))}
    assert lines[job["screens"]["id"]]["total_cents"] == 7700
    assert lines[job["wash"]["id"]]["unit_price_cents"] == 17500

    trail = [
        a["action"]
        for a in done(read(client, "tickets", id=tid, include="audit_trail"))["audit_trail"]
    ]
    assert trail[-3:] == ["close_out_preview", "update", "completed"]

    for response in (
        act(client, "ticket", "update", id=tid, title="changed"),
        act(client, "line_item", "update", id=job["wash"]["id"], unit_price_cents=1),
        act(client, "note", "update", id=note[0]["id"], body="changed"),
    ):
        error(response, 409, "TICKET_IMMUTABLE")
    error(
        act(
            client,
            "ticket",
            "close",
            ticket_id=tid,
            draft_id=draft["draft_id"],
            decisions=decisions,
        ),
        409,
        "CLOSEOUT_DRAFT_INVALID",
    )
    invoice = done(act(client, "invoice", "create_from_ticket", ticket_id=tid))
    assert invoice["total_cents"] == 7700 + 17500


def test_a_stale_draft_is_refused(client: TestClient, job: dict[str, Any]) -> None:
    tid = job["ticket"]["id"]
    done(act(client, "ticket", "clock_in", id=tid))
    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job, notes="")))
    assert draft["proposed_attributes"] == []
    done(
        act(
            client,
            "line_item",
            "add",
            ticket_id=tid,
            description="Ladder fee",
            unit_price_cents=500,
        )
    )
    err = error(
        act(client, "ticket", "close", ticket_id=tid, draft_id=draft["draft_id"], decisions=[]),
        409,
        "CLOSEOUT_DRAFT_INVALID",
    )
    assert "changed" in err["message"]
    assert done(read(client, "tickets", id=tid))["status"] == "in_progress"


def test_schedule_now_creates_the_next_ticket(client: TestClient, job: dict[str, Any]) -> None:
    tid = job["ticket"]["id"]
    done(act(client, "ticket", "clock_in", id=tid))
    start = (datetime.now(UTC) + timedelta(days=90)).replace(microsecond=0).isoformat()
    draft = done(
        act(
            client,
            "ticket",
            "close_out_preview",
            **preview_input(job, notes="", next_step={"kind": "schedule_now", "start": start}),
        )
    )
    closed = done(
        act(client, "ticket", "close", ticket_id=tid, draft_id=draft["draft_id"], decisions=[])
    )
    new_ticket = closed["next_step"]["ticket"]
    assert new_ticket["status"] == "scheduled"
    assert new_ticket["contact_id"] == job["contact"]["id"]
    assert datetime.fromisoformat(new_ticket["scheduled_start"]) == datetime.fromisoformat(start)
    # The same services come along, as confirmed: 22 screens, the wash at the $175 charged.
    lines = done(read(client, "tickets", id=new_ticket["id"], include="line_items"))["line_items"]
    assert [(li["description"], li["quantity"], li["unit_price_cents"]) for li in lines] == [
        ("Screen cleaning", "22", 350),
        ("Window wash", "1", 17500),
    ]
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    other = make(client, "ticket", contact_id=job["contact"]["id"], scheduled_start=past)
    done(act(client, "ticket", "clock_in", id=other["id"]))
    error(
        act(
            client,
            "ticket",
            "close_out_preview",
            ticket_id=other["id"],
            duration_minutes=10,
            line_items=[],
            notes="",
            next_step={"kind": "schedule_now", "start": past},
        ),
        422,
        "VALIDATION_ERROR",
    )


def test_another_business_cannot_use_a_draft(
    app: FastAPI, client: TestClient, job: dict[str, Any], owner: Any
) -> None:
    tid = job["ticket"]["id"]
    done(act(client, "ticket", "clock_in", id=tid))
    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job, notes="")))
    intruder = make_user(owner, email="other@example.com")
    cookie, session = app.state.auth.sessions.create(intruder["id"])
    other = TestClient(app, base_url="http://localhost")
    other.cookies.set("crm_session", cookie, domain="localhost.local")
    other.headers["X-CSRF-Token"] = session.csrf_token
    contact = make(other, "contact", first_name="Own")
    own = make(other, "ticket", contact_id=contact["id"], scheduled_start="2026-11-26T15:00:00Z")
    done(act(other, "ticket", "clock_in", id=own["id"]))
    error(
        act(
            other, "ticket", "close", ticket_id=own["id"], draft_id=draft["draft_id"], decisions=[]
        ),
        409,
        "CLOSEOUT_DRAFT_INVALID",
    )
    error(
        act(other, "ticket", "close", ticket_id=tid, draft_id=draft["draft_id"], decisions=[]),
        404,
        "NOT_FOUND",
    )
    assert done(read(client, "tickets", id=tid))["status"] == "in_progress"


# -- with a language model (the OpenAI-compatible stand-in as the local route) --------------


@pytest.fixture
def local_llm(app: Any, resources: Any) -> Any:
    """Point extraction at a local model served by the stand-in, for this app only."""
    from dataclasses import replace

    from crm.clients.llm_client import LlmClient, database_usage_sink
    from crm.core.dispatch import Dispatcher
    from crm.core.extraction import Extractor
    from tests.stand_ins.openai_server import OpenAiStandIn

    with OpenAiStandIn() as server:
        settings = replace(
            resources.settings.llm, local_endpoint=server.url, local_model="qwen3-1.7b"
        )
        client = LlmClient(settings, usage_sink=database_usage_sink(resources.db))
        app.state.dispatcher = Dispatcher(
            db=resources.db, extractor=Extractor(client), security=app.state.auth.security
        )
        try:
            yield server
        finally:
            client.close()


def test_preview_uses_the_local_model_and_checks_its_answer(
    client: TestClient, job: dict[str, Any], local_llm: Any, owner: Any, signed_in: dict[str, Any]
) -> None:
    local_llm.answer_json(
        {
            "attributes": [
                {
                    "key": "pets.dog_name",
                    "value": "biscuit",
                    "evidence": "Dog named Biscuit",
                    "confidence": 0.92,
                },
                {
                    "key": "property.screen_count",
                    "value": {"count": 20, "plus": True},
                    "evidence": "20+ screens",
                    "confidence": 0.9,
                },
                # Evidence that is not in the note is an invented fact: dropped.
                {
                    "key": "hazards.bees",
                    "value": True,
                    "evidence": "bees by the door",
                    "confidence": 0.8,
                },
            ]
        }
    )
    done(act(client, "ticket", "clock_in", id=job["ticket"]["id"]))
    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job)))
    assert draft["extraction"]["route"] == "llm:local"
    assert [(p["key"], p["value"], p["source"]) for p in draft["proposed_attributes"]] == [
        ("pets.dog_name", "Biscuit", "llm:local"),
        ("property.screen_count", {"count": 20, "plus": True}, "llm:local"),
    ]
    assert draft["extraction"]["problems"] == [
        "dropped hazards.bees: its evidence is not in the note"
    ]
    sent = local_llm.requests[-1].body
    assert sent["model"] == "qwen3-1.7b"
    assert sent["response_format"]["type"] == "json_schema"
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(signed_in["id"]),))
        usage = owner.execute("SELECT provider, purpose, ok FROM llm_usage").fetchall()
    assert usage == [{"provider": "local", "purpose": "extraction", "ok": True}]


@pytest.mark.parametrize(
    "answer",
    [
        "Sure! Here are the attributes: dog=Biscuit",
        '{"attributes": [{"key": "favourite.colour", "value": "blue", '
        '"evidence": "very nice", "confidence": 0.5}]}',
        '{"facts": ["elderly"]}',
    ],
)
def test_a_broken_local_model_falls_back_to_the_rules(
    client: TestClient, job: dict[str, Any], local_llm: Any, answer: str
) -> None:
    local_llm.answer_text(answer)
    done(act(client, "ticket", "clock_in", id=job["ticket"]["id"]))
    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job)))
    assert draft["extraction"]["route"] == "rules"
    assert draft["extraction"]["problems"] and "unavailable" in draft["extraction"]["problems"][0]
    assert {p["source"] for p in draft["proposed_attributes"]} == {"rules"}
    assert "pets.dog_name" in {p["key"] for p in draft["proposed_attributes"]}
    usage = done(read(client, "audit", entity_id=job["ticket"]["id"]))
    assert usage[-1]["changes"]["extraction_route"]["new"] == "rules"


def test_a_ticket_with_discounts_closes_out_with_them_applied(
    client: TestClient, signed_in: dict
) -> None:
    """The technician confirms the services; a fixed discount stays, a percent one follows the
    confirmed prices, and the invoice carries both."""
    job = closeout_job(client, start="2026-11-26T15:00:00Z")
    ticket_id = job["ticket"]["id"]
    done(act(client, "line_item", "add_discount", ticket_id=ticket_id, amount_cents=1000))
    done(act(client, "line_item", "add_discount", ticket_id=ticket_id, percent_bp=1000))
    done(act(client, "ticket", "clock_in", id=ticket_id))
    draft = done(act(client, "ticket", "close_out_preview", **preview_input(job)))
    # 22 screens x $3.50 + $175 wash = $252; minus $10 and 10 % of $252 ($25.20).
    assert draft["subtotal_cents"] == 25200 - 1000 - 2520
    done(
        act(
            client,
            "ticket",
            "close",
            ticket_id=ticket_id,
            draft_id=draft["draft_id"],
            decisions=[
                {"key": p["key"], "decision": "reject"} for p in draft["proposed_attributes"]
            ],
        )
    )
    invoice = done(act(client, "invoice", "create_from_ticket", ticket_id=ticket_id))
    assert invoice["subtotal_cents"] == 25200 - 1000 - 2520
