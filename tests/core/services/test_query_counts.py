"""List reads with includes run a fixed number of queries, however many rows they return."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

import crm.core.services  # noqa: F401 - registers every data type
from crm.clients.postgres_client import Database
from crm.core.registry import REGISTRY, DataQuery
from tests.core.services.counting import CountingConnection
from tests.core.services.seed import STAFF, TIMEZONE, seed_contacts, seed_month

# The month calendar of November 2026 shows Oct 26 - Dec 6 (Monday-first weeks).
GRID_FIRST, GRID_LAST = date(2026, 10, 26), date(2026, 12, 6)
TICKET_INCLUDES = ("line_items", "time_entries", "notes", "staff", "contact", "address")


def month_calendar(conn: Any, include: tuple[str, ...]) -> Any:
    """The tickets loader called as crm/web/calendar.py does for a month."""
    query = DataQuery(
        timezone=TIMEZONE,
        limit=1000,
        include=frozenset(include),
        filters={"from": GRID_FIRST.isoformat(), "to": GRID_LAST.isoformat()},
    )
    return REGISTRY.data_types["tickets"].loader(conn, query)


def counted(db: Database, user: dict[str, Any], read: Any) -> tuple[Any, list[str]]:
    with db.read_only(user["id"]) as conn:
        counting = CountingConnection(conn)
        result = read(counting.as_connection())
    return result, counting.statements


@pytest.mark.parametrize("include", [("contact",), ("contact", "staff"), TICKET_INCLUDES])
def test_month_calendar_runs_one_query_per_relation(
    db: Database, owner: psycopg.Connection[dict[str, Any]], include: tuple[str, ...]
) -> None:
    small = seed_month(owner, tickets=10)
    big = seed_month(owner, tickets=1000)

    few, few_statements = counted(db, small, lambda c: month_calendar(c, include))
    many, many_statements = counted(db, big, lambda c: month_calendar(c, include))

    assert len(few) == 10 and len(many) == 1000
    assert len(many_statements) == len(few_statements) <= 1 + len(include), many_statements[:5]
    calendar_order = [(t["scheduled_start"], t["id"]) for t in many]
    assert calendar_order == sorted(calendar_order)
    for ticket in many:
        assert ticket["contact"]["id"] == ticket["contact_id"]
        assert ticket["contact"]["display_name"].startswith("Customer No. ")
        if "staff" in include:
            names = [s["name"] for s in ticket["staff"]]
            assert len(names) == 2 and names == sorted(names) and set(names) <= set(STAFF)
    if "line_items" in include:
        assert {t["total_cents"] for t in many} == {15000}
        assert all(t["address"]["id"] == t["address_id"] for t in many)
        assert all([n["body"] for n in t["notes"]] == ["Gate code 1234"] for t in many)


def test_contact_list_with_addresses_and_attributes(
    db: Database, owner: psycopg.Connection[dict[str, Any]]
) -> None:
    small = seed_contacts(owner, contacts=10)
    big = seed_contacts(owner, contacts=1000)
    query = DataQuery(timezone=TIMEZONE, limit=1000, include=frozenset({"addresses", "attributes"}))
    loader = REGISTRY.data_types["contacts"].loader

    few, few_statements = counted(db, small, lambda c: loader(c, query))
    many, many_statements = counted(db, big, lambda c: loader(c, query))

    assert len(few) == 10 and len(many) == 1000
    assert len(many_statements) == len(few_statements) <= 3, many_statements[:5]
    for contact in many:
        assert [a["line1"] for a in contact["addresses"]] == ["Home", "Office"]
        assert all(a["contact_id"] == contact["id"] for a in contact["addresses"])
        assert [a["key"] for a in contact["attributes"]] == ["gate_code", "pets"]
        assert contact["attributes"][0]["value"] == contact["last_name"]
