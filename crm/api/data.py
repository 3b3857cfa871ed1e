"""GET /api/data: every read, by type, through the registry."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

import crm.core.services  # noqa: F401 - registers every data type
from crm.api.base import ok
from crm.core.models.common import present
from crm.core.registry import REGISTRY, DataQuery
from crm.errors import BadRequest, ValidationFailed
from crm.utils.user_context import get_current_user

router = APIRouter(prefix="/api", tags=["data"])

MAX_LIMIT = 1000
RESERVED = frozenset({"type", "id", "search", "limit", "include"})


@router.get("/data", summary="Read data of one type (see /api/capabilities for filters)")
def read_data(
    request: Request,
    type: str = Query(..., description="a data type, e.g. contacts"),
    id: str | None = Query(None, description="one entity by id"),
    search: str | None = Query(None, max_length=200),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    include: str = Query("", description="comma-separated relations"),
) -> JSONResponse:
    spec = REGISTRY.data_types.get(type)
    if spec is None:
        raise BadRequest(
            f"Unknown data type {type!r}.", details={"valid_types": sorted(REGISTRY.data_types)}
        )
    includes = frozenset(part.strip() for part in include.split(",") if part.strip())
    bad = includes - set(spec.includes)
    if bad:
        raise BadRequest(
            f"{type} cannot include {', '.join(sorted(bad))}.",
            details={"valid_includes": list(spec.includes)},
        )
    filters = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    unknown = set(filters) - set(spec.filters)
    if unknown:
        raise BadRequest(
            f"{type} has no filter {', '.join(sorted(unknown))}.",
            details={"valid_filters": sorted(spec.filters)},
        )
    if search and not spec.searchable:
        raise BadRequest(f"{type} cannot be searched.")
    entity_id = None
    if id is not None:
        try:
            entity_id = UUID(id)
        except ValueError as exc:
            raise ValidationFailed(
                "id must be an id.", details={"fields": [{"field": "id", "message": "not an id"}]}
            ) from exc
    user = get_current_user()
    query = DataQuery(
        timezone=user.timezone,
        id=entity_id,
        search=search,
        limit=limit,
        include=includes,
        filters=filters,
    )
    with request.app.state.resources.db.read_only(user.user_id) as conn:
        result = spec.loader(conn, query)
    return ok(present(result, user.timezone))
