"""Start and stop the whole embedded stack in order, keeping its state in one data folder."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from crm.clients.vault_client import AppRoleCredentials
from crm.db import roles
from crm.db.migrate import migrate
from crm.embedded import config_file
from crm.embedded.openbao import EmbeddedOpenBao
from crm.embedded.postgres import EmbeddedPostgres
from crm.embedded.processes import StackError, write_private
from crm.embedded.smtp import Outbox, SmtpCatcher
from crm.embedded.supervisor import Supervisor, Watched
from crm.embedded.valkey import EmbeddedValkey

log = logging.getLogger("crm.embedded")

DATABASE = "crm"
# The demo business, shown only if a message names none (each sets its own business's name).
SMTP_FROM = "Crystal Clear Window Cleaning <no-reply@crm.localhost>"


@dataclass(frozen=True)
class StackInfo:
    data_dir: Path
    credentials: AppRoleCredentials
    app_url: str
    owner_url: str
    superuser_url: str
    valkey_url: str
    base_url: str
    outbox_dir: Path
    started_in: float


class EmbeddedStack:
    """PostgreSQL → Valkey → OpenBao (secrets + AppRole) → SMTP catcher, and back down."""

    def __init__(
        self,
        data_dir: Path,
        *,
        base_url: str = "http://127.0.0.1:8000",
        echo_mail: bool = True,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.base_url = base_url
        self.echo_mail = echo_mail
        self._lock_handle: IO[str] | None = None
        self._secrets: dict[str, str] = {}
        self._config: config_file.Config = {}
        self.postgres: EmbeddedPostgres | None = None
        self.valkey: EmbeddedValkey | None = None
        self.openbao: EmbeddedOpenBao | None = None
        self.smtp: SmtpCatcher | None = None
        self.info: StackInfo | None = None
        self.supervisor: Supervisor | None = None
        self._vault_secrets: dict[str, dict[str, Any]] = {}

    @property
    def stack_file(self) -> Path:
        return self.data_dir / "stack.json"

    def start(self) -> StackInfo:
        started = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Traversable (not listable) so the PostgreSQL OS user can reach its own folder.
        os.chmod(self.data_dir, 0o711)  # noqa: S103
        # `crm config` overrides, checked before anything starts: a bad value stops here.
        self._config = config_file.load(self.data_dir)
        config_file.check_ready(self._config, config_file.config_path(self.data_dir))
        self._lock()
        try:
            self._secrets = self._load_or_create_secrets()
            info = self._start_services(started)
        except BaseException:
            self.stop()
            raise
        self.info = info
        return info

    def _start_services(self, started: float) -> StackInfo:
        s = self._secrets
        self.postgres = EmbeddedPostgres(self.data_dir, superuser_password=s["postgres_superuser"])
        self.postgres.start()
        roles.bootstrap(
            self.postgres.superuser_url(),
            database=DATABASE,
            owner_password=s["postgres_owner"],
            app_password=s["postgres_app"],
        )
        owner_url = self.postgres.url(roles.OWNER_ROLE, s["postgres_owner"], DATABASE)
        app_url = self.postgres.url(roles.APP_ROLE, s["postgres_app"], DATABASE)
        migrate(owner_url)

        self.valkey = EmbeddedValkey(self.data_dir, password=s["valkey"])
        self.valkey.start()

        outbox = Outbox(self.data_dir / "outbox")
        self.smtp = SmtpCatcher(outbox, echo=self.echo_mail)
        self.smtp.start()

        self.openbao = EmbeddedOpenBao(self.data_dir)
        self.openbao.start()
        if self._config:
            log.info("applying %s overrides: %s", config_file.FILE_NAME, ", ".join(self._config))
        defaults: dict[str, dict[str, Any]] = {
            "database": {"DATABASE_URL": app_url, "DATABASE_OWNER_URL": owner_url},
            "valkey": {"VALKEY_URL": self.valkey.url},
            "smtp": {
                "SMTP_HOST": self.smtp.host,
                "SMTP_PORT": str(self.smtp.port),
                "SMTP_FROM": SMTP_FROM,
                "SMTP_USER": "",
                "SMTP_PASSWORD": "",
            },
            "llm": {"LLM_PREFER_LOCAL": "true"},
            "app": {
                "BASE_URL": self.base_url,
                "SECRET_KEY": s["app_secret_key"],
                "ALLOWED_HOSTS": ",".join(_local_hosts(self.base_url)),
            },
        }
        self._vault_secrets = config_file.apply(defaults, self._config)
        bao = self.openbao.configure(self._vault_secrets)
        info = StackInfo(
            data_dir=self.data_dir,
            credentials=bao.credentials,
            app_url=app_url,
            owner_url=owner_url,
            superuser_url=self.postgres.superuser_url(DATABASE),
            valkey_url=self.valkey.url,
            base_url=self.base_url,
            outbox_dir=outbox.folder,
            started_in=time.monotonic() - started,
        )
        write_private(self.stack_file, json.dumps(self._describe(info, bao.root_token), indent=2))
        return info

    def _describe(self, info: StackInfo, root_token: str) -> dict[str, Any]:
        assert self.postgres and self.valkey and self.smtp and self.openbao
        return {
            "data_dir": str(self.data_dir),
            "pid": os.getpid(),
            "postgres": {
                "socket_dir": str(self.postgres.socket_dir),
                "port": 5432,
                "database": DATABASE,
                "urls": {
                    "superuser": info.superuser_url,
                    "owner": info.owner_url,
                    "app": info.app_url,
                },
            },
            "valkey": {"url": info.valkey_url},
            "vault": {
                "address": info.credentials.address,
                "root_token": root_token,
                "kv_mount": info.credentials.kv_mount,
                "role_id": info.credentials.role_id,
            },
            "smtp": {"host": self.smtp.host, "port": self.smtp.port},
            "web": {"base_url": info.base_url, "outbox": f"{info.base_url}/dev/outbox"},
        }

    # -- supervision -------------------------------------------------------------------

    def supervise(self, after_restart: Callable[[str], None] | None = None) -> Supervisor:
        """Watch PostgreSQL, Valkey and OpenBao and restart whichever dies (`crm serve`);
        ``after_restart(name)`` runs after each restart."""
        assert self.postgres and self.valkey and self.openbao, "start() the stack first"
        self.supervisor = Supervisor(
            [
                Watched("postgres", self.postgres, self.postgres.restart),
                Watched("valkey", self.valkey, self.valkey.restart),
                Watched("openbao", self.openbao, self._restart_openbao),
            ],
            after_restart=after_restart,
        )
        self.supervisor.start()
        return self.supervisor

    def _restart_openbao(self) -> None:
        """A dev server restarts empty: write the secrets and the AppRole again, with the
        role id and secret id the running app holds."""
        assert self.openbao is not None and self.info is not None
        self.openbao.restart()
        self.openbao.configure(self._vault_secrets, credentials=self.info.credentials)

    def supervision_status(self) -> dict[str, dict[str, object]]:
        """Restarts per health check name (postgres, valkey, vault); {} when not supervised."""
        if self.supervisor is None:
            return {}
        names = {"openbao": "vault"}
        return {names.get(k, k): v for k, v in self.supervisor.status().items()}

    def stop(self) -> None:
        """Stop everything that is running, in reverse order; safe to call twice."""
        if self.supervisor is not None:
            self.supervisor.stop()  # first, so nothing is restarted while it stops
            self.supervisor = None
        errors: list[str] = []
        for name, part in (
            ("openbao", self.openbao),
            ("smtp", self.smtp),
            ("valkey", self.valkey),
            ("postgres", self.postgres),
        ):
            if part is None:
                continue
            try:
                part.stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the others
                errors.append(f"{name}: {exc}")
        self.openbao = self.smtp = None
        self.valkey = None
        self.postgres = None
        self.stack_file.unlink(missing_ok=True)
        self._unlock()
        if errors:
            raise StackError("could not stop cleanly: " + "; ".join(errors))

    # -- data folder -------------------------------------------------------------------

    def _lock(self) -> None:
        handle = open(self.data_dir / ".lock", "a+")  # noqa: SIM115 - held while running
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StackError(
                f"another `crm serve` is already using {self.data_dir}; "
                "stop it first or pass a different --data-dir"
            ) from None
        self._lock_handle = handle

    def _unlock(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def _load_or_create_secrets(self) -> dict[str, str]:
        path = self.data_dir / "secrets.json"
        if path.exists():
            data = json.loads(path.read_text())
            os.chmod(path, 0o600)
            return {str(k): str(v) for k, v in data.items()}
        data = {
            "postgres_superuser": secrets.token_urlsafe(24),
            "postgres_owner": secrets.token_urlsafe(24),
            "postgres_app": secrets.token_urlsafe(24),
            "valkey": secrets.token_urlsafe(24),
            "app_secret_key": secrets.token_urlsafe(48),
        }
        write_private(path, json.dumps(data, indent=2))
        return data


def _local_hosts(base_url: str) -> list[str]:
    """The base URL's host, plus its loopback twin (localhost <-> 127.0.0.1)."""
    parts = urlsplit(base_url)
    hosts = [parts.netloc]
    twins = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}
    if parts.hostname in twins:
        port = f":{parts.port}" if parts.port else ""
        hosts.append(f"{twins[parts.hostname]}{port}")
    return hosts


def read_stack_file(data_dir: Path) -> dict[str, Any]:
    path = data_dir.resolve() / "stack.json"
    if not path.exists():
        raise StackError(f"no running stack found in {data_dir} (no stack.json); run `crm serve`")
    data: dict[str, Any] = json.loads(path.read_text())
    return data
