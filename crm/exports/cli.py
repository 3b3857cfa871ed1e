"""`crm export` and `crm import export-zip`: a business's whole data out to a zip, and back in.

Both reach the database as the app role, under RLS, like the web app: the settings come from
Vault in production (VAULT_ADDR) or from the running embedded stack in --data-dir, and only the
look-up of the business by its email runs as crm_auth (there is no tenant before that).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from uuid import UUID

from crm.clients.postgres_client import Database, PoolSettings
from crm.config import Settings
from crm.errors import AppError
from crm.exports.build import export_to_file
from crm.exports.load import import_export
from crm.imports.command import business_user
from crm.jobs import command as worker_command


def add_parsers(sub: argparse._SubParsersAction, default_data_dir: Path) -> None:
    """`crm export`, and `export-zip` under the `crm import` group (made here if absent)."""
    export = sub.add_parser(
        "export",
        help="export everything of one business to a zip (CSV per entity, data.json, README)",
        description="Write one business's whole data — contacts, addresses, facts, notes, "
        "staff, services, tickets with their lines and time, invoices with lines and payments, "
        "messages, plans, waitlist, settings and history — to a zip: a CSV per entity, "
        "data.json nested, README.txt describing every column. Read in one consistent "
        "snapshot, as the app role under row-level security.",
    )
    export.add_argument("--business-email", required=True, help="the business owner's email")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.zip")
    export.add_argument("--data-dir", type=Path, default=default_data_dir)
    export.set_defaults(func=cmd_export)

    group = sub.choices.get("import") or sub.add_parser(
        "import", help="import a business's data from a file"
    )
    kinds = next(
        (a for a in group._actions if isinstance(a, argparse._SubParsersAction)), None
    ) or group.add_subparsers(required=True, metavar="KIND", dest="kind")
    zip_import = kinds.add_parser(
        "export-zip",
        help="import a `crm export` zip into a business with no contacts, tickets or invoices",
        description="Recreate everything in an export zip (new ids, invoice numbers kept) in "
        "the business that signs in with --business-email. Refused unless that business has "
        "no contacts, tickets or invoices yet. Nothing is sent: messages that were pending "
        "come in cancelled. All or nothing.",
    )
    zip_import.add_argument("file", type=Path, metavar="FILE")
    zip_import.add_argument("--business-email", required=True, help="the business owner's email")
    zip_import.add_argument("--data-dir", type=Path, default=default_data_dir)
    zip_import.set_defaults(func=cmd_import_export_zip)


def cmd_export(args: argparse.Namespace) -> int:
    settings = worker_command.worker_settings(args.data_dir)
    user_id = _business(settings, args.business_email)
    started = time.monotonic()
    db = _database(settings)
    try:
        counts = export_to_file(db, user_id, args.out)
    except AppError as exc:
        print(f"crm export: {exc.message}", file=sys.stderr)
        return 1
    finally:
        db.close()
    size = args.out.stat().st_size
    print(
        f"exported {sum(counts.values()):,} rows in {len(counts)} files to {args.out}: "
        f"{size / 1e6:.1f} MB in {time.monotonic() - started:.1f} s"
    )
    return 0


def cmd_import_export_zip(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"crm import: {args.file} is not a file", file=sys.stderr)
        return 2
    settings = worker_command.worker_settings(args.data_dir)
    user_id = _business(settings, args.business_email)
    started = time.monotonic()
    db = _database(settings)
    try:
        result = import_export(db, user_id, args.file)
    except AppError as exc:
        print(f"crm import: {exc.message}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"imported {args.file} in {time.monotonic() - started:.1f} s:")
    for name, count in result.rows.items():
        print(f"  {name:<22} {count:>10,}")
    if result.cancelled_messages:
        print(f"{result.cancelled_messages:,} pending message(s) came in cancelled: none is sent")
    return 0


def _database(settings: Settings) -> Database:
    db = Database(settings.database_url, settings=PoolSettings(min_size=1, max_size=1))
    db.open()
    return db


def _business(settings: Settings, email: str) -> UUID:
    """The business that signs in with ``email`` (looked up as the import command does)."""
    return business_user(settings, email).user_id
