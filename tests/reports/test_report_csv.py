"""The CSV of every table of every report (GET /reports/{name}.csv?table=KEY&from=&to=), read
from the world of tests/reports/conftest.py over the same ranges as test_report_figures.py.

Each file: `text/csv; charset=utf-8`, an attachment named `<report>-<table>-<from>-to-<to>.csv`,
the header row, then one row per row of the API's JSON in the same order. Money is dollars with
two decimals and no thousands separator ("1234.50", "-50.00"), dates ISO, minutes and counts
whole numbers, a null an empty cell; a text cell starting with = + - @ gets a leading apostrophe.

The expected rows are the figures of test_report_figures.py written out as CSV cells (each
amount is its cents / 100); where a figure is new here, its arithmetic is beside it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from crm.web.report_tables import TABLES
from tests.api.helpers import act, done, make
from tests.reports.conftest import SPRING_2026, YEAR_2026, World, report

Rows = list[list[str]]

MONEY_HEADERS = ("Invoiced ($)", "Invoiced a year before ($)", "Collected ($)")


def dollars(cents: int) -> str:
    """Cents as the CSV writes them: 123450 -> "1234.50", -1250 -> "-12.50"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def test_dollars_helper() -> None:
    assert [dollars(c) for c in (0, 5, 123450, 18001, -1200, -1250)] == [
        "0.00",
        "0.05",
        "1234.50",
        "180.01",
        "-12.00",
        "-12.50",
    ]


