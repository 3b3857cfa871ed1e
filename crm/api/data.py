"""GET /api/data: every read, by type, through the registry."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

import crm.core.services  # noqa: F401 - registers every data type
from crm.core.models.read import MAX_LIMIT
from crm.dependencies import CurrentUser, Dispatch
from crm.responses import ok

router = APIRouter(prefix="/api", tags=["data"])

RESERVED = frozenset({"type", "id", "search", "limit", "include"})


@router.get("/data", summary="Read data of one type (see /api/capabilities for filters)")
def read_data(
    request: Request,
    user: CurrentUser,
    dispatcher: Dispatch,
    type: str = Query(..., description="a data type, e.g. contacts"),
    id: str | None = Query(None, description="one entity by id"),
    search: str | None = Query(None, max_length=200),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    include: str = Query("", description="comma-separated relations"),
) -> JSONResponse:
    filters = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    result = dispatcher.read(
        user,
        type,
        id=id,
        search=search,
        limit=limit,
        include=include,
        filters=filters,
        presented=True,
    )
    return ok(result)
