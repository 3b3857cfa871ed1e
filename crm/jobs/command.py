"""`crm worker`: run background workers, in production (VAULT_ADDR) or against a running
embedded stack (--data-dir)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from pathlib import Path

from crm.clients.vault_client import AppRoleCredentials, VaultClient
from crm.config import Settings, credentials_from_env, load_settings
from crm.errors import ConfigurationError
from crm.jobs.worker import WorkerOptions, run_worker


def add_parser(sub: argparse._SubParsersAction, default_data_dir: Path) -> None:
    worker = sub.add_parser(
        "worker",
        help="run a background worker (sends customer messages)",
        description="Take jobs from the shared PostgreSQL queue and run them: customer "
        "messages, and the sweep that recovers what a stopped worker left. Run as many as "
        "you like, on any machines; each reads its settings from Vault (VAULT_ADDR), or from "
        "the running embedded stack in --data-dir.",
    )
    worker.add_argument("--concurrency", type=int, default=4, help="jobs run at once (default 4)")
    worker.add_argument("--name", default="", help="worker name in logs")
    worker.add_argument("--data-dir", type=Path, default=default_data_dir)
    worker.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    if not 1 <= args.concurrency <= 64:
        raise ConfigurationError("--concurrency must be between 1 and 64")
    settings = worker_settings(args.data_dir)
    print(
        f"crm worker: {args.concurrency} at once, mail through "
        f"{settings.smtp.host}:{settings.smtp.port}"
        f"{', text messages through Twilio' if settings.sms else ''}; stop with Ctrl-C",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings, WorkerOptions(args.concurrency, args.name)))
    return 0


def worker_settings(data_dir: Path) -> Settings:
    if os.environ.get("VAULT_ADDR", "").strip():
        vault = VaultClient(credentials_from_env())
    else:
        vault = VaultClient(_embedded_credentials(data_dir))
    vault.login()
    return load_settings(vault)


def _embedded_credentials(data_dir: Path) -> AppRoleCredentials:
    """A fresh AppRole secret id for the running embedded stack: the worker reads its
    settings through the same Vault path as the app."""
    import hvac

    from crm.embedded.openbao import ROLE_NAME
    from crm.embedded.processes import StackError
    from crm.embedded.stack import read_stack_file

    try:
        vault = read_stack_file(data_dir)["vault"]
    except StackError as exc:
        raise ConfigurationError(str(exc)) from exc
    admin = hvac.Client(url=vault["address"], token=vault["root_token"], timeout=5)
    secret_id = admin.auth.approle.generate_secret_id(role_name=ROLE_NAME)["data"]["secret_id"]
    return AppRoleCredentials(
        address=vault["address"],
        role_id=vault["role_id"],
        secret_id=secret_id,
        kv_mount=vault["kv_mount"],
    )
