"""Soft-deleted rows vanish from every normal read: lists, ids, includes, filters, search."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import act, done, error, make, read


def test_deleted_rows_are_gone_everywhere(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = make(client, "contact", first_name="Ann", last_name="Lee")
    sam = make(client, "staff", name="Sam")
    kim = make(client, "staff", name="Kim")
    service = make(client, "service", name="Wash", pricing_mode="flexible", unit_price_cents=100)
    keep = make(client, "ticket", contact_id=contact["id"], scheduled_start="2026-12-01T15:00:00Z")
    drop = make(client, "ticket", contact_id=contact["id"], scheduled_start="2026-12-01T17:00:00Z")
    done(act(client, "ticket", "assign_staff", id=keep["id"], staff_ids=[sam["id"], kim["id"]]))
    kept_item = done(
        act(client, "line_item", "add", ticket_id=keep["id"], service_id=service["id"])
    )
    gone_item = done(
        act(client, "line_item", "add", ticket_id=keep["id"], description="x", unit_price_cents=7)
    )
    note = make(client, "note", ticket_id=keep["id"], body="zebra stripes on the shed")

    done(act(client, "ticket", "delete", id=drop["id"]))
    done(act(client, "line_item", "remove", id=gone_item["id"]))
    done(act(client, "note", "delete", id=note["id"]))
    done(act(client, "staff", "delete", id=kim["id"]))

    error(read(client, "tickets", id=drop["id"]), 404, "NOT_FOUND")
    assert [t["id"] for t in done(read(client, "tickets"))] == [keep["id"]]
    day = done(read(client, "tickets", **{"from": "2026-12-01", "to": "2026-12-01"}))
    assert [t["id"] for t in day] == [keep["id"]]
    with_contact = done(read(client, "contacts", id=contact["id"], include="tickets,notes"))
    assert [t["id"] for t in with_contact["tickets"]] == [keep["id"]]
    assert with_contact["notes"] == []

    detail = done(read(client, "tickets", id=keep["id"], include="line_items,notes,staff"))
    assert [i["id"] for i in detail["line_items"]] == [kept_item["id"]]
    assert detail["total_cents"] == 100
    assert detail["notes"] == []
    assert [s["name"] for s in detail["staff"]] == ["Sam"]
    assert [i["id"] for i in done(read(client, "line_items", ticket_id=keep["id"]))] == [
        kept_item["id"]
    ]
    error(read(client, "line_items", id=gone_item["id"]), 404, "NOT_FOUND")
    assert done(read(client, "notes", ticket_id=keep["id"])) == []
    assert done(read(client, "contacts", search="zebra")) == []
    assert [s["name"] for s in done(read(client, "staff"))] == ["Sam"]
    # Acting on a deleted row is exactly like acting on one that never existed.
    error(act(client, "ticket", "update", id=drop["id"], title="x"), 404, "NOT_FOUND")
    error(act(client, "note", "update", id=note["id"], body="x"), 404, "NOT_FOUND")
    error(act(client, "line_item", "remove", id=gone_item["id"]), 404, "NOT_FOUND")
    error(
        act(client, "ticket", "assign_staff", id=keep["id"], staff_ids=[kim["id"]]),
        404,
        "NOT_FOUND",
    )
