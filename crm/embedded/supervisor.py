"""Keep the embedded servers running: notice a crash, reap it, restart it with back-off.

`crm serve` watches PostgreSQL, Valkey and OpenBao, one thread each. Every half second a
watcher asks whether its server process has ended (``Popen.poll``, which also reaps it, so a
killed server never lingers as a zombie that blocks its own restart) and pings it. A server
that has exited, or that has not answered for 20 s (it is killed first), is restarted after a
back-off that doubles with each crash or failed start (0.5 s, 1 s, 2 s … at most 30 s) and
starts afresh once the server has stayed up for a minute. Each crash and each restart is one
log line; ``/api/health`` reports the counts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from crm.embedded.processes import describe_exit

log = logging.getLogger("crm.embedded.supervisor")


@dataclass(frozen=True)
class Timing:
    """How often to look, how long to wait before a restart, when to give up on silence."""

    check_every: float = 0.5
    backoff_first: float = 0.5
    backoff_cap: float = 30.0
    stable_after: float = 60.0  # up this long: the next crash starts the back-off afresh
    unresponsive_after: float = 20.0  # alive but not answering this long: killed, restarted
    report_silence_after: float = 2.0  # one missed ping is not news (it may be exiting)

    def backoff(self, failures: int) -> float:
        """Seconds before the next start after ``failures`` recent crashes or failed starts."""
        return min(self.backoff_first * 2 ** min(failures, 16), self.backoff_cap)


class Server(Protocol):
    """What a watched server offers (EmbeddedPostgres, EmbeddedValkey, EmbeddedOpenBao)."""

    @property
    def pid(self) -> int | None: ...

    def exit_status(self) -> int | None:
        """The exit status if the process we started has ended (reaping it), else None."""
        ...

    def ping(self) -> bool: ...

    def kill(self) -> None: ...


@dataclass(frozen=True)
class Watched:
    name: str
    server: Server
    restart: Callable[[], None]
    """Start the server again after it died (and whatever must follow); raises on failure."""


class _Watcher:
    def __init__(
        self,
        watched: Watched,
        stopping: threading.Event,
        timing: Timing,
        after_restart: Callable[[str], None] | None,
    ) -> None:
        self.watched = watched
        self._stopping = stopping
        self._timing = timing
        self._after_restart = after_restart
        self._lock = threading.Lock()
        self.restarts = 0
        self.last_restart: datetime | None = None
        self.state = "running"
        self._failures = 0  # crashes and failed starts since it was last up for a minute
        self._up_since = time.monotonic()
        self._silent_since: float | None = None
        self._silence_reported = False
        self._thread = threading.Thread(
            target=self._run, name=f"supervise-{watched.name}", daemon=True
        )

    @property
    def name(self) -> str:
        return self.watched.name

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def status(self) -> dict[str, object]:
        with self._lock:
            last = self.last_restart
            return {
                "state": self.state,
                "restarts": self.restarts,
                "last_restart": last.isoformat().replace("+00:00", "Z") if last else None,
            }

    def _run(self) -> None:
        while not self._stopping.wait(self._timing.check_every):
            try:
                self._check()
            except Exception:  # a watcher must outlive any surprise; the next tick retries
                log.exception("supervising %s failed", self.name)

    def _check(self) -> None:
        server = self.watched.server
        pid = server.pid
        status = server.exit_status()
        if status is not None:
            self._recover(f"{self.name} (pid {pid}) {describe_exit(status)}")
            return
        answered = server.ping()
        now = time.monotonic()
        if answered:
            if self._silence_reported:
                log.info("%s answers again", self.name)
            self._silent_since, self._silence_reported = None, False
            if self._failures and now - self._up_since >= self._timing.stable_after:
                self._failures = 0
            return
        status = server.exit_status()  # it may have died since the first look
        if status is not None:
            self._recover(f"{self.name} (pid {pid}) {describe_exit(status)}")
            return
        if self._silent_since is None:
            self._silent_since = now
        silent = now - self._silent_since
        if silent >= self._timing.unresponsive_after:
            server.kill()
            self._recover(f"{self.name} (pid {pid}) did not answer for {silent:.0f}s; killed it")
        elif silent >= self._timing.report_silence_after and not self._silence_reported:
            self._silence_reported = True
            log.warning(
                "%s (pid %s) is not answering; it is restarted if it still is not in %.0fs",
                self.name,
                pid,
                self._timing.unresponsive_after - silent,
            )

    def _recover(self, what: str) -> None:
        """Restart until it works (or `crm serve` stops), waiting longer after each failure."""
        with self._lock:
            self.state = "restarting"
        self._silent_since, self._silence_reported = None, False
        down_since = time.monotonic()
        delay = self._timing.backoff(self._failures)
        log.warning("%s; restarting it in %.1fs", what, delay)
        while not self._stopping.wait(delay):
            self._failures += 1
            try:
                self.watched.restart()
            except Exception as exc:  # noqa: BLE001 - any failure: wait longer, try again
                delay = self._timing.backoff(self._failures)
                log.error(
                    "%s did not restart: %s; next attempt in %.1fs",
                    self.name,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                    delay,
                )
                continue
            self._up_since = time.monotonic()
            with self._lock:
                self.state = "running"
                self.restarts += 1
                self.last_restart = datetime.now(UTC)
            log.warning(
                "%s restarted (pid %s), back after %.1fs; %d restart(s) since `crm serve` started",
                self.name,
                self.watched.server.pid,
                self._up_since - down_since,
                self.restarts,
            )
            if self._after_restart is not None:
                try:
                    self._after_restart(self.name)
                except Exception:
                    log.exception("after restarting %s", self.name)
            return


class Supervisor:
    """One watcher thread per server; ``stop()`` before stopping the servers themselves.

    ``after_restart(name)`` runs after each successful restart (the app refreshes its
    database pool there, so requests already waiting for a connection get one at once).
    """

    def __init__(
        self,
        services: Sequence[Watched],
        *,
        timing: Timing | None = None,
        after_restart: Callable[[str], None] | None = None,
    ) -> None:
        self._stopping = threading.Event()
        self._watchers = [
            _Watcher(s, self._stopping, timing or Timing(), after_restart) for s in services
        ]

    def start(self) -> None:
        for watcher in self._watchers:
            watcher.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Stop watching; waits for a restart in progress to finish (it is never cut short)."""
        self._stopping.set()
        deadline = time.monotonic() + timeout
        for watcher in self._watchers:
            watcher.join(max(0.0, deadline - time.monotonic()))

    def status(self) -> dict[str, dict[str, object]]:
        """Per server: ``state`` (running/restarting), ``restarts``, ``last_restart`` (UTC)."""
        return {watcher.name: watcher.status() for watcher in self._watchers}
