"""The Reports page's inline SVG charts: crm/web/charts.py's shapes drawn by reports/_charts.html.

Each chart is rendered through the real macros and parsed as XML, so what is checked is what a
browser (and a screen reader) gets.
"""

from __future__ import annotations

import gzip
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

import crm
from crm.web import charts
from crm.web.formats import money

# The same loader and autoescaping as the app's Jinja2Templates.
ENV = Environment(
    loader=FileSystemLoader(Path(crm.__file__).parent / "templates"),
    autoescape=select_autoescape(),
)
MACROS = ENV.get_template("reports/_charts.html").module
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
THIS_YEAR = [123450, 98000, 150075, 210000, 305050, 402000, 380000, 350500, 290000, 220000, 150000]
LAST_YEAR = [100000, 90000, 140075, 200000, 285050, 392000, 360000, 330500, 280000, 200000, 140000]


def render(chart: object) -> str:
    """The chart through its macro, as a page's `charts.bars(c)` etc. would render it."""
    name = {charts.BarChart: "bars", charts.HBarChart: "hbars", charts.HeatChart: "heat"}
    return str(getattr(MACROS, name[type(chart)])(chart))


def xml(markup: str) -> ET.Element:
    """Parse markup this test rendered itself (so not untrusted input); fails if ill-formed."""
    return ET.fromstring(markup)  # noqa: S314


def parse(chart: object) -> ET.Element:
    return xml(render(chart))


def hovers(svg: ET.Element, tag: str = "rect") -> list[ET.Element]:
    """The shapes that show a value on hover: those with their own <title>."""
    return [e for e in svg.iter(tag) if e.find("title") is not None]


def title_of(element: ET.Element) -> str:
    title = element.find("title")
    assert title is not None
    return title.text or ""


def zero_y(svg: ET.Element) -> float:
    """The y of the bar chart's zero line (the path drawn in the axis grey, "M{x} {y}H{x}")."""
    path = next(p for p in svg.iter("path") if p.get("stroke") == "#57606a")
    match = re.fullmatch(r"M[\d.]+ ([\d.]+)H[\d.]+", path.get("d", ""))
    assert match
    return float(match[1])


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter("text")]


def revenue(months: list[str] | None = None) -> charts.BarChart:
    categories = [f"{m} 2026" for m in MONTHS] if months is None else months
    return charts.bars(
        "revenue",
        "Revenue by month",
        "Collected this year against last year, by month.",
        categories,
        [("This year", [*THIS_YEAR, -12000]), ("Last year", [*LAST_YEAR, 90000])],
        money,
        tick_fmt=charts.compact_money,
    )


def test_a_chart_is_an_image_named_by_its_own_title_and_description() -> None:
    svg = parse(revenue())
    assert svg.tag == "svg"
    assert svg.get("role") == "img"
    assert svg.get("width") == "100%"
    labelled_by = (svg.get("aria-labelledby") or "").split()
    assert labelled_by == ["revenue-t", "revenue-d"]
    by_id = {e.get("id"): e for e in svg.iter() if e.get("id")}
    assert by_id["revenue-t"].tag == "title"
    assert by_id["revenue-t"].text == "Revenue by month"
    assert by_id["revenue-d"].tag == "desc"
    assert by_id["revenue-d"].text == "Collected this year against last year, by month."
    # The viewBox keeps a phone's 390 px about one px per unit, so 12-unit text stays legible.
    _, _, width, _ = (float(v) for v in (svg.get("viewBox") or "").split())
    assert 360 <= width <= 400
    assert svg.get("font-size") == "12"


