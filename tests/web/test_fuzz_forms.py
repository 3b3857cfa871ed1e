"""Fuzzing every form the pages show, as a browser (or an attacker with one) would post it.

The pages of a seeded business are read, every `<form method="post">` on them is collected with
its fields (the CSRF token stays valid), and Hypothesis fills the fields with hostile values:
control characters, NUL, 5,000-digit numbers, 10,000-character text, far dates, wrong types.
No answer may be a 5xx, and a refused post (4xx) must leave every table as it was. A test
also checks that every POST page route is reached by some form, so a new form can't be missed.
"""

from __future__ import annotations

import random
import re
import secrets
from collections import Counter
from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from crm.core.services import public_links
from crm.utils.timezone import utc_now
from crm.web import WEB_MODULES
from tests.api.helpers import act, done, make
from tests.api.test_due import customer as due_customer
from tests.api.test_due import today as due_today
from tests.api.test_due import visit as due_visit
from tests.fuzzing import FUZZ, World, row_counts, seed_world

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "line\r\nbreak",
            "\t",
            "9" * 5000,
            "-1",
            "0",
            "1e999",
            "NaN",
            "-0.001",
            "99999999999999999999",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "00:00",
            "25:61",
            "x" * 10_001,
            "<script>alert(1)</script>",
            "4111 1111 1111 1111",
            "' OR 1=1 --",
            "../../etc/passwd",
            "new",
            "00000000-0000-0000-0000-000000000000",
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


