"""The calendar: today's day view in the business's timezone, week and month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.api.helpers import act, done, make, read
from tests.web.test_tickets_pages import form_fields, submit

CHICAGO = ZoneInfo("America/Chicago")


def _local_today() -> datetime:
    return datetime.now(UTC).astimezone(CHICAGO)


def test_day_view_shows_todays_tickets_in_local_time(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    today = _local_today().date()
    start = datetime(today.year, today.month, today.day, 14, 30, tzinfo=CHICAGO)
    contact = make(client, "contact", first_name="Edna", last_name="Whitfield")
    make(
        client,
        "ticket",
        contact_id=contact["id"],
        scheduled_start=start.isoformat(),
        title="Front windows",
    )
    page = client.get("/")
    assert page.status_code == 200
    assert "Today, " in page.text
    assert "2:30 PM" in page.text and "Edna Whitfield" in page.text and "Front windows" in page.text
    assert f"/tickets/new?start={today.isoformat()}T09:00" in page.text
    assert 'aria-current="page">Calendar' in page.text


def test_empty_day_says_what_to_do(client: TestClient, signed_in: dict[str, Any]) -> None:
    page = client.get("/?date=2031-01-07")
    assert "Nothing scheduled" in page.text and "/tickets/new?date=2031-01-07" in page.text
    assert "Tuesday, January 7" in page.text


def test_week_and_month(client: TestClient, signed_in: dict[str, Any]) -> None:
    contact = make(client, "contact", first_name="Tyler")
    make(client, "ticket", contact_id=contact["id"], scheduled_start="2031-01-08T16:00:00Z")
    week = client.get("/?view=week&date=2031-01-09")
    assert "Week of January 6" in week.text and "Tyler" in week.text
    assert "/?view=week&date=2030-12-30" in week.text
    month = client.get("/?view=month&date=2031-01-20")
    assert "January 2031" in month.text and "1 job" in month.text
    assert "/?view=month&date=2030-12-01" in month.text


def test_current_ticket_is_a_quick_action_in_the_header(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Nora")
    start = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    ticket = make(client, "ticket", contact_id=contact["id"], scheduled_start=start)
    done(act(client, "ticket", "clock_in", id=ticket["id"]))
    page = client.get("/?view=month")
    assert f'class="now" href="/tickets/{ticket["id"]}"' in page.text
    assert "Now: Nora" in page.text


def test_bad_view_or_date_falls_back_to_today(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    assert "Today, " in client.get("/?view=decade&date=not-a-date").text


def test_static_files_are_hashed_compressed_and_cached(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("content-encoding") == "gzip"
    css = page.text.split('rel="stylesheet" href="')[1].split('"')[0]
    assert css.startswith("/static/css/app.") and css.endswith(".css") and css.count(".") == 2
    response = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers.get("content-encoding") == "gzip"
    assert client.get("/static/css/app.0000000000.css").status_code == 404


def test_a_cancelled_visit_is_booked_again_with_its_customer_address_services_and_crew(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    contact = make(client, "contact", first_name="Edna", last_name="Whitfield")
    home = make(client, "address", contact_id=contact["id"], line1="4410 Old Gurley Rd")
    make(client, "address", contact_id=contact["id"], line1="14 Oak St", is_primary=True)
    jo = make(client, "staff", name="Jo Ladder")
    windows = make(
        client,
        "service",
        name="Windows",
        pricing_mode="per_unit",
        unit_price_cents=400,
        unit_label="window",
    )
    wash = make(client, "service", name="Wash", pricing_mode="flexible", unit_price_cents=9000)
    visit = {"contact_id": contact["id"], "scheduled_start": "2031-01-08T16:00:00Z"}
    old = make(
        client,
        "ticket",
        **visit,
        address_id=home["id"],
        duration_minutes=75,
        staff_ids=[jo["id"]],
        title="Spring clean",
    )
    lines = ({"service_id": windows["id"], "quantity": "24"}, {"service_id": wash["id"]})
    for line, cents in zip(lines, (400, 17500), strict=True):
        done(act(client, "line_item", "add", ticket_id=old["id"], **line, unit_price_cents=cents))
    done(act(client, "ticket", "cancel", id=old["id"], reason="Rain"))
    booked = make(client, "ticket", **visit)

    day = client.get("/?date=2031-01-08").text
    assert f'href="/tickets/new?again={old["id"]}"' in day and ">Book again</a>" in day
    assert f"/tickets/new?again={booked['id']}" not in day  # only a cancelled or no-show visit
    week = client.get("/?view=week&date=2031-01-08").text
    assert f'href="/tickets/new?again={old["id"]}"' in week

    page = client.get(f"/tickets/new?again={old['id']}").text
    assert "Booking again the cancelled visit" in page
    form = form_fields(page, "/tickets")
    assert form["contact_id"] == contact["id"] and form["address_id"] == home["id"]
    assert form[f"qty-{windows['id']}"] == "24" and form[f"price-{wash['id']}"] == "175.00"
    assert form["duration"] == "75" and form["staff_ids"] == jo["id"]
    assert form["title"] == "Spring clean"
    assert form["date"] >= _local_today().date().isoformat() and form["time"] == "10:00"

    response = submit(client, "/tickets", form, signed_in["csrf_token"])

    assert response.status_code == 303, response.text
    tid = response.headers["location"].split("/")[2].split("?")[0]
    new = done(read(client, "tickets", id=tid, include="line_items,staff"))
    assert (new["contact_id"], new["address_id"]) == (contact["id"], home["id"])
    assert new["duration_minutes"] == 75 and [s["name"] for s in new["staff"]] == ["Jo Ladder"]
    assert sorted((i["description"], i["total_cents"]) for i in new["line_items"]) == [
        ("Wash", 17500),
        ("Windows", 9600),
    ]
    assert done(read(client, "tickets", id=old["id"]))["status"] == "cancelled"  # kept as it was
