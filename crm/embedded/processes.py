"""Small helpers for starting, finding and stopping the stack's server processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import psutil


class StackError(RuntimeError):
    """The embedded stack could not start or stop; the message says which part and why."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def live_process(pid: int | None, marker: str, *, cwd: Path | None = None) -> psutil.Process | None:
    """The process ``pid`` if it is alive and its command line mentions ``marker``.

    The marker and working directory protect against killing an unrelated process that
    reused a stale pid. (Valkey rewrites its command line, hence the working directory.)
    """
    if not pid:
        return None
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        cmdline = " ".join(proc.cmdline())
        if cwd is not None and Path(proc.cwd()) != cwd.resolve():
            return None
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return proc if marker in cmdline else None


def stop_process(proc: psutil.Process, *, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    """Ask a process to stop, then insist."""
    with contextlib.suppress(psutil.NoSuchProcess):
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def describe_exit(returncode: int) -> str:
    """``-9`` -> 'was killed by SIGKILL', ``1`` -> 'exited with status 1'."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with status {returncode}"


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, log_file: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise StackError(f"{what} did not become ready within {timeout:.0f}s; see {log_file}")


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (0600), never briefly wider."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
