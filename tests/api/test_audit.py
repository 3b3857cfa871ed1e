"""Every action writes its audit row(s), in the same transaction, readable per entity."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from crm.core.registry import REGISTRY
from tests.api.helpers import act, done, error, read


class Script:
    """Runs actions one by one, checking each left an audit row about the right entity."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.seen: set[tuple[str, str]] = set()

    def __call__(self, domain: str, action: str, entity: str | None = None, **data: Any) -> Any:
        before = len(done(read(self.client, "audit", limit=1000)))
        result = done(act(self.client, domain, action, **data))
        rows = done(read(self.client, "audit", limit=1000))
        assert len(rows) > before, f"{domain}.{action} wrote no audit row"
        target = (
            entity or (result.get("id") if isinstance(result, dict) else None) or data.get("id")
        )
        assert any(r["entity_id"] == target for r in rows[: len(rows) - before]), (
            f"{domain}.{action}: no audit row for {target}"
        )
        self.seen.add((domain, action))
        return result


def test_every_action_is_audited(
    client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection
) -> None:
    run = Script(client)
    contact = run("contact", "create", first_name="Ann")
    run("contact", "update", id=contact["id"], last_name="Lee")
    address = run("address", "create", contact_id=contact["id"], line1="1 Main St")
    run("address", "update", id=address["id"], city="Madison")
    spare = run("address", "create", contact_id=contact["id"], line1="2 Side St")
    run("address", "delete", id=spare["id"])
    staff = run("staff", "create", name="Sam")
    run("staff", "update", id=staff["id"], phone="256 555 0000")
    helper = run("staff", "create", name="Kim")
    run("staff", "delete", id=helper["id"])
    service = run("service", "create", name="Wash", pricing_mode="flexible", unit_price_cents=5000)
    run("service", "update", id=service["id"], description="Both sides")
    old = run("service", "create", name="Old", pricing_mode="fixed", unit_price_cents=100)
    run("service", "retire", id=old["id"])
    ticket = run(
        "ticket", "create", contact_id=contact["id"], scheduled_start="2026-12-01T15:00:00Z"
    )
    run("ticket", "update", id=ticket["id"], title="Front windows")
    run("ticket", "assign_staff", id=ticket["id"], staff_ids=[staff["id"]])
    item = run("line_item", "add", ticket_id=ticket["id"], service_id=service["id"])
    run("line_item", "update", id=item["id"], unit_price_cents=6000)
    extra = run("line_item", "add", ticket_id=ticket["id"], description="Fee", unit_price_cents=1)
    run("line_item", "remove", id=extra["id"])
    run("ticket", "clock_in", id=ticket["id"])
    run("ticket", "clock_out", id=ticket["id"])
    note = run("note", "create", contact_id=contact["id"], body="Gate code 1234")
    run("note", "update", id=note["id"], body="Gate code 4321")
    run("note", "delete", id=note["id"])
    attribute = run(
        "attribute", "create", contact_id=contact["id"], key="pets.dog_name", value="Rex"
    )
    run("attribute", "update", id=attribute["id"], value="Rexy")
    run("attribute", "delete", id=attribute["id"])
    if ("ticket", "close_out_preview") in REGISTRY.actions:
        lines = done(read(client, "line_items", ticket_id=ticket["id"]))
        draft = run(
            "ticket",
            "close_out_preview",
            entity=ticket["id"],
            ticket_id=ticket["id"],
            duration_minutes=30,
            line_items=[
                {
                    "line_item_id": i["id"],
                    "quantity": i["quantity"],
                    "unit_price_cents": i["unit_price_cents"],
                }
                for i in lines
            ],
            notes="Dog named Rex, keep the gate closed",
            next_step={"kind": "none"},
        )
        run(
            "ticket",
            "close",
            entity=ticket["id"],
            ticket_id=ticket["id"],
            draft_id=draft["draft_id"],
            decisions=[
                {"key": p["key"], "decision": "accept"} for p in draft["proposed_attributes"]
            ],
        )
    for_cancel = run(
        "ticket", "create", contact_id=contact["id"], scheduled_start="2026-12-02T15:00:00Z"
    )
    if ("message", "schedule") in REGISTRY.actions:
        message = run(
            "message",
            "schedule",
            kind="reminder",
            contact_id=contact["id"],
            ticket_id=for_cancel["id"],
            subject="Tomorrow",
            body="See you",
            scheduled_for="2026-12-01T15:00:00Z",
        )
        other = run(
            "message",
            "schedule",
            kind="custom",
            contact_id=contact["id"],
            subject="Hi",
            body="Hello",
            scheduled_for="2026-12-05T15:00:00Z",
        )
        run("message", "cancel", id=other["id"])
    run("line_item", "add_discount", ticket_id=for_cancel["id"], percent_bp=1000)
    run("ticket", "cancel", id=for_cancel["id"], reason="rain")
    if ("message", "schedule") in REGISTRY.actions:
        assert done(read(client, "messages", id=message["id"]))["status"] == "cancelled"
    no_show = run(
        "ticket", "create", contact_id=contact["id"], scheduled_start="2026-12-03T15:00:00Z"
    )
    run("ticket", "mark_no_show", id=no_show["id"])
    run("ticket", "reopen", id=no_show["id"])
    run("ticket", "mark_no_show", id=no_show["id"])
    gone = run("ticket", "create", contact_id=contact["id"], scheduled_start="2026-12-04T15:00:00Z")
    run("ticket", "delete", id=gone["id"])
    if ("invoice", "create_from_ticket") in REGISTRY.actions:
        invoice = run("invoice", "create_from_ticket", ticket_id=ticket["id"])
        run("invoice", "mark_sent", id=invoice["id"])
        run(
            "invoice",
            "record_payment",
            entity=invoice["id"],
            invoice_id=invoice["id"],
            amount_cents=100,
        )
        paid = run(
            "invoice",
            "record_payment",
            entity=invoice["id"],
            invoice_id=invoice["id"],
            amount_cents=200,
        )
        run(
            "invoice",
            "refund",
            entity=invoice["id"],
            payment_id=paid["payment"]["id"],
            amount_cents=50,
            reason="Missed a window",
        )
        refunded = run(
            "invoice",
            "refund",
            entity=invoice["id"],
            payment_id=paid["payment"]["id"],
            amount_cents=150,
            reason="Rest of it",
        )
        run(
            "invoice",
            "remove_payment",
            entity=refunded["payment"]["id"],
            payment_id=refunded["payment"]["id"],
            reason="Refunded by mistake",
        )
        standalone = run(
            "invoice",
            "create_standalone",
            contact_id=contact["id"],
            lines=[{"description": "Screens", "quantity": "3", "unit_price_cents": 500}],
        )
        run("invoice", "update", id=standalone["id"], tax_rate_bp=825, notes="Thanks")
        run("invoice", "void", id=standalone["id"])
    if ("business", "update") in REGISTRY.actions:
        run("business", "update", entity=str(signed_in["id"]), business_name="Crystal Clear")
    other_contact = run("contact", "create", first_name="Gone")
    run("contact", "delete", id=other_contact["id"])
    if ("plan", "create") in REGISTRY.actions:
        start = (date.today() + timedelta(days=7)).isoformat()
        plan = run(
            "plan",
            "create",
            contact_id=contact["id"],
            rrule="FREQ=WEEKLY;INTERVAL=4",
            start_date=start,
            start_time="09:00",
        )
        visits = done(read(client, "plans", id=plan["id"], include="visits"))["visits"]
        run("plan", "update", id=plan["id"], scope="all", start_time="10:00")
        run(
            "plan",
            "update",
            entity=visits[1]["id"],
            id=plan["id"],
            scope="this",
            ticket_id=visits[1]["id"],
            duration_minutes=90,
        )
        run("plan", "skip", ticket_id=visits[2]["id"], reason="Away")
        later = run(
            "plan",
            "update",
            id=plan["id"],
            scope="following",
            ticket_id=visits[3]["id"],
            start_time="11:00",
        )
        run("plan", "pause", id=later["id"])
        run("plan", "resume", id=later["id"])
        run("plan", "end", id=later["id"], reason="Moved away")
    settings = run("invoice_settings", "update", tax_rate_bp=700, phone="256 555 0100")
    assert settings["phone"] == "+12565550100"
    if ("messaging", "update") in REGISTRY.actions:
        run("messaging", "update", reminder_minutes=[1440], thank_you=True)
        saved = run(
            "message_template",
            "save",
            kind="reminder",
            subject="See you {{ reminder_when }}",
            body="Hi {{ customer_first_name }}",
            sms="Hi",
        )
        run("message_template", "reset", entity=saved["id"], kind="reminder")
        with owner.transaction():
            owner.execute(
                "SELECT set_config('app.current_user_id', %s, true)", (str(signed_in["id"]),)
            )
            owner.execute(
                "UPDATE scheduled_messages SET status = 'failed' WHERE id = %s", (other["id"],)
            )
        run("message", "retry", id=other["id"])
        billy = run("contact", "create", first_name="Billy", email="billy@example.com")
        fresh = run(
            "invoice",
            "create_standalone",
            contact_id=billy["id"],
            lines=[{"description": "Gutters", "quantity": "1", "unit_price_cents": 9000}],
        )
        run("invoice", "send", entity=fresh["id"], id=fresh["id"])
        if ("contact", "resubscribe") in REGISTRY.actions:
            with owner.transaction():
                owner.execute(
                    "SELECT set_config('app.current_user_id', %s, true)", (str(signed_in["id"]),)
                )
                owner.execute(
                    "UPDATE contacts SET email_opted_out_at = now() WHERE id = %s", (billy["id"],)
                )
            run("contact", "resubscribe", id=billy["id"])

    wanted = run(
        "waitlist",
        "create",
        contact_id=contact["id"],
        services=[{"service_id": service["id"]}],
        latest_date="2031-07-01",
    )
    run("waitlist", "update", id=wanted["id"], weekdays=[1, 2], note="Mornings")
    run("waitlist", "book", id=wanted["id"], scheduled_start="2031-06-02T15:00:00Z")
    unwanted = run(
        "waitlist",
        "create",
        contact_id=contact["id"],
        services=[{"service_id": service["id"]}],
        latest_date="2031-07-01",
    )
    run("waitlist", "remove", id=unwanted["id"])

    brought = run(
        "import",
        "preview",
        kind="square_customers",
        filename="customers.csv",
        content="Square Customer ID,First Name,Last Name,Email Address,Phone Number\n"
        "SQ1,Edna,Whitfield,edna@example.com,(256) 555-0134\n",
    )
    run("import", "start", id=brought["id"])
    mapped = run(
        "import",
        "preview",
        kind="csv",
        filename="clients.csv",
        content="Name,E-mail\nEdna Whitfield,edna@example.com\n",
    )
    run("import", "map", id=mapped["id"], mapping={"Name": "full_name", "E-mail": "email"})

    # An API token asks for sensitive actions; the owner approves one and denies the other.
    token = run("api_token", "create", name="Script", scope="write")
    asked = [
        done(
            client.post(
                "/api/actions",
                json={"domain": "note", "action": "delete", "data": {"id": kept["id"]}},
                headers={"Authorization": f"Bearer {token['token']}"},
            ),
            202,
        )
        for kept in (
            run("note", "create", contact_id=contact["id"], body=f"Asked {n}") for n in (1, 2)
        )
    ]
    run("authorization", "approve", id=asked[0]["id"])
    run("authorization", "deny", id=asked[1]["id"])
    run("api_token", "revoke", id=token["id"])
    approved = done(read(client, "audit", entity_type="authorization", entity_id=asked[0]["id"]))
    assert [a["action"] for a in approved] == ["request", "approved"]
    assert approved[0]["actor"] == f"token:{token['id']}"
    assert approved[1]["actor"] == f"user:{signed_in['id']}"

    assert run.seen == set(REGISTRY.actions), sorted(set(REGISTRY.actions) - run.seen)

    trail = done(read(client, "contacts", id=contact["id"], include="audit_trail"))["audit_trail"]
    assert [a["action"] for a in trail] == ["create", "update"]
    assert trail[1]["changes"] == {"last_name": {"old": "", "new": "Lee"}}
    assert trail[0]["actor"] == f"user:{signed_in['id']}"
    assert trail[0]["request_id"]
    error(read(client, "notes", id=note["id"]), 404, "NOT_FOUND")
    # The deleted note still has its whole history in the audit log.
    history = done(read(client, "audit", entity_id=note["id"]))
    assert [a["action"] for a in history] == ["create", "update", "delete"]


def test_a_failed_action_leaves_no_audit_row(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = done(act(client, "contact", "create", first_name="Ann"))
    before = len(done(read(client, "audit")))
    error(
        act(client, "contact", "update", id=contact["id"], referred_by_id=contact["id"]),
        422,
        "VALIDATION_ERROR",
    )
    ticket = done(
        act(
            client,
            "ticket",
            "create",
            contact_id=contact["id"],
            scheduled_start="2026-12-01T15:00:00Z",
        )
    )
    done(act(client, "ticket", "clock_in", id=ticket["id"]))
    count = len(done(read(client, "audit")))
    error(act(client, "ticket", "clock_in", id=ticket["id"]), 409, "CLOCK_STATE_CONFLICT")
    assert len(done(read(client, "audit"))) == count
    assert count == before + 3  # ticket create; clock_in and its in_progress transition
