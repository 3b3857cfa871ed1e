"""The outbox is never a way in (issue 10, finding 2).

/dev/* answers only loopback clients (the TCP peer, never X-Forwarded-For) and is not mounted
at all when the server is meant for other machines or mail goes to a real relay; then
`crm serve` says why sign-in mail is printed on its console and how to send it instead.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
import psutil
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crm.api.dev import dev_routes_enabled, is_loopback, outbox_off_reason
from crm.config import Settings
from crm.embedded.processes import free_port
from crm.main import Resources, create_app
from crm.serve import serve_banner

BASE = "http://localhost"


def _serves_outbox(app: FastAPI) -> bool:
    """Whether the app has the outbox routes: asked from this machine, as it must be."""
    local = _from(app, "127.0.0.1")
    answers = [local.get(p, follow_redirects=False) for p in ("/dev/outbox.json", "/dev/outbox")]
    return all(a.status_code == 200 for a in answers)


def _from(app: FastAPI, host: str) -> TestClient:
    return TestClient(app, base_url=BASE, client=(host, 40000))


def _send_invite(settings: Settings, *, to: str, subject: str) -> str:
    """Send a mail with an .ics file through the catcher; returns its Message-ID."""
    message = EmailMessage()
    message["From"] = settings.smtp.from_address
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="crm.localhost")
    message.set_content("Your visit is booked.")
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    message.add_attachment(ics.encode(), "text", "calendar", filename="invite.ics")
    asyncio.run(aiosmtplib.send(message, hostname=settings.smtp.host, port=settings.smtp.port))
    return str(message["Message-ID"])


# -- who may read it -----------------------------------------------------------------------


@pytest.mark.parametrize("peer", ["203.0.113.5", "192.168.1.20", "10.0.0.2", "2001:db8::1"])
def test_a_client_from_elsewhere_gets_404(app: FastAPI, peer: str) -> None:
    client = _from(app, peer)
    nothing = client.get("/dev/no-such-page", headers={"Accept": "application/json"})
    for path in ("/dev/outbox.json", "/dev/outbox"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 404
        # The same answer as for a page that does not exist: nothing says it is there.
        assert response.json()["error"] == nothing.json()["error"]
        assert "sign-in" not in response.text


def test_forwarded_for_never_makes_a_stranger_local(app: FastAPI) -> None:
    client = _from(app, "203.0.113.5")
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        value = "for=127.0.0.1" if header == "Forwarded" else "127.0.0.1"
        assert client.get("/dev/outbox.json", headers={header: value}).status_code == 404


def test_a_proxied_request_is_refused_even_from_a_local_proxy(app: FastAPI) -> None:
    # A reverse proxy on this machine connects from 127.0.0.1 for every visitor.
    client = _from(app, "127.0.0.1")
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded", "X-Forwarded-Host"):
        assert client.get("/dev/outbox.json", headers={header: "203.0.113.5"}).status_code == 404


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_this_machine_reads_the_outbox(app: FastAPI, peer: str) -> None:
    client = _from(app, peer)
    listed = client.get("/dev/outbox.json")
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    assert client.get("/dev/outbox").status_code == 200


def test_a_filtered_query_from_elsewhere_gets_404_too(app: FastAPI) -> None:
    client = _from(app, "203.0.113.5")
    for query in ("?limit=1", "?to=owner@example.com", "?message_id=x", "?limit=0"):
        assert client.get("/dev/outbox.json" + query).status_code == 404


def test_the_outbox_json_filters_by_recipient_message_id_and_limit(
    app: FastAPI, settings: Settings
) -> None:
    client = _from(app, "127.0.0.1")
    tag = uuid.uuid4().hex[:8]
    ana, bob = f"ana-{tag}@example.com", f"bob-{tag}@example.com"
    first = _send_invite(settings, to=ana, subject=f"First {tag}")
    _send_invite(settings, to=bob, subject=f"Other {tag}")
    second = _send_invite(settings, to=ana, subject=f"Second {tag}")

    to_ana = client.get("/dev/outbox.json", params={"to": ana.upper()}).json()
    assert [m["subject"] for m in to_ana] == [f"Second {tag}", f"First {tag}"]
    assert [m["message_id"] for m in to_ana] == [second, first]
    newest = client.get("/dev/outbox.json", params={"to": ana, "limit": 1}).json()
    assert [m["subject"] for m in newest] == [f"Second {tag}"]

    (by_id,) = client.get("/dev/outbox.json", params={"message_id": first}).json()
    assert by_id["to"] == [ana] and by_id["subject"] == f"First {tag}"
    assert ["Message-ID", first] in by_id["headers"]
    (invite,) = by_id["attachments"]
    assert (invite["filename"], invite["content_type"]) == ("invite.ics", "text/calendar")
    assert invite["text"].startswith("BEGIN:VCALENDAR") and "METHOD:REQUEST" in invite["text"]
    assert client.get("/dev/outbox.json", params={"message_id": f"<none-{tag}@x>"}).json() == []

    page = client.get("/dev/outbox")
    assert f"Message-ID {html.escape(second)}" in page.text
    assert "invite.ics · text/calendar" in page.text


@pytest.mark.parametrize("limit", ["0", "5001", "many"])
def test_the_outbox_json_refuses_a_limit_out_of_bounds(app: FastAPI, limit: str) -> None:
    response = _from(app, "127.0.0.1").get("/dev/outbox.json", params={"limit": limit})
    assert response.status_code == 422


def test_the_outbox_json_serves_up_to_5000(app: FastAPI) -> None:
    response = _from(app, "127.0.0.1").get("/dev/outbox.json", params={"limit": 5000})
    assert response.status_code == 200 and isinstance(response.json(), list)


def test_the_default_test_client_is_not_loopback(client: TestClient) -> None:
    # Its peer is the name "testclient": not an address, so not this machine.
    assert client.get("/dev/outbox.json").status_code == 404


# -- when the routes exist at all -------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.5"])
def test_routes_exist_when_listening_on_loopback(resources: Resources, host: str) -> None:
    assert _serves_outbox(create_app(resources, listen_host=host))


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "crm.example.com"])
def test_no_routes_when_listening_beyond_loopback(resources: Resources, host: str) -> None:
    app = create_app(resources, listen_host=host)
    assert not _serves_outbox(app)
    # Not even public any more: from this machine, an anonymous visit is sent to sign in.
    local = _from(app, "127.0.0.1")
    assert local.get("/dev/outbox.json", follow_redirects=False).status_code == 303
    assert outbox_off_reason(resources.settings, resources.outbox, host) == (
        f"the server listens on {host}, beyond this machine"
    )


@pytest.mark.parametrize(
    ("host", "port"), [("smtp.example.com", 587), ("127.0.0.1", 2525), ("localhost", 25)]
)
def test_no_routes_with_a_real_relay(resources: Resources, host: str, port: int) -> None:
    settings = resources.settings
    relay = replace(settings, smtp=replace(settings.smtp, host=host, port=port))
    with_relay = replace(resources, settings=relay)
    assert not _serves_outbox(create_app(with_relay))
    reason = outbox_off_reason(relay, resources.outbox, "127.0.0.1")
    assert reason == f"sign-in mail goes to the relay {host}:{port}"


def test_the_catcher_itself_is_not_a_relay(resources: Resources) -> None:
    assert resources.outbox is not None
    assert outbox_off_reason(resources.settings, resources.outbox, "127.0.0.1") is None
    # The catcher listens on 127.0.0.1; "localhost" names the same place.
    settings = resources.settings
    by_name = replace(settings, smtp=replace(settings.smtp, host="localhost"))
    assert dev_routes_enabled(by_name, resources.outbox, "127.0.0.1")


def test_no_routes_behind_a_proxy_or_with_a_public_address(resources: Resources) -> None:
    settings = resources.settings
    proxied = replace(settings, auth=replace(settings.auth, trusted_proxies=("127.0.0.1",)))
    public = replace(settings, app=replace(settings.app, base_url="https://crm.example.com"))
    for changed in (proxied, public):
        assert not _serves_outbox(create_app(replace(resources, settings=changed)))
    assert "TRUSTED_PROXIES" in str(outbox_off_reason(proxied, resources.outbox, "127.0.0.1"))
    assert "https://crm.example.com" in str(
        outbox_off_reason(public, resources.outbox, "127.0.0.1")
    )


def test_no_routes_outside_the_embedded_stack(resources: Resources) -> None:
    production = replace(resources, settings=replace(resources.settings, embedded_outbox=None))
    assert not _serves_outbox(create_app(production))


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("testclient", False),
        ("", False),
        (None, False),
        ("127.0.0.1.example.com", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# -- what `crm serve` says -------------------------------------------------------------------


def _banner(**changes: Any) -> str:
    values: dict[str, Any] = {
        "base_url": "http://localhost:8000",
        "links_url": "http://localhost:8000",
        "relay": None,
        "outbox_off": None,
        "demo_created": False,
        "data_dir": Path("/srv/crm-data"),
        "started_in": 2.5,
    }
    values.update(changes)
    return serve_banner(**values)


def test_banner_on_loopback_points_at_the_outbox() -> None:
    text = _banner()
    assert "the sign-in email arrives at http://localhost:8000/dev/outbox" in text
    assert "printed in this console" not in text and "crm config set" not in text


def test_banner_beyond_loopback_without_a_relay_says_why_and_how_to_fix_it() -> None:
    text = _banner(outbox_off="the server listens on 0.0.0.0, beyond this machine")
    assert "/dev/outbox is off because the server listens on 0.0.0.0, beyond this machine" in text
    assert "the sign-in email is printed in this console" in text
    assert "anyone who can reach the server could read every sign-in link" in text
    assert "crm config set crm/smtp SMTP_HOST=" in text and "SMTP_FROM=" in text
    # Links still point at localhost: say how to give other machines a usable link.
    assert "crm config set crm/app BASE_URL=" in text
    assert "arrives at http://localhost:8000/dev/outbox" not in text


def test_banner_behind_a_public_address_needs_no_base_url_hint() -> None:
    text = _banner(
        links_url="https://crm.example.com",
        outbox_off="people reach it at https://crm.example.com (crm/app BASE_URL)",
    )
    assert "printed in this console" in text and "crm config set crm/smtp" in text
    assert "crm/app BASE_URL=http" not in text


def test_banner_with_a_relay_names_it() -> None:
    text = _banner(relay="smtp.example.com:587", outbox_off="sign-in mail goes to the relay …")
    assert "goes out through your mail relay smtp.example.com:587" in text
    assert "/dev/outbox" not in text and "printed in this console" not in text


# -- the real command ---------------------------------------------------------------------


@pytest.fixture
def data_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="crm-open-"))
    yield folder
    # Anything still running from this folder was started by this test.
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if str(folder) in cmd or (proc.info["cwd"] or "").startswith(str(folder)):
            proc.kill()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_crm_serve_on_every_interface_prints_mail_on_the_console(data_dir: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crm.cli",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(iter(proc.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while "Stop with Ctrl-C" not in "".join(output):
            assert proc.poll() is None, "".join(output)
            assert time.monotonic() < deadline, "".join(output)
            time.sleep(0.1)
        banner = "".join(output)
        assert "/dev/outbox is off because the server listens on 0.0.0.0" in banner
        assert "the sign-in email is printed in this console" in banner
        assert "crm config set crm/smtp SMTP_HOST=" in banner

        with httpx.Client(base_url=base, timeout=10) as browser:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if browser.get("/api/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "".join(output)
                time.sleep(0.2)
            # Not mounted: even from this machine there is no outbox to read.
            assert browser.get("/dev/outbox.json").status_code != 200
            csrf = browser.get("/auth/csrf").json()["data"]["csrf_token"]
            sent = browser.post(
                "/auth/login",
                json={"email": "owner@example.com"},
                headers={"X-CSRF-Token": csrf},
            )
            assert sent.status_code == 202, sent.text
        deadline = time.monotonic() + 15
        printed = re.compile(r"--- email to owner@example\.com: .*?--- end of email", re.S)
        while not printed.search("".join(output)):
            assert time.monotonic() < deadline, "".join(output)
            time.sleep(0.1)
        mail = printed.search("".join(output))
        assert mail is not None
        assert "Your sign-in link for Crystal Clear Window Cleaning" in mail.group(0)
        assert "/auth/confirm?token=" in mail.group(0)
        assert re.search(r"enter this code[^:]*: \d{6}", mail.group(0))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        finally:
            reader.join(timeout=10)