class _Forms(HTMLParser):
    """Every post form on a page: its action and its fields' names and current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and values.get("method", "").lower() == "post":
            self._open = {"action": values.get("action", ""), "fields": {}}
            self.forms.append(self._open)
        elif self._open is not None and tag in ("input", "select", "textarea", "button"):
            name = values.get("name")
            if name:
                self._open["fields"].setdefault(name, values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def _pages(world: World) -> list[str]:
    contact, ticket = world.ids["contact"][0], world.ids["ticket"][0]
    other, service = world.ids["ticket"][1], world.ids["service"][0]
    invoice = world.ids["invoice"][0]
    return [
        "/",
        "/tickets/new",
        f"/tickets/{ticket}",
        f"/tickets/{other}",
        f"/tickets/{other}/edit",
        f"/tickets/{ticket}/close",
        f"/contacts/{contact}",
        "/contacts/new",
        f"/contacts/{contact}/edit",
        f"/contacts/{world.ids['contact'][1]}/delete",
        f"/tickets/{world.ids['completed'][0]}",
        "/catalog",
        "/catalog/new",
        f"/catalog/{service}/edit",
        "/invoices/new",
        f"/invoices/{invoice}",
        "/settings",
        "/settings/messaging",
        "/settings/messaging/templates/reminder",
        "/messages",
    ]


def _messaging_states(client: TestClient, database: Any, world: World) -> None:
    """A failed message, an unsubscribed contact and the business's own wording, so the retry,
    resubscribe and reset forms show (only the worker and a customer's link do the first two)."""
    contact = world.ids["contact"][0]
    failed = done(
        act(
            client,
            "message",
            "schedule",
            kind="custom",
            contact_id=contact,
            subject="Failed",
            body="Not delivered",
            scheduled_for="2027-01-06T15:00:00Z",
        )
    )
    done(act(client, "message_template", "save", kind="reminder", subject="Hi", body="Hello"))
    with database.superuser() as admin:
        admin.execute(
            "UPDATE scheduled_messages SET status = 'failed' WHERE id = %s", (failed["id"],)
        )
        admin.execute("UPDATE contacts SET email_opted_out_at = now() WHERE id = %s", (contact,))


def _public_pages(client: TestClient, database: Any, world: World) -> list[str]:
    """The calendar feed settings with a live link, and a customer's visit, unsubscribe and
    booking pages (their links written straight into the table)."""
    client.post("/settings/calendar")
    customer, contact = world.ids["contact"][:2]  # the second is kept free of tickets
    start = (utc_now() + timedelta(days=30)).isoformat()
    visit = make(client, "ticket", contact_id=customer, scheduled_start=start)["id"]
    paths = ["/settings/calendar"]
    with database.superuser() as admin:
        row = admin.execute("SELECT user_id FROM contacts WHERE id = %s", (contact,)).fetchone()
        for purpose, ticket_id, contact_id in (
            ("visit", visit, None),
            ("unsubscribe", None, contact),
            ("book", None, contact),
        ):
            token = secrets.token_urlsafe(24)
            admin.execute(
                "INSERT INTO public_links (user_id, purpose, token_hash, ticket_id, contact_id) "
                "VALUES (%s, %s, %s, %s, %s)",
                (row["user_id"], purpose, public_links.token_hash(token), ticket_id, contact_id),
            )
            paths.append(public_links.PATHS[purpose] + token)
    return paths


def _money_pages(client: TestClient, world: World) -> list[str]:
    """A draft invoice's edit page, a paid invoice (its refund and removal forms), the
    invoice settings, and what is owed (a sent invoice's reminder button)."""
    contact = world.ids["contact"][0]
    lines = [{"description": "Screens", "quantity": "2", "unit_price_cents": 500}]
    draft = done(act(client, "invoice", "create_standalone", contact_id=contact, lines=lines))
    paid = done(act(client, "invoice", "create_standalone", contact_id=contact, lines=lines))
    done(act(client, "invoice", "record_payment", invoice_id=paid["id"], amount_cents=600))
    debtor = make(client, "contact", first_name="Owen", email="owen@example.com")
    owed = done(act(client, "invoice", "create_standalone", contact_id=debtor["id"], lines=lines))
    done(act(client, "invoice", "mark_sent", id=owed["id"]))
    return [
        f"/invoices/{draft['id']}/edit",
        f"/invoices/{paid['id']}",
        "/settings/business",
        "/reports/receivables",
    ]


def _ticket_states(client: TestClient, world: World) -> list[str]:
    """A cancelled ticket (its reopen form) and one with its clock running (clock out)."""
    contact = world.ids["contact"][0]
    start = (utc_now() + timedelta(days=2)).isoformat()
    cancelled = make(client, "ticket", contact_id=contact, scheduled_start=start)
    done(act(client, "ticket", "cancel", id=cancelled["id"], reason="Rain"))
    running = make(client, "ticket", contact_id=contact, scheduled_start=start)
    done(act(client, "ticket", "clock_in", id=running["id"]))
    return [f"/tickets/{cancelled['id']}", f"/tickets/{running['id']}"]


def _waitlist_pages(client: TestClient, world: World) -> list[str]:
    """The waitlist with an entry (edit, remove), its forms, and a cancelled visit it fits
    (the Book button)."""
    contact, service = world.ids["contact"][0], world.ids["service"][1]
    wish = {"contact_id": contact, "services": [{"service_id": service}]}
    latest = (utc_now() + timedelta(days=60)).date().isoformat()
    entry = make(client, "waitlist", **wish, latest_date=latest)
    make(client, "waitlist", **wish, latest_date=latest)
    day = (utc_now() + timedelta(days=3)).astimezone(ZoneInfo("America/Chicago")).date()
    start = datetime.combine(day, time(10), tzinfo=ZoneInfo("America/Chicago")).isoformat()
    freed = make(client, "ticket", contact_id=contact, scheduled_start=start)
    done(act(client, "ticket", "cancel", id=freed["id"], reason="Away"))
    return [
        "/waitlist",
        f"/waitlist/new?contact_id={contact}",
        f"/waitlist/{entry['id']}/edit",
        f"/tickets/{freed['id']}",
    ]


def _due_pages(client: TestClient, world: World) -> list[str]:
    """Due for service with a customer on it (the reach-out form); before _ticket_states, whose
    running clock the close-outs here would stop."""
    regular = due_customer(client, "Dora")
    for weeks_ago in (11, 5):
        due_visit(client, regular, due_today() - timedelta(weeks=weeks_ago))
    return ["/due"]


def _plan_pages(client: TestClient, world: World) -> list[str]:
    """A service plan's new, change and own pages, a visit's change page, and a paused plan
    (its Resume form)."""
    contact = world.ids["contact"][0]
    rule = {"contact_id": contact, "rrule": "FREQ=WEEKLY;INTERVAL=4;BYDAY=TU"}
    start = (utc_now() + timedelta(days=1)).date().isoformat()
    plan = done(act(client, "plan", "create", **rule, start_date=start, start_time="06:00"))
    paused = done(act(client, "plan", "create", **rule, start_date=start, start_time="05:00"))
    done(act(client, "plan", "pause", id=paused["id"]))
    visit = plan["next_visits"][0]["id"]
    return [
        f"/plans/new?contact_id={contact}",
        f"/plans/{plan['id']}",
        f"/plans/{plan['id']}/change",
        f"/plans/{paused['id']}",
        f"/tickets/{visit}/visit",
    ]


def _import_pages(client: TestClient, world: World) -> list[str]:
    """Settings → Import and a previewed import (its Import button). The upload form is
    multipart; posted here as a plain form it has no file, which the page refuses."""
    square = Path(__file__).resolve().parents[1] / "data" / "square" / "customers_tab.tsv"
    content = square.read_bytes().decode("utf-8")
    found = done(
        act(
            client,
            "import",
            "preview",
            kind="square_customers",
            filename="customers_tab.tsv",
            content=content,
        )
    )
    jobber = Path(__file__).resolve().parents[1] / "data" / "csv" / "jobber_clients.csv"
    csv_import = done(
        act(
            client,
            "import",
            "preview",
            kind="csv",
            filename="jobber_clients.csv",
            content=jobber.read_text(encoding="utf-8"),
        )
    )
    return ["/settings/import", f"/imports/{found['id']}", f"/imports/{csv_import['id']}/mapping"]


def _agent_pages(client: TestClient, world: World) -> list[str]:
    """Settings → API tokens with a token (its Revoke form), and a request that token made
    waiting for the owner (its Approve and Deny forms)."""
    token = done(act(client, "api_token", "create", name="Assistant", scope="write"))
    note = make(client, "note", contact_id=world.ids["contact"][0], body="Asked to delete")
    asked = client.post(
        "/api/actions",
        json={"domain": "note", "action": "delete", "data": {"id": note["id"]}},
        headers={"Authorization": f"Bearer {token['token']}"},
    )
    assert asked.status_code == 202, asked.text
    return ["/settings/tokens", "/authorizations"]


def _collect(client: TestClient, world: World, database: Any) -> dict[str, dict[str, str]]:
    """Post forms by action URL (the first one seen for each)."""
    _messaging_states(client, database, world)
    forms: dict[str, dict[str, str]] = {}
    pages = (
        _pages(world)
        + _public_pages(client, database, world)
        + _money_pages(client, world)
        + _due_pages(client, world)
        + _ticket_states(client, world)
        + _waitlist_pages(client, world)
        + _plan_pages(client, world)
        + _import_pages(client, world)
        + _agent_pages(client, world)
    )
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        parser = _Forms()
        parser.feed(page.text)
        for form in parser.forms:
            action = form["action"] or path
            if action.startswith("/") and not action.startswith("/auth/"):
                forms.setdefault(action.split("?")[0], form["fields"])
    # The close-out steps are reached by posting the first one: add them by their names.
    ticket = world.ids["ticket"][0]
    start = forms.get(f"/tickets/{ticket}/close/work") or {}
    for step in ("notes", "next", "review", "complete"):
        forms.setdefault(f"/tickets/{ticket}/close/{step}", dict(start))
    return forms


def _post_routes() -> list[str]:
    return sorted(
        route.path
        for module in WEB_MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    )


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


def test_every_post_page_route_is_reached_by_a_form(
    client: TestClient, signed_in: dict[str, Any], database: Any
) -> None:
    forms = _collect(client, seed_world(client), database)
    missing = [r for r in _post_routes() if not any(_template(r).match(a) for a in forms)]
    assert missing == []


def test_no_form_post_is_a_server_error_or_half_saved(
    client: TestClient, signed_in: dict[str, Any], database: Any
) -> None:
    world = seed_world(client)
    forms = _collect(client, world, database)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    rng = random.Random(1130)
    with database.superuser() as admin:
        # Forms that remove things go last, so the others meet live records.
        for action in sorted(forms, key=lambda a: ("delete" in a or "void" in a, a)):
            fields = forms[action]

            def send(values: dict[str, str], action: str = action) -> None:
                before = row_counts(admin)
                response = client.post(action, data=values, follow_redirects=False)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{action} -> {response.status_code}: {values!r:.300}")
                elif response.status_code >= 400 and row_counts(admin) != before:
                    failures.append(
                        f"{action} -> {response.status_code} but saved: {values!r:.300}"
                    )

            _run(fields, send, rng)
    print(f"\nform fuzz: {sum(statuses.values())} posts ({dict(sorted(statuses.items()))})")
    assert failures == [], "\n".join(failures[:20])


def _run(fields: dict[str, str], send: Any, rng: random.Random) -> None:
    """EXAMPLES posts of one form: each field keeps its value or gets a hostile one."""
    names = [n for n in fields if n != "csrf_token"]
    strategy = st.fixed_dictionaries(
        {name: st.one_of(st.just(fields[name]), HOSTILE) for name in names}
    )

    @FUZZ
    @given(strategy)
    def one(values: dict[str, str]) -> None:
        send({**values, "csrf_token": fields.get("csrf_token", "")})

    one()
