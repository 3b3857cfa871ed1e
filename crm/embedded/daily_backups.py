"""The embedded stack's daily backup (a thread of `crm serve`) and the retention of old ones."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crm.embedded.backup import (
    FOLDER,
    STAMP,
    SUFFIX,
    BackupResult,
    create_backup,
    default_path,
    first_line,
)

log = logging.getLogger("crm.backup")

KEEP_DAYS = 14
_NAME = re.compile(r"^crm-(\d{8}-\d{6})" + re.escape(SUFFIX) + "$")


def backups_in(folder: Path) -> list[tuple[datetime, Path]]:
    """Finished backups named by us in ``folder``, oldest first (by the UTC time in the name)."""
    found = []
    with contextlib.suppress(FileNotFoundError):
        for entry in folder.iterdir():
            match = _NAME.match(entry.name)
            if match and entry.is_file():
                stamp = datetime.strptime(match[1], STAMP).replace(tzinfo=UTC)
                found.append((stamp, entry))
    return sorted(found)


def prune(folder: Path, *, keep_days: int = KEEP_DAYS, now: datetime | None = None) -> list[Path]:
    """Delete our backups older than ``keep_days`` (never the newest one) and stale temp files."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=keep_days)
    backups = backups_in(folder)
    removed = [path for stamp, path in backups[:-1] if stamp < cutoff]
    for path in removed:
        path.unlink(missing_ok=True)
    with contextlib.suppress(FileNotFoundError):
        for entry in folder.glob(".crm-*"):  # left by a backup that was killed half-way
            if entry.stat().st_mtime >= now.timestamp() - 86400:
                continue  # possibly a backup running right now
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    return removed


class DailyBackups:
    """A thread of ``crm serve``: a backup shortly after start unless one was taken today (local
    date), then every 24 h (1 h after a failure), keeping ``keep_days`` days."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str,
        *,
        first_delay: float = 60.0,
        interval: float = 86400.0,
        retry: float = 3600.0,
        keep_days: int = KEEP_DAYS,
    ) -> None:
        self.folder = data_dir.resolve() / FOLDER
        self.config_file = data_dir.resolve() / "config.json"
        self.database_url = database_url
        self.first_delay, self.interval, self.retry = first_delay, interval, retry
        self.keep_days = keep_days
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> DailyBackups:
        self._thread = threading.Thread(target=self._loop, name="crm-daily-backup", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        backups = backups_in(self.folder)
        newest = backups[-1][0] if backups else None
        today = datetime.now().astimezone().date()
        if newest is not None and newest.astimezone().date() == today:
            wait = max(
                self.first_delay, (newest - datetime.now(UTC)).total_seconds() + self.interval
            )
        else:
            wait = self.first_delay
        while not self._stop.wait(wait):
            wait = self.interval if self.run_once() else self.retry

    def run_once(self) -> BackupResult | None:
        """One backup, then pruning; a failure is logged (with the next try) and kept for health."""
        try:
            result = create_backup(
                self.database_url, default_path(self.folder.parent), config_file=self.config_file
            )
        except Exception as exc:  # logged loudly; the thread must keep going
            self.last_error = first_line(exc)
            self.last_error_at = datetime.now(UTC)
            log.error(
                "DAILY BACKUP FAILED: %s; next try in %.0f min (last good: %s)",
                self.last_error, self.retry / 60, _describe_newest(self.folder), exc_info=True,
            )  # fmt: skip
            return None
        self.last_error = self.last_error_at = None
        removed = prune(self.folder, keep_days=self.keep_days)
        log.info(
            "daily backup %s: %s rows, %.1f MB in %.1f s; removed %d older than %d days",
            result.path.name, result.manifest["rows"], result.size / 1e6, result.seconds,
            len(removed), self.keep_days,
        )  # fmt: skip
        return result

    def summary(self, now: datetime | None = None) -> dict[str, Any]:
        """For /api/health: the last good backup's age, and the last failure since then."""
        now = now or datetime.now(UTC)
        backups = backups_in(self.folder)
        out: dict[str, Any] = {"status": "none", "keep_days": self.keep_days}
        if backups:
            stamp, path = backups[-1]
            age = (now - stamp).total_seconds()
            fresh = age <= self.interval + self.retry * 2
            out.update(
                status="ok" if fresh else "stale",
                last_good_at=stamp.isoformat(timespec="seconds"),
                age_hours=round(age / 3600, 2),
                file=path.name,
                count=len(backups),
            )
        if self.last_error is not None and self.last_error_at is not None:
            out.update(status="failing", last_error=self.last_error,
                       last_error_at=self.last_error_at.isoformat(timespec="seconds"))  # fmt: skip
        return out


def start_daily(data_dir: Path, superuser_url: str) -> DailyBackups:
    """Start the daily backup of a running embedded stack (a daemon thread of `crm serve`);
    its ``summary`` is what /api/health shows."""
    return DailyBackups(data_dir, superuser_url).start()


def _describe_newest(folder: Path) -> str:
    backups = backups_in(folder)
    return f"{backups[-1][1].name}" if backups else "none yet"
