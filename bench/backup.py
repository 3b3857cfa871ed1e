"""`crm backup` of the bench business: 10,000 contacts, 50,000 tickets, 100,000 notes, ...

Starts its own embedded stack in a fresh folder, loads bench/datagen.py's data set (as
api_latency does), then times the real command, `crm backup --data-dir DIR`, as a subprocess
(pg_dump in custom format with the row counts taken in the same snapshot), and the restore of
that file into a new folder with `crm restore` (informational: a fresh stack, pg_restore, index
builds, the row-count check and ANALYZE).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import datagen
from bench.core import Context, Result
from bench.session import fresh_data_dir, stop_and_remove
from crm.embedded.stack import EmbeddedStack

TARGET_S = 30.0


def _crm(*args: str, timeout: float) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "crm.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"crm {args[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return seconds, done.stdout


def measure(ctx: Context) -> list[Result]:
    data_dir = fresh_data_dir()
    restored = fresh_data_dir() / "restored"
    stack = EmbeddedStack(data_dir, echo_mail=False)
    try:
        info = stack.start()
        dataset = datagen.load(info.superuser_url)
        rows = sum(dataset.counts.values())
        seconds, out = _crm("backup", "--data-dir", str(data_dir), timeout=600)
        found = re.search(r" to (\S+\.crmbackup): ", out)
        if not found:
            raise RuntimeError(f"crm backup printed no file name: {out!r}")
        file = Path(found.group(1))
        size_mb = file.stat().st_size / 1e6
        print(f"bench: crm backup: {seconds:.1f} s, {size_mb:.1f} MB", file=sys.stderr)
        restore_s, _ = _crm("restore", str(file), "--data-dir", str(restored), timeout=900)
    finally:
        stop_and_remove(stack, data_dir)
        shutil.rmtree(restored.parent, ignore_errors=True)
    return [
        Result(
            "backup_s",
            round(seconds, 1),
            "s",
            target=f"<= {TARGET_S:g} s",
            ok=seconds <= TARGET_S,
            notes=f"`crm backup` (subprocess, pg_dump -Fc -Z1 + config + manifest) of "
            f"{rows:,} rows in 20 businesses (the 10,000-contact bench business and 19 small "
            f"ones), against a running embedded stack",
        ),
        Result("backup_size_mb", round(size_mb, 1), "MB"),
        Result(
            "restore_s",
            round(restore_s, 1),
            "s",
            notes="`crm restore` of that file into a new folder: fresh stack, pg_restore "
            "(single transaction, indexes and constraints rebuilt), row counts, ANALYZE, stop",
        ),
    ]
