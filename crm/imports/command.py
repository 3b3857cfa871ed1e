"""`crm import …`: bring a business's data in from another program (docs/imports.md).

One function per subcommand adds its parser; ``add_parser`` lists them. Imports run
in-process with a progress bar, through the same runner as the worker's job: an owner at a
terminal sees the rows go in, and the command's exit code says whether they did.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from psycopg.rows import dict_row
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from crm.auth.service import normalise_email
from crm.clients.postgres_client import Database, PoolSettings, connect_direct
from crm.config import Settings
from crm.errors import AppError, ConfigurationError
from crm.imports import runner, square_appointments, square_customers
from crm.jobs import command as worker_command
from crm.utils.user_context import UserContext

ACTOR = "cli:import"


def add_parser(sub: argparse._SubParsersAction, default_data_dir: Path) -> None:
    group = sub.add_parser(
        "import",
        help="import customers from Square (and other programs)",
        description="Bring a business's data in from another program. Each kind of file "
        "is a subcommand.",
    )
    kinds = group.add_subparsers(required=True, metavar="KIND", dest="kind")
    add_square_customers(kinds, default_data_dir)
    add_square_appointments(kinds, default_data_dir)


def add_square_customers(kinds: argparse._SubParsersAction, default_data_dir: Path) -> None:
    square = kinds.add_parser(
        "square-customers",
        help="import Square's customer export (CSV or tab-separated)",
        description="Import Square's customer export (Customers → Export customers) into "
        "the business that signs in with --business-email. Existing customers are matched by "
        "Square id, email, then phone and only get their empty fields filled; importing the "
        "same file again changes nothing. --dry-run shows what would happen.",
    )
    square.add_argument("file", type=Path, metavar="FILE")
    square.add_argument("--business-email", required=True, help="the business owner's email")
    square.add_argument("--dry-run", action="store_true", help="show the preview, import nothing")
    square.add_argument("--data-dir", type=Path, default=default_data_dir)
    square.set_defaults(func=cmd_square_customers)


def add_square_appointments(kinds: argparse._SubParsersAction, default_data_dir: Path) -> None:
    square = kinds.add_parser(
        "square-appointments",
        help="import Square's appointment export (history and upcoming)",
        description="Import Square's appointment export into the business that signs in "
        "with --business-email. Clients are matched by email, phone, then name (else added); "
        "services and staff by name (else added). No message is sent for imported "
        "appointments; importing the same file again changes nothing. --dry-run shows what "
        "would happen.",
    )
    square.add_argument("file", type=Path, metavar="FILE")
    square.add_argument("--business-email", required=True, help="the business owner's email")
    square.add_argument("--dry-run", action="store_true", help="show the preview, import nothing")
    square.add_argument("--data-dir", type=Path, default=default_data_dir)
    square.set_defaults(func=cmd_square_appointments, import_kind=square_appointments.KIND)


def cmd_square_appointments(args: argparse.Namespace) -> int:
    return cmd_square_customers(args)


def cmd_square_customers(args: argparse.Namespace) -> int:
    kind = getattr(args, "import_kind", square_customers.KIND)
    console = Console(highlight=False)
    try:
        content = square_customers.decode(args.file.read_bytes())
    except OSError as exc:
        print(f"crm import: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    settings = import_settings(args.data_dir)
    db = Database(settings.database_url, settings=PoolSettings(min_size=1, max_size=2))
    db.open()
    try:
        user = business_user(settings, args.business_email)
        row = runner.create_preview(db, user, kind=kind, filename=args.file.name, content=content)
        print_preview(console, row)
        if args.dry_run:
            console.print("dry run: nothing was imported")
            return 0
        with db.unit_of_work(user.user_id) as conn:
            conn.execute("UPDATE imports SET status = 'queued' WHERE id = %s", (row["id"],))
        result = _run_with_progress(db, user, row["id"])
    except AppError as exc:
        print(f"crm import: {exc.message}", file=sys.stderr)
        return 1
    finally:
        db.close()
    if result is None or result["status"] != "done":
        failure = result["failure"] if result else "the import did not run"
        print(f"crm import: failed: {failure}", file=sys.stderr)
        return 1
    counts = result["counts"]
    console.print(
        f"imported {args.file.name}: {counts['new']:,} new, {counts['updated']:,} updated, "
        f"{counts['unchanged']:,} unchanged, {counts['invalid']:,} invalid"
    )
    return 0


def import_settings(data_dir: Path) -> Settings:
    """Vault in production (VAULT_ADDR), else the running embedded stack in ``data_dir``."""
    return worker_command.worker_settings(data_dir)


def business_user(settings: Settings, email: str) -> UserContext:
    """The business that signs in with ``email``, looked up as crm_auth (there is no tenant
    context before we know who it is)."""
    if not settings.database_owner_url:
        raise ConfigurationError("crm/database has no DATABASE_OWNER_URL to find the business")
    address = normalise_email(email)
    with (
        connect_direct(settings.database_owner_url, row_factory=dict_row) as conn,
        conn.transaction(),
    ):
        conn.execute("SET LOCAL ROLE crm_auth")
        row = conn.execute(
            "SELECT id, timezone FROM users WHERE email = %s AND is_active", (address,)
        ).fetchone()
    if row is None:
        raise ConfigurationError(f"no active business signs in with {address}")
    return UserContext(row["id"], row["timezone"], actor=ACTOR)


def print_preview(console: Console, row: dict[str, Any]) -> None:
    counts = row["counts"]
    console.print(
        f"{row['filename']}: {row['total_rows']:,} rows — {counts['new']:,} new, "
        f"{counts['updated']:,} updated, {counts['unchanged']:,} unchanged, "
        f"{counts['invalid']:,} invalid"
    )
    table = Table("line", "outcome", "name", "email", "phone", "address")
    for item in row["preview"]:
        name = " ".join(
            p for p in (item.get("first_name"), item.get("last_name"), item.get("company")) if p
        )
        table.add_row(
            str(item["line"]),
            item["summary"],
            name,
            item.get("email", ""),
            item.get("phone", ""),
            item.get("address", ""),
        )
    console.print(table)
    for error in row["errors"][:50]:
        console.print(f"line {error['line']}: {error['reason']}")
    if len(row["errors"]) > 50:
        console.print(f"… and {len(row['errors']) - 50:,} more bad rows")


def _run_with_progress(db: Database, user: UserContext, import_id: Any) -> dict[str, Any] | None:
    with Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=False,
    ) as bar:
        task = bar.add_task("rows", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return runner.run_import(db, user, import_id, progress=advance)
