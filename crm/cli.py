"""The `crm` command: its arguments, and the admin commands (migrate, users, config, backup)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

import psutil

from crm.auth import database as accounts
from crm.auth import token_command
from crm.auth.config import AuthSettings
from crm.auth.service import normalise_email
from crm.auth.session import SessionStore
from crm.clients.postgres_client import connect_direct
from crm.clients.valkey_client import ValkeyClient
from crm.clients.vault_client import VaultClient
from crm.config import credentials_from_env
from crm.db.migrate import migrate
from crm.errors import AppError, ConfigurationError, ServiceUnavailable
from crm.exports import cli as export_cli
from crm.imports import command as import_command
from crm.jobs import command as worker_command
from crm.mcp import command as mcp_command
from crm.serve import StackFailure, cmd_serve

DEFAULT_DATA_DIR = Path(".crm-data")
log = logging.getLogger("crm")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except (ConfigurationError, ServiceUnavailable) as exc:
        print(f"crm: cannot start: {_message(exc)}", file=sys.stderr)
        return 2
    except StackFailure as exc:
        print(f"crm: cannot start the embedded stack: {exc}", file=sys.stderr)
        return 2


def _message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm", description="CRM for field-service businesses")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="serve the app (embedded stack unless VAULT_ADDR is set)",
        description="Serve the web app. Without VAULT_ADDR it first starts the embedded "
        "PostgreSQL, Valkey, OpenBao and SMTP catcher in --data-dir.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="embedded stack data folder (default: .crm-data)",
    )
    serve.set_defaults(func=cmd_serve)
    worker_command.add_parser(sub, DEFAULT_DATA_DIR)
    import_command.add_parser(sub, DEFAULT_DATA_DIR)
    export_cli.add_parsers(sub, DEFAULT_DATA_DIR)
    mcp_command.add_parser(sub)

    mig = sub.add_parser(
        "migrate",
        help="apply pending database migrations",
        description="Apply pending migrations as the owner role: DATABASE_OWNER_URL from Vault "
        "(crm/database) in production, or the embedded stack in --data-dir.",
    )
    mig.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    mig.set_defaults(func=cmd_migrate)

    create = sub.add_parser(
        "create-user",
        help="create a business owner account",
        description="Create an account that can sign in by email.",
    )
    create.add_argument("email")
    create.add_argument("--business", required=True, help="business name")
    create.add_argument("--timezone", required=True, help="IANA timezone, e.g. America/Chicago")
    create.add_argument("--display-name", default=None, help="the owner's name (default: email)")
    create.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    create.set_defaults(func=cmd_create_user)

    deactivate = sub.add_parser(
        "deactivate-user",
        help="deactivate an account and end all its sessions at once",
    )
    deactivate.add_argument("email")
    deactivate.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    deactivate.set_defaults(func=cmd_deactivate_user)
    token_command.add_parser(sub, DEFAULT_DATA_DIR)

    info = sub.add_parser("dev-info", help="print the running embedded stack's description")
    info.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    info.set_defaults(func=cmd_dev_info)

    config = sub.add_parser(
        "config",
        help="set or show the embedded stack's settings (SMTP relay, local model, app)",
        description="Settings the embedded stack writes into its Vault at every start, on top "
        "of its defaults: crm/smtp, crm/llm, crm/app, crm/sms. Kept in DIR/config.json (0600).",
    )
    actions = config.add_subparsers(required=True, metavar="ACTION", dest="action")
    config_set = actions.add_parser(
        "set",
        help="set (KEY=VALUE) or remove (KEY=) keys of one path",
        description="Set keys of one path; KEY= removes a key, and a secret given as KEY=- is "
        "read from standard input. Applies at the next `crm serve`.",
    )
    config_set.add_argument("path", metavar="PATH", help="crm/smtp, crm/llm, crm/app or crm/sms")
    config_set.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    config_set.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    config_show = actions.add_parser(
        "show", help="print one path, or every path; secrets are masked"
    )
    config_show.add_argument("path", metavar="PATH", nargs="?", default=None)
    config_show.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    config.set_defaults(func=cmd_config)

    backup = sub.add_parser(
        "backup",
        help="back up the database and DIR/config.json into one file",
        description="A consistent pg_dump (custom format) of the app database plus the data "
        "folder's config.json, in one 0600 file; no role passwords or app secret key. Embedded: "
        "the running stack in --data-dir; production: Vault crm/database DATABASE_BACKUP_URL "
        "(a superuser or BYPASSRLS role), else DATABASE_OWNER_URL.",
    )
    backup.add_argument(
        "--out",
        type=Path,
        default=None,
        help="file (default: DIR/backups/crm-<UTC time>.crmbackup)",
    )
    backup.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore",
        help="restore a backup into a new or empty data folder",
        description="Start a fresh embedded stack in --data-dir (new secrets, roles, empty "
        "database), restore the dump and config.json, check every table's row count, stop.",
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    restore.set_defaults(func=cmd_restore)
    return parser


def cmd_migrate(args: argparse.Namespace) -> int:
    if os.environ.get("VAULT_ADDR", "").strip():
        vault = VaultClient(credentials_from_env())
        vault.login()
        owner_url = vault.require("database", "DATABASE_OWNER_URL")["DATABASE_OWNER_URL"]
    else:
        from crm.embedded.stack import read_stack_file

        owner_url = read_stack_file(args.data_dir)["postgres"]["urls"]["owner"]
    applied = migrate(str(owner_url))
    print(f"applied {', '.join(applied)}" if applied else "database schema is up to date")
    return 0


def _admin_urls(data_dir: Path) -> tuple[str, str]:
    """Owner database URL and Valkey URL, from Vault in production or the running stack."""
    if os.environ.get("VAULT_ADDR", "").strip():
        vault = VaultClient(credentials_from_env())
        vault.login()
        owner = vault.require("database", "DATABASE_OWNER_URL")["DATABASE_OWNER_URL"]
        valkey = vault.require("valkey", "VALKEY_URL")["VALKEY_URL"]
        return str(owner), str(valkey)
    from crm.embedded.processes import StackError
    from crm.embedded.stack import read_stack_file

    try:
        stack = read_stack_file(data_dir)
    except StackError as exc:
        raise ConfigurationError(str(exc)) from exc
    return stack["postgres"]["urls"]["owner"], stack["valkey"]["url"]


def cmd_create_user(args: argparse.Namespace) -> int:
    owner_url, _ = _admin_urls(args.data_dir)
    try:
        email = normalise_email(args.email)
        with connect_direct(owner_url) as conn:
            user_id = accounts.create_user(
                conn,
                email=email,
                business_name=args.business,
                timezone=args.timezone,
                display_name=args.display_name or email,
            )
    except AppError as exc:
        print(f"crm: cannot create the account: {exc.message}", file=sys.stderr)
        return 1
    print(f"created {email} ({user_id}) for {args.business.strip()}, timezone {args.timezone}")
    return 0


def cmd_deactivate_user(args: argparse.Namespace) -> int:
    owner_url, valkey_url = _admin_urls(args.data_dir)
    try:
        email = normalise_email(args.email)
        with connect_direct(owner_url) as conn:
            user_id = accounts.deactivate_user(conn, email=email)
    except AppError as exc:
        print(f"crm: cannot deactivate: {exc.message}", file=sys.stderr)
        return 1
    valkey = ValkeyClient(valkey_url)
    try:
        ended = SessionStore(valkey, AuthSettings()).delete_all(user_id)
    finally:
        valkey.close()
    print(f"deactivated {email}; ended {ended} session(s)")
    return 0


def cmd_dev_info(args: argparse.Namespace) -> int:
    from crm.embedded.processes import StackError
    from crm.embedded.stack import read_stack_file

    try:
        data = read_stack_file(args.data_dir)
    except StackError as exc:
        print(f"crm: {exc}", file=sys.stderr)
        return 1
    data["running"] = psutil.pid_exists(int(data.get("pid", 0)))
    print(json.dumps(data, indent=2))
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from crm.embedded import config_file

    try:
        if args.action == "show":
            lines = config_file.show_lines(args.data_dir, args.path)
        else:
            result = config_file.set_values(args.data_dir, args.path, args.assignments)
            lines = config_file.set_report(result, args.path)
    except config_file.ConfigFileError as exc:
        print(f"crm config: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from crm.embedded import backup
    from crm.embedded.config_file import stack_running
    from crm.embedded.processes import StackError
    from crm.embedded.stack import read_stack_file

    config: Path | None = None
    if os.environ.get("VAULT_ADDR", "").strip():
        vault = VaultClient(credentials_from_env())
        vault.login()
        database = vault.require("database", "DATABASE_OWNER_URL")
        url = str(database.get("DATABASE_BACKUP_URL") or database["DATABASE_OWNER_URL"])
    else:
        try:
            url = read_stack_file(args.data_dir)["postgres"]["urls"]["superuser"]
        except StackError as exc:
            print(f"crm backup: {exc}", file=sys.stderr)
            return 2
        if not stack_running(args.data_dir.resolve()):
            print(f"crm backup: no `crm serve` is running from {args.data_dir}", file=sys.stderr)
            return 2
        config = args.data_dir.resolve() / "config.json"
    try:
        result = backup.create_backup(
            url, args.out or backup.default_path(args.data_dir), config_file=config
        )
    except backup.BackupError as exc:
        print(f"crm backup: {exc}", file=sys.stderr)
        return 1
    m = result.manifest
    print(
        f"backed up {m['rows']:,} rows in {len(m['tables'])} tables "
        f"(schema {m['migration_version']}{', config.json' if m['config'] else ''}) "
        f"to {result.path}: "
        f"{result.size / 1e6:.1f} MB in {result.seconds:.1f} s"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from crm.embedded import backup, restore
    from crm.embedded.processes import StackError

    try:
        result = restore.restore_backup(args.file, args.data_dir)
    except backup.RestoreRefused as exc:
        print(f"crm restore: {exc}", file=sys.stderr)
        return 2
    except (backup.BackupError, StackError, ConfigurationError) as exc:
        print(f"crm restore: failed, {args.data_dir} left empty: {_message(exc)}", file=sys.stderr)
        return 1
    m = result.manifest
    print(
        f"restored {args.file} (taken {m['created_at']}, schema {m['migration_version']}"
        f"{', config.json' if m['config'] else ''}) into {result.data_dir} "
        f"in {result.seconds:.1f} s:"
    )
    for table, rows in result.tables.items():
        print(f"  {table:<20} {rows:>10,}")
    if result.migrated:
        print(f"applied migrations {', '.join(result.migrated)}")
    print(f"start it with: crm serve --data-dir {args.data_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
