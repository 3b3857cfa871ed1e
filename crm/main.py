"""Application assembly: clients are built (and checked) before the app, then handed to it."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates
from starlette.middleware.gzip import GZipMiddleware

from crm.api import actions, data, dev, health
from crm.api.base import (
    AllowedMethodsMiddleware,
    RequestContextMiddleware,
    install_error_handlers,
)
from crm.api.openapi import install_openapi
from crm.auth import api as auth_api
from crm.auth.body_limits import HostAndBodyLimitMiddleware
from crm.auth.email_service import EmailService
from crm.auth.rate_limiter import RateLimiter
from crm.auth.security_logger import SecurityLogger
from crm.auth.security_middleware import (
    AuthMiddleware,
    SecurityHeadersMiddleware,
    allowed_origins,
)
from crm.auth.service import AuthService
from crm.auth.session import SessionStore
from crm.clients.llm_client import LlmClient, database_usage_sink
from crm.clients.postgres_client import Database
from crm.clients.valkey_client import ValkeyClient
from crm.clients.vault_client import VaultClient
from crm.config import Settings
from crm.core.dispatch import Dispatcher
from crm.core.extraction import Extractor
from crm.db.migrate import applied_version, latest_version
from crm.embedded.smtp import Outbox
from crm.errors import ConfigurationError
from crm.mcp import http as mcp_http
from crm.resources import Resources
from crm.web import WEB_MODULES
from crm.web.assets import Assets
from crm.web.assets import router as assets_router
from crm.web.common import NOTICES, install_filters
from crm.web.imports import UPLOADS

__all__ = ["Resources", "connect", "create_app", "verify_database"]

log = logging.getLogger("crm")

PACKAGE_DIR = Path(__file__).parent


def connect(settings: Settings, vault: VaultClient) -> Resources:
    """Open the clients and refuse to start if anything is unreachable or unsafe."""
    db = Database(settings.database_url)
    db.open(wait=True)
    try:
        verify_database(db)
        valkey = ValkeyClient(settings.valkey_url)
        valkey.ping()
    except BaseException:
        db.close()
        raise
    outbox = Outbox(Path(settings.embedded_outbox)) if settings.embedded_outbox else None
    llm = LlmClient(settings.llm, usage_sink=database_usage_sink(db))
    configured = llm if llm.routes else None
    extractor = Extractor(configured)
    extractor.prepare()
    return Resources(
        settings=settings,
        db=db,
        valkey=valkey,
        vault=vault,
        outbox=outbox,
        llm=configured,
        extractor=extractor,
    )


def verify_database(db: Database) -> None:
    """The app role must be unprivileged and the schema current."""
    with db.system() as conn:
        role: Any = conn.execute(
            "SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        ).fetchone()
        if role["rolsuper"] or role["rolbypassrls"]:
            raise ConfigurationError(
                f"database role {role['name']} is a superuser or bypasses row-level security; "
                "the app must connect as an unprivileged role (crm_app)"
            )
        have, need = applied_version(conn), latest_version()
        if have < need:
            raise ConfigurationError(
                f"the database schema is at migration {have} but this version needs {need}: "
                "run `crm migrate`"
            )


def create_app(resources: Resources, *, listen_host: str = "127.0.0.1") -> FastAPI:
    """The app; ``listen_host`` is the address `crm serve` binds (it decides the /dev routes)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything built at start lives as long as the process: keep the collector from
        # re-scanning it, so a full collection does not pause every request for ~100 ms.
        gc.collect()
        gc.freeze()
        async with app.state.mcp.running():
            yield
        resources.close()

    app = FastAPI(
        title="CRM",
        version="0.1.0",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    settings = resources.settings
    # The catcher's outbox: only on loopback, only without a relay, only to loopback clients.
    dev_routes = dev.dev_routes_enabled(settings, resources.outbox, listen_host)
    auth = AuthService(
        db=resources.db,
        sessions=SessionStore(resources.valkey, settings.auth),
        limiter=RateLimiter(resources.valkey),
        security=SecurityLogger(resources.db),
        settings=settings.auth,
        base_url=settings.app.base_url,
    )
    app.state.resources = resources
    app.state.auth = auth
    app.state.dispatcher = Dispatcher(
        db=resources.db, extractor=resources.extractor, security=auth.security
    )
    app.state.email = EmailService(settings.smtp)
    app.state.templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
    # Templates ship with the package: no stat() of every template file on every page.
    app.state.templates.env.auto_reload = False
    app.state.assets = Assets(PACKAGE_DIR / "static")
    app.state.templates.env.globals["asset"] = app.state.assets.url
    app.state.templates.env.globals["notices"] = NOTICES
    install_filters(app.state.templates)
    install_error_handlers(app)
    # Outermost last: headers wrap everything, so even a 500 or a refused host gets them.
    app.add_middleware(
        AuthMiddleware,
        service=auth,
        secret_key=settings.app.secret_key,
        allowed_origins=allowed_origins(settings.app.base_url, settings.auth.allowed_hosts),
        trusted_proxies=settings.auth.trusted_proxies,
        secure_cookies=settings.secure_cookies,
        public_dev=dev_routes,
    )
    app.add_middleware(AllowedMethodsMiddleware, routes=lambda: app.router.routes)
    app.add_middleware(
        HostAndBodyLimitMiddleware,
        allowed_hosts=settings.auth.allowed_hosts,
        max_body_bytes=settings.auth.max_body_bytes,
        uploads=UPLOADS,
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.app.base_url.startswith("https://"))
    # One bar of LTE: every text response over 500 bytes goes out compressed.
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.include_router(assets_router)
    app.include_router(health.router)
    app.include_router(auth_api.router)
    app.include_router(actions.router)
    app.include_router(data.router)
    for module in WEB_MODULES:
        app.include_router(module.router)
    if dev_routes:
        app.include_router(dev.router)
    mcp_http.mount(app, max_body_bytes=settings.auth.max_body_bytes)
    install_openapi(app)
    return app
