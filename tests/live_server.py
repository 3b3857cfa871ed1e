"""Serve the app in a separate process, as `crm serve` does, for tests that measure it over HTTP.

A server in its own process does not share the GIL with the test's client threads, so what a
test measures (latency under concurrent requests) is the server's, not the test's. The child
gets its settings from the parent as JSON and talks to the same embedded servers.

    with LiveServer(settings, credentials) as server:
        httpx.get(server.url + "/api/health/live", headers=server.headers)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from typing import Any, Self

import httpx

from crm.clients.vault_client import AppRoleCredentials
from crm.config import Settings
from crm.embedded.processes import free_port


class LiveServer:
    def __init__(self, settings: Settings, credentials: AppRoleCredentials) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The app allows the host "localhost"; the socket is 127.0.0.1 only.
        self.headers = {"Host": f"localhost:{self.port}"}
        self._config = {
            "port": self.port,
            "settings": _settings_json(settings),
            "credentials": asdict(credentials),
        }
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        env = {**os.environ, "CRM_LIVE_SERVER": json.dumps(self._config)}
        # A file, not a pipe: a chatty server must never block on a full pipe.
        self._log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.live_server"], env=env, stderr=self._log
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    self._process.stderr.read().decode() if self._process.stderr else ""
                )
            try:
                if (
                    httpx.get(self.url + "/api/health/live", headers=self.headers).status_code
                    == 200
                ):
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the live server did not start in 20 s")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._log.close()


def _settings_json(settings: Settings) -> dict[str, Any]:
    return {
        "database_url": settings.database_url,
        "valkey_url": settings.valkey_url,
        "smtp": asdict(settings.smtp),
        "llm": asdict(settings.llm),
        "app": asdict(settings.app),
        "allowed_hosts": list(settings.auth.allowed_hosts),
        "embedded_outbox": settings.embedded_outbox,
    }


def _main() -> None:
    import uvicorn

    from crm.auth.config import AuthSettings
    from crm.auth.email_service import SmtpSettings
    from crm.clients.llm_client import LlmSettings
    from crm.clients.vault_client import VaultClient
    from crm.config import AppSettings
    from crm.main import connect, create_app

    config = json.loads(os.environ["CRM_LIVE_SERVER"])
    raw = config["settings"]
    settings = Settings(
        database_url=raw["database_url"],
        valkey_url=raw["valkey_url"],
        smtp=SmtpSettings(**raw["smtp"]),
        llm=LlmSettings(**raw["llm"]),
        app=AppSettings(**raw["app"]),
        auth=AuthSettings(allowed_hosts=tuple(raw["allowed_hosts"])),
        embedded_outbox=raw["embedded_outbox"],
    )
    vault = VaultClient(AppRoleCredentials(**config["credentials"]))
    vault.login()
    app = create_app(connect(settings, vault))
    uvicorn.run(app, host="127.0.0.1", port=config["port"], log_level="warning")


if __name__ == "__main__":
    _main()
