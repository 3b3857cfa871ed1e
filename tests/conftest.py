"""Real embedded servers, started once per test session; a cloned database per test."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from psycopg.rows import dict_row

from crm.auth.config import AuthSettings
from crm.clients.postgres_client import Database
from crm.clients.vault_client import AppRoleCredentials, VaultClient
from crm.config import AppSettings, LlmSettings, Settings, SmtpSettings
from crm.db.roles import APP_ROLE, OWNER_ROLE
from crm.embedded.stack import DATABASE, SMTP_FROM, EmbeddedStack
from crm.main import Resources, connect, create_app

BASE_URL = "http://localhost"


@pytest.fixture(scope="session")
def stack() -> Iterator[EmbeddedStack]:
    data_dir = Path(tempfile.mkdtemp(prefix="crm-test-"))
    embedded = EmbeddedStack(data_dir, base_url=BASE_URL, echo_mail=False)
    embedded.start()
    try:
        yield embedded
    finally:
        embedded.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def with_dbname(url: str, dbname: str) -> str:
    return psycopg.conninfo.make_conninfo(url, dbname=dbname)


@dataclass(frozen=True)
class TestDatabase:
    name: str
    app_url: str
    owner_url: str
    superuser_url: str

    def owner(self) -> psycopg.Connection[dict[str, Any]]:
        return psycopg.connect(self.owner_url, autocommit=True, row_factory=dict_row)

    def superuser(self) -> psycopg.Connection[dict[str, Any]]:
        return psycopg.connect(self.superuser_url, autocommit=True, row_factory=dict_row)


@contextmanager
def cloned_database(stack: EmbeddedStack) -> Iterator[TestDatabase]:
    """A fresh copy of the migrated database (a template clone, ~instant), dropped afterwards."""
    assert stack.info is not None
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin_url = with_dbname(stack.info.superuser_url, "postgres")
    ident = sql.Identifier(name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY WAL_LOG OWNER {}").format(
                ident, sql.Identifier(DATABASE), sql.Identifier(OWNER_ROLE)
            )
        )
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident))
        conn.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                ident, sql.Identifier(APP_ROLE)
            )
        )
    try:
        yield TestDatabase(
            name=name,
            app_url=with_dbname(stack.info.app_url, name),
            owner_url=with_dbname(stack.info.owner_url, name),
            superuser_url=with_dbname(stack.info.superuser_url, name),
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


@pytest.fixture
def database(stack: EmbeddedStack) -> Iterator[TestDatabase]:
    """A fresh copy of the migrated database, dropped after the test."""
    with cloned_database(stack) as database:
        yield database


@pytest.fixture
def db(database: TestDatabase) -> Iterator[Database]:
    pool = Database(database.app_url)
    pool.open()
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def owner(database: TestDatabase) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    with database.owner() as conn:
        yield conn


@pytest.fixture
def vault(stack: EmbeddedStack) -> VaultClient:
    assert stack.info is not None
    client = VaultClient(stack.info.credentials)
    client.login()
    return client


@pytest.fixture
def settings(stack: EmbeddedStack, database: TestDatabase) -> Settings:
    assert stack.info is not None and stack.smtp is not None
    return Settings(
        database_url=database.app_url,
        database_owner_url=database.owner_url,
        valkey_url=stack.info.valkey_url,
        smtp=SmtpSettings(host=stack.smtp.host, port=stack.smtp.port, from_address=SMTP_FROM),
        llm=LlmSettings(),
        app=AppSettings(base_url=BASE_URL, secret_key="test-secret-key"),
        auth=AuthSettings(allowed_hosts=("localhost",)),
        embedded_outbox=str(stack.info.outbox_dir),
    )


@pytest.fixture
def resources(settings: Settings, vault: VaultClient) -> Iterator[Resources]:
    res = connect(settings, vault)
    try:
        yield res
    finally:
        res.close()


@pytest.fixture
def app(resources: Resources) -> Any:
    return create_app(resources)


@pytest.fixture
def client(app: Any, resources: Resources) -> Iterator[TestClient]:
    # Every TestClient request comes from the peer "testclient": start with fresh rate limits.
    with resources.valkey.errors() as valkey:
        keys = list(valkey.scan_iter("crm:rl:*"))
        if keys:
            valkey.delete(*keys)
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def signed_in(app: Any, client: TestClient, owner: psycopg.Connection) -> dict[str, Any]:
    """A business owner with a live session in ``client`` (the CSRF header is preset)."""
    from tests.factories import make_user

    user = make_user(owner)
    cookie, session = app.state.auth.sessions.create(user["id"])
    client.cookies.set("crm_session", cookie, domain="localhost.local")
    client.headers["X-CSRF-Token"] = session.csrf_token
    return {**user, "cookie": cookie, "csrf_token": session.csrf_token}


@pytest.fixture
def scratch_mount(stack: EmbeddedStack) -> Iterator[tuple[str, AppRoleCredentials]]:
    """A separate KV v2 mount with its own AppRole, so a test can leave secrets out."""
    assert stack.openbao is not None
    admin = stack.openbao.admin()
    mount = f"kv{uuid.uuid4().hex[:8]}"
    admin.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
    admin.sys.create_or_update_policy(
        name=mount, policy=f'path "{mount}/data/crm/*" {{ capabilities = ["read"] }}'
    )
    admin.auth.approle.create_or_update_approle(
        role_name=mount, token_policies=[mount], token_ttl="1h"
    )
    role_id = admin.auth.approle.read_role_id(role_name=mount)["data"]["role_id"]
    secret_id = admin.auth.approle.generate_secret_id(role_name=mount)["data"]["secret_id"]
    try:
        yield (
            mount,
            AppRoleCredentials(
                address=stack.openbao.address, role_id=role_id, secret_id=secret_id, kv_mount=mount
            ),
        )
    finally:
        admin.sys.disable_secrets_engine(path=mount)
