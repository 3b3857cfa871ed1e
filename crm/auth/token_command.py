"""`crm create-token EMAIL --name NAME --scope read|write [--days N]`: a personal API token for
scripts and first set-up (docs/agents.md), made by the same `api_token.create` action as
Settings → API tokens, in the business that signs in with EMAIL.

Only the token goes to standard output (``TOKEN=$(crm create-token …)``); what it is and for how
long goes to standard error. Like the page, it is shown this once and never logged.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import UTC
from pathlib import Path

from crm.clients.postgres_client import Database, PoolSettings
from crm.config import Settings
from crm.core.dispatch import Dispatcher
from crm.core.extraction import Extractor
from crm.core.models.agents import DEFAULT_DAYS, MAX_DAYS
from crm.errors import AppError, ConfigurationError
from crm.imports.command import business_user
from crm.jobs import command as worker_command

ACTOR = "cli"
SCOPES = {"read": "read", "write": "read + write"}


def add_parser(sub: argparse._SubParsersAction, default_data_dir: Path) -> None:
    create = sub.add_parser(
        "create-token",
        help="make an API token for a business (for scripts and AI assistants)",
        description="Make a personal API token for the business that signs in with EMAIL and "
        "print it: only the token on standard output, the details on standard error. It is "
        "shown this once. Production reads its settings from Vault (VAULT_ADDR), else from the "
        "running embedded stack in --data-dir.",
    )
    create.add_argument("email", metavar="EMAIL", help="the business owner's email")
    create.add_argument("--name", required=True, help="what will use it, e.g. 'Claude desktop'")
    create.add_argument(
        "--scope",
        required=True,
        choices=tuple(SCOPES),
        help="read: look things up; write: also book and change things (deletes, "
        "cancellations and messages wait for the owner's approval)",
    )
    create.add_argument(
        "--days",
        type=int,
        default=DEFAULT_DAYS,
        help=f"how long it works, 1 to {MAX_DAYS} days (default {DEFAULT_DAYS})",
    )
    create.add_argument("--data-dir", type=Path, default=default_data_dir)
    create.set_defaults(func=cmd_create_token)


def token_settings(data_dir: Path) -> Settings:
    """Vault in production (VAULT_ADDR), else the running embedded stack in ``data_dir``."""
    return worker_command.worker_settings(data_dir)


def cmd_create_token(args: argparse.Namespace) -> int:
    if not 1 <= args.days <= MAX_DAYS:
        print(f"crm create-token: --days must be from 1 to {MAX_DAYS}", file=sys.stderr)
        return 2
    settings = token_settings(args.data_dir)
    try:
        user = dataclasses.replace(business_user(settings, args.email), actor=ACTOR)
    except ConfigurationError as exc:
        print(f"crm create-token: {exc}", file=sys.stderr)
        return 1
    db = Database(settings.database_url, settings=PoolSettings(min_size=1, max_size=1))
    db.open()
    try:
        dispatcher = Dispatcher(db=db, extractor=Extractor())
        made = dispatcher.run(
            user, "api_token", "create", {"name": args.name, "scope": args.scope, "days": args.days}
        ).value
    except AppError as exc:
        fields = exc.details.get("fields") or []
        why = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or exc.message
        print(f"crm create-token: {why}", file=sys.stderr)
        return 1
    finally:
        db.close()
    until = made["expires_at"].astimezone(UTC)
    print(made["token"])
    print(
        f"crm create-token: {made['name']!r} ({SCOPES[made['scope']]}) for {args.email.strip()}, "
        f"until {until:%Y-%m-%d %H:%M} UTC; it is shown only this once",
        file=sys.stderr,
    )
    return 0
