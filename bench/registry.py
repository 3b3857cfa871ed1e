"""Every measurement, in the order they run. Add new ones here.

A measurement is a function ``(Context) -> list[Result]``; measurements that need a running
system call ``ctx.session.stack()``, which starts one shared stack on first use.
"""

from __future__ import annotations

from bench import (
    api_latency,
    backup,
    exports,
    extraction_eval,
    imports,
    mcp,
    messaging,
    page_weight,
    plans,
    reports,
    stack_start,
    unit_of_work,
)
from bench.core import Measurement

MEASUREMENTS: dict[str, Measurement] = {
    # First, before the shared stack exists, so nothing else competes for the CPUs.
    "stack_cold_start_s": stack_start.measure,
    "uow_vs_raw": unit_of_work.measure,
    # Starts its own `crm serve` (own stack, loaded with bench/datagen.py) and stops it again.
    "api_latency": api_latency.measure,
    # Own stack with the api_latency data set: `crm backup` (<= 30 s), then `crm restore`.
    "backup": backup.measure,
    # Own stack with the same data set: `crm export` of the big business, then
    # `crm import export-zip` of that zip into a new business.
    "exports": exports.measure,
    # Starts its own `crm serve`; needs Debian's chromium (installed by `make bench`).
    "page_weight": page_weight.measure,
    # Own stack and two `crm worker` processes: emails per second into the SMTP catcher, and
    # the delay from each message's due time to its delivery.
    "messaging": messaging.measure,
    # Own `crm serve`: 1,000 plans expanded a year ahead by the worker's code, plan.create
    # over HTTP, and the calendar week at that size.
    "plans": plans.measure,
    # Own `crm serve`: the api_latency data set plus two years of invoices and payments
    # (bench/reports_data.py); every report over three ranges, with and without candidate
    # indexes, and the Reports pages' bytes.
    "reports": reports.measure,
    # Own `crm serve` with the api_latency data set: an MCP tool call (a contact search, a
    # note) with the SDK's client on one session, p50/p95 next to the same call over /api/*.
    "mcp": mcp.measure,
    # Own `crm serve`: a 20,000-row Square customer export through the import runner.
    "imports": imports.measure,
    # Precision and recall of the rule extractor on tests/data/notes_labelled.jsonl.
    "extraction": lambda ctx: extraction_eval.bench_rows(),
}
