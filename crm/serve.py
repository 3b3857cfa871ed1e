"""`crm serve`: the app under uvicorn, with the embedded stack when VAULT_ADDR is unset."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import uvicorn

from crm.api import dev
from crm.auth import database as accounts
from crm.auth.security_logger import RedactSecretsFilter
from crm.clients.postgres_client import connect_direct
from crm.clients.vault_client import VaultClient
from crm.config import credentials_from_env, load_settings
from crm.errors import ConfigurationError
from crm.jobs.worker import BackgroundWorker
from crm.main import connect, create_app

log = logging.getLogger("crm")


class StackFailure(Exception):
    """The embedded stack could not start; `crm` prints it in one line."""


class _Terminated(SystemExit):
    """SIGTERM, turned into an exception so every `finally` (stack shutdown) runs."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(0)


def cmd_serve(args: argparse.Namespace) -> int:
    _ensure_port_free(args.host, args.port)
    if os.environ.get("VAULT_ADDR", "").strip():
        return _serve_production(args)
    return _serve_embedded(args)


def _serve_production(args: argparse.Namespace) -> int:
    vault = VaultClient(credentials_from_env())
    vault.login()
    settings = load_settings(vault)
    resources = connect(settings, vault)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        _run_uvicorn(create_app(resources), args.host, args.port)
    except (_Terminated, KeyboardInterrupt):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _serve_embedded(args: argparse.Namespace) -> int:
    from crm.embedded.daily_backups import start_daily
    from crm.embedded.processes import StackError
    from crm.embedded.stack import EmbeddedStack

    display_host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "localhost") else args.host
    base_url = f"http://{display_host}:{args.port}"
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    stack = EmbeddedStack(args.data_dir, base_url=base_url)
    worker: BackgroundWorker | None = None
    try:
        try:
            info = stack.start()
        except StackError as exc:
            raise StackFailure(str(exc)) from exc
        vault = VaultClient(info.credentials)
        vault.login()
        settings = load_settings(vault, embedded_outbox=str(info.outbox_dir))
        resources = connect(settings, vault)
        # Restart a crashed server (stopped first by stack.stop()); after a PostgreSQL restart
        # refresh the pool at once, so requests already waiting get a connection.
        stack.supervise(lambda name: resources.db.check() if name == "postgres" else None)
        created = _ensure_demo_owner(info.owner_url)
        # One worker in this process, so customer messages go out with no extra command.
        worker = BackgroundWorker(settings)
        worker.start()
        relay = settings.smtp if dev.relay_configured(settings, resources.outbox) else None
        print(
            serve_banner(
                base_url=base_url,
                links_url=settings.app.base_url,
                relay=f"{relay.host}:{relay.port}" if relay else None,
                outbox_off=dev.outbox_off_reason(settings, resources.outbox, args.host),
                demo_created=created,
                data_dir=info.data_dir,
                started_in=info.started_in,
            ),
            flush=True,
        )
        app = create_app(resources, listen_host=args.host)
        app.state.embedded_status = stack.supervision_status  # restarts, for /api/health
        app.state.backup_status = start_daily(info.data_dir, info.superuser_url).summary
        _run_uvicorn(app, args.host, args.port)
    except (_Terminated, KeyboardInterrupt):
        pass
    finally:
        if worker is not None:
            worker.stop()
        try:
            stack.stop()
        except StackError as exc:
            print(f"crm: {exc}", file=sys.stderr)
        signal.signal(signal.SIGTERM, previous)
    return 0


DEMO_EMAIL = "owner@example.com"


def serve_banner(
    *,
    base_url: str,
    links_url: str,
    relay: str | None,
    outbox_off: str | None,
    demo_created: bool,
    data_dir: Path,
    started_in: float,
) -> str:
    """What `crm serve` prints once the embedded stack is up: where sign-in mail goes, and why
    when it is not /dev/outbox (which exists only for this machine alone, without a relay)."""
    created = " (demo account created)" if demo_created else ""
    lines = ["", f"  CRM is running at {base_url}"]
    lines.append(f"  Sign in: open {base_url}/login and enter {DEMO_EMAIL}{created};")
    if relay is not None:
        lines.append(f"           the sign-in email goes out through your mail relay {relay}.")
    elif outbox_off is None:
        lines.append(
            f"           the sign-in email arrives at {base_url}/dev/outbox — open its link."
        )
    else:
        lines += [
            "           the sign-in email is printed in this console — open its link.",
            f"  Mail:    /dev/outbox is off because {outbox_off}:",
            "           anyone who can reach the server could read every sign-in link there.",
            "           With no mail relay configured, sign-in emails are printed here instead.",
            "           To email them, configure a relay and restart `crm serve`:",
            "             crm config set crm/smtp SMTP_HOST=smtp.example.com SMTP_PORT=587 \\",
            '               "SMTP_FROM=Your Business <no-reply@example.com>" \\',
            "               SMTP_USER=… SMTP_PASSWORD=-",
        ]
        if dev.is_loopback(urlsplit(links_url).hostname):
            lines += [
                f"           Links in emails point at {links_url}; for other machines, set",
                "             crm config set crm/app BASE_URL=http://<this machine>:<port>",
            ]
    lines += [
        "  Worker:  sends customer messages (confirmations, reminders, invoices) from this",
        f"           process; add more with `crm worker --data-dir {data_dir}`.",
        f"  Health:  {base_url}/api/health    API docs: {base_url}/docs",
        f"  Data:    {data_dir}   (`crm dev-info` describes the stack)",
        f"  Stack started in {started_in:.1f}s. Stop with Ctrl-C.",
        "",
    ]
    return "\n".join(lines)


def _ensure_demo_owner(owner_url: str) -> bool:
    """In the embedded stack, create the demo window-cleaning business if no account exists."""
    with connect_direct(owner_url) as conn:
        if accounts.any_user_exists(conn):
            return False
        accounts.create_user(
            conn,
            email=DEMO_EMAIL,
            business_name="Crystal Clear Window Cleaning",
            timezone="America/Chicago",
            display_name="Demo Owner",
        )
    return True


def _run_uvicorn(app: object, host: str, port: int) -> None:
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
        access_log=True,
    )
    logging.getLogger("uvicorn.access").addFilter(RedactSecretsFilter())
    uvicorn.Server(config).run()


def _ensure_port_free(host: str, port: int) -> None:
    from crm.embedded.processes import port_is_free

    if not port_is_free(host, port):
        raise ConfigurationError(f"{host}:{port} is already in use; pass another --port")
