"""The kinds of file an import reads: each is a parser, a matcher, a writer and a preview.

The runner, the job, the actions and the CLI are the same for every kind (docs/imports.md);
adding a kind is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm.clients.postgres_client import Connection
from crm.imports import (
    any_csv,
    apply,
    appointments,
    matching,
    square_appointments,
    square_customers,
)
from crm.utils.timezone import get_zone


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # content, region, business timezone, column mapping (any other CSV)
    parse: Callable[[str, str, str, dict[str, str] | None], list[Any]]
    load_index: Callable[..., Any]
    plan_rows: Callable[[list[Any], Any], list[Any]]
    apply: Callable[..., Any]
    preview_row: Callable[[Any], dict[str, Any]]

    def plan(self, conn: Connection, rows: list[Any], *, lock: bool = False) -> list[Any]:
        return self.plan_rows(rows, self.load_index(conn, rows, lock=lock))


KINDS = {
    square_customers.KIND: Kind(
        square_customers.KIND,
        square_customers.SOURCE_NAME,
        lambda content, region, timezone, mapping: (
            square_customers.parse(content, region=region).rows
        ),
        matching.load_index,
        matching.plan_rows,
        apply.apply,
        matching.preview_row,
    ),
    square_appointments.KIND: Kind(
        square_appointments.KIND,
        square_appointments.SOURCE_NAME,
        lambda content, region, timezone, mapping: square_appointments.parse(
            content, region=region, zone=get_zone(timezone)
        ),
        appointments.load_index,
        appointments.plan_rows,
        appointments.apply,
        appointments.preview_row,
    ),
    any_csv.KIND: Kind(
        any_csv.KIND,
        any_csv.SOURCE_NAME,
        lambda content, region, timezone, mapping: any_csv.parse(
            content, region=region, mapping=mapping
        ),
        matching.load_index,
        matching.plan_rows,
        apply.apply,
        matching.preview_row,
    ),
}
