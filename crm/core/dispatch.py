"""One way to act: parse → redact → security event → unit of work → handler → result.

`/api/actions`, the pages and (later) MCP and the worker all run actions through a Dispatcher,
so an action behaves the same whichever edge it came in by. `batch()` runs several actions in
one unit of work: creating a ticket with a new contact, address and lines from a page is all or
nothing. Actions registered with ``staged=True`` do slow work (a language model) between short
units of work they open themselves, holding no connection while they wait; they cannot be part
of a batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel, ValidationError

from crm.clients.postgres_client import Connection, Database
from crm.core.extraction import Extractor
from crm.core.models.common import present
from crm.core.models.read import ReadQuery
from crm.core.registry import REGISTRY, Action, ActionContext, DataQuery, DataType
from crm.core.sanitise import redact
from crm.errors import AppError, BadRequest, ValidationFailed
from crm.utils.user_context import UserContext, user_context

REDACTED_WARNING = (
    "A card number or social security number was replaced by [REDACTED]. Never store them here."
)


class SecuritySink(Protocol):
    """Where redaction events go (the security log)."""

    def record(
        self,
        event: str,
        *,
        client: Any = None,
        account_id: UUID | None = None,
        details: dict[str, Any] | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class ActionResult:
    """What an action returned (raw rows for the pages, and as JSON, shaped before the commit),
    and what was redacted from its input on the way in."""

    value: Any
    redacted: list[dict[str, Any]] = field(default_factory=list)
    presented: Any = None

    @property
    def warnings(self) -> list[dict[str, Any]]:
        if not self.redacted:
            return []
        return [{"code": "REDACTED", "message": REDACTED_WARNING, "fields": self.redacted}]


def validation_details(exc: ValidationError, *, prefix: str = "") -> dict[str, Any]:
    """Pydantic's errors as ``{"fields": [{field, message}]}``, the shape every edge shows."""
    fields = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        fields.append(
            {
                "field": ".".join(p for p in (prefix, path) if p) or "data",
                "message": err["msg"].removeprefix("Value error, "),
            }
        )
    return {"fields": fields}


def lookup(domain: Any, name: Any) -> Action:
    """The registered action, or a 400 that lists what exists."""
    if not isinstance(domain, str) or not isinstance(name, str):
        raise BadRequest(
            "domain and action must be text.", details={"valid_domains": REGISTRY.domains()}
        )
    if domain not in REGISTRY.domains():
        raise BadRequest(
            f"Unknown domain {domain!r}.", details={"valid_domains": REGISTRY.domains()}
        )
    spec = REGISTRY.actions.get((str(domain), str(name)))
    if spec is None:
        raise BadRequest(
            f"Unknown action {name!r} for {domain}.",
            details={"valid_actions": REGISTRY.actions_of(str(domain))},
        )
    return spec


def parse(spec: Action, data: Any, *, prefix: str = "") -> tuple[BaseModel, list[dict[str, Any]]]:
    """Validate the input against the action's model, then redact every free-text field."""
    if not isinstance(data, dict):
        raise ValidationFailed("data must be an object.")
    try:
        parsed = spec.input.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(details=validation_details(exc, prefix=prefix)) from exc
    return redact_input(spec.input, parsed, prefix=prefix)


def redact_input(
    model: type[BaseModel], parsed: BaseModel, *, prefix: str = ""
) -> tuple[BaseModel, list[dict[str, Any]]]:
    """Every free-text field of every action is redacted before any handler sees it.

    The redacted input is validated again: a value that grew past its limit (``[REDACTED]`` is
    longer than a bare 9-digit SSN) is cut to fit; any other rule it now breaks (a key's
    pattern) is a 422 naming the field, never a 500.
    """
    found: list[dict[str, Any]] = []

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, str):
            cleaned, redaction = redact(value)
            if redaction.any:
                found.append({"field": path, "kinds": redaction.kinds()})
            return cleaned
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}" if path else k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(value)]
        return value

    cleaned = walk(parsed.model_dump(exclude_unset=True), "")
    if not found:
        return parsed, []
    redacted_fields = {entry["field"] for entry in found}
    while True:
        try:
            return model.model_validate(cleaned), found
        except ValidationError as exc:
            if not _cut_to_fit(cleaned, exc, redacted_fields):
                raise ValidationFailed(details=validation_details(exc, prefix=prefix)) from exc


