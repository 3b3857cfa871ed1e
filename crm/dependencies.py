"""FastAPI dependencies for the edges: `Annotated` types instead of app.state look-ups.

    def page(request: Request, user: CurrentUser, dispatcher: Dispatch) -> Response: ...

Each only reads what start-up put on the app or what the middleware put in the context, so
they are cheap and never block.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from crm.clients.postgres_client import Database
from crm.core.dispatch import Dispatcher
from crm.resources import Resources
from crm.utils.user_context import UserContext, get_current_user


async def _resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


async def _db(request: Request) -> Database:
    db: Database = request.app.state.resources.db
    return db


async def _dispatcher(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.dispatcher
    return dispatcher


async def _current_user() -> UserContext:
    """The signed-in user set by the auth middleware; 'no user context' is a loud error."""
    return get_current_user()


AppResources = Annotated[Resources, Depends(_resources)]
Db = Annotated[Database, Depends(_db)]
Dispatch = Annotated[Dispatcher, Depends(_dispatcher)]
CurrentUser = Annotated[UserContext, Depends(_current_user)]
