"""Bytes over the wire per page, first and repeat visit, in headless Chromium; and the
close-out wizard's time on an emulated slow mobile connection (400/150 kbps, 400 ms), with
the floor that connection sets for what the wizard fetched: round trips x 400 ms + bytes /
bandwidth, both counted from the DevTools network events (a redirect is its own round trip).

Starts its own `crm serve` (fresh data folder), signs in through the emailed link, makes a
little data through the API, then loads every page at 390x844 with the Chrome DevTools
Protocol counting encoded bytes (headers included) and requests.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Page, sync_playwright

from bench.api_latency import Server
from bench.core import Context, Result

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
FIRST_KB, REPEAT_KB, EXTRA_REQUESTS = 30.0, 10.0, 1
WIZARD_S = 2.5
SLOW = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 150_000 / 8,
}


@dataclass
class Traffic:
    bytes: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)  # (type, url)
    cached: set[str] = field(default_factory=set)
    ids: dict[str, tuple[str, str]] = field(default_factory=dict)


def _load(page: Page, cdp: CDPSession, url: str) -> Traffic:
    """Navigate and count what crossed the wire (cached responses cost nothing)."""
    traffic = Traffic()

    def sent(event: dict[str, Any]) -> None:
        traffic.ids[event["requestId"]] = (event.get("type", ""), event["request"]["url"])

    def cached(event: dict[str, Any]) -> None:
        traffic.cached.add(event["requestId"])

    def finished(event: dict[str, Any]) -> None:
        traffic.bytes += int(event.get("encodedDataLength", 0))
        if event["requestId"] in traffic.ids and event["requestId"] not in traffic.cached:
            traffic.requests.append(traffic.ids[event["requestId"]])

    handlers = {
        "Network.requestWillBeSent": sent,
        "Network.requestServedFromCache": cached,
        "Network.loadingFinished": finished,
    }
    for name, handler in handlers.items():
        cdp.on(name, handler)
    try:
        page.goto(url, wait_until="load")
        page.wait_for_timeout(150)
    finally:
        for name, handler in handlers.items():
            cdp.remove_listener(name, handler)
    return traffic


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/check")
    link = None
    for _ in range(50):
        mails = page.request.get(f"{base}/dev/outbox.json").json()
        for mail in mails:
            found = re.search(r"(http://\S+/auth/confirm\?token=[\w-]+)", mail["text"])
            if mail["to"] == [email] and found:
                link = found.group(1)
                break
        if link:
            break
        time.sleep(0.1)
    assert link, "no sign-in email"
    page.goto(link.replace("localhost", base.split("//")[1].split(":")[0]))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _seed(context: BrowserContext, base: str) -> dict[str, str]:
    csrf = context.request.get(f"{base}/auth/session").json()["data"]["csrf_token"]

    def act(domain: str, action: str, **data: Any) -> Any:
        response = context.request.post(
            f"{base}/api/actions",
            data={"domain": domain, "action": action, "data": data},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.ok, response.text()
        return response.json()["data"]

    contact = act(
        "contact", "create", first_name="Edna", last_name="Whitfield", phone="256-555-1234"
    )
    act(
        "address",
        "create",
        contact_id=contact["id"],
        line1="4410 Old Gurley Rd",
        city="Owens Cross Roads",
    )
    screens = act(
        "service",
        "create",
        name="Screen cleaning",
        pricing_mode="per_unit",
        unit_price_cents=350,
        unit_label="screen",
    )
    act("service", "create", name="Window wash", pricing_mode="fixed", unit_price_cents=15000)
    now = datetime.now(UTC)
    job = act(
        "ticket",
        "create",
        contact_id=contact["id"],
        scheduled_start=(now - timedelta(minutes=30)).isoformat(),
    )
    act("line_item", "add", ticket_id=job["id"], service_id=screens["id"], quantity=20)
    act("ticket", "clock_in", id=job["id"])
    done = act(
        "ticket",
        "create",
        contact_id=contact["id"],
        scheduled_start=(now - timedelta(days=3)).isoformat(),
    )
    act("line_item", "add", ticket_id=done["id"], service_id=screens["id"], quantity=12)
    invoice = act("invoice", "create_from_ticket", ticket_id=done["id"])
    act(
        "message",
        "schedule",
        kind="reminder",
        contact_id=contact["id"],
        ticket_id=job["id"],
        subject="See you tomorrow",
        body="Hi Edna",
        scheduled_for=(now + timedelta(days=1)).isoformat(),
    )
    act(
        "attribute",
        "create",
        contact_id=contact["id"],
        key="demographic.age_group",
        value="elderly",
    )
    return {"contact": contact["id"], "ticket": job["id"], "invoice": invoice["id"]}


def _pages(ids: dict[str, str]) -> list[tuple[str, str]]:
    return [
        ("calendar_day", "/"),
        ("calendar_week", "/?view=week"),
        ("calendar_month", "/?view=month"),
        ("tickets", "/tickets"),
        ("ticket_new", "/tickets/new"),
        ("ticket_detail", f"/tickets/{ids['ticket']}"),
        ("closeout_step1", f"/tickets/{ids['ticket']}/close"),
        ("contacts", "/contacts"),
        ("contacts_search", "/contacts?q=elderly+owens"),
        ("contact_detail", f"/contacts/{ids['contact']}"),
        ("contact_new", "/contacts/new"),
        ("catalog", "/catalog"),
        ("invoices", "/invoices"),
        ("invoice_detail", f"/invoices/{ids['invoice']}"),
        ("invoice_print", f"/invoices/{ids['invoice']}/print"),
        ("messages", "/messages"),
        ("settings", "/settings"),
    ]


@dataclass
class Hop:
    """One request on the wire (a redirect is two): when it went out and came back, its size."""

    start: float
    end: float
    up: int
    down: int = 0
    what: str = ""


class Wire:
    """What the page fetched, from CDP events: each hop (redirects included), cache hits left
    out, bytes down (encoded, headers included) and up (request line, headers and body)."""

    def __init__(self, cdp: CDPSession) -> None:
        self.cdp = cdp
        self.hops: dict[str, list[Hop]] = {}
        self.cached: set[str] = set()
        self.handlers = {
            "Network.requestWillBeSent": self._sent,
            "Network.requestServedFromCache": lambda e: self.cached.add(e["requestId"]),
            "Network.responseReceived": self._received,
            "Network.loadingFinished": self._finished,
            "Network.loadingFailed": self._finished,
        }
        for name, handler in self.handlers.items():
            cdp.on(name, handler)

    def stop(self) -> None:
        for name, handler in self.handlers.items():
            self.cdp.remove_listener(name, handler)

    def _sent(self, event: dict[str, Any]) -> None:
        request, at = event["request"], float(event["timestamp"])
        chain = self.hops.setdefault(event["requestId"], [])
        redirect = event.get("redirectResponse")
        if redirect and chain:  # the hop that answered with the redirect ends here
            chain[-1].end = at
            chain[-1].down = int(redirect.get("encodedDataLength", 0))
        path = "/" + request["url"].split("//", 1)[-1].split("/", 1)[-1]
        headers = sum(len(k) + len(str(v)) + 4 for k, v in request.get("headers", {}).items())
        line = len(request["method"]) + len(path) + 12
        body = len(request.get("postData", "").encode())
        chain.append(Hop(at, at, line + headers + body, what=f"{request['method']} {path}"))

    def _received(self, event: dict[str, Any]) -> None:
        response = event["response"]
        if any(
            response.get(k) for k in ("fromDiskCache", "fromPrefetchCache", "fromServiceWorker")
        ):
            self.cached.add(event["requestId"])

    def _finished(self, event: dict[str, Any]) -> None:
        chain = self.hops.get(event["requestId"])
        if chain:
            chain[-1].end = float(event["timestamp"])
            chain[-1].down = int(event.get("encodedDataLength", chain[-1].down))

    def wire_hops(self) -> list[Hop]:
        hops = [h for rid, chain in self.hops.items() if rid not in self.cached for h in chain]
        return sorted(hops, key=lambda h: h.start)

    def round_trips(self) -> int:
        """Hops one after another; one that starts while another is in flight shares its trip
        (so a floor: a stylesheet found while its page is still arriving is not counted)."""
        trips, busy_until = 0, float("-inf")
        for hop in self.wire_hops():
            if hop.start >= busy_until:
                trips += 1
            busy_until = max(busy_until, hop.end)
        return trips


def _wizard(page: Page, cdp: CDPSession, base: str, ticket_id: str) -> tuple[float, Wire]:
    """Every step of the close-out, on the slow connection, with JavaScript (Chromium's
    default): seconds from step 1 to done, and what crossed the wire meanwhile."""
    cdp.send("Network.emulateNetworkConditions", SLOW)
    wire = Wire(cdp)
    try:
        started = time.perf_counter()
        page.goto(f"{base}/tickets/{ticket_id}/close")
        page.get_by_role("button", name="Next: notes", exact=True).click()
        page.fill(
            "textarea",
            "Elderly woman, very nice. 20+ screens. Dog named Biscuit, "
            "keep gate closed. Bring the extension ladder.",
        )
        page.get_by_role("button", name="Next: next step", exact=True).click()
        page.check("input[name=next_kind][value=reach_out]")
        page.get_by_role("button", name="Review", exact=True).click()
        page.get_by_role("button", name="Complete ticket", exact=True).click()
        page.wait_for_url("**/close/done**")
        page.wait_for_load_state("load")
        elapsed = time.perf_counter() - started
    finally:
        wire.stop()
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
    return elapsed, wire


def _wizard_results(seconds: float, wire: Wire) -> list[Result]:
    """The wizard's time, and the floor the connection sets for what it fetched."""
    hops = wire.wire_hops()
    trips = wire.round_trips()
    down, up = sum(h.down for h in hops), sum(h.up for h in hops)
    latency = SLOW["latency"] / 1000
    floor = trips * latency + down / SLOW["downloadThroughput"] + up / SLOW["uploadThroughput"]
    return [
        Result(
            "closeout_wizard_slow_mobile_s",
            round(seconds, 1),
            "s",
            target=f"<= {WIZARD_S:g} s",
            ok=seconds <= WIZARD_S,
            notes="step 1 -> notes -> next step -> review -> complete, with JavaScript, at "
            "400/150 kbps, 400 ms latency (CDP emulation), 390x844; fetched: "
            + ", ".join(
                f"{h.what.split('?')[0]} ({h.up:,} B up, {h.down:,} B down, "
                f"{h.end - h.start:.2f} s)"
                for h in hops
            ),
        ),
        Result(
            "closeout_wizard_floor_s",
            round(floor, 2),
            "s",
            notes=f"{trips} round trips x {latency:g} s + {down:,} B down / 400 kbps + "
            f"{up:,} B up / 150 kbps ({len(hops)} requests on the wire)",
        ),
    ]


