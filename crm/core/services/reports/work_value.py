"""What the work was worth, by service and by area: the lines of completed tickets whose visit
day is in the range (docs/reports.md, "Work value"). Discounts are their own figure."""

from __future__ import annotations

from typing import Any

from crm.clients.postgres_client import Connection
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services.reports.period import RANGE_FILTERS, average, period_of

# The completed tickets whose local visit day is in the range (ticket_facts, 0018).
JOBS_IN_RANGE = "status = 'completed' AND day >= %(start)s AND day < %(stop)s"

# One row per (kind, service) and per (kind, pricing mode) of the lines, and per kind; the
# *_job counters are 1 on one row per ticket and grouping (ticket_line_facts, 0018).
_BY_SERVICE = """
SELECT GROUPING(service_id) AS no_service, GROUPING(pricing_mode) AS no_mode,
       kind, service_id, pricing_mode, sum(cents) AS cents,
       CASE WHEN GROUPING(service_id) = 0 THEN sum(service_job)
            WHEN GROUPING(pricing_mode) = 0 THEN sum(mode_job)
            ELSE sum(kind_job) END AS jobs
FROM ticket_line_facts
WHERE day >= %(start)s AND day < %(stop)s
GROUP BY GROUPING SETS ((kind, service_id), (kind, pricing_mode), (kind))
"""

_JOBS = f"SELECT count(*) AS n FROM ticket_facts WHERE {JOBS_IN_RANGE}"  # noqa: S608 (a constant)

_SERVICES = "SELECT id, name, pricing_mode FROM services WHERE id = ANY(%(ids)s)"

# Each place's jobs and value, then totals per city and per postal code (case and spaces
# ignored; the spelling used by the most jobs is the name, the first in order on a tie).
_BY_AREA = f"""
WITH per_address AS MATERIALIZED (
    SELECT address_id, sum(cents) AS cents, count(*) AS jobs
    FROM ticket_facts WHERE {JOBS_IN_RANGE}
    GROUP BY address_id
),
valued AS (
    SELECT coalesce(btrim(a.city), '') AS city, coalesce(btrim(a.postal_code), '') AS postal,
           p.cents, p.jobs
    FROM per_address p LEFT JOIN addresses a ON a.id = p.address_id
),
spelled AS (
    SELECT false AS by_postal, lower(city) AS place, city AS name,
           sum(cents) AS cents, sum(jobs) AS jobs
    FROM valued GROUP BY lower(city), city
    UNION ALL
    SELECT true, lower(postal), postal, sum(cents), sum(jobs)
    FROM valued GROUP BY lower(postal), postal
)
SELECT by_postal, place, (array_agg(name ORDER BY jobs DESC, name))[1] AS name,
       sum(cents) AS cents, sum(jobs) AS jobs
FROM spelled
GROUP BY by_postal, place
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
    rows = conn.execute(_BY_SERVICE, period.params, prepare=False).fetchall()
    items = [r for r in rows if r["kind"] == "item"]
    ids = [r["service_id"] for r in items if not r["no_service"] and r["service_id"]]
    catalog = {s["id"]: s for s in conn.execute(_SERVICES, {"ids": ids}, prepare=False).fetchall()}
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
    jobs = conn.execute(_JOBS, period.params, prepare=False).fetchone()
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
    rows = conn.execute(_BY_AREA, period.params, prepare=False).fetchall()
    cities = [r for r in rows if not r["by_postal"]]
    postal = [r for r in rows if r["by_postal"]]
    return {
        **period.shown(),
        "cities": _top(cities),
        "postal_codes": _top(postal),
        "total_cents": sum(int(r["cents"]) for r in cities),
        "jobs": sum(int(r["jobs"]) for r in cities),
    }
