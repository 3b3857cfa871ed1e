"""The plan pages (crm/web/plans.py, plan_visit.py) as a phone without JavaScript uses them:
plain forms that post and answer 303, or come back with everything typed."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import act, done, make, read
from tests.web.test_tickets_pages import assert_no_inline, form_fields, submit

CHICAGO = ZoneInfo("America/Chicago")


def next_weekday(weekday: int) -> date:
    day = datetime.now(CHICAGO).date() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def local(ticket: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(ticket["scheduled_start"]).astimezone(CHICAGO)


@pytest.fixture
def world(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    contact = make(client, "contact", first_name="Ann", last_name="Lee")
    home = make(client, "address", contact_id=contact["id"], line1="12 Oak St", label="Home")
    shop = make(client, "address", contact_id=contact["id"], line1="3 Main St", label="Shop")
    windows = make(
        client,
        "service",
        name="Windows",
        pricing_mode="per_unit",
        unit_price_cents=500,
        unit_label="window",
        default_duration_minutes=5,
    )
    jo = make(client, "staff", name="Jo")
    return {
        "contact": contact,
        "home": home,
        "shop": shop,
        "windows": windows,
        "jo": jo,
        "csrf": signed_in["csrf_token"],
    }


def _new_form(client: TestClient, world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    page = client.get(f"/plans/new?contact_id={world['contact']['id']}")
    assert page.status_code == 200
    assert_no_inline(page.text)
    form = form_fields(page.text, "/plans")
    form.update(
        address_id=world["shop"]["id"],
        repeat="weekly",
        week_interval="4",
        weekdays=["TU"],
        start_date=next_weekday(1).isoformat(),
        start_time="09:00",
        duration="90",
        staff_ids=[world["jo"]["id"]],
        title="Storefront",
        **{f"qty-{world['windows']['id']}": "20"},
    )
    form.update(changes)
    return form


def _plans(client: TestClient) -> list[dict[str, Any]]:
    return done(read(client, "plans"))


def _created(client: TestClient, response: Any) -> dict[str, Any]:
    assert response.status_code == 303, response.text[:2000]
    match = re.fullmatch(r"/plans/([0-9a-f-]{36})\?notice=\w+", response.headers["location"])
    assert match
    plan: dict[str, Any] = done(read(client, "plans", id=match[1], include="visits"))
    return plan


@pytest.mark.parametrize(
    ("repeat", "rule", "words"),
    [
        (
            {"repeat": "weekly", "week_interval": "4", "weekdays": ["TU"]},
            "FREQ=WEEKLY;INTERVAL=4;BYDAY=TU",
            "Every 4 weeks on Tuesday at 9:00 AM",
        ),
        (
            {"repeat": "monthly_day", "month_interval": "3", "month_day": "20"},
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=20",
            "Every 3 months on the 20th at 9:00 AM",
        ),
        (
            {"repeat": "monthly_nth", "nth_interval": "1", "nth": "2", "nth_weekday": "TH"},
            "FREQ=MONTHLY;BYDAY=2TH",
            "Every month on the 2nd Thursday at 9:00 AM",
        ),
        (
            {"repeat": "yearly", "months": ["4", "10"], "year_nth": "1", "year_weekday": "MO"},
            "FREQ=YEARLY;BYDAY=1MO;BYMONTH=4,10",
            "Every year in April and October on the 1st Monday at 9:00 AM",
        ),
    ],
)
def test_the_form_starts_a_plan_with_the_rule_in_words(
    client: TestClient,
    world: dict[str, Any],
    repeat: dict[str, Any],
    rule: str,
    words: str,
) -> None:
    form = _new_form(client, world, **repeat)
    plan = _created(client, submit(client, "/plans", form, world["csrf"]))
    assert (plan["rrule"], plan["summary"]) == (rule, words)
    assert plan["address_id"] == world["shop"]["id"]
    assert plan["duration_minutes"] == 90 and plan["staff_ids"] == [world["jo"]["id"]]
    assert [(li["service_id"], li["quantity"]) for li in plan["lines"]] == [
        (world["windows"]["id"], "20")
    ]
    assert plan["visits"]
    page = client.get(f"/plans/{plan['id']}").text
    assert words in page and "Storefront" in page and "12 Oak St" not in page


def test_a_weekly_plan_starts_on_the_first_chosen_weekday(
    client: TestClient, world: dict[str, Any]
) -> None:
    start = next_weekday(6)  # a Sunday: every 4 weeks on Tuesday begins that Tuesday
    form = _new_form(client, world, start_date=start.isoformat())
    plan = _created(client, submit(client, "/plans", form, world["csrf"]))
    first = start + timedelta(days=2)
    assert plan["start_date"] == first.isoformat()
    assert plan["visits"][0]["plan_occurrence"] == first.isoformat()


def test_an_end_and_skipped_days_are_saved(client: TestClient, world: dict[str, Any]) -> None:
    first = next_weekday(1)
    skipped = first + timedelta(days=28)
    form = _new_form(client, world, ends="after", count="5", skip_dates=f"{skipped.isoformat()}")
    plan = _created(client, submit(client, "/plans", form, world["csrf"]))
    assert plan["max_count"] == 5 and plan["skip_dates"] == [skipped.isoformat()]
    assert skipped.isoformat() not in [v["plan_occurrence"] for v in plan["visits"]]
    # A skipped day is not a visit: still 5 of them.
    assert len(plan["visits"]) == 5


def test_mistakes_come_back_next_to_their_fields_with_everything_typed(
    client: TestClient, world: dict[str, Any]
) -> None:
    form = _new_form(
        client,
        world,
        weekdays=[],
        duration="9" * 40,
        ends="on",
        until="someday",
        title="Storefront <b>front</b>",
        crew_note="Ladder in the van",
        skip_dates="next tuesday",
    )
    page = submit(client, "/plans", form, world["csrf"])
    assert page.status_code == 422
    assert _plans(client) == []
    again = form_fields(page.text, "/plans")
    for name in ("title", "crew_note", "until", "skip_dates", "start_time", "duration"):
        assert again[name] == form[name], name
    assert again[f"qty-{world['windows']['id']}"] == "20"
    assert again["address_id"] == world["shop"]["id"]
    for name in ("weekdays", "duration", "until", "skip_dates"):
        assert f'id="{name}-error"' in page.text, name
    assert page.text.count('aria-invalid="true"') >= 3


def test_a_rule_the_core_refuses_is_shown_at_the_repeat(
    client: TestClient, world: dict[str, Any]
) -> None:
    form = _new_form(client, world, ends="on", until="2020-01-01")
    page = submit(client, "/plans", form, world["csrf"])
    assert page.status_code == 422
    assert "ends before it starts" in page.text
    assert form_fields(page.text, "/plans")["until"] == "2020-01-01"


def test_overlapping_visits_are_listed_then_saved_anyway(
    client: TestClient, world: dict[str, Any]
) -> None:
    start = next_weekday(1)
    other = make(client, "contact", first_name="Bob", last_name="Marsh")
    make(
        client,
        "ticket",
        contact_id=other["id"],
        scheduled_start=datetime(start.year, start.month, start.day, 9, 30, tzinfo=CHICAGO),
        staff_ids=[world["jo"]["id"]],
    )
    form = _new_form(client, world)
    warned = submit(client, "/plans", form, world["csrf"])
    assert warned.status_code == 409
    assert _plans(client) == []
    assert 'id="overlaps"' in warned.text and "Bob Marsh at 9:30 AM" in warned.text
    assert "Save anyway" in warned.text
    kept = form_fields(warned.text, "/plans")
    assert kept["title"] == "Storefront"
    plan = _created(client, submit(client, "/plans", {**kept, "intent": "anyway"}, world["csrf"]))
    assert plan["visits"]


def _plan(client: TestClient, world: dict[str, Any]) -> dict[str, Any]:
    return _created(client, submit(client, "/plans", _new_form(client, world), world["csrf"]))


def test_the_plan_page_pauses_resumes_and_ends(client: TestClient, world: dict[str, Any]) -> None:
    plan = _plan(client, world)
    url = f"/plans/{plan['id']}"
    page = client.get(url).text
    assert page.count('href="/tickets/') == 5  # the next 5 visits
    assert "Show all" in page
    assert client.get(url + "?all=1").text.count('href="/tickets/') == len(plan["visits"])
    paused = submit(client, url + "/pause", {}, world["csrf"])
    assert paused.headers["location"] == url + "?notice=paused"
    assert done(read(client, "plans", id=plan["id"], include="visits"))["status"] == "paused"
    assert "Resume" in client.get(url).text
    again = submit(client, url + "/pause", {}, world["csrf"])
    assert again.status_code == 409 and "only an active plan" in again.text
    assert submit(client, url + "/resume", {}, world["csrf"]).status_code == 303
    ended = submit(client, url + "/end", {"reason": "Moved away"}, world["csrf"])
    assert ended.headers["location"] == url + "?notice=ended"
    shown = client.get(url).text
    assert "Moved away" in shown and "Start a new plan" in shown
    history = shown.split('id="history"')[1]
    assert "Started" in history and "status: paused → active" in history
    assert "status: active → ended" in history


def test_changing_the_plan_from_its_page(client: TestClient, world: dict[str, Any]) -> None:
    plan = _plan(client, world)
    url = f"/plans/{plan['id']}/change"
    form = form_fields(client.get(url).text, url)
    assert (form["repeat"], form["week_interval"], form["weekdays"]) == ("weekly", "4", "TU")
    nothing = submit(client, url, form, world["csrf"])
    assert nothing.status_code == 422 and "already like this" in nothing.text
    form.update(scope="all", weekdays=["WE"], start_time="10:00")
    changed = submit(client, url, form, world["csrf"])
    assert changed.status_code == 303
    after = done(read(client, "plans", id=plan["id"], include="visits"))
    assert after["summary"] == "Every 4 weeks on Wednesday at 10:00 AM"
    assert {(local(v).weekday(), local(v).hour) for v in after["visits"]} == {(2, 10)}
    # From a day on: the plan is split at the first visit on or after it.
    pivot = after["visits"][3]
    form = form_fields(client.get(url).text, url)
    form.update(scope="following", from_date=pivot["plan_occurrence"], duration="45")
    split = submit(client, url, form, world["csrf"])
    assert split.status_code == 303 and plan["id"] not in split.headers["location"]
    old = client.get(f"/plans/{plan['id']}").text
    assert "Changed from a day on" in old


def test_a_visits_ticket_page_names_its_plan_and_changes_it(
    client: TestClient, world: dict[str, Any]
) -> None:
    plan = _plan(client, world)
    visits = plan["visits"]
    ticket = client.get(f"/tickets/{visits[1]['id']}").text
    assert f'href="/plans/{plan["id"]}">Every 4 weeks on Tuesday at 9:00 AM</a> · visit 2 of ∞' in (
        ticket
    )
    assert "changed on its own" not in ticket
    # This visit only: moved to Wednesday, and shown as changed on its own.
    url = f"/tickets/{visits[1]['id']}/visit"
    form = form_fields(client.get(url).text, url)
    wednesday = (local(visits[1]) + timedelta(days=1)).date()
    form.update(scope="this", date=wednesday.isoformat())
    moved = submit(client, url, form, world["csrf"])
    assert moved.headers["location"] == f"/tickets/{visits[1]['id']}?notice=saved"
    shown = done(read(client, "tickets", id=visits[1]["id"]))
    assert local(shown).date() == wednesday and shown["plan_detached"] is True
    assert "changed on its own" in client.get(f"/tickets/{visits[1]['id']}").text
    # A new day for the following ones is refused: that is the plan's repeat.
    url = f"/tickets/{visits[2]['id']}/visit"
    form = form_fields(client.get(url).text, url)
    form.update(scope="following", date=wednesday.isoformat(), start_time="10:00")
    refused = submit(client, url, form, world["csrf"])
    assert refused.status_code == 422 and 'id="date-error"' in refused.text
    assert form_fields(refused.text, url)["start_time"] == "10:00"
    # This and the following at 10:00: a new plan from visit 3 on.
    form.update(date=form_fields(client.get(url).text, url)["date"])
    split = submit(client, url, form, world["csrf"])
    assert split.status_code == 303
    later = done(read(client, "tickets", id=visits[2]["id"]))
    assert later["plan_id"] != plan["id"] and local(later).hour == 10
    assert "visit 3 of ∞" in client.get(f"/tickets/{visits[2]['id']}").text
    earlier = done(read(client, "tickets", id=visits[0]["id"]))
    assert local(earlier).hour == 9
    # All future ones, from a visit of the new plan: 2 windows fewer.
    url = f"/tickets/{visits[4]['id']}/visit"
    form = form_fields(client.get(url).text, url)
    form.update(scope="all", **{f"qty-{world['windows']['id']}": "18"})
    assert submit(client, url, form, world["csrf"]).status_code == 303
    lines = done(read(client, "tickets", id=visits[5]["id"], include="line_items"))["line_items"]
    assert [li["quantity"] for li in lines] == ["18"]


def test_skipping_a_visit(client: TestClient, world: dict[str, Any]) -> None:
    plan = _plan(client, world)
    visit = plan["visits"][2]
    url = f"/tickets/{visit['id']}/visit/skip"
    empty = submit(client, url, {"skip_reason": " "}, world["csrf"])
    assert empty.status_code == 422 and 'id="skip_reason-error"' in empty.text
    assert done(read(client, "tickets", id=visit["id"]))["status"] == "scheduled"
    skipped = submit(client, url, {"skip_reason": "On holiday"}, world["csrf"])
    assert skipped.headers["location"] == f"/tickets/{visit['id']}?notice=cancelled"
    shown = done(read(client, "tickets", id=visit["id"]))
    assert shown["status"] == "cancelled" and "On holiday" in shown["cancel_reason"]


def test_repeat_this_visit_fills_the_form_from_the_ticket(
    client: TestClient, world: dict[str, Any]
) -> None:
    day = next_weekday(3)
    ticket = make(
        client,
        "ticket",
        contact_id=world["contact"]["id"],
        address_id=world["shop"]["id"],
        title="Shop front",
        duration_minutes=75,
        scheduled_start=datetime(day.year, day.month, day.day, 8, 30, tzinfo=CHICAGO),
        staff_ids=[world["jo"]["id"]],
    )
    done(
        act(
            client,
            "line_item",
            "add",
            ticket_id=ticket["id"],
            service_id=world["windows"]["id"],
            quantity=12,
        )
    )
    assert f'href="/plans/new?ticket={ticket["id"]}"' in client.get(f"/tickets/{ticket['id']}").text
    form = form_fields(client.get(f"/plans/new?ticket={ticket['id']}").text, "/plans")
    assert form["contact_id"] == world["contact"]["id"]
    assert form["address_id"] == world["shop"]["id"]
    assert (form["start_time"], form["duration"], form["title"]) == ("08:30", "75", "Shop front")
    assert (form["repeat"], form["weekdays"]) == ("weekly", "TH")
    assert form["start_date"] == (day + timedelta(days=28)).isoformat()
    assert form[f"qty-{world['windows']['id']}"] == "12" and form["staff_ids"] == world["jo"]["id"]
    plan = _created(client, submit(client, "/plans", form, world["csrf"]))
    first = local(plan["visits"][0])
    assert first.date() == day + timedelta(days=28) and (first.hour, first.minute) == (8, 30)


def test_the_contact_page_and_the_calendar_show_plans(
    client: TestClient, world: dict[str, Any]
) -> None:
    plan = _plan(client, world)
    contact = client.get(f"/contacts/{world['contact']['id']}").text
    assert f'href="/plans/{plan["id"]}"' in contact and "Next visit:" in contact
    assert f'href="/plans/new?contact_id={world["contact"]["id"]}"' in contact
    first = plan["visits"][0]["plan_occurrence"]
    week = client.get(f"/?view=week&date={first}").text
    assert '<span class="visually-hidden">repeats</span>' in week
    month = client.get(f"/?view=month&date={first}").text
    assert "1 job, repeats" in month


def test_without_a_contact_the_form_asks_for_one(client: TestClient, world: dict[str, Any]) -> None:
    page = client.get("/plans/new")
    assert page.status_code == 200 and "Ann Lee" in page.text
    assert client.get("/plans/new?contact_id=nope").status_code == 404
