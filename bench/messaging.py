"""Customer emails through real `crm worker` processes into the SMTP catcher.

Starts its own embedded stack in a fresh folder, one business with a contact per message
(quiet hours off), and two `crm worker --data-dir DIR` processes (4 jobs at once each), which
read their settings from that stack as an operator's would. Then:

(a) throughput: BENCH_MESSAGES (1,000) literal emails due at once, in one transaction (the
    trigger defers a job each); messages per second from the first to the last arrival at the
    catcher, every message delivered exactly once;
(b) timeliness: 300 emails due at random moments over 20 s, starting 3 s ahead; the delay from
    each one's due time to its arrival at the catcher (p50 / p95 / max; goal p95 <= 2 s).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from bench.core import Context, Result
from bench.session import fresh_data_dir, stop_and_remove
from bench.unit_of_work import make_user
from crm.auth.email_service import message_id_for
from crm.embedded.stack import SMTP_FROM, EmbeddedStack
from crm.utils.timezone import utc_now

ENV_MESSAGES = "BENCH_MESSAGES"
DEFAULT_MESSAGES = 1000
MAX_MESSAGES = 4000  # the catcher keeps the newest 5,000
WORKERS = 2
CONCURRENCY = 4
SPREAD_MESSAGES = 300
SPREAD_LEAD_S = 3.0
SPREAD_WINDOW_S = 20.0
DELAY_TARGET_S = 2.0
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0

Owner = psycopg.Connection[dict[str, Any]]


def message_count() -> int:
    raw = os.environ.get(ENV_MESSAGES, "").strip()
    count = int(raw) if raw else DEFAULT_MESSAGES
    if not 1 <= count <= MAX_MESSAGES:
        raise ValueError(f"{ENV_MESSAGES} must be 1..{MAX_MESSAGES}, not {count}")
    return count


# -- workers ---------------------------------------------------------------------------------


class Workers:
    """`crm worker` processes on one data folder; ``stop`` ends each by its own pid."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, count: int, registered: Callable[[], int]) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "CRM_"))}
        for number in range(count):
            with open(self.log(number), "ab") as log:
                self.procs.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "crm.cli",
                            "worker",
                            "--concurrency",
                            str(CONCURRENCY),
                            "--name",
                            f"bench-{number}",
                            "--data-dir",
                            str(self.data_dir),
                        ],
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=env,
                    )
                )
        deadline = time.monotonic() + START_TIMEOUT_S
        while registered() < count:
            for number, proc in enumerate(self.procs):
                if proc.poll() is not None:
                    raise RuntimeError(f"crm worker exited early:\n{self.tail(number)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{count} workers not registered after {START_TIMEOUT_S:g}s")
            time.sleep(0.1)

    def log(self, number: int) -> Path:
        return self.data_dir / f"worker-{number}.log"

    def tail(self, number: int, lines: int = 20) -> str:
        try:
            text = self.log(number).read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def sent(self) -> list[int]:
        """Messages each worker finished as sent (one log line each)."""
        counts = []
        for number in range(len(self.procs)):
            try:
                lines = self.log(number).read_text(errors="replace").splitlines()
            except OSError:
                lines = []
            counts.append(
                sum(1 for ln in lines if "crm.messages: " in ln and ln.rstrip().endswith(": sent"))
            )
        return counts

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=STOP_TIMEOUT_S)


# -- data ------------------------------------------------------------------------------------


def _business(owner: Owner) -> uuid.UUID:
    user_id = make_user(owner)
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        owner.execute(
            "INSERT INTO messaging_settings (user_id, quiet_start, quiet_end) "
            "VALUES (%s, '00:00', '00:00')",
            (user_id,),
        )
    return user_id


def _schedule(
    owner: Owner, user_id: uuid.UUID, due: list[datetime], tag: str
) -> dict[str, datetime]:
    """One literal email per due time, each to its own contact, in one transaction; returns
    each message's Message-ID -> due time."""
    emails = [f"bench-{tag}-{i}@example.com" for i in range(len(due))]
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        contacts = owner.execute(
            "INSERT INTO contacts (user_id, first_name, email) "
            "SELECT %s, 'Customer', e FROM unnest(%s::text[]) AS e RETURNING id",
            (user_id, emails),
        ).fetchall()
        rows = owner.execute(
            "INSERT INTO scheduled_messages (user_id, kind, contact_id, subject, body, "
            "scheduled_for) SELECT %s, 'custom', c, 'Your windows', 'See you on Tuesday.', d "
            "FROM unnest(%s::uuid[], %s::timestamptz[]) AS t(c, d) RETURNING id, scheduled_for",
            (user_id, [c["id"] for c in contacts], due),
        ).fetchall()
    return {message_id_for(f"msg-{r['id']}", SMTP_FROM): r["scheduled_for"] for r in rows}


