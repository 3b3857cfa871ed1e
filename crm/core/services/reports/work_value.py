"""What the work was worth, by service and by area: the lines of completed tickets whose visit
day is in the range (docs/reports.md, "Work value"). Discounts are their own figure."""

from __future__ import annotations

from typing import Any

from crm.clients.postgres_client import Connection
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services.reports.period import RANGE_FILTERS, average, period_of

# The completed tickets whose visit day is in the range.
JOBS = """
jobs AS MATERIALIZED (
    SELECT t.id, t.address_id FROM tickets t
    WHERE t.status = 'completed'
      AND t.scheduled_start >= %(start)s::timestamp AT TIME ZONE %(tz)s
      AND t.scheduled_start < %(stop)s::timestamp AT TIME ZONE %(tz)s
)"""

# One row per (kind, service) and per (kind, pricing mode) of the lines, and per kind.
_BY_SERVICE = f"""
WITH {JOBS}
SELECT GROUPING(li.service_id) AS no_service, GROUPING(li.pricing_mode) AS no_mode,
       li.kind, li.service_id, li.pricing_mode,
       sum(li.total_cents) AS cents, count(DISTINCT li.ticket_id) AS jobs
FROM jobs j JOIN line_items li ON li.ticket_id = j.id
GROUP BY GROUPING SETS ((li.kind, li.service_id), (li.kind, li.pricing_mode), (li.kind))
"""  # noqa: S608 (constant fragments only; values are parameters)

_SERVICES = "SELECT id, name, pricing_mode FROM services WHERE id = ANY(%(ids)s)"

# Each job's value and place, then totals per city and per postal code (case and spaces
# ignored; the spelling used most is the name).
_BY_AREA = f"""
WITH {JOBS},
valued AS (
    SELECT coalesce(btrim(a.city), '') AS city, coalesce(btrim(a.postal_code), '') AS postal,
           coalesce((SELECT sum(li.total_cents) FROM line_items li WHERE li.ticket_id = j.id), 0)
               AS cents
    FROM jobs j LEFT JOIN addresses a ON a.id = j.address_id
)
SELECT GROUPING(lower(city)) AS by_postal, lower(city) AS city_key, lower(postal) AS postal_key,
       CASE WHEN GROUPING(lower(city)) = 0 THEN mode() WITHIN GROUP (ORDER BY city)
            ELSE mode() WITHIN GROUP (ORDER BY postal) END AS name,
       sum(cents) AS cents, count(*) AS jobs
FROM valued
GROUP BY GROUPING SETS ((lower(city)), (lower(postal)))
"""  # noqa: S608 (constant fragments only; values are parameters)

NOT_CATALOG = "Not from the catalog"
NONE = "(none)"
TOP = 15


def _figures(cents: int, jobs: int) -> dict[str, Any]:
    return {"revenue_cents": cents, "jobs": jobs, "average_cents": average(cents, jobs)}


def _ranked(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (-r["revenue_cents"], -r["jobs"], str(r[key]).lower()))


@REGISTRY.data_type("report_services", filters=RANGE_FILTERS)
def load_services(conn: Connection, query: DataQuery) -> Any:
    """Revenue, jobs and average price per catalog service and per pricing mode (cents)."""
    period = period_of(query)
    rows = conn.execute(_BY_SERVICE, period.params).fetchall()
    items = [r for r in rows if r["kind"] == "item"]
    ids = [r["service_id"] for r in items if not r["no_service"] and r["service_id"]]
    catalog = {s["id"]: s for s in conn.execute(_SERVICES, {"ids": ids}).fetchall()}
    services = []
    for r in items:
        if r["no_service"]:
            continue
        service = catalog.get(r["service_id"])
        services.append(
            {
                "service_id": r["service_id"],
                "name": service["name"] if service else NOT_CATALOG,
                "pricing_mode": service["pricing_mode"] if service else None,
                **_figures(int(r["cents"]), int(r["jobs"])),
            }
        )
    modes = [
        {"pricing_mode": r["pricing_mode"], **_figures(int(r["cents"]), int(r["jobs"]))}
        for r in items
        if r["no_service"] and not r["no_mode"]
    ]
    kinds = {r["kind"]: r for r in rows if r["no_service"] and r["no_mode"]}
    items_cents = int(kinds["item"]["cents"]) if "item" in kinds else 0
    discounts = int(kinds["discount"]["cents"]) if "discount" in kinds else 0
    counted = f"WITH {JOBS} SELECT count(*) AS n FROM jobs"  # noqa: S608 (a constant)
    jobs = conn.execute(counted, period.params).fetchone()
    return {
        **period.shown(),
        "services": _ranked(services, "name"),
        "pricing_modes": _ranked(modes, "pricing_mode"),
        "discounts_cents": discounts,
        "total_cents": items_cents + discounts,
        "jobs": int(jobs["n"]) if jobs else 0,
    }


def _top(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 15 biggest, then one "Other" row summing the rest."""
    shaped = _ranked(
        [
            {"name": r["name"] or NONE, "revenue_cents": int(r["cents"]), "jobs": int(r["jobs"])}
            for r in rows
        ],
        "name",
    )
    top = [{**r, "other": False} for r in shaped[:TOP]]
    rest = shaped[TOP:]
    if rest:
        top.append(
            {
                "name": "Other",
                "revenue_cents": sum(r["revenue_cents"] for r in rest),
                "jobs": sum(r["jobs"] for r in rest),
                "other": True,
                "places": len(rest),
            }
        )
    return top


@REGISTRY.data_type("report_areas", filters=RANGE_FILTERS)
def load_areas(conn: Connection, query: DataQuery) -> Any:
    """Revenue and jobs by city and by postal code: the top 15 of each, then the rest (cents)."""
    period = period_of(query)
    rows = conn.execute(_BY_AREA, period.params).fetchall()
    cities = [r for r in rows if not r["by_postal"]]
    postal = [r for r in rows if r["by_postal"]]
    return {
        **period.shown(),
        "cities": _top(cities),
        "postal_codes": _top(postal),
        "total_cents": sum(int(r["cents"]) for r in cities),
        "jobs": sum(int(r["jobs"]) for r in cities),
    }