def _cut_to_fit(data: Any, exc: ValidationError, redacted: set[str]) -> bool:
    """Shorten each redacted value that is now too long; False when anything else is wrong."""
    cuts = []
    for err in exc.errors():
        if err["type"] != "string_too_long":
            return False
        path = _data_path(data, err["loc"])
        if path is None or ".".join(str(p) for p in path) not in redacted:
            return False
        cuts.append((path, int(err["ctx"]["max_length"])))
    for path, max_length in cuts:
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = parent[path[-1]][:max_length].rstrip()
    return bool(cuts)


def _data_path(data: Any, loc: tuple[int | str, ...]) -> list[int | str] | None:
    """Pydantic's error location as a path into the dumped input (union tags skipped)."""
    path: list[int | str] = []
    node = data
    for part in loc:
        found = isinstance(node, dict) and part in node
        if found or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            node = node[part]
        elif isinstance(node, dict | list):
            continue  # a discriminated union's tag, not a key of the input
        else:
            return None
        path.append(part)
    return path if isinstance(node, str) else None


class Batch:
    """Several actions in one unit of work; any refusal rolls all of them back."""

    def __init__(self, conn: Connection, user: UserContext) -> None:
        self._conn = conn
        self._user = user
        self.redacted: list[tuple[str, list[dict[str, Any]]]] = []

    def run(self, domain: str, action: str, data: dict[str, Any], *, label: str = "") -> Any:
        """Run one action inside the batch.

        A refusal names its step: the fields of the error go under ``label`` (or the error is
        put on ``label`` itself), whether the input model or the handler refused, so a page
        can show it next to that part of the form.
        """
        spec = lookup(domain, action)
        if spec.staged:
            raise RuntimeError(f"{domain}.{action} does slow work and cannot run in a batch")
        try:
            parsed, redacted = parse(spec, data)
            if redacted:
                self.redacted.append((f"{domain}.{action}", redacted))
            return spec.handler(self._conn, parsed)
        except AppError as exc:
            if label and exc.status < 500:
                fields = exc.details.get("fields") or [{"field": "", "message": exc.message}]
                exc.details = {**exc.details, "fields": [_under(label, f) for f in fields]}
            raise


def _under(label: str, field: dict[str, Any]) -> dict[str, Any]:
    name = str(field.get("field", ""))
    if name in ("", "data"):
        name = label
    elif name != label and not name.startswith(label + "."):
        name = f"{label}.{name}"
    return {**field, "field": name}


class Reader:
    """Reads through the registry on one read-only connection."""

    def __init__(self, conn: Connection, user: UserContext) -> None:
        self._conn = conn
        self._user = user

    def read(
        self,
        type_: str,
        *,
        id: str | UUID | None = None,
        search: str | None = None,
        limit: int = 100,
        include: str | frozenset[str] = "",
        filters: dict[str, str] | None = None,
    ) -> Any:
        """One read, its includes, filters, search and id checked against its data type."""
        spec = REGISTRY.data_types.get(type_)
        if spec is None:
            raise BadRequest(
                f"Unknown data type {type_!r}.",
                details={"valid_types": sorted(REGISTRY.data_types)},
            )
        query = _data_query(
            spec,
            self._user,
            id=id,
            search=search,
            limit=limit,
            include=include,
            filters=filters or {},
        )
        return spec.loader(self._conn, query)