def download(client: TestClient, name: str, table: str, **params: str) -> Any:
    response = client.get(f"/reports/{name}.csv", params={"table": table, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["cache-control"] == "private, no-store"
    # RFC 4180: every record ends with CRLF (no cell here holds a line break).
    assert response.text.endswith("\r\n")
    assert "\n" not in response.text.replace("\r\n", "")
    return response


def disposition(name: str, table: str, start: str, end: str) -> str:
    return f'attachment; filename="{name}-{table}-{start}-to-{end}.csv"'


def rows_of(text: str) -> Rows:
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_of(client: TestClient, name: str, table: str, start: str, end: str) -> Rows:
    """One table over from-to: its headers checked, its rows parsed (header row first)."""
    response = download(client, name, table, **{"from": start, "to": end})
    assert response.headers["content-disposition"] == disposition(name, table, start, end)
    return rows_of(response.text)


# -- revenue ---------------------------------------------------------------------------------

REVENUE_HEADER = [
    "Month",
    "Invoiced ($)",
    "Invoiced a year before ($)",
    "Collected ($)",
    "Collected a year before ($)",
]


def test_revenue_months(world: World) -> None:
    got = csv_of(world.a.client, "revenue", "months", "2026-03-01", "2026-04-30")
    assert got == [
        REVENUE_HEADER,
        # March: I2 300.00 (sent 23:30 CDT 03-31, 04:30 UTC 04-01: March); collected I2's
        # 100.00 on 03-31. A year before: I1 200.00 sent and paid.
        ["2026-03", "300.00", "200.00", "100.00", "200.00"],
        # April: I3 125.00 + I4 70.00; collected 200.00 - 50.00 refund + 70.00. A year before:
        # I7 102.00 (sent 23:30 CDT 2025-04-30), paid in May.
        ["2026-04", "195.00", "102.00", "220.00", "0.00"],
    ]


def test_revenue_puts_the_march_31_evening_invoice_in_march(world: World) -> None:
    client = world.a.client
    got = csv_of(client, "revenue", "months", "2026-03-31", "2026-04-01")
    assert got == [
        REVENUE_HEADER,
        ["2026-03", "300.00", "0.00", "100.00", "0.00"],  # I2 sent 23:30 CDT on the 31st
        ["2026-04", "0.00", "0.00", "200.00", "0.00"],  # only the 200.00 payment (tip apart)
    ]
    april_first = csv_of(client, "revenue", "months", "2026-04-01", "2026-04-01")
    assert april_first[1:] == [["2026-04", "0.00", "0.00", "200.00", "0.00"]]


def test_revenue_writes_a_negative_amount_as_a_plain_number(world: World) -> None:
    # New: 2026-04-10 alone holds only the 50.00 refund on I2's April payment; collected is
    # -50.00 (R31's 5.00 is paid 20 days before today, not on that day).
    assert world.today - timedelta(days=20) != date(2026, 4, 10)
    got = csv_of(world.a.client, "revenue", "months", "2026-04-10", "2026-04-10")
    # A plain number starting with "-" is not a formula: no apostrophe.
    assert got[1:] == [["2026-04", "0.00", "0.00", "-50.00", "0.00"]]


# -- by service ------------------------------------------------------------------------------

SERVICE_HEADER = ["Service", "Pricing", "Jobs", "Revenue ($)", "Average ($)"]
MODE_HEADER = ["Pricing", "Jobs", "Revenue ($)", "Average ($)"]


def test_services_and_pricing_modes(world: World) -> None:
    client = world.a.client
    services = csv_of(client, "services", "services", "2026-01-01", "2026-12-31")
    assert services[:5] == [
        SERVICE_HEADER,
        ["House wash", "Fixed price", "2", "400.00", "200.00"],  # T3, T6
        ["Gutters", "Flexible price", "2", "330.01", "165.01"],  # 33001 / 2 rounded half up
        ["Windows", "Per unit", "2", "255.00", "127.50"],  # T2 170.00 + T4 85.00
        ["Squeegee kit", "Product", "1", "50.00", "50.00"],
    ]
    # The custom lines: pricing_mode is null in the API. The null rule asks for an empty cell;
    # the CSV writes the page's em dash today (see the report of this test's author).
    assert len(services) == 6
    name, pricing, *figures = services[5]
    assert (name, figures) == ("Not from the catalog", ["1", "40.00", "40.00"])
    assert pricing in ("", "\u2014")

    modes = csv_of(client, "services", "pricing_modes", "2026-01-01", "2026-12-31")
    assert modes == [
        MODE_HEADER,
        ["Fixed price", "2", "400.00", "200.00"],
        ["Flexible price", "3", "370.01", "123.34"],  # gutters 330.01 + custom 40.00 over 3
        ["Per unit", "2", "255.00", "127.50"],
        ["Product", "1", "50.00", "50.00"],
    ]


def test_services_of_the_year_before(world: World) -> None:
    got = csv_of(world.a.client, "services", "services", "2025-01-01", "2025-12-31")
    assert got == [
        SERVICE_HEADER,
        ["House wash", "Fixed price", "1", "200.00", "200.00"],  # T1
        ["Windows", "Per unit", "2", "144.50", "72.25"],  # T12 42.50 + T7 102.00
    ]


# -- by area ---------------------------------------------------------------------------------


def test_areas_by_city_and_postal_code(world: World) -> None:
    client = world.a.client
    assert csv_of(client, "areas", "cities", "2026-01-01", "2026-12-31") == [
        ["City", "Jobs", "Revenue ($)"],
        ["Springfield", "3", "675.00"],  # 300.00 + 250.00 + 125.00
        ["Shelbyville", "1", "200.00"],
        ["(none)", "1", "180.01"],
    ]
    assert csv_of(client, "areas", "postal_codes", "2026-01-01", "2026-12-31") == [
        ["Postal code", "Jobs", "Revenue ($)"],
        ["(none)", "2", "305.01"],  # Cara 125.00 + Dan 180.01
        ["62701", "1", "300.00"],
        ["62702", "1", "250.00"],
        ["62565", "1", "200.00"],
    ]


def test_areas_of_b_end_with_the_other_row(world: World) -> None:
    # B: Town17 (170.00) down to Town03 (30.00), then Other: Town02 + Town01 = 30.00, 2 jobs.
    client = world.b.client
    cities = csv_of(client, "areas", "cities", "2026-01-01", "2026-12-31")
    assert cities == [
        ["City", "Jobs", "Revenue ($)"],
        *[[f"Town{n:02d}", "1", f"{n * 10}.00"] for n in range(17, 2, -1)],
        ["Other", "2", "30.00"],
    ]
    postal = csv_of(client, "areas", "postal_codes", "2026-01-01", "2026-12-31")
    assert postal == [
        ["Postal code", "Jobs", "Revenue ($)"],
        *[[f"100{n:02d}", "1", f"{n * 10}.00"] for n in range(17, 2, -1)],
        ["Other", "2", "30.00"],
    ]


# -- work ------------------------------------------------------------------------------------

SUMMARY_FIGURES = (
    "Hours worked (minutes)",
    "Hours booked (minutes)",
    "Jobs completed",
    "Jobs with clock time",
    "Average job (clocked) (minutes)",
    "Average estimate (minutes)",
    "Visits booked",
    "Cancelled",
    "Cancellation rate (%)",
    "No-shows",
    "No-show rate (%)",
)


def summary(*values: str) -> Rows:
    assert len(values) == len(SUMMARY_FIGURES)
    return [["Figure", "Value"], *[[f, v] for f, v in zip(SUMMARY_FIGURES, values, strict=True)]]


def weeks(first: str, last: str, completed: dict[str, int]) -> Rows:
    day, end, rows = date.fromisoformat(first), date.fromisoformat(last), [["Week of", "Completed"]]
    while day <= end:
        rows.append([day.isoformat(), str(completed.get(day.isoformat(), 0))])
        day += timedelta(days=7)
    return rows


def test_work_over_a_year(world: World) -> None:
    client = world.a.client
    assert csv_of(client, "work", "summary", "2026-01-01", "2026-12-31") == summary(
        "436",  # T2 100 + T3 (90 + 120) + T4 66 + T6 60
        "495",  # T2 90 + T3 120 + T4 60 + T6 90 + T5 60 + T9 45 + T11 30
        "5",
        "4",
        "109",  # 436 / 4
        "90",  # (90 + 120 + 60 + 90) / 4
        "8",
        "1",
        "12.5",
        "1",
        "12.5",
    )
    assert csv_of(client, "work", "weeks", "2026-01-01", "2026-12-31") == weeks(
        "2025-12-29",
        "2026-12-28",
        {"2026-03-02": 1, "2026-03-30": 1, "2026-04-13": 1, "2026-06-08": 1, "2026-10-26": 1},
    )
    heat = csv_of(client, "work", "heat", "2026-01-01", "2026-12-31")
    assert heat[0] == ["Weekday", "Hour", "Visits"]
    order = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    assert sorted(heat[1:], key=lambda r: (order.index(r[0]), r[1])) == [
        ["Wed", "10:00", "2"],  # T4 and the no-show T9
        ["Wed", "11:00", "1"],  # T6
        ["Sun", "09:00", "2"],  # T2 (CDT) and T3 (CST) on the clock-change Sundays
        ["Sun", "10:00", "1"],  # T11
        ["Sun", "19:00", "1"],  # T5, 00:30 UTC on Monday
    ]


def test_work_on_the_fall_back_sunday(world: World) -> None:
    client = world.a.client
    day = ("2026-11-01", "2026-11-01")
    assert csv_of(client, "work", "summary", *day) == summary(
        "210", "120", "1", "1", "210", "120", "1", "0", "0.0", "0", "0.0"
    )
    assert csv_of(client, "work", "weeks", *day)[1:] == [["2026-10-26", "1"]]
    assert csv_of(client, "work", "heat", *day)[1:] == [["Sun", "09:00", "1"]]


def test_work_nulls_are_empty_cells(world: World) -> None:
    # 2026-04-14: only T6's clock (started 23:50 CDT); no visit, so no averages and no rates.
    client = world.a.client
    assert csv_of(client, "work", "summary", "2026-04-14", "2026-04-14") == summary(
        "60", "0", "0", "0", "", "", "0", "0", "", "0", ""
    )
    assert csv_of(client, "work", "heat", "2026-04-14", "2026-04-14") == [
        ["Weekday", "Hour", "Visits"]
    ]


# -- receivables -----------------------------------------------------------------------------


def test_receivables_buckets_and_invoices(world: World) -> None:
    client, today, invoices = world.a.client, world.today, world.a.invoices
    assert csv_of(client, "receivables", "buckets", "2026-01-01", "2026-12-31") == [
        ["Age (days)", "Invoices", "Owed ($)"],
        ["0-30", "1", "10.00"],  # R30
        ["31-60", "1", "15.00"],  # R31 20.00 - 5.00
        ["61-90", "1", "30.00"],  # R90
        ["90+", "3", "215.00"],  # R91 40.00 + I2 50.00 + I3 125.00
    ]

    def owed(key: str, name: str, issued: date, due: date, total: str, paid: str, bal: str) -> Any:
        number = f"#{invoices[key]['number']}"
        age = str((today - issued).days)
        return [number, name, issued.isoformat(), due.isoformat(), age, total, paid, bal]

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    got = csv_of(client, "receivables", "invoices", "2026-01-01", "2026-12-31")
    assert got == [
        ["Invoice", "Customer", "Invoiced", "Due", "Days old", "Total ($)", "Paid ($)", "Owed ($)"],
        # I2 sent 23:30 CDT on 03-31: invoiced on the 31st.
        owed("I2", "Alice Able", date(2026, 3, 31), date(2026, 4, 14), "300.00", "250.00", "50.00"),
        owed("I3", "Cara Cole", date(2026, 4, 2), date(2026, 4, 16), "125.00", "0.00", "125.00"),
        owed("R91", "Gus Gray", ago(91), ago(77), "40.00", "0.00", "40.00"),
        owed("R90", "Dan Doe", ago(90), ago(76), "30.00", "0.00", "30.00"),
        owed("R31", "Ben Baker", ago(31), ago(17), "20.00", "5.00", "15.00"),
        owed("R30", "Fay Fox", ago(30), ago(16), "10.00", "0.00", "10.00"),
    ]
    # The range changes nothing but the file's name.
    assert csv_of(client, "receivables", "invoices", "2024-01-01", "2024-01-31") == got


# -- customers -------------------------------------------------------------------------------


def test_customers_months_top_and_lost(world: World) -> None:
    client = world.a.client
    changed = {
        "2026-03": ("0", "1"),  # Alice (first visit 2025-03-10): returning
        "2026-04": ("2", "0"),  # Cara and Fay
        "2026-06": ("1", "0"),  # Dan
        "2026-11": ("1", "0"),  # Ben (his March ticket was cancelled)
    }
    months = csv_of(client, "customers", "months", "2026-01-01", "2026-12-31")
    assert months == [
        ["Month", "New", "Returning"],
        *[[f"2026-{m:02d}", *changed.get(f"2026-{m:02d}", ("0", "0"))] for m in range(1, 13)],
    ]
    assert csv_of(client, "customers", "top", "2026-01-01", "2026-12-31") == [
        ["Customer", "Visits", "Last visit", "Lifetime ($)"],
        ["Alice Able", "2", "2026-03-08", "500.00"],  # T1 200.00 + T2 300.00
        ["Ben Baker", "1", "2026-11-01", "250.00"],
        ["Fay Fox", "1", "2026-04-15", "200.00"],
        ["Dan Doe", "1", "2026-06-14", "180.01"],
        ["Eve Egan", "2", "2025-02-10", "136.00"],  # T14 34.00 + T7 102.00
        ["Cara Cole", "1", "2026-04-01", "125.00"],
        ["Gus Gray", "1", "2025-01-20", "42.50"],
    ]
    assert csv_of(client, "customers", "lost", "2026-01-01", "2026-12-31") == [
        ["Customer", "Last visit"],
        ["Eve Egan", "2025-02-10"],
    ]
    # Up to 2026-06-30: cutoff 2024-12-30, nobody lost; the file is the header alone.
    assert csv_of(client, "customers", "lost", "2026-04-01", "2026-06-30") == [
        ["Customer", "Last visit"]
    ]


# -- every table against the API's JSON ------------------------------------------------------

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MODES = {
    "fixed": "Fixed price",
    "flexible": "Flexible price",
    "per_unit": "Per unit",
    "product": "Product",
}


class NullPricing:
    """The null pricing mode of the custom-lines row: "" by the null rule, "—" as written today."""

    def __eq__(self, other: object) -> bool:
        return other in ("", "\u2014")

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<empty or em dash>"


def blank(value: Any) -> str:
    return "" if value is None else str(value)


def summary_rows(d: dict[str, Any]) -> list[list[Any]]:
    h, j, r = d["hours"], d["jobs"], d["rates"]
    values = (
        h["worked_minutes"],
        h["scheduled_minutes"],
        j["completed"],
        j["timed"],
        j["average_worked_minutes"],
        j["average_estimate_minutes"],
        r["booked"],
        r["cancelled"],
        r["cancelled_pct"],
        r["no_show"],
        r["no_show_pct"],
    )
    return [[f, blank(v)] for f, v in zip(SUMMARY_FIGURES, values, strict=True)]


def each(key: str, cells: Callable[[dict[str, Any]], list[Any]]) -> Any:
    return lambda d: [cells(r) for r in d[key]]


def service_cells(r: dict[str, Any]) -> list[Any]:
    pricing = MODES[r["pricing_mode"]] if r["pricing_mode"] else NullPricing()
    money = [dollars(r["revenue_cents"]), dollars(r["average_cents"])]
    return [r["name"], pricing, str(r["jobs"]), *money]


def area_cells(r: dict[str, Any]) -> list[Any]:
    return [r["name"], str(r["jobs"]), dollars(r["revenue_cents"])]


# (report, table) -> (the report's JSON -> the CSV rows expected, written independently of
# crm/web/report_tables.py), with the range of test_report_figures.py.
EXPECTED: dict[tuple[str, str], tuple[dict[str, str], Callable[[dict[str, Any]], Any]]] = {
    ("revenue", "months"): (
        SPRING_2026,
        each(
            "months",
            lambda r: [
                r["month"],
                dollars(r["invoiced_cents"]),
                dollars(r["previous_invoiced_cents"]),
                dollars(r["collected_cents"]),
                dollars(r["previous_collected_cents"]),
            ],
        ),
    ),
    ("services", "services"): (YEAR_2026, each("services", service_cells)),
    ("services", "pricing_modes"): (
        YEAR_2026,
        each(
            "pricing_modes",
            lambda r: [
                MODES[r["pricing_mode"]],
                str(r["jobs"]),
                dollars(r["revenue_cents"]),
                dollars(r["average_cents"]),
            ],
        ),
    ),
    ("areas", "cities"): (YEAR_2026, each("cities", area_cells)),
    ("areas", "postal_codes"): (YEAR_2026, each("postal_codes", area_cells)),
    ("work", "summary"): (YEAR_2026, summary_rows),
    ("work", "weeks"): (YEAR_2026, each("weeks", lambda r: [r["week_start"], str(r["completed"])])),
    ("work", "heat"): (
        YEAR_2026,
        each("heat", lambda r: [WEEKDAYS[r["weekday"] - 1], f"{r['hour']:02d}:00", str(r["jobs"])]),
    ),
    ("receivables", "buckets"): (
        YEAR_2026,
        each("buckets", lambda r: [r["bucket"], str(r["count"]), dollars(r["balance_cents"])]),
    ),
    ("receivables", "invoices"): (
        YEAR_2026,
        each(
            "invoices",
            lambda r: [
                f"#{r['number']}",
                r["contact"]["display_name"],
                r["issued_on"],
                r["due_on"],
                str(r["age_days"]),
                dollars(r["total_cents"]),
                dollars(r["paid_cents"]),
                dollars(r["balance_cents"]),
            ],
        ),
    ),
    ("customers", "months"): (
        YEAR_2026,
        each("months", lambda r: [r["month"], str(r["new"]), str(r["returning"])]),
    ),
    ("customers", "top"): (
        YEAR_2026,
        each(
            "top",
            lambda r: [
                r["contact"]["display_name"],
                str(r["visits"]),
                r["last_visit"],
                dollars(r["revenue_cents"]),
            ],
        ),
    ),
    ("customers", "lost"): (
        YEAR_2026,
        lambda d: [[r["contact"]["display_name"], r["last_visit"]] for r in d["lost"]["customers"]],
    ),
}


def test_every_table_is_covered() -> None:
    declared = {(name, table.key) for name, tables in TABLES.items() for table in tables}
    assert declared == set(EXPECTED)
    assert len(declared) == 13  # revenue 1, services 2, areas 2, work 3, receivables 2, customers 3


@pytest.mark.parametrize(("name", "table"), list(EXPECTED), ids=[f"{n}/{t}" for n, t in EXPECTED])
def test_each_csv_is_the_api_json_in_order(world: World, name: str, table: str) -> None:
    params, expected = EXPECTED[(name, table)]
    for business in (world.a, world.b):
        data = report(business.client, f"report_{name}", **params)
        got = csv_of(business.client, name, table, params["from"], params["to"])
        assert got[1:] == expected(data)
    # A's rows are there to compare (B has no lost customers and A's revenue has months).
    assert len(csv_of(world.a.client, name, table, params["from"], params["to"])) > 1


# -- names: quoting and formulas -------------------------------------------------------------


def test_names_are_quoted_and_formulas_neutralised(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    """Its own business (a fresh database): a name with a comma and quotes, and names a
    spreadsheet would run as formulas, each on an invoice owed today."""
    names = (
        ('Mary "Mo"', "O'Neil, Jr"),
        ('=HYPERLINK("http://evil.example")', "Evil"),
        ("+Plus", "Sign"),
        ("-Minus", "Sign"),
        ("@At", "Sign"),
        ("-5", "5"),  # "-5 5" is not a plain number either
    )
    for n, (first, last) in enumerate(names):
        contact = make(
            client, "contact", first_name=first, last_name=last, email=f"p{n}@example.com"
        )
        invoice = done(
            act(
                client,
                "invoice",
                "create_standalone",
                contact_id=contact["id"],
                lines=[{"description": "Panes", "quantity": "1", "unit_price_cents": 1000 + n}],
                tax_rate_bp=0,
                due_on="2099-12-31",
            )
        )
        done(act(client, "invoice", "send", id=invoice["id"]))

    response = download(client, "receivables", "invoices", range="this_year")
    # The raw file: quotes doubled inside a quoted cell, the apostrophe inside the quotes.
    assert '"Mary ""Mo"" O\'Neil, Jr"' in response.text
    assert '"\'=HYPERLINK(""http://evil.example"") Evil"' in response.text
    got = {(row[1], row[5]) for row in rows_of(response.text)[1:]}
    assert got == {
        ('Mary "Mo" O\'Neil, Jr', "10.00"),
        ('\'=HYPERLINK("http://evil.example") Evil', "10.01"),
        ("'+Plus Sign", "10.02"),
        ("'-Minus Sign", "10.03"),
        ("'@At Sign", "10.04"),
        ("'-5 5", "10.05"),
    }


# -- what is refused, and the range ----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/reports/nope.csv?table=months",
        "/reports/revenue.csv?table=nope",
        "/reports/revenue.csv?table=cities",  # a table of another report
        "/reports/revenue.csv",  # no table
        "/reports/Revenue.csv?table=months",
    ],
)
def test_an_unknown_report_or_table_is_not_found(world: World, path: str) -> None:
    response = world.a.client.get(path + ("&" if "?" in path else "?") + "from=2026-01-01")
    assert response.status_code == 404, response.text
    assert not response.headers["content-type"].startswith("text/csv")
    assert "content-disposition" not in response.headers


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"from": "2026-05-01", "to": "2026-04-30"}, "The range starts after it ends."),
        ({"from": "2026-13-01", "to": "2026-12-31"}, "Pick both days of the range."),
        ({"from": "2026-01-01", "to": "2026-02-30"}, "Pick both days of the range."),
        ({"from": "2026-01-01", "to": "soon"}, "Pick both days of the range."),
        ({"from": "2023-01-01", "to": "2026-01-01"}, "A report covers at most three years."),
    ],
)
def test_a_bad_range_is_refused_not_swapped(
    world: World, params: dict[str, str], reason: str
) -> None:
    """A file never holds another range than the one asked for: a bad one is a 422 saying
    why, like the page."""
    client = world.a.client
    refused = client.get("/reports/revenue.csv", params={"table": "months", **params})
    assert refused.status_code == 422 and reason in refused.text
    assert "content-disposition" not in refused.headers
    assert not refused.headers["content-type"].startswith("text/csv")
    page = client.get("/reports/revenue", params=params)
    assert page.status_code == 422 and reason in page.text


