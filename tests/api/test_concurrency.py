"""No request waits on another: ten close-out previews against a slow model, over real HTTP.

The language model (a stand-in speaking the OpenAI protocol) takes 2.5 s to answer. Each
preview must get the model's answer (not the rules fallback for lack of a connection), finish
in about the model's time, have its usage row written, and the liveness probe must stay quick
throughout, because nothing slow runs on the event loop or inside a transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from crm.config import Settings
from crm.embedded.stack import EmbeddedStack
from tests.api.helpers import act, closeout_job, done, preview_input
from tests.factories import make_user
from tests.live_server import LiveServer
from tests.stand_ins.openai_server import OpenAiStandIn

MODEL_SECONDS = 2.5
PREVIEWS = 10
ANSWER = {
    "attributes": [
        {
            "key": "pets.dog_name",
            "value": "Biscuit",
            "evidence": "Dog named Biscuit",
            "confidence": 0.9,
        }
    ]
}


@pytest.fixture
def slow_model() -> Iterator[OpenAiStandIn]:
    with OpenAiStandIn() as server:
        server.answer_json(ANSWER, delay=MODEL_SECONDS)
        yield server


@pytest.fixture
def served(
    settings: Settings, stack: EmbeddedStack, slow_model: OpenAiStandIn
) -> Iterator[LiveServer]:
    """The app with the slow local model configured, in its own process (as `crm serve`)."""
    assert stack.info is not None
    llm = replace(settings.llm, local_endpoint=slow_model.url, local_model="qwen3-1.7b")
    with LiveServer(replace(settings, llm=llm), stack.info.credentials) as server:
        yield server


def test_ten_previews_at_once_all_get_the_model_and_liveness_stays_fast(
    app: Any, served: LiveServer, slow_model: OpenAiStandIn, owner: Any, database: Any
) -> None:
    base = served.url
    user = make_user(owner)
    cookie, session = app.state.auth.sessions.create(user["id"])
    headers = {
        **served.headers,
        "Cookie": f"crm_session={cookie}",
        "X-CSRF-Token": session.csrf_token,
    }
    setup = TestClient(app, base_url="http://localhost")
    setup.cookies.set("crm_session", cookie, domain="localhost.local")
    setup.headers["X-CSRF-Token"] = session.csrf_token
    jobs = []
    for _ in range(PREVIEWS):
        job = closeout_job(setup, start="2026-11-26T15:00:00Z")
        done(act(setup, "ticket", "clock_in", id=job["ticket"]["id"]))
        jobs.append(job)

    results: list[tuple[float, httpx.Response]] = []
    live: list[float] = []
    stop = threading.Event()

    # One connection per technician, opened before the clock starts (as a browser keeps one).
    clients = [httpx.Client(base_url=base, headers=headers, timeout=30) for _ in jobs]
    # The technicians were already using the app: each has read its day once, together.
    readers = [
        threading.Thread(target=lambda c=each: c.get("/api/data", params={"type": "tickets"}))
        for each in clients
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()

    def preview(client: httpx.Client, job: dict[str, Any]) -> None:
        body = {
            "domain": "ticket",
            "action": "close_out_preview",
            "data": preview_input(job, next_step={"kind": "none"}),
        }
        started = time.monotonic()
        response = client.post("/api/actions", json=body)
        results.append((time.monotonic() - started, response))

    def probe() -> None:
        with httpx.Client(base_url=base, headers=served.headers) as client:
            while not stop.is_set():
                started = time.monotonic()
                assert client.get("/api/health/live").status_code == 200
                live.append(time.monotonic() - started)
                time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    workers = [
        threading.Thread(target=preview, args=pair) for pair in zip(clients, jobs, strict=True)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    stop.set()
    prober.join(timeout=5)
    for each in clients:
        each.close()

    assert len(results) == PREVIEWS
    for elapsed, response in results:
        assert response.status_code == 200, response.text
        extraction = response.json()["data"]["extraction"]
        assert extraction["route"] == "llm:local", extraction
        assert extraction["problems"] == []
        assert elapsed <= 3.0, f"a preview took {elapsed:.2f} s"
    assert len(slow_model.requests) == PREVIEWS
    with database.superuser() as admin:
        usage = admin.execute(
            "SELECT count(*) AS n FROM llm_usage WHERE user_id = %s AND ok", (user["id"],)
        ).fetchone()
    assert usage["n"] == PREVIEWS
    assert len(live) >= 20, "the liveness probe barely ran"
    assert max(live) <= 0.05, f"/api/health/live took {max(live) * 1000:.0f} ms at worst"


def test_a_ticket_changed_while_the_model_reads_is_not_previewed(
    app: Any, client: TestClient, signed_in: dict[str, Any], resources: Any, database: Any
) -> None:
    """The draft is stored only if the ticket is still what was checked before the model ran."""
    from crm.clients.llm_client import LlmClient, database_usage_sink
    from crm.core.dispatch import Dispatcher
    from crm.core.extraction import Extractor

    job = closeout_job(client, start="2026-11-26T15:00:00Z")
    tid = job["ticket"]["id"]
    done(act(client, "ticket", "clock_in", id=tid))
    with OpenAiStandIn() as model:
        model.answer_json(ANSWER, delay=1.5)
        llm = LlmClient(
            replace(resources.settings.llm, local_endpoint=model.url, local_model="q"),
            usage_sink=database_usage_sink(resources.db),
        )
        app.state.dispatcher = Dispatcher(
            db=resources.db, extractor=Extractor(llm), security=app.state.auth.security
        )
        outcome: list[Any] = []
        body = preview_input(job, next_step={"kind": "none"})
        reader = threading.Thread(
            target=lambda: outcome.append(act(client, "ticket", "close_out_preview", **body))
        )
        reader.start()
        time.sleep(0.5)  # the preview has checked the ticket and is waiting on the model
        wash = job["wash"]
        done(
            act(
                client,
                "line_item",
                "update",
                id=wash["id"],
                description=wash["description"],
                quantity="1",
                unit_price_cents=19000,
            )
        )
        reader.join(timeout=10)
        llm.close()
    response = outcome[0]
    assert response.status_code == 409, response.text
    assert "changed" in response.json()["error"]["message"]
    with database.superuser() as admin:
        drafts = admin.execute(
            "SELECT count(*) AS n FROM closeout_drafts WHERE ticket_id = %s", (tid,)
        ).fetchone()
    assert drafts["n"] == 0
