"""`crm serve` as a user runs it: separate processes, real signals, real failures."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import pytest

from crm.clients.vault_client import AppRoleCredentials
from crm.embedded.processes import free_port
from crm.embedded.stack import EmbeddedStack

pytestmark = pytest.mark.slow


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crm.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Served:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crm.cli",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 45) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"crm serve exited early:\n{self.proc.stdout.read()}")
            try:
                response = httpx.get(f"{self.base}/api/health", timeout=2)
                if response.status_code == 200:
                    return response.json()
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("crm serve did not become healthy")

    def stack(self) -> dict:
        return json.loads((self.data_dir / "stack.json").read_text())

    def server_pids(self) -> list[int]:
        """pids of the PostgreSQL, Valkey and OpenBao servers this data dir runs."""
        found = []
        for proc in psutil.process_iter(["pid", "cmdline", "cwd"]):
            cmd = " ".join(proc.info["cmdline"] or [])
            cwd = proc.info["cwd"] or ""
            ours = str(self.data_dir) in cmd or cwd.startswith(str(self.data_dir))
            if ours and proc.pid != (self.proc.pid if self.proc else -1):
                found.append(proc.pid)
        return found

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        if self.proc.stdout:
            self.proc.stdout.close()
        return code


@pytest.fixture
def data_dirs() -> Iterator[list[Path]]:
    dirs = [Path(tempfile.mkdtemp(prefix="crm-cli-")) for _ in range(2)]
    served: list[Served] = []
    yield dirs
    for d in dirs:
        for proc in psutil.process_iter(["cmdline", "cwd"]):
            cmd = " ".join(proc.info["cmdline"] or [])
            if str(d) in cmd or (proc.info["cwd"] or "").startswith(str(d)):
                proc.kill()
        shutil.rmtree(d, ignore_errors=True)
    del served


def test_two_stacks_side_by_side_and_recovery_after_sigkill(data_dirs: list[Path]) -> None:
    a, b = Served(data_dirs[0]), Served(data_dirs[1])
    a.start()
    b.start()
    health_a = a.wait_healthy()
    b.wait_healthy()
    assert all(c["status"] == "ok" for c in health_a["data"]["checks"].values())

    # State files are private to the owner.
    for name in ("stack.json", "secrets.json"):
        assert stat.S_IMODE((a.data_dir / name).stat().st_mode) == 0o600
    info = _run(["dev-info", "--data-dir", str(a.data_dir)], _env())
    assert info.returncode == 0
    described = json.loads(info.stdout)
    assert described["running"] is True
    assert described["web"]["base_url"] == f"http://localhost:{a.port}"
    assert {"superuser", "owner", "app"} <= set(described["postgres"]["urls"])

    owner_url = a.stack()["postgres"]["urls"]["owner"]
    with psycopg.connect(owner_url, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.current_user_id', gen_random_uuid()::text, true)")
        conn.execute(
            "INSERT INTO users (id, email, display_name, business_name, timezone) VALUES "
            "(current_setting('app.current_user_id')::uuid, 'kept@example.com', 'K', 'Kept', "
            "'America/Chicago')"
        )

    # A second serve on the same folder is refused while the first runs.
    clash = _run(["serve", "--port", str(free_port()), "--data-dir", str(a.data_dir)], _env())
    assert clash.returncode != 0
    assert "already using" in clash.stderr

    # SIGKILL leaves the servers orphaned; the next serve must recover them.
    orphans = a.server_pids()
    assert orphans
    a.stop(signal.SIGKILL)
    assert any(psutil.pid_exists(p) for p in orphans)
    a.start()
    a.wait_healthy()
    assert not any(psutil.pid_exists(p) and p in a.server_pids() for p in orphans)
    superuser = a.stack()["postgres"]["urls"]["superuser"]
    with psycopg.connect(superuser) as conn:
        emails = conn.execute("SELECT email FROM users").fetchall()
    assert sorted(emails) == [("kept@example.com",), ("owner@example.com",)]

    # The other stack was never disturbed.
    assert httpx.get(f"{b.base}/api/health", timeout=5).status_code == 200

    # SIGTERM stops the app and every server it started.
    assert a.stop(signal.SIGTERM) == 0
    assert b.stop(signal.SIGINT) == 0
    time.sleep(0.5)
    assert a.server_pids() == [] and b.server_pids() == []
    assert not (a.data_dir / "stack.json").exists()


def test_unreachable_vault_stops_the_start_naming_the_address() -> None:
    address = f"http://127.0.0.1:{free_port()}"
    result = _run(
        ["serve", "--port", str(free_port())],
        _env(VAULT_ADDR=address, VAULT_ROLE_ID="r", VAULT_SECRET_ID="s"),
    )
    assert result.returncode != 0
    assert f"Vault at {address} is unreachable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_secret_stops_the_start_naming_path_and_key(
    stack: EmbeddedStack, scratch_mount: tuple[str, AppRoleCredentials]
) -> None:
    mount, creds = scratch_mount
    assert stack.openbao is not None
    admin = stack.openbao.admin()
    admin.secrets.kv.v2.create_or_update_secret(
        path="crm/database", secret={"DATABASE_URL": "postgresql://x@/crm"}, mount_point=mount
    )
    env = _env(
        VAULT_ADDR=creds.address,
        VAULT_ROLE_ID=creds.role_id,
        VAULT_SECRET_ID=creds.secret_id,
        VAULT_KV_MOUNT=mount,
    )
    result = _run(["serve", "--port", str(free_port())], env)
    assert result.returncode != 0
    assert f"Vault secret {mount}/crm/valkey is missing" in result.stderr

    admin.secrets.kv.v2.create_or_update_secret(
        path="crm/valkey", secret={"VALKEY_URL": "valkey://127.0.0.1:1/0"}, mount_point=mount
    )
    admin.secrets.kv.v2.create_or_update_secret(
        path="crm/smtp", secret={"SMTP_HOST": "mail", "SMTP_PORT": "587"}, mount_point=mount
    )
    result = _run(["serve", "--port", str(free_port())], env)
    assert result.returncode != 0
    assert f"Vault secret {mount}/crm/smtp has no value for key 'SMTP_FROM'" in result.stderr


def test_missing_approle_variable_is_named() -> None:
    result = _run(["serve", "--port", str(free_port())], _env(VAULT_ADDR="http://vault:8200"))
    assert result.returncode != 0
    assert "VAULT_ROLE_ID is not set" in result.stderr


def test_busy_port_is_refused_before_anything_starts() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = _run(
            ["serve", "--port", str(port), "--data-dir", "/tmp/crm-never-created"], _env()
        )
    assert result.returncode != 0
    assert "already in use" in result.stderr
    assert not Path("/tmp/crm-never-created").exists()


def _sign_in_like_a_person(base: str, email: str) -> httpx.Client:
    """Open /login, submit the email, find the mail in /dev/outbox, open the link, confirm."""
    browser = httpx.Client(base_url=base, timeout=10, follow_redirects=True)
    page = browser.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and csrf
    sent = browser.post("/auth/login", data={"email": email, "csrf_token": csrf.group(1)})
    assert sent.status_code == 200 and "Check your email" in sent.text
    mail = None
    deadline = time.monotonic() + 10
    while mail is None and time.monotonic() < deadline:
        # The email goes out after the response (so every answer takes the same time).
        outbox = browser.get("/dev/outbox.json").json()
        mail = next((m for m in outbox if m["to"] == [email]), None)
        time.sleep(0.1)
    assert mail is not None, "no sign-in email arrived in /dev/outbox"
    link = re.search(r"(http://\S+/auth/confirm\?token=\S+)", mail["text"])
    assert link
    confirm_page = browser.get(link.group(1).replace("localhost", "127.0.0.1"))
    assert "Finish signing in" in confirm_page.text
    fields = dict(re.findall(r'name="(csrf_token|token)" value="([^"]+)"', confirm_page.text))
    home = browser.post("/auth/confirm", data=fields)
    assert home.status_code == 200 and str(home.url).endswith("/")
    return browser


def test_person_signs_in_and_admin_commands(data_dirs: list[Path]) -> None:
    served = Served(data_dirs[0])
    served.start()
    served.wait_healthy()
    try:
        browser = _sign_in_like_a_person(served.base, "owner@example.com")
        home = browser.get("/")
        assert "Crystal Clear Window Cleaning" in home.text
        assert browser.get("/auth/session").json()["data"]["user"]["timezone"] == (
            "America/Chicago"
        )

        env = _env()
        data = ["--data-dir", str(served.data_dir)]
        made = _run(
            [
                "create-user",
                " New@Example.com",
                "--business",
                "Shiny Panes",
                "--timezone",
                "America/Denver",
                *data,
            ],
            env,
        )
        assert made.returncode == 0, made.stderr
        assert "created new@example.com" in made.stdout
        again = _run(
            [
                "create-user",
                "new@example.com",
                "--business",
                "Shiny Panes",
                "--timezone",
                "America/Denver",
                *data,
            ],
            env,
        )
        assert again.returncode != 0 and "already exists" in again.stderr
        bad_tz = _run(
            [
                "create-user",
                "tz@example.com",
                "--business",
                "X",
                "--timezone",
                "Central Time",
                *data,
            ],
            env,
        )
        assert bad_tz.returncode != 0 and "not an IANA timezone" in bad_tz.stderr

        newcomer = _sign_in_like_a_person(served.base, "new@example.com")
        assert "Shiny Panes" in newcomer.get("/").text

        gone = _run(["deactivate-user", "owner@example.com", *data], env)
        assert gone.returncode == 0, gone.stderr
        assert "ended 1 session(s)" in gone.stdout
        assert browser.get("/auth/session").status_code == 401
        assert newcomer.get("/auth/session").status_code == 200
        missing = _run(["deactivate-user", "nobody@example.com", *data], env)
        assert missing.returncode != 0 and "no account" in missing.stderr
    finally:
        assert served.stop() == 0


def test_config_set_and_show_as_a_person_types_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm.cli import main

    data = ["--data-dir", str(tmp_path)]
    # KEY=- reads a secret from standard input, so it stays out of the shell history.
    monkeypatch.setattr(sys, "stdin", io.StringIO("from-stdin-key\n"))
    assert main(["config", "set", "crm/llm", "LLM_REMOTE_API_KEY=-", *data]) == 0
    assert "from-stdin-key" not in capsys.readouterr().out
    stored = json.loads((tmp_path / "config.json").read_text())
    assert stored["crm/llm"]["LLM_REMOTE_API_KEY"] == "from-stdin-key"

    code = main(
        [
            "config",
            "set",
            "crm/smtp",
            "SMTP_HOST=smtp.example.com",
            "SMTP_PORT=587",
            "SMTP_FROM=Crystal Clear <no-reply@example.com>",
            "SMTP_USER=apikey",
            "SMTP_PASSWORD=s3cret-value",
            *data,
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.startswith("crm/smtp: set SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_USER, SMTP_")
    assert "s3cret-value" not in out.out
    assert stat.S_IMODE((tmp_path / "config.json").stat().st_mode) == 0o600

    assert main(["config", "show", "crm/smtp", *data]) == 0
    shown = capsys.readouterr().out
    assert "SMTP_HOST=smtp.example.com\nSMTP_PORT=587\n" in shown
    assert "SMTP_PASSWORD=********" in shown and "s3cret-value" not in shown

    assert main(["config", "show", *data]) == 0
    everything = capsys.readouterr().out
    assert all(f"[{p}]" in everything for p in ("crm/smtp", "crm/llm", "crm/app", "crm/sms"))
    assert "s3cret-value" not in everything and "from-stdin-key" not in everything
    assert "LLM_REMOTE_API_KEY=********" in everything

    assert main(["config", "set", "crm/smtp", "SMTP_PASSWORD=", "SMTP_USER=", *data]) == 0
    assert "removed SMTP_PASSWORD, SMTP_USER" in capsys.readouterr().out
    assert main(["config", "show", "crm/smtp", *data]) == 0
    assert "SMTP_PASSWORD" not in capsys.readouterr().out.split("# not set")[0]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["set", "crm/mail", "SMTP_HOST=x"], "unknown config path 'crm/mail'"),
        (["show", "crm/mail"], "unknown config path 'crm/mail'"),
        (["set", "crm/smtp", "SMTP_SERVER=x"], "crm/smtp has no key 'SMTP_SERVER'"),
        (["set", "crm/app", "SECRET_KEY=x"], "crm/app SECRET_KEY is generated by the embedded"),
        (["set", "crm/smtp", "SMTP_PORT=abc"], "crm/smtp SMTP_PORT must be a port number"),
        (["set", "crm/app", "BASE_URL=ftp://x"], "crm/app BASE_URL must be an http:// or"),
    ],
)
def test_config_refuses_unknown_paths_keys_and_bad_values_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    from crm.cli import main

    assert main(["config", *args, "--data-dir", str(tmp_path)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith(f"crm config: {named}")
    assert len(out.err.strip().splitlines()) == 1
    assert not (tmp_path / "config.json").exists()


def test_a_bad_value_in_config_json_stops_serve_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Hand-edited past `crm config set`'s checks: the start refuses before anything runs."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"crm/app": {"BASE_URL": "ftp://x"}}))
    result = _run(["serve", "--port", str(free_port()), "--data-dir", str(tmp_path)], _env())
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"crm: cannot start: {config}: crm/app BASE_URL must be an http:// or https:// URL, "
        "not 'ftp://x'"
    )
    assert not (tmp_path / "stack.json").exists() and not (tmp_path / "postgres").exists()

    from crm.cli import main

    config.write_text(json.dumps({"crm/smtp": {"SMTP_PORT": "abc"}}))
    assert main(["serve", "--port", str(free_port()), "--data-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"crm: cannot start: {config}: crm/smtp SMTP_PORT must be a port number from 1 to "
        "65535, not 'abc'\n"
    )
    assert not (tmp_path / "stack.json").exists() and not (tmp_path / "postgres").exists()


def test_backup_of_a_running_serve_and_restore_into_a_new_folder(data_dirs: list[Path]) -> None:
    served = Served(data_dirs[0])
    served.start()
    health = served.wait_healthy()
    assert health["data"]["backup"]["status"] in ("none", "ok")  # the daily backup runs here
    env = _env()
    data = ["--data-dir", str(served.data_dir)]
    made = _run(
        ["create-user", "kept@example.com", "--business", "Kept", "--timezone", "UTC", *data], env
    )
    assert made.returncode == 0, made.stderr

    taken = _run(["backup", *data], env, timeout=120)
    assert taken.returncode == 0, taken.stderr
    found = re.search(r" to (\S+/backups/crm-\d{8}-\d{6}\.crmbackup): ", taken.stdout)
    assert found, taken.stdout
    file = Path(found.group(1))
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    shown = httpx.get(f"{served.base}/api/health", timeout=5).json()["data"]["backup"]
    assert shown["status"] == "ok" and shown["age_hours"] < 0.1

    refused = _run(["restore", str(file), *data], env)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"crm restore: {served.data_dir} is not empty; crm restore only fills a new or empty "
        "data folder"
    ]
    target = data_dirs[1] / "restored"
    restored = _run(["restore", str(file), "--data-dir", str(target)], env, timeout=180)
    assert restored.returncode == 0, restored.stderr
    assert re.search(r"^  users\s+2$", restored.stdout, re.MULTILINE), restored.stdout
    assert served.stop() == 0

    no_serve = _run(["backup", "--data-dir", str(target)], env)
    assert no_serve.returncode == 2 and len(no_serve.stderr.strip().splitlines()) == 1

    again = Served(target)
    again.start()
    try:
        again.wait_healthy()
        with psycopg.connect(again.stack()["postgres"]["urls"]["superuser"]) as conn:
            emails = conn.execute("SELECT email FROM users ORDER BY email").fetchall()
        assert emails == [("kept@example.com",), ("owner@example.com",)]
    finally:
        assert again.stop() == 0


# -- crm create-token ------------------------------------------------------------------------


@pytest.fixture
def token_business(
    settings: Any, owner: psycopg.Connection[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """A business in the test database, which `crm create-token` reaches as it would a stack."""
    from crm.auth import token_command
    from tests.factories import make_user

    monkeypatch.setattr(token_command, "token_settings", lambda data_dir: settings)
    return make_user(owner, email="owner@sparkle.example")


def _tokens(owner: psycopg.Connection[dict[str, Any]], user_id: Any) -> list[dict[str, Any]]:
    with owner.transaction():
        owner.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user_id),))
        query = (
            "SELECT name, scope, round(extract(epoch FROM expires_at - created_at) / 86400) "
            "AS days FROM api_tokens"
        )
        return owner.execute(query).fetchall()


def test_create_token_prints_only_the_token_and_it_opens_the_api(
    token_business: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
    client: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from crm.cli import main

    args = ["create-token", " Owner@Sparkle.example", "--name", "Nightly sync"]
    assert main([*args, "--scope", "write", "--days", "7"]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert re.fullmatch(r"crm_[\w-]{43}", token), out.out
    assert out.out == token + "\n"
    assert out.err.startswith(
        "crm create-token: 'Nightly sync' (read + write) for Owner@Sparkle.example, until "
    )
    assert "shown only this once" in out.err and token not in out.err
    [made] = _tokens(owner, token_business["id"])
    assert made["scope"] == "write" and made["days"] == 7

    listed = client.get("/api/data?type=api_tokens", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.text
    assert [t["name"] for t in listed.json()["data"]] == ["Nightly sync"]
    trail = client.get(
        "/api/data?type=audit&entity_type=api_token",
        headers={"Authorization": f"Bearer {token}"},
    ).json()["data"]
    assert [(row["action"], row["actor"]) for row in trail] == [("create", "cli")]

    assert main([*args, "--scope", "read"]) == 0
    capsys.readouterr()
    scopes = {(t["scope"], t["days"]) for t in _tokens(owner, token_business["id"])}
    assert scopes == {("write", 7), ("read", 90)}


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["nobody@example.com", "--scope", "read"], 1, "no active business signs in with"),
        (["owner@sparkle.example", "--scope", "read", "--days", "0"], 2, "from 1 to 365"),
        (["owner@sparkle.example", "--scope", "read", "--days", "366"], 2, "from 1 to 365"),
        (["owner@sparkle.example", "--scope", "admin"], 2, "invalid choice: 'admin'"),
        (["owner@sparkle.example", "--scope", "read", "--days", "x"], 2, "invalid int value"),
    ],
)
def test_create_token_refuses_with_a_clear_message_and_makes_nothing(
    token_business: dict[str, Any],
    owner: psycopg.Connection[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    said: str,
) -> None:
    from crm.cli import main

    try:
        result = main(["create-token", *args[:1], "--name", "Bot", *args[1:]])
    except SystemExit as exc:  # argparse refuses a bad choice or number itself
        result = int(exc.code or 0)
    out = capsys.readouterr()
    assert result == code
    assert out.out == ""
    assert said in out.err
    assert _tokens(owner, token_business["id"]) == []


def test_create_token_refuses_a_name_too_long(
    token_business: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from crm.cli import main

    code = main(["create-token", "owner@sparkle.example", "--name", "x" * 101, "--scope", "read"])
    out = capsys.readouterr()
    assert code == 1 and out.out == ""
    assert out.err == "crm create-token: name: String should have at most 100 characters\n"


def test_create_token_without_a_running_stack_says_so(tmp_path: Path) -> None:
    result = _run(
        [
            "create-token",
            "owner@example.com",
            "--name",
            "Bot",
            "--scope",
            "read",
            "--data-dir",
            str(tmp_path),
        ],
        _env(),
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("crm: cannot start:")
    assert len(result.stderr.strip().splitlines()) == 1