def test_several_charts_on_a_page_have_unique_ids() -> None:
    page = "<div>{}{}{}</div>".format(
        render(revenue()),
        render(charts.hbars("services", "By service", "Revenue per service.", [("A", 1)], money)),
        render(charts.heat("busy", "Busiest hours", "Jobs by weekday and hour.", {(1, 9): 2})),
    )
    ids = [e.get("id") for e in xml(page).iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == 7  # two per chart and the heat grid's pattern


def test_every_bar_says_its_month_series_and_value_on_hover() -> None:
    titles = [title_of(r) for r in hovers(parse(revenue()))]
    assert len(titles) == 24
    assert "Jan 2026 · This year: $1,234.50" in titles
    assert "Mar 2026 · Last year: $1,400.75" in titles
    assert "Dec 2026 · This year: -$120.00" in titles


def test_bar_heights_are_proportional_to_their_values() -> None:
    chart = charts.bars(
        "jobs", "Jobs", "Jobs per week.", ["a", "b", "c"], [("Jobs", [10, 20, 40])], str
    )
    heights = [float(r.get("height", "")) for r in hovers(parse(chart))]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.2)


def test_a_negative_month_hangs_below_the_zero_line_and_the_others_stand_on_it() -> None:
    svg = parse(revenue())
    zero = zero_y(svg)
    bars = {title_of(r): r for r in hovers(svg)}
    refund = bars["Dec 2026 · This year: -$120.00"]
    assert float(refund.get("y", "")) == pytest.approx(zero, abs=0.1)
    assert float(refund.get("height", "")) > 0
    june = bars["Jun 2026 · This year: $4,020.00"]
    bottom = float(june.get("y", "")) + float(june.get("height", ""))
    assert bottom == pytest.approx(zero, abs=0.1)


def test_the_y_axis_has_three_to_five_round_ticks_in_the_tick_format() -> None:
    ticks = [t.text for t in parse(revenue()).iter("text") if (t.text or "").startswith("$")]
    assert 3 <= len(ticks) <= 5
    assert ticks[0] == "$0"
    assert all(re.fullmatch(r"\$\d+(\.\d+)?k?", t or "") for t in ticks)


@pytest.mark.parametrize(
    ("low", "high"), [(0, 1), (0, 7), (0, 402000), (-12000, 402000), (-50000, 1000), (0, 99999)]
)
def test_ticks_cover_the_data_with_few_round_steps(low: int, high: int) -> None:
    bottom, top, ticks = charts.nice_ticks(low, high)
    assert bottom <= low and top >= high and 0 in ticks
    assert 2 <= len(ticks) <= 5
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    assert re.fullmatch(r"(1|2|25|5)0*", str(steps.pop()))


def test_stacked_bars_sit_on_each_other() -> None:
    chart = charts.bars(
        "customers", "New and returning", "Customers per month.", ["Jan", "Feb"],
        [("New", [3, 5]), ("Returning", [6, 2])], str, stacked=True,
    )  # fmt: skip
    bars = {title_of(r): r for r in hovers(parse(chart))}
    new, returning = bars["Jan · New: 3"], bars["Jan · Returning: 6"]
    assert new.get("x") == returning.get("x")
    top_of_new = float(new.get("y", ""))
    bottom_of_returning = float(returning.get("y", "")) + float(returning.get("height", ""))
    assert bottom_of_returning == pytest.approx(top_of_new, abs=0.1)
    assert float(returning.get("height", "")) == pytest.approx(
        2 * float(new.get("height", "")), abs=0.2
    )


def test_two_series_get_a_legend_and_colour_blind_safe_colours() -> None:
    svg = parse(revenue())
    fills = {g.get("fill") for g in svg.iter("g") if g.find("rect/title") is not None}
    assert fills == {"#0072B2", "#E69F00"}
    assert "This year" in texts(svg) and "Last year" in texts(svg)
    single = charts.bars("w", "Jobs", "Jobs per week.", ["a"], [("Jobs", [3])], str)
    assert "Jobs" not in texts(parse(single))