def measure(ctx: Context) -> list[Result]:
    server = Server()
    results: list[Result] = []
    try:
        server.start()
        server.wait_healthy()
        base = server.base_url
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            _sign_in(page, base, "owner@example.com")
            ids = _seed(context, base)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            for name, path in _pages(ids):
                cdp.send("Network.clearBrowserCache")
                first = _load(page, cdp, base + path)
                repeat = _load(page, cdp, base + path)
                extra = [
                    r
                    for r in first.requests
                    if r[0] not in ("Document", "Stylesheet", "Script", "Image", "Font")
                ]
                first_kb, repeat_kb = first.bytes / 1024, repeat.bytes / 1024
                results += [
                    Result(
                        f"page_{name}_first_kb",
                        round(first_kb, 1),
                        "KB",
                        target=f"<= {FIRST_KB:g} KB",
                        ok=first_kb <= FIRST_KB,
                        notes=f"{path}: {len(first.requests)} request(s) on first load, "
                        f"{len(repeat.requests)} on repeat",
                    ),
                    Result(
                        f"page_{name}_repeat_kb",
                        round(repeat_kb, 1),
                        "KB",
                        target=f"<= {REPEAT_KB:g} KB",
                        ok=repeat_kb <= REPEAT_KB,
                    ),
                    Result(
                        f"page_{name}_extra_requests",
                        len(extra),
                        "",
                        target=f"<= {EXTRA_REQUESTS}",
                        ok=len(extra) <= EXTRA_REQUESTS,
                    ),
                ]
            try:
                seconds, wire = _wizard(page, cdp, base, ids["ticket"])
            except Exception as exc:  # noqa: BLE001 - reported as a failed row
                page.screenshot(path="bench/out/wizard-failure.png", full_page=True)
                results.append(
                    Result(
                        "closeout_wizard_slow_mobile_s",
                        None,
                        "s",
                        ok=False,
                        notes=f"wizard failed at {page.url}: {str(exc).splitlines()[0]} "
                        "(screenshot: bench/out/wizard-failure.png)",
                    )
                )
            else:
                results += _wizard_results(seconds, wire)
            browser.close()
    finally:
        server.stop()
    return results
