"""One embedded stack shared by every measurement that needs a running system."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from crm.embedded.stack import EmbeddedStack, StackInfo

TMP_PREFIX = "crm-bench-"


def fresh_data_dir() -> Path:
    """A new, empty data folder under the system temp dir (so starting it runs initdb)."""
    return Path(tempfile.mkdtemp(prefix=TMP_PREFIX))


def stop_and_remove(stack: EmbeddedStack, data_dir: Path) -> None:
    """Stop every server of ``stack`` and delete its data folder; report, never raise."""
    try:
        stack.stop()
    except Exception as exc:  # noqa: BLE001 - still remove the folder, then tell
        print(f"bench: could not stop the stack in {data_dir}: {exc}", file=sys.stderr)
    shutil.rmtree(data_dir, ignore_errors=True)


class Session:
    """Starts the shared stack on first use; ``close`` stops it and removes its data."""

    def __init__(self) -> None:
        self._stack: EmbeddedStack | None = None
        self._data_dir: Path | None = None

    def stack(self) -> StackInfo:
        if self._stack is None:
            self._data_dir = fresh_data_dir()
            self._stack = EmbeddedStack(self._data_dir, echo_mail=False)
            try:
                self._stack.start()
            except BaseException:
                self.close()
                raise
        assert self._stack.info is not None
        return self._stack.info

    def close(self) -> None:
        if self._stack is not None and self._data_dir is not None:
            stop_and_remove(self._stack, self._data_dir)
        self._stack = None
        self._data_dir = None