def test_long_ranges_label_every_nth_category_so_labels_never_overlap() -> None:
    months = [f"{m} {y}" for y in (2024, 2025, 2026) for m in MONTHS]
    chart = charts.bars("m", "Three years", "Per month.", months, [("All", [1] * 36)], str)
    labels = [t for t in parse(chart).iter("text") if t.text in months]
    assert 4 <= len(labels) <= 12
    xs = [float(t.get("x", "")) for t in labels]
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert min(gaps) >= len("Jan 2024") * 7  # wider than the text at 12 px
    assert labels[0].text == "Jan 2024"
    few = charts.bars("m", "Half a year", "Per month.", MONTHS[:6], [("All", [1] * 6)], str)
    assert [t for t in texts(parse(few)) if t in MONTHS] == MONTHS[:6]


@pytest.mark.parametrize(
    "chart",
    [
        charts.bars("e", "Revenue", "None yet.", MONTHS, [("This year", [0] * 12)], money),
        charts.bars("e", "Revenue", "None yet.", [], [("This year", [])], money),
        charts.hbars("e", "By service", "None yet.", [("Gutters", 0)], money),
        charts.hbars("e", "By service", "None yet.", [], money),
        charts.heat("e", "Busiest hours", "None yet.", {}),
        charts.heat("e", "Busiest hours", "None yet.", {(2, 9): 0}),
    ],
    ids=["bars-zero", "bars-none", "hbars-zero", "hbars-none", "heat-none", "heat-zero"],
)
def test_a_range_without_data_says_so_instead_of_drawing_nothing(chart: object) -> None:
    svg = parse(chart)
    assert "No data in this range" in texts(svg)
    assert hovers(svg) == []


def test_labels_and_values_are_escaped() -> None:
    nasty = 'Tom & Jerry\'s <b>"best"</b>'
    chart = charts.bars(nasty, nasty, nasty, [nasty], [(nasty, [5])], lambda v: f"<{v}>&")
    html = render(chart)
    assert "<b>" not in html
    svg = xml(html)  # well-formed despite the markup in every text
    assert svg.find("title") is not None and svg.find("title").text == nasty  # type: ignore[union-attr]
    assert title_of(hovers(svg)[0]) == f"{nasty} · {nasty}: <5>&"
    assert nasty in texts(svg)
    rows = charts.hbars("h", "t", "d", [(nasty, 5)], lambda v: f"<{v}>&")
    row_svg = parse(rows)
    assert "<5>&" in texts(row_svg)
    assert title_of(next(row_svg.iter("g"))) == f"{nasty}: <5>&"


def test_a_twelve_month_two_series_chart_stays_small() -> None:
    """The page's budget is ≤ 10 KB gzipped on a repeat load (bench/page_weight.py)."""
    markup = render(revenue()).encode()
    assert len(markup) <= 3500
    assert len(gzip.compress(markup)) <= 1000


def test_ranked_bars_shorten_long_labels_but_keep_the_full_name_on_hover() -> None:
    name = "Window cleaning, interior and exterior, two storeys"
    chart = charts.hbars(
        "services", "By service", "Revenue per service.",
        [(name, 1234500), ("Gutters", 500000), ("Refunds", -30000)], money,
    )  # fmt: skip
    svg = parse(chart)
    rows = [g for g in svg.iter("g") if g.find("title") is not None]
    assert [title_of(g) for g in rows] == [
        f"{name}: $12,345.00",
        "Gutters: $5,000.00",
        "Refunds: -$300.00",
    ]
    first_label = rows[0].findall("text")[0].text or ""
    assert first_label.endswith("…") and name.startswith(first_label[:-1])
    assert len(first_label) * 7 <= 140
    widths = [float(g.find("rect").get("width", "")) for g in rows]  # type: ignore[union-attr]
    assert widths[0] == pytest.approx(widths[1] * 12345 / 5000, abs=0.2)
    # The value sits just past the bar's end; the refund's bar ends where the others start.
    bar, value = rows[0].find("rect"), rows[0].findall("text")[1]
    assert bar is not None and value.text == "$12,345.00"
    end = float(bar.get("x", "")) + float(bar.get("width", ""))
    assert end < float(value.get("x", "")) <= end + 6
    refund = rows[2].find("rect")
    assert refund is not None
    refund_end = float(refund.get("x", "")) + float(refund.get("width", ""))
    assert refund_end == pytest.approx(float(rows[0].find("rect").get("x", "")), abs=0.1)  # type: ignore[union-attr]


