"""One declarative registry of actions and data types.

/api/actions, /api/data and /api/capabilities all read it; registering the same name twice
fails at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from crm.clients.postgres_client import Connection, Database
from crm.core.extraction import Extractor
from crm.utils.user_context import UserContext

# handler(conn, data), or handler(context: ActionContext, data) for staged actions.
ActionHandler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class ActionContext:
    """What a staged action gets instead of a connection: short units of work on demand."""

    user: UserContext
    db: Database
    extractor: Extractor

    def unit_of_work(self) -> AbstractContextManager[Connection]:
        """One short transaction as this user; never hold it across slow work."""
        return self.db.unit_of_work(self.user.user_id)


@dataclass(frozen=True)
class Action:
    domain: str
    name: str
    input: type[BaseModel]
    handler: ActionHandler
    description: str
    # Staged actions open their own short units of work around slow work (a model call).
    staged: bool = False


@dataclass(frozen=True)
class DataQuery:
    """A parsed GET /api/data request."""

    timezone: str
    id: UUID | None = None
    search: str | None = None
    limit: int = 100
    include: frozenset[str] = frozenset()
    filters: dict[str, str] = field(default_factory=dict)


DataLoader = Callable[[Connection, DataQuery], Any]


@dataclass(frozen=True)
class DataType:
    name: str
    loader: DataLoader
    description: str
    filters: dict[str, str]
    includes: tuple[str, ...]
    searchable: bool


class Registry:
    def __init__(self) -> None:
        self.actions: dict[tuple[str, str], Action] = {}
        self.data_types: dict[str, DataType] = {}

    def action(
        self, domain: str, name: str, *, input: type[BaseModel], staged: bool = False
    ) -> Callable[[ActionHandler], ActionHandler]:
        """Register ``handler(conn, data)`` (staged: ``handler(context, data)``) as domain.name."""

        def register(handler: ActionHandler) -> ActionHandler:
            key = (domain, name)
            if key in self.actions:
                raise RuntimeError(f"action {domain}.{name} is registered twice")
            description = (handler.__doc__ or "").strip().splitlines()[0] if handler.__doc__ else ""
            self.actions[key] = Action(domain, name, input, handler, description, staged)
            return handler

        return register

    def data_type(
        self,
        name: str,
        *,
        filters: dict[str, str] | None = None,
        includes: tuple[str, ...] = (),
        searchable: bool = False,
    ) -> Callable[[DataLoader], DataLoader]:
        def register(loader: DataLoader) -> DataLoader:
            if name in self.data_types:
                raise RuntimeError(f"data type {name} is registered twice")
            description = (loader.__doc__ or "").strip().splitlines()[0] if loader.__doc__ else ""
            self.data_types[name] = DataType(
                name, loader, description, dict(filters or {}), includes, searchable
            )
            return loader

        return register

    def domains(self) -> list[str]:
        return sorted({domain for domain, _ in self.actions})

    def actions_of(self, domain: str) -> list[str]:
        return sorted(name for d, name in self.actions if d == domain)


REGISTRY = Registry()
