"""Running workers: `crm worker` (any number, on any machine) and the one inside embedded
`crm serve`. Each worker takes jobs from the shared PostgreSQL; procrastinate's LISTEN/NOTIFY
wakes it for new jobs, and it polls twice a second for scheduled ones coming due."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from dataclasses import dataclass

from crm.auth.email_service import EmailService
from crm.clients.postgres_client import Database, PoolSettings
from crm.clients.sms_client import SmsClient
from crm.config import Settings
from crm.errors import ConfigurationError
from crm.jobs.app import QUEUES, build_app, retry_stalled_sends
from crm.jobs.plans import extend_plans
from crm.messaging.sender import RETRY_DELAYS, STUCK_AFTER, Sender, SenderOptions

log = logging.getLogger("crm.worker")

POLL_SECONDS = 0.5


@dataclass(frozen=True)
class WorkerOptions:
    concurrency: int = 4
    name: str = ""


def sender_options(settings: Settings, env: dict[str, str] | None = None) -> SenderOptions:
    """The sender's settings; two knobs can be tuned by environment (docs/messaging.md):
    CRM_MESSAGE_RETRY_DELAYS (seconds, comma-separated) and CRM_SENDING_STUCK_SECONDS."""
    env = dict(os.environ) if env is None else env
    delays: tuple[float, ...] = RETRY_DELAYS
    stuck = STUCK_AFTER
    try:
        if env.get("CRM_MESSAGE_RETRY_DELAYS", "").strip():
            delays = tuple(float(p) for p in env["CRM_MESSAGE_RETRY_DELAYS"].split(","))
            if not delays or min(delays) <= 0:
                raise ValueError("delays must be positive")
        if env.get("CRM_SENDING_STUCK_SECONDS", "").strip():
            stuck = float(env["CRM_SENDING_STUCK_SECONDS"])
            if stuck <= 0:
                raise ValueError("must be positive")
    except ValueError as exc:
        raise ConfigurationError(f"bad worker tuning in the environment: {exc}") from exc
    return SenderOptions(
        base_url=settings.app.base_url,
        from_address=settings.smtp.from_address,
        retry_delays=delays,
        stuck_after=stuck,
    )


def make_sender(settings: Settings, db: Database) -> Sender:
    sms = SmsClient(settings.sms) if settings.sms is not None else None
    return Sender(db, EmailService(settings.smtp), sms, sender_options(settings))


async def run_worker(
    settings: Settings, options: WorkerOptions, *, install_signal_handlers: bool = True
) -> None:
    """Work until cancelled (or SIGINT/SIGTERM with the handlers installed)."""
    db = Database(
        settings.database_url,
        settings=PoolSettings(min_size=1, max_size=options.concurrency + 2, checkout_timeout=10),
    )
    await asyncio.to_thread(db.open)
    try:
        sender = make_sender(settings, db)
        app = build_app(settings.database_url, max_connections=options.concurrency + 2)
        async with app.open_async():
            swept = await asyncio.to_thread(sender.sweep)
            swept["stalled_jobs"] = await retry_stalled_sends(app)
            # Plans behind the horizon (a worker down over midnight): caught up at once.
            swept.update(
                {f"plan_{k}": v for k, v in (await asyncio.to_thread(extend_plans, db)).items()}
            )
            if any(swept.values()):
                log.info("at start: %s", swept)
            await app.run_worker_async(
                queues=list(QUEUES),
                name=options.name or "crm-worker",
                concurrency=options.concurrency,
                delete_jobs="successful",
                fetch_job_polling_interval=POLL_SECONDS,
                additional_context={"sender": sender},
                install_signal_handlers=install_signal_handlers,
            )
    finally:
        await asyncio.to_thread(db.close)


class BackgroundWorker:
    """One worker on its own thread and event loop, for embedded `crm serve`."""

    def __init__(self, settings: Settings, options: WorkerOptions | None = None) -> None:
        self._settings = settings
        self._options = options or WorkerOptions(concurrency=2, name="embedded")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._run, name="crm-worker", daemon=True)
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=10)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._task = loop.create_task(
                run_worker(self._settings, self._options, install_signal_handlers=False)
            )
            self._ready.set()
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("the background worker stopped")
        finally:
            self._ready.set()
            loop.close()

    def stop(self, timeout: float = 15.0) -> None:
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
        self._thread.join(timeout=timeout)