# -- the catcher's outbox --------------------------------------------------------------------


class Arrivals:
    """The catcher's outbox folder, read incrementally: Message-ID -> arrival times."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: set[str] = set()
        self.times: dict[str, list[datetime]] = {}

    def poll(self) -> None:
        for path in self.folder.glob("[0-9]*.json"):
            if path.name in self.seen:
                continue
            self.seen.add(path.name)
            mail = json.loads(path.read_text())
            at = datetime.fromisoformat(mail["received_at"].replace("Z", "+00:00"))
            self.times.setdefault(str(mail["message_id"]), []).append(at)

    def wait_for(self, wanted: dict[str, datetime], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            missing = sum(1 for key in wanted if key not in self.times)
            if not missing:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{missing} of {len(wanted)} emails not caught in {timeout:g}s")
            time.sleep(0.1)

    def once_each(self, wanted: dict[str, datetime]) -> list[datetime]:
        """Arrival time of each wanted message; refuses duplicates."""
        twice = [key for key in wanted if len(self.times[key]) != 1]
        if twice:
            raise RuntimeError(f"{len(twice)} emails arrived more than once, e.g. {twice[0]}")
        return [self.times[key][0] for key in wanted]


def _percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]


# -- the measurement -------------------------------------------------------------------------


def measure(ctx: Context) -> list[Result]:
    count = message_count()
    data_dir = fresh_data_dir()
    stack = EmbeddedStack(data_dir, echo_mail=False)
    workers = Workers(data_dir)
    try:
        info = stack.start()
        with psycopg.connect(info.owner_url, autocommit=True, row_factory=dict_row) as owner:

            def registered() -> int:
                row = owner.execute("SELECT count(*) AS n FROM procrastinate_workers").fetchone()
                return int(row["n"]) if row else 0

            user_id = _business(owner)
            workers.start(WORKERS, registered)
            arrivals = Arrivals(info.outbox_dir)

            # (a) a batch due at once
            batch = _schedule(owner, user_id, [utc_now()] * count, "batch")
            committed = utc_now()
            arrivals.wait_for(batch, timeout=max(120.0, count / 5))
            times = sorted(arrivals.once_each(batch))
            span = (times[-1] - times[0]).total_seconds()
            rate = (count - 1) / span if span > 0 else float("inf")
            to_last = (times[-1] - committed).total_seconds()
            shares = workers.sent()

            # (b) messages due one by one, spread over a window
            rng = random.Random(20)
            start = utc_now() + timedelta(seconds=SPREAD_LEAD_S)
            due = [
                start + timedelta(seconds=rng.uniform(0, SPREAD_WINDOW_S))
                for _ in range(SPREAD_MESSAGES)
            ]
            spread = _schedule(owner, user_id, due, "spread")
            arrivals.wait_for(spread, timeout=SPREAD_LEAD_S + SPREAD_WINDOW_S + 60)
            arrived = arrivals.once_each(spread)
            delays = sorted(
                (at - spread[key]).total_seconds() for key, at in zip(spread, arrived, strict=True)
            )
    finally:
        workers.stop()
        stop_and_remove(stack, data_dir)

    p50, p95, top = _percentile(delays, 50), _percentile(delays, 95), delays[-1]
    print(
        f"bench: messaging: {count} in {span:.1f} s ({rate:.1f}/s, per worker {shares}); "
        f"due-to-delivery p50 {p50:.2f} s, p95 {p95:.2f} s, max {top:.2f} s",
        file=sys.stderr,
    )
    how = f"{WORKERS} `crm worker` processes x {CONCURRENCY} slots, embedded stack and catcher"
    return [
        Result(
            "messaging_throughput_msg_s",
            round(rate, 1),
            "msg/s",
            notes=f"{count:,} literal emails due at once, first to last arrival at the SMTP "
            f"catcher ({span:.1f} s; {to_last:.1f} s from commit to the last); each delivered "
            f"exactly once; sent per worker {shares}; {how}",
        ),
        Result(
            "messaging_due_delay_p50_s",
            round(p50, 2),
            "s",
            notes=f"{SPREAD_MESSAGES} emails due at random over {SPREAD_WINDOW_S:g} s (from "
            f"{SPREAD_LEAD_S:g} s ahead): due time to arrival at the catcher; workers poll "
            f"for due jobs every 0.5 s",
        ),
        Result(
            "messaging_due_delay_p95_s",
            round(p95, 2),
            "s",
            target=f"<= {DELAY_TARGET_S:g} s",
            ok=p95 <= DELAY_TARGET_S,
        ),
        Result("messaging_due_delay_max_s", round(top, 2), "s"),
    ]
