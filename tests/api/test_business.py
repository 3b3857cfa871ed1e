"""business.update: the business's own name, display name and timezone."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, error, make, read
from tests.factories import make_user


def _row(owner: psycopg.Connection, user_id: Any) -> dict[str, Any]:
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        row = owner.execute(
            "SELECT display_name, business_name, timezone FROM users WHERE id = %s", (user_id,)
        ).fetchone()
    assert row is not None
    return row


def test_update_changes_only_the_fields_sent_and_is_audited(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    result = done(
        act(
            client,
            "business",
            "update",
            business_name="  Sparkle Windows & Screens ",
            timezone="America/Denver",
        )
    )
    assert result["id"] == str(signed_in["id"])
    assert result["business_name"] == "Sparkle Windows & Screens"
    assert result["timezone"] == "America/Denver"
    assert result["display_name"] == "Sam Owner"  # not sent, not changed
    assert "email" not in result

    session = client.get("/auth/session").json()["data"]
    assert session["user"]["business_name"] == "Sparkle Windows & Screens"

    rows = done(read(client, "audit", entity_type="business", entity_id=signed_in["id"]))
    assert [r["action"] for r in rows] == ["update"]
    assert rows[0]["changes"] == {
        "business_name": {"old": "Sparkle Windows", "new": "Sparkle Windows & Screens"},
        "timezone": {"old": "America/Chicago", "new": "America/Denver"},
    }
    assert rows[0]["actor"] == f"user:{signed_in['id']}"

    # The new timezone applies to the very next request.
    contact = make(client, "contact", first_name="Ann")
    assert contact["created_at"].endswith(("-07:00", "-06:00"))

    # Sending the same values again changes nothing and writes no audit row.
    done(act(client, "business", "update", display_name="Sam Owner"))
    rows = done(read(client, "audit", entity_type="business"))
    assert len(rows) == 1


def test_invalid_input_is_422_and_changes_nothing(
    client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection
) -> None:
    err = error(act(client, "business", "update", timezone="Mars/Olympus"), 422, "VALIDATION_ERROR")
    assert [f["field"] for f in err["details"]["fields"]] == ["timezone"]
    assert "IANA" in err["details"]["fields"][0]["message"]
    error(act(client, "business", "update", timezone="america/chicago"), 422, "VALIDATION_ERROR")
    error(act(client, "business", "update", business_name="   "), 422, "VALIDATION_ERROR")
    error(act(client, "business", "update", display_name=""), 422, "VALIDATION_ERROR")
    # Nothing else on the row can be changed through this action.
    error(act(client, "business", "update", email="x@example.com"), 422, "VALIDATION_ERROR")
    error(act(client, "business", "update", is_active=False), 422, "VALIDATION_ERROR")
    assert _row(owner, signed_in["id"]) == {
        "display_name": "Sam Owner",
        "business_name": "Sparkle Windows",
        "timezone": "America/Chicago",
    }
    assert done(read(client, "audit", entity_type="business")) == []


def test_another_business_is_unaffected(
    app: FastAPI, client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection
) -> None:
    other = make_user(
        owner, email="other@example.com", business_name="Other Panes", timezone="America/New_York"
    )
    done(act(client, "business", "update", business_name="Mine", timezone="Pacific/Honolulu"))
    assert _row(owner, other["id"]) == {
        "display_name": "Sam Owner",
        "business_name": "Other Panes",
        "timezone": "America/New_York",
    }

    cookie, session = app.state.auth.sessions.create(other["id"])
    # Not used as a context manager: its shutdown would close the shared resources.
    theirs = TestClient(app, base_url="http://localhost")
    theirs.cookies.set("crm_session", cookie, domain="localhost.local")
    theirs.headers["X-CSRF-Token"] = session.csrf_token
    done(act(theirs, "business", "update", display_name="Olive"))
    # Their audit log has only their row; ours is invisible to them.
    rows = done(read(theirs, "audit", entity_type="business"))
    assert [r["entity_id"] for r in rows] == [str(other["id"])]
    assert _row(owner, signed_in["id"])["display_name"] == "Sam Owner"
    assert _row(owner, signed_in["id"])["business_name"] == "Mine"
    assert len(done(read(client, "audit", entity_type="business"))) == 1