def test_one_end_of_a_range_runs_to_its_month_end_and_an_unknown_preset_is_this_month(
    world: World,
) -> None:
    client = world.a.client
    january = download(client, "revenue", "months", **{"from": "2026-01-17"})
    assert january.headers["content-disposition"] == disposition(
        "revenue", "months", "2026-01-17", "2026-01-31"
    )
    assert [row[0] for row in rows_of(january.text)[1:]] == ["2026-01"]
    first = world.today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    unknown = download(client, "revenue", "months", range="fortnight")
    name = disposition("revenue", "months", first.isoformat(), last.isoformat())
    assert unknown.headers["content-disposition"] == name
    _, expected = EXPECTED[("revenue", "months")]
    assert rows_of(unknown.text)[1:] == expected(report(client, "report_revenue"))


def test_a_preset_range_names_its_days(world: World) -> None:
    client = world.a.client
    year = world.today.year - 1
    start, end = f"{year}-01-01", f"{year}-12-31"
    preset = download(client, "customers", "months", range="last_year")
    assert preset.headers["content-disposition"] == disposition("customers", "months", start, end)
    assert preset.text == download(client, "customers", "months", **{"from": start, "to": end}).text


def test_without_a_session_the_csv_redirects_to_sign_in(world: World, stranger: Any) -> None:
    path = "/reports/revenue.csv?table=months&from=2026-03-01&to=2026-04-30"
    response = stranger.get(path, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login?next=")
    assert unquote(location.removeprefix("/login?next=")) == path
    assert response.content == b""
    assert "content-disposition" not in response.headers


# -- isolation -------------------------------------------------------------------------------


def marks(world: World, which: str) -> set[str]:
    """What only that business's rows can put in a CSV: names, services, places."""
    business = world.a if which == "a" else world.b
    found = {row["display_name"] for row in business.contacts.values()}
    found |= {row["name"] for row in business.services.values()}
    if which == "a":
        found |= {"Springfield", "SPRINGFIELD", "Shelbyville", "Ogden"}
        found |= {"62701", "62702", "62565", "84401"}
    else:
        found |= {f"Town{n:02d}" for n in range(1, 18)} | {f"100{n:02d}" for n in range(1, 18)}
    return found


def test_no_csv_shows_the_other_business(world: World) -> None:
    a_marks, b_marks = marks(world, "a"), marks(world, "b")
    assert "Alice Able" in a_marks and "House wash" in a_marks and "Zed Town17" in b_marks
    seen: dict[str, str] = {"a": "", "b": ""}
    for name, table in EXPECTED:
        for params in (YEAR_2026, {"from": "2024-01-01", "to": "2026-12-31"}):
            by_a = download(world.a.client, name, table, **params).text
            by_b = download(world.b.client, name, table, **params).text
            assert not [m for m in a_marks if m in by_b], (name, table, params)
            assert not [m for m in b_marks if m in by_a], (name, table, params)
            seen["a"] += by_a
            seen["b"] += by_b
    # The check above can fail: each business's own files do name its own rows.
    assert all(m in seen["a"] for m in ("Alice Able", "Springfield", "62701", "House wash"))
    assert all(m in seen["b"] for m in ("Zed Town17", "Town03", "10017"))
