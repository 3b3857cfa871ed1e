"""The procrastinate app: the tasks, their queues, and the connection the workers use.

Jobs are deferred in SQL, in the same transaction as the row they work on (the trigger on
``scheduled_messages``, migration 0007), so a job exists exactly when its row does. A job's
arguments are ids only; its body reads the row in that business's own unit of work.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

import procrastinate
from procrastinate.exceptions import ConnectorException

from crm.jobs import imports
from crm.jobs.plans import extend_plans

log = logging.getLogger("crm.worker")

SEND_MESSAGE = "crm.send_message"
SWEEP = "crm.sweep_messages"
EXTEND_PLANS = "crm.extend_plans"
# Deferred by import.start in the same transaction (crm/core/services/import_service.py).
RUN_IMPORT = "crm.run_import"
# Every hour: the service plans' visits stay booked 12 months ahead (crm/jobs/plans.py).
EXTEND_PLANS_CRON = "17 * * * *"
QUEUES = ("messages", "maintenance", "imports")
# Every 30 seconds: messages a dead worker left in `sending`, and overdue ones without a job.
SWEEP_CRON = "* * * * * */30"
# A worker that has not sent a heartbeat for this long is dead (procrastinate's own default for
# `stalled_worker_timeout`; workers beat every 10 s).
STALLED_WORKER_SECONDS = 30.0


def build_app(conninfo: str, *, max_connections: int = 4) -> procrastinate.App:
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo,
            min_size=1,
            max_size=max_connections,
            kwargs={"application_name": "crm-worker"},
        )
    )
    app.task(name=SEND_MESSAGE, queue="messages", pass_context=True)(send_message)
    app.periodic(cron=SWEEP_CRON, periodic_id="sweep")(
        app.task(name=SWEEP, queue="maintenance", pass_context=True)(sweep_messages)
    )
    app.periodic(cron=EXTEND_PLANS_CRON, periodic_id="extend_plans")(
        app.task(name=EXTEND_PLANS, queue="maintenance", pass_context=True)(extend_all_plans)
    )
    app.task(name=RUN_IMPORT, queue="imports", pass_context=True)(run_import)
    return app


async def run_import(
    context: procrastinate.JobContext, user_id: str, import_id: str
) -> dict[str, Any]:
    sender = context.additional_context["sender"]
    return await asyncio.to_thread(imports.run_import, sender.db, UUID(user_id), UUID(import_id))


async def send_message(context: procrastinate.JobContext, user_id: str, message_id: str) -> str:
    sender = context.additional_context["sender"]
    return str(await sender.send(UUID(user_id), UUID(message_id)))


async def sweep_messages(context: procrastinate.JobContext, timestamp: int) -> dict[str, Any]:
    sender = context.additional_context["sender"]
    stalled = await retry_stalled_sends(context.app)
    result: dict[str, Any] = await asyncio.to_thread(sender.sweep)
    return {**result, "stalled_jobs": stalled}


async def extend_all_plans(context: procrastinate.JobContext, timestamp: int) -> dict[str, int]:
    sender = context.additional_context["sender"]
    return await asyncio.to_thread(extend_plans, sender.db)


async def retry_stalled_sends(app: procrastinate.App) -> int:
    """Run again the send jobs a dead worker had taken: killed before its claim committed,
    the row is still pending and that job was its only one."""
    stalled = await app.job_manager.get_stalled_jobs(
        task_name=SEND_MESSAGE, seconds_since_heartbeat=STALLED_WORKER_SECONDS
    )
    retried = 0
    for job in stalled:
        try:
            await app.job_manager.retry_job(job)
        except ConnectorException:
            continue  # another sweep retried it, or it finished meanwhile
        retried += 1
    if retried:
        log.info("retried %d send job(s) of a stopped worker", retried)
    return retried
