"""The structure rules that keep the code honest, checked on the source itself.

- Layering: `core/` and `auth/` never import the `api/` edge; `clients/` never import
  `config.py` (each client owns its settings type, config only composes them) nor anything
  above them; `utils/` stands alone.
- No `async def` route reaches the database, Valkey, a model or the dispatcher directly: one
  blocking call on the event loop stalls every user of the process. (The clients also refuse
  such calls at run time: see test_blocking_guard below.)
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import crm
from crm.auth import api as auth_api
from crm.auth.security_logger import SecurityLogger
from crm.auth.service import AuthService
from crm.auth.session import SessionStore
from crm.clients.llm_client import LlmClient
from crm.clients.postgres_client import Database
from crm.clients.valkey_client import ValkeyClient
from crm.core.dispatch import Dispatcher
from crm.core.extraction import Extractor
from crm.utils.blocking import BlockingCallOnEventLoop
from crm.web import WEB_MODULES
from crm.web import assets as web_assets

PACKAGE = Path(crm.__file__).parent

# (importing folder or module, forbidden import prefix)
RULES = [
    ("core", "crm.api"),
    ("core", "crm.web"),
    ("core", "crm.auth"),
    ("core", "crm.main"),
    ("auth", "crm.api"),
    ("auth", "crm.web"),
    ("auth", "crm.main"),
    ("clients", "crm.config"),
    ("clients", "crm.core"),
    ("clients", "crm.auth"),
    ("clients", "crm.api"),
    ("clients", "crm.web"),
    ("clients", "crm.main"),
    ("utils", "crm.clients"),
    ("utils", "crm.core"),
    ("utils", "crm.auth"),
    ("utils", "crm.api"),
    ("utils", "crm.web"),
    ("utils", "crm.config"),
    ("responses.py", "crm.api"),
    ("responses.py", "crm.web"),
    ("responses.py", "crm.auth"),
]


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _files(where: str) -> list[Path]:
    target = PACKAGE / where
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


def test_layers_import_only_downwards() -> None:
    broken = []
    for where, forbidden in RULES:
        for path in _files(where):
            for line, name in _imports(path):
                if name == forbidden or name.startswith(forbidden + "."):
                    broken.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert sorted(set(broken)) == []


def test_the_layer_rules_see_a_violation(tmp_path: Path) -> None:
    """The check itself can fail: an import of the api edge from core is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("from crm.api.base import install_error_handlers\nimport crm.config\n")
    assert [name for _, name in _imports(bad)] == [
        "crm.api.base",
        "crm.api.base.install_error_handlers",
        "crm.config",
    ]


# --- no blocking call in an async route ------------------------------------------------------

BLOCKING_CLASSES = (
    Database,
    ValkeyClient,
    LlmClient,
    Dispatcher,
    AuthService,
    SecurityLogger,
    SessionStore,
    Extractor,
)
# The page helpers that read or write through the dispatcher.
BLOCKING_HELPERS = {"read", "perform", "perform_all", "render"}
# Awaitable or harmless calls an async route may make.
SAFE_WRAPPERS = {"run_in_threadpool"}


def _blocking_names() -> set[str]:
    names = set(BLOCKING_HELPERS)
    for cls in BLOCKING_CLASSES:
        names |= {n for n, _ in inspect.getmembers(cls, callable) if not n.startswith("__")}
    return names


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def blocking_calls(function: Callable[..., Any], blocking: set[str]) -> list[str]:
    """Blocking calls an async function makes directly or through sync helpers of its module,
    outside run_in_threadpool(...)."""
    module = inspect.getmodule(function)
    found: list[str] = []
    seen: set[str] = set()

    def visit(fn: Any, in_thread: bool = False) -> None:
        if fn.__name__ in seen:
            return
        seen.add(fn.__name__)
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        walk(tree, in_thread)

    def walk(node: ast.AST, in_thread: bool) -> None:
        if isinstance(node, ast.Call):
            name = _callee(node)
            if name in SAFE_WRAPPERS:
                for child in ast.iter_child_nodes(node):
                    walk(child, True)
                return
            if not in_thread and name in blocking:
                found.append(f"{function.__module__}.{function.__name__} calls {name}()")
            helper = getattr(module, name, None) if isinstance(node.func, ast.Name) else None
            if (
                not in_thread
                and inspect.isfunction(helper)
                and helper.__module__ == function.__module__
                and not inspect.iscoroutinefunction(helper)
            ):
                visit(helper)
        for child in ast.iter_child_nodes(node):
            walk(child, in_thread)

    visit(function)
    return found


def _routes() -> list[APIRoute]:
    from crm.api import actions, data, dev, health

    routers = [
        actions.router,
        data.router,
        dev.router,
        health.router,
        auth_api.router,
        web_assets.router,
    ] + [module.router for module in WEB_MODULES]
    return [r for router in routers for r in router.routes if isinstance(r, APIRoute)]


def test_no_async_route_calls_the_database_or_the_network() -> None:
    blocking = _blocking_names()
    async_routes = [r for r in _routes() if inspect.iscoroutinefunction(r.endpoint)]
    problems = [p for r in async_routes for p in blocking_calls(r.endpoint, blocking)]
    assert problems == []


def test_the_route_check_finds_a_blocking_async_route() -> None:
    async def bad_route(request: Any) -> Any:
        with request.app.state.resources.db.read_only(None) as conn:
            return conn

    async def good_route(request: Any) -> Any:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(lambda: request.app.state.dispatcher.run(None, "a", "b", {}))

    blocking = _blocking_names()
    assert blocking_calls(bad_route, blocking) == [f"{__name__}.bad_route calls read_only()"]
    assert blocking_calls(good_route, blocking) == []


@pytest.mark.parametrize("kind", ["async", "def"])
def test_blocking_guard(db: Database, kind: str) -> None:
    """A database call from an async route is refused at run time; from a def route it runs."""
    app = FastAPI()

    if kind == "async":

        @app.get("/probe")
        async def probe_async() -> dict[str, Any]:
            with db.system() as conn:
                return dict(conn.execute("SELECT 1 AS one").fetchone() or {})

    else:

        @app.get("/probe")
        def probe_def() -> dict[str, Any]:
            with db.system() as conn:
                return dict(conn.execute("SELECT 1 AS one").fetchone() or {})

    client = TestClient(app)
    if kind == "async":
        with pytest.raises(BlockingCallOnEventLoop, match="would block the event loop"):
            client.get("/probe")
    else:
        assert client.get("/probe").json() == {"one": 1}
