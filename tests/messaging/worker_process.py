"""`crm worker` as separate processes, the way an operator runs them: settings from Vault
(a KV mount of the test's own, pointing at the test's database and mail server), tuning from
the environment. Each is stopped — or killed — by its own pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crm.clients.vault_client import AppRoleCredentials
from crm.embedded.stack import SMTP_FROM

STARTUP_SECONDS = 30.0
STOP_SECONDS = 20.0


def write_worker_secrets(
    admin: Any,
    mount: str,
    *,
    database_url: str,
    valkey_url: str,
    smtp_host: str,
    smtp_port: int,
    base_url: str,
) -> None:
    """Everything `crm worker` reads from Vault, under ``crm/`` in ``mount``."""
    secrets = {
        "database": {"DATABASE_URL": database_url},
        "valkey": {"VALKEY_URL": valkey_url},
        "smtp": {"SMTP_HOST": smtp_host, "SMTP_PORT": str(smtp_port), "SMTP_FROM": SMTP_FROM},
        "llm": {"LLM_PREFER_LOCAL": "true"},
        "app": {"BASE_URL": base_url, "SECRET_KEY": "worker-test-secret"},
    }
    for name, values in secrets.items():
        admin.secrets.kv.v2.create_or_update_secret(
            path=f"crm/{name}", secret=values, mount_point=mount
        )


class WorkerProcess:
    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc = proc
        self.log = log

    @property
    def pid(self) -> int:
        return self.proc.pid

    def sent(self) -> int:
        """Messages this worker finished as sent (its log has one line for each)."""
        return sum(
            1
            for line in self._lines()
            if "crm.messages: message " in line and line.rstrip().endswith(": sent")
        )

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self._lines()[-lines:])

    def _lines(self) -> list[str]:
        try:
            return self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=STOP_SECONDS)

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_SECONDS)


def spawn_workers(
    count: int,
    credentials: AppRoleCredentials,
    *,
    log_dir: Path,
    registered: Callable[[], int],
    concurrency: int = 4,
    tuning: dict[str, str] | None = None,
) -> list[WorkerProcess]:
    """Start ``count`` workers and wait until all of them have registered with the queue
    (``registered`` counts them), so work inserted next is shared between them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "CRM_"))}
    env.update(
        VAULT_ADDR=credentials.address,
        VAULT_ROLE_ID=credentials.role_id,
        VAULT_SECRET_ID=credentials.secret_id,
        VAULT_KV_MOUNT=credentials.kv_mount,
        PYTHONUNBUFFERED="1",
        **(tuning or {}),
    )
    before = registered()
    workers: list[WorkerProcess] = []
    try:
        for number in range(count):
            log = log_dir / f"worker-{number}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "crm.cli",
                        "worker",
                        "--concurrency",
                        str(concurrency),
                        "--name",
                        f"test-{number}",
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            workers.append(WorkerProcess(proc, log))
        deadline = time.monotonic() + STARTUP_SECONDS
        while registered() < before + count:
            exited = [w for w in workers if w.proc.poll() is not None]
            if exited:
                raise RuntimeError(f"a worker stopped while starting:\n{exited[0].tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"workers not registered in {STARTUP_SECONDS}s")
            time.sleep(0.1)
    except BaseException:
        for worker in workers:
            worker.stop()
        raise
    return workers
