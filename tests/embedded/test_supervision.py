"""`kill -9` each embedded server under a running `crm serve`: it heals itself.

One real `crm serve` (its own data folder and port) for the module; each test kills one
server's process and then asks, every 0.1 s, for `/api/health` and an authenticated read until
both answer 200. In between every answer must be 200 with the real data or a clean 503 — never
a 500, never an empty list — and it must be over within 10 s, without restarting `crm serve`.
Then the supervisor's back-off and silence rules, on real (`sleep`) child processes, and
Valkey's append-only file on its own.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import pytest

from crm.auth.config import AuthSettings
from crm.auth.security_middleware import SESSION_COOKIE
from crm.auth.session import SessionStore
from crm.clients.valkey_client import ValkeyClient
from crm.embedded.processes import StackError, free_port, read_pid
from crm.embedded.supervisor import Supervisor, Timing, Watched
from crm.embedded.valkey import AOF_DIR, EmbeddedValkey
from crm.serve import DEMO_EMAIL

RECOVERY_LIMIT = 10.0


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    base_url: str
    data_dir: Path
    log_file: Path
    stack: dict[str, Any]
    user_id: uuid.UUID

    def client(self) -> httpx.Client:
        """A client signed in as the demo owner with a session made just now."""
        valkey = ValkeyClient(self.stack["valkey"]["url"])
        try:
            cookie, session = SessionStore(valkey, AuthSettings()).create(self.user_id)
        finally:
            valkey.close()
        return httpx.Client(
            base_url=self.base_url,
            headers={"Cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": session.csrf_token},
            timeout=15,
        )

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    data_dir = Path(tempfile.mkdtemp(prefix="crm-supervision-"))
    log_file = data_dir / "serve.log"
    port = free_port()
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crm.cli",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://localhost:{port}"
    try:
        _wait_healthy(proc, base_url, log_file)
        stack = json.loads((data_dir / "stack.json").read_text())
        with psycopg.connect(stack["postgres"]["urls"]["superuser"]) as conn:
            row = conn.execute("SELECT id FROM users WHERE email = %s", (DEMO_EMAIL,)).fetchone()
        assert row is not None
        yield Served(proc, base_url, data_dir, log_file, stack, row[0])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
    assert proc.returncode == 0  # stopped cleanly: supervisor first, then every server


def _wait_healthy(proc: subprocess.Popen[bytes], base_url: str, log_file: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"crm serve exited ({proc.returncode}):\n{log_file.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"crm serve did not become healthy:\n{log_file.read_text()[-3000:]}")


def _create_contact(client: httpx.Client) -> dict[str, Any]:
    name = f"Kept-{uuid.uuid4().hex[:8]}"
    response = client.post(
        "/api/actions",
        json={"domain": "contact", "action": "create", "data": {"first_name": name}},
    )
    assert response.status_code == 200, response.text
    contact: dict[str, Any] = response.json()["data"]
    return contact


def _contact_ids(response: httpx.Response) -> list[str]:
    return [c["id"] for c in response.json()["data"]]


def _kill(served: Served, pid_file: Path) -> int:
    """SIGKILL the server named by ``pid_file``; it must be a child of `crm serve`."""
    pid = read_pid(pid_file)
    assert pid is not None, pid_file
    assert psutil.Process(pid).ppid() == served.proc.pid
    os.kill(pid, signal.SIGKILL)
    return pid


@dataclass
class Outage:
    seconds: float
    answers: list[tuple[int, float]]  # (status, seconds it took), health and read in turn

    @property
    def statuses(self) -> list[int]:
        return [status for status, _ in self.answers]

    @property
    def noticed(self) -> bool:
        """Some answer fell in the gap: a 503, or one held until the server was back."""
        return any(status == 503 or took >= 0.5 for status, took in self.answers)

    def __str__(self) -> str:
        return f"back after {self.seconds:.1f}s; answers " + ", ".join(
            f"{status} ({took:.1f}s)" for status, took in self.answers
        )


def _recovery(served: Served, client: httpx.Client, expected: set[str]) -> Outage:
    """Poll health and an authenticated contact list until both are 200; check every answer."""
    started = time.monotonic()
    answers: list[tuple[int, float]] = []
    while time.monotonic() - started < RECOVERY_LIMIT + 5:
        asked = time.monotonic()
        health = httpx.get(f"{served.base_url}/api/health", timeout=15)
        answers.append((health.status_code, time.monotonic() - asked))
        asked = time.monotonic()
        data = client.get("/api/data", params={"type": "contacts"})
        answers.append((data.status_code, time.monotonic() - asked))
        for response in (health, data):
            assert response.status_code in (200, 503), (response.status_code, response.text)
            if response.status_code == 503:
                body = response.json()
                assert body["error"]["code"] == "SERVICE_UNAVAILABLE", body
                assert body["data"] is None
        if data.status_code == 200:
            assert expected <= set(_contact_ids(data)), "a 200 without the saved contacts"
        if health.status_code == 200 and data.status_code == 200:
            return Outage(time.monotonic() - started, answers)
        time.sleep(0.1)
    pytest.fail(f"not back within {RECOVERY_LIMIT}s; answers: {answers}")


def _restarts(served: Served, check: str) -> dict[str, Any]:
    health = httpx.get(f"{served.base_url}/api/health", timeout=15)
    assert health.status_code == 200, health.text
    result: dict[str, Any] = health.json()["data"]["checks"][check]
    assert result["status"] == "ok"
    return result


def _assert_supervised(served: Served, name: str, check: str, pid: int) -> None:
    """Health counts the restart, the log has one crash and one restart line, no zombies."""
    result = _restarts(served, check)
    assert result["restarts"] == 1 and result["state"] == "running", result
    assert result["last_restart"].endswith("Z")
    log = served.log()
    assert log.count(f"{name} (pid {pid}) was killed by SIGKILL; restarting it in") == 1, log
    assert log.count(f"{name} restarted (pid ") == 1, log
    children = psutil.Process(served.proc.pid).children()
    assert all(child.status() != psutil.STATUS_ZOMBIE for child in children)
    assert pid not in [child.pid for child in children]
    assert served.proc.poll() is None  # the same `crm serve` all along


def test_postgres_killed_comes_back_with_every_acknowledged_write(served: Served) -> None:
    with served.client() as client:
        before = _create_contact(client)
        pid = _kill(served, served.data_dir / "postgres" / "postmaster.pid")

        outage = _recovery(served, client, {before["id"]})

        print(f"\npostgres: {outage}")
        assert outage.seconds < RECOVERY_LIMIT
        # The first requests fell in the gap: a clean 503 after the pool's 3 s checkout wait,
        # or, when PostgreSQL was back sooner, served by the pool the supervisor refreshed.
        assert outage.noticed, outage
        one = client.get("/api/data", params={"type": "contacts", "id": before["id"]})
        assert one.status_code == 200 and one.json()["data"]["first_name"] == before["first_name"]
        after = _create_contact(client)  # writes work again on the same pool
        assert {before["id"], after["id"]} <= set(
            _contact_ids(client.get("/api/data", params={"type": "contacts"}))
        )
    _assert_supervised(served, "postgres", "postgres", pid)


def test_valkey_killed_comes_back_with_the_sessions_made_just_before(served: Served) -> None:
    with served.client() as older, served.client() as fresh:
        assert older.get("/api/data", params={"type": "contacts"}).status_code == 200
        # `fresh` was made a moment ago: only the append-only file can bring it back.
        pid = _kill(served, served.data_dir / "valkey" / "valkey.pid")

        outage = _recovery(served, fresh, set())

        print(f"\nvalkey: {outage}")
        assert outage.seconds < RECOVERY_LIMIT
        assert 503 in outage.statuses  # a refused connection: the gap is a clean 503 at once
        assert 401 not in outage.statuses
        for client in (fresh, older):
            response = client.get("/api/data", params={"type": "contacts"})
            assert response.status_code == 200, response.text
        _create_contact(fresh)  # its CSRF token came back too
    _assert_supervised(served, "valkey", "valkey", pid)


def test_openbao_killed_comes_back_and_the_app_logs_in_again(served: Served) -> None:
    with served.client() as client:
        pid = _kill(served, served.data_dir / "openbao.pid")

        outage = _recovery(served, client, set())

        print(f"\nopenbao: {outage}")
        assert outage.seconds < RECOVERY_LIMIT
        assert 503 in outage.statuses[0::2]  # health named the gap
        assert set(outage.statuses[1::2]) == {200}  # requests need no Vault: never a 503
        # The dev server came back empty and was filled again with the AppRole the app holds.
        assert _restarts(served, "vault")["status"] == "ok"
        _create_contact(client)
    _assert_supervised(served, "openbao", "vault", pid)


# -- the supervisor's rules, on real child processes -------------------------------------------


class SleepServer:
    """A real child process (`sleep`) standing in for a server; its starts can be made to fail
    and its pings to go unanswered."""

    def __init__(self, *, failing_starts: int = 0) -> None:
        self.proc = subprocess.Popen(["sleep", "300"])
        self.failing_starts = failing_starts
        self.answering = True
        self.attempts: list[float] = []

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    def exit_status(self) -> int | None:
        return self.proc.poll()

    def ping(self) -> bool:
        return self.answering

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def restart(self) -> None:
        self.attempts.append(time.monotonic())
        if self.failing_starts:
            self.failing_starts -= 1
            raise StackError("port 4242 is taken")
        self.proc = subprocess.Popen(["sleep", "300"])
        self.answering = True


def _until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "crm.embedded.supervisor"]


def test_failed_starts_back_off_and_a_stable_server_starts_afresh(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="crm.embedded.supervisor")
    server = SleepServer(failing_starts=2)
    supervisor = Supervisor(
        [Watched("sleepy", server, server.restart)],
        timing=Timing(check_every=0.02, backoff_first=0.1, stable_after=0.6),
    )
    supervisor.start()
    try:
        first = server.proc
        killed_at = time.monotonic()
        first.kill()
        _until(lambda: supervisor.status()["sleepy"]["restarts"] == 1)
        assert first.returncode == -signal.SIGKILL  # reaped: no zombie left behind
        waits = [b - a for a, b in itertools.pairwise([killed_at, *server.attempts])]
        assert len(waits) == 3, waits
        assert all(w >= d - 0.01 for w, d in zip(waits, (0.1, 0.2, 0.4), strict=True)), waits
        messages = _messages(caplog)
        assert f"sleepy (pid {first.pid}) was killed by SIGKILL; restarting it in 0.1s" in messages
        failed = [m for m in messages if m.startswith("sleepy did not restart")]
        assert failed == [
            "sleepy did not restart: port 4242 is taken; next attempt in 0.2s",
            "sleepy did not restart: port 4242 is taken; next attempt in 0.4s",
        ]
        assert supervisor.status()["sleepy"]["state"] == "running"

        # A crash soon after a restart waits longer; one after a stable minute (here 0.6 s)
        # starts from the first delay again.
        time.sleep(0.8)
        caplog.clear()
        server.proc.kill()
        _until(lambda: supervisor.status()["sleepy"]["restarts"] == 2)
        assert any(m.endswith("restarting it in 0.1s") for m in _messages(caplog))
        caplog.clear()
        server.proc.kill()
        _until(lambda: supervisor.status()["sleepy"]["restarts"] == 3)
        assert any(m.endswith("restarting it in 0.2s") for m in _messages(caplog))
    finally:
        supervisor.stop()
        server.kill()


def test_a_server_that_stops_answering_is_killed_and_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="crm.embedded.supervisor")
    server = SleepServer()
    supervisor = Supervisor(
        [Watched("mute", server, server.restart)],
        timing=Timing(
            check_every=0.02, backoff_first=0.05, unresponsive_after=0.4, report_silence_after=0.1
        ),
    )
    supervisor.start()
    try:
        hung = server.proc
        server.answering = False
        _until(lambda: supervisor.status()["mute"]["restarts"] == 1)
        assert hung.returncode == -signal.SIGKILL
        messages = _messages(caplog)
        assert any(m.startswith(f"mute (pid {hung.pid}) is not answering") for m in messages)
        assert any(
            m.startswith(f"mute (pid {hung.pid}) did not answer for") and "killed it" in m
            for m in messages
        )
    finally:
        supervisor.stop()
        server.kill()


def test_valkey_adopts_an_old_dump_and_keeps_every_write_through_a_kill(tmp_path: Path) -> None:
    server = EmbeddedValkey(tmp_path, password="pw")
    server.start()
    try:
        client = ValkeyClient(server.url)
        with client.errors() as valkey:
            valkey.set("old", "1")
        server.stop()  # SIGTERM: dump.rdb is saved
        shutil.rmtree(tmp_path / "valkey" / AOF_DIR)  # a folder from before the AOF
        server.start()
        assert (tmp_path / "valkey" / AOF_DIR).is_dir()
        with client.errors() as valkey:
            assert valkey.get("old") == "1"
            valkey.set("new", "2")  # acknowledged a moment before the kill
        assert server.pid is not None
        os.kill(server.pid, signal.SIGKILL)
        _until(lambda: server.exit_status() is not None)
        server.restart()
        with client.errors() as valkey:
            assert (valkey.get("old"), valkey.get("new")) == ("1", "2")
        client.close()
    finally:
        server.stop()