class Dispatcher:
    """Runs registered actions for one user at a time, the same way for every edge."""

    def __init__(
        self, *, db: Database, extractor: Extractor, security: SecuritySink | None = None
    ) -> None:
        self.db = db
        self.extractor = extractor
        self._security = security

    def run(
        self, user: UserContext, domain: Any, action: Any, data: Any, *, client: Any = None
    ) -> ActionResult:
        """Run one action in its own unit of work (or its own short ones, if staged).

        The result is shaped as JSON (``presented``) before the commit, so a result that
        cannot be shown rolls the action back instead of answering 500 for a saved write.
        """
        spec = lookup(domain, action)
        parsed, redacted = parse(spec, data)
        self._report(user, f"{domain}.{action}", redacted, client)
        with user_context(user):
            if spec.staged:
                context = ActionContext(user=user, db=self.db, extractor=self.extractor)
                value = spec.handler(context, parsed)
                return ActionResult(value, redacted, present(value, user.timezone))
            with self.db.unit_of_work(user.user_id) as conn:
                value = spec.handler(conn, parsed)
                return ActionResult(value, redacted, present(value, user.timezone))

    def read(
        self,
        user: UserContext,
        type_: str,
        *,
        id: str | UUID | None = None,
        search: str | None = None,
        limit: int = 100,
        include: str | frozenset[str] = "",
        filters: dict[str, str] | None = None,
        presented: bool = False,
    ) -> Any:
        """One read through the registry in a read-only unit of work, checked like an action;
        ``presented``: shaped as JSON inside that transaction."""
        with self.reading(user) as reader:
            rows = reader.read(
                type_, id=id, search=search, limit=limit, include=include, filters=filters
            )
            return present(rows, user.timezone) if presented else rows

    @contextmanager
    def reading(self, user: UserContext) -> Iterator[Reader]:
        """Several reads in one read-only transaction: one BEGIN/COMMIT for a whole page."""
        with user_context(user), self.db.read_only(user.user_id) as conn:
            yield Reader(conn, user)

    @contextmanager
    def batch(self, user: UserContext, *, client: Any = None) -> Iterator[Batch]:
        """One unit of work for several actions: all are saved, or none."""
        batch: Batch | None = None
        try:
            with user_context(user), self.db.unit_of_work(user.user_id) as conn:
                batch = Batch(conn, user)
                yield batch
        finally:
            for name, redacted in batch.redacted if batch else []:
                self._report(user, name, redacted, client)

    def _report(
        self, user: UserContext, name: str, redacted: list[dict[str, Any]], client: Any
    ) -> None:
        if redacted and self._security is not None:
            self._security.record(
                "redacted",
                client=client,
                account_id=user.user_id,
                details={"action": name, "fields": redacted},
            )


def _data_query(
    spec: DataType,
    user: UserContext,
    *,
    id: str | UUID | None,
    search: str | None,
    limit: int,
    include: str | frozenset[str],
    filters: dict[str, str],
) -> DataQuery:
    """Check a read's includes, filters, search and id against its data type."""
    if isinstance(include, str):
        include = frozenset(part.strip() for part in include.split(",") if part.strip())
    bad = include - set(spec.includes)
    if bad:
        raise BadRequest(
            f"{spec.name} cannot include {', '.join(sorted(bad))}.",
            details={"valid_includes": list(spec.includes)},
        )
    unknown = set(filters) - set(spec.filters)
    if unknown:
        raise BadRequest(
            f"{spec.name} has no filter {', '.join(sorted(unknown))}.",
            details={"valid_filters": sorted(spec.filters)},
        )
    if search and not spec.searchable:
        raise BadRequest(f"{spec.name} cannot be searched.")
    try:
        bounded = ReadQuery.model_validate(
            {
                "search": search,
                "limit": limit,
                "filters": {name: value for name, value in filters.items() if value != ""},
            }
        )
    except ValidationError as exc:
        details = validation_details(exc)
        for item in details["fields"]:
            item["field"] = item["field"].removeprefix("filters.")
        raise ValidationFailed(details=details) from exc
    entity_id = None
    if id is not None:
        try:
            entity_id = id if isinstance(id, UUID) else UUID(str(id))
        except ValueError as exc:
            raise ValidationFailed(
                "id must be an id.", details={"fields": [{"field": "id", "message": "not an id"}]}
            ) from exc
    return DataQuery(
        timezone=user.timezone,
        id=entity_id,
        search=bounded.search,
        limit=bounded.limit,
        include=include,
        filters=bounded.filters.as_text(),
    )