def test_ranked_bars_grow_taller_with_more_rows() -> None:
    def height(n: int) -> float:
        chart = charts.hbars("a", "t", "d", [(f"Area {i}", 100 - i) for i in range(n)], str)
        return float((parse(chart).get("viewBox") or "").split()[3])

    assert height(16) > height(4) > 0
    assert height(16) - height(4) == pytest.approx(12 * 24)


def busy_week() -> dict[tuple[int, int], int]:
    return {(1, 8): 1, (2, 9): 4, (2, 10): 8, (3, 14): 2, (5, 16): 6, (6, 11): 3}


def test_heat_cells_say_weekday_hour_and_jobs_and_darken_with_the_count() -> None:
    svg = parse(charts.heat("busy", "Busiest hours", "Jobs by weekday and hour.", busy_week()))
    cells = {title_of(r): r.get("fill") for r in hovers(svg)}
    assert cells == {
        "Mon 8:00 · 1 job": "#C6E0F2",
        "Tue 9:00 · 4 jobs": "#8CC0E6",
        "Tue 10:00 · 8 jobs": "#0072B2",
        "Wed 14:00 · 2 jobs": "#C6E0F2",
        "Fri 16:00 · 6 jobs": "#4A98D0",
        "Sat 11:00 · 3 jobs": "#8CC0E6",
    }
    # Counts are written in the cells, white only on the darkest blue.
    counts = {t.text: t.get("fill") for t in svg.iter("text") if (t.text or "").isdigit()}
    assert counts == {"1": None, "4": None, "8": "#fff", "2": None, "6": None, "3": None}
    assert {"fewer", "more", "Mon", "Sun"} <= set(texts(svg))


def test_heat_columns_run_from_the_first_to_the_last_busy_hour_labelled_every_few_hours() -> None:
    svg = parse(charts.heat("busy", "Busiest hours", "By hour.", busy_week()))
    hours = [t for t in texts(svg) if re.fullmatch(r"\d+[ap]", t)]
    assert hours == ["8a", "10a", "12p", "2p", "4p"]  # 8:00 to 16:00, every 2 hours
    one_hour = parse(charts.heat("one", "Busiest hours", "By hour.", {(3, 12): 1}))
    grid = next(r for r in one_hour.iter("rect") if (r.get("fill") or "").startswith("url("))
    cell = hovers(one_hour)[0]
    assert float(grid.get("width", "")) / float(cell.get("width", "")) == pytest.approx(6, rel=0.1)
    day = parse(charts.heat("day", "Busiest hours", "By hour.", {(1, 0): 1, (7, 23): 1}))
    assert [t for t in texts(day) if re.fullmatch(r"\d+[ap]", t)] == [
        "12a", "3a", "6a", "9a", "12p", "3p", "6p", "9p",
    ]  # fmt: skip


def test_compact_money_for_axis_ticks() -> None:
    assert [charts.compact_money(c) for c in (0, 50, 25000, 123456, 250000000, -200000)] == [
        "$0", "$0.50", "$250", "$1.23k", "$2.5M", "-$2k",
    ]  # fmt: skip


def test_heat_counts_are_in_every_cell_or_none() -> None:
    full_day = {(1, h): 10 + h for h in range(24)} | {(2, 3): 1}
    svg = parse(charts.heat("day", "Busiest hours", "By hour.", full_day))
    assert len(hovers(svg)) == 25
    assert not [t for t in texts(svg) if t.isdigit()]  # 2-digit counts do not fit 24 columns
    few = parse(charts.heat("few", "Busiest hours", "By hour.", {(1, 9): 12, (2, 10): 1}))
    assert sorted(t for t in texts(few) if t.isdigit()) == ["1", "12"]
