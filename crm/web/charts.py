"""Chart geometry for the Reports page: numbers in, small frozen shapes out, no I/O.

The macros in templates/reports/_charts.html draw these shapes as inline SVG (no chart
JavaScript, no requests; docs/charts.md says why). Every coordinate is in a viewBox 360 units
wide, so at 390 px the 12-unit text is about 12 px; coordinates are rounded to one decimal to
keep the markup small. Text widths are estimated (no font metrics on the server), generously.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 360
CHAR = 7.0  # a generous average glyph width at the svg's font-size 12, for fitting labels
# Okabe-Ito: distinguishable with every common colour-vision deficiency, never red against green.
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73")
# One hue, light to dark: level 0 is "none", 1-4 split the busiest cell's count in quarters.
HEAT_STEPS = ("#F0F7FC", "#C6E0F2", "#8CC0E6", "#4A98D0", "#0072B2")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EMPTY_TEXT = "No data in this range"
NICE = (1, 2, 2.5, 5)

Fmt = Callable[[int], str]


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Swatch:
    """A legend entry: a coloured square and its name."""

    x: float
    y: float
    fill: str
    text: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    title: str


@dataclass(frozen=True)
class BarSeries:
    name: str
    fill: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    desc: str
    height: float
    series: tuple[BarSeries, ...]
    grid: str  # one path: a horizontal line per tick
    zero: str  # the zero line's path
    y_ticks: tuple[Text, ...]
    x_labels: tuple[Text, ...]
    legend: tuple[Swatch, ...]
    empty: Text | None
    width: int = WIDTH


@dataclass(frozen=True)
class HBar:
    label: Text
    value: Text
    x: float
    y: float
    w: float
    h: float
    title: str


@dataclass(frozen=True)
class HBarChart:
    id: str
    title: str
    desc: str
    height: float
    rows: tuple[HBar, ...]
    zero: str
    empty: Text | None
    width: int = WIDTH


@dataclass(frozen=True)
class HeatCell:
    x: float
    y: float
    fill: str
    title: str
    count: Text | None  # the number drawn in the cell when it fits
    light_text: bool  # white text on the darkest shade


@dataclass(frozen=True)
class HeatChart:
    id: str
    title: str
    desc: str
    height: float
    grid_x: float
    grid_y: float
    grid_w: float
    grid_h: float
    cell_w: float
    cell_h: float
    inner_w: float  # a cell as drawn: 2 units smaller than its column and row, for the gap
    inner_h: float
    cells: tuple[HeatCell, ...]
    row_labels: tuple[Text, ...]
    col_labels: tuple[Text, ...]
    legend: tuple[Swatch, ...]
    legend_texts: tuple[Text, ...]
    empty: Text | None
    width: int = WIDTH


def _r(value: float) -> float:
    """One decimal, and an int when whole, so the SVG says 45 rather than 45.0."""
    rounded = round(value, 1)
    return int(rounded) if rounded == int(rounded) else rounded


def compact_money(cents: int) -> str:
    """123456 → "$1.23k", 250000000 → "$2.5M": short money for an axis, where space is tight."""
    sign = "-" if cents < 0 else ""
    amount = abs(cents) / 100
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if amount >= size:
            return f"{sign}${amount / size:.2f}".rstrip("0").rstrip(".") + suffix
    if amount == int(amount):
        return f"{sign}${amount:.0f}"
    return f"{sign}${amount:.2f}"


def _steps(span: int) -> list[int]:
    """Whole round steps (1, 2, 2.5, 5 times 10^k) from 1 up to the span."""
    steps: list[int] = []
    magnitude = 1
    while not steps or steps[-1] < span:
        steps += [int(f * magnitude) for f in NICE if f * magnitude == int(f * magnitude)]
        magnitude *= 10
    return steps


def nice_ticks(low: int, high: int) -> tuple[int, int, list[int]]:
    """The axis (bottom, top) and 3-5 round ticks for data from low ≤ 0 to high ≥ 0.

    The larger side ends on a tick; the other ends at the data, so one small refund does not
    give a whole step of the chart to negative space.
    """
    fits: list[tuple[int, int, list[int]]] = []
    for step in _steps(high - low):
        if high >= -low:
            bottom, top = low, math.ceil(high / step) * step
        else:
            bottom, top = math.floor(low / step) * step, high
        ticks = [i * step for i in range(math.ceil(bottom / step), math.floor(top / step) + 1)]
        if len(ticks) <= 5:
            fits.append((bottom, top, ticks))
    # Prefer at least 3 ticks, then the tightest axis, then more ticks.
    return min(fits, key=lambda f: (len(f[2]) < 3, f[1] - f[0], -len(f[2])))


def _legend(names: Sequence[str], colours: Sequence[str], y: float) -> tuple[list[Swatch], float]:
    """Swatches left to right, wrapping onto a new line; returns them and the height used."""
    swatches: list[Swatch] = []
    x, line = 0.0, 0
    for name, colour in zip(names, colours, strict=True):
        advance = 16 + len(name) * CHAR + 12
        if x > 0 and x + advance > WIDTH:
            x, line = 0.0, line + 1
        swatches.append(Swatch(_r(x), _r(y + line * 18), colour, name))
        x += advance
    return swatches, (line + 1) * 18


def bars(
    id: str,
    title: str,
    desc: str,
    categories: list[str],
    series: list[tuple[str, list[int]]],
    fmt: Fmt,
    *,
    stacked: bool = False,
    tick_fmt: Fmt | None = None,
) -> BarChart:
    """Vertical bars per category, 1-3 series side by side or stacked, negatives below zero."""
    if not 1 <= len(series) <= len(SERIES_COLOURS):
        raise ValueError(f"bars takes 1 to {len(SERIES_COLOURS)} series, not {len(series)}")
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)}")
    tick_fmt = tick_fmt or fmt
    colours = SERIES_COLOURS[: len(series)]
    top = 4.0
    legend: list[Swatch] = []
    if len(series) > 1:
        legend, used = _legend([name for name, _ in series], colours, top)
        top += used
    top += 8  # room for the top tick's text
    plot_h = 150
    height = _r(top + plot_h + 22)
    empty = all(v == 0 for _, values in series for v in values)
    if empty:
        return BarChart(
            id, title, desc, height, (), "", "", (), (), tuple(legend),
            Text(WIDTH / 2, _r(top + plot_h / 2), EMPTY_TEXT),
        )  # fmt: skip

    if stacked:
        columns = list(zip(*(values for _, values in series), strict=True))
        high = max(0, *(sum(v for v in col if v > 0) for col in columns))
        low = min(0, *(sum(v for v in col if v < 0) for col in columns))
    else:
        every = [v for _, values in series for v in values]
        high, low = max(0, *every), min(0, *every)
    bottom, top_value, ticks = nice_ticks(low, high)
    tick_texts = [tick_fmt(t) for t in ticks]
    left = _r(max(28, max(len(t) * CHAR for t in tick_texts) + 8))
    right = WIDTH - 2
    span = top_value - bottom

    def y_of(value: float) -> float:
        return top + (top_value - value) / span * plot_h

    zero_y = _r(y_of(0))
    y_ticks = tuple(
        Text(left - 4, _r(y_of(t) + 4), s, "end") for t, s in zip(ticks, tick_texts, strict=True)
    )
    grid = "".join(f"M{left} {_r(y_of(t))}H{right}" for t in ticks if t != 0)

    band = (right - left) / len(categories)
    group_w = min(band * (0.6 if stacked else 0.8), 28 if stacked else 28 * len(series))
    bar_w = group_w if stacked else group_w / len(series)
    up = [0] * len(categories)
    down = [0] * len(categories)
    drawn: list[BarSeries] = []
    for s, ((name, values), colour) in enumerate(zip(series, colours, strict=True)):
        shapes: list[Bar] = []
        for i, (category, value) in enumerate(zip(categories, values, strict=True)):
            if value == 0:
                continue
            x = left + band * i + (band - group_w) / 2 + (0 if stacked else s * bar_w)
            base = 0
            if stacked:  # positives pile up from zero, negatives down from it
                sums = up if value > 0 else down
                base, sums[i] = sums[i], sums[i] + value
            y1, y2 = y_of(base), y_of(base + value)
            shapes.append(
                Bar(
                    _r(x), _r(min(y1, y2)), _r(bar_w), _r(abs(y2 - y1)),
                    f"{category} · {name}: {fmt(value)}",
                )
            )  # fmt: skip
        drawn.append(BarSeries(name, colour, tuple(shapes)))

    # Label every n-th category so the labels never overlap (n from the longest label).
    every_n = max(1, math.ceil((max(len(c) * CHAR for c in categories) + 6) / band))
    label_y = _r(top + plot_h + 16)
    x_labels = tuple(
        Text(_r(left + band * (i + 0.5)), label_y, c)
        for i, c in enumerate(categories)
        if i % every_n == 0
    )
    return BarChart(
        id, title, desc, height, tuple(drawn), grid, f"M{left} {zero_y}H{right}",
        y_ticks, x_labels, tuple(legend), None,
    )  # fmt: skip


def _truncate(text: str, width: float) -> str:
    most = int(width // CHAR)
    return text if len(text) <= most else text[: max(1, most - 1)].rstrip() + "…"


def hbars(id: str, title: str, desc: str, rows: list[tuple[str, int]], fmt: Fmt) -> HBarChart:
    """Ranked horizontal bars: label left (shortened to fit), value at the bar's end."""
    row_h, bar_h, top = 24, 16, 4
    height = _r(top + max(len(rows), 2) * row_h + 4)
    if all(v == 0 for _, v in rows):
        return HBarChart(
            id, title, desc, height, (), "", Text(WIDTH / 2, _r(height / 2 + 4), EMPTY_TEXT)
        )
    values = [v for _, v in rows]
    texts = [fmt(v) for v in values]
    label_w = min(max(len(label) * CHAR for label, _ in rows), 140)
    left = label_w + 8
    right = WIDTH - max(len(t) * CHAR for t in texts) - 6
    high, low = max(0, *values), min(0, *values)
    scale = (right - left) / (high - low)
    zero_x = left - low * scale
    shapes: list[HBar] = []
    for i, ((label, value), text) in enumerate(zip(rows, texts, strict=True)):
        y = top + i * row_h
        end = zero_x + value * scale
        text_y = _r(y + bar_h / 2 + 4)
        # A negative bar's value sits right of zero, where its row has nothing else.
        value_x = (end if value >= 0 else zero_x) + 4
        shapes.append(
            HBar(
                Text(0, text_y, _truncate(label, label_w), "start"),
                Text(_r(value_x), text_y, text, "start"),
                _r(min(zero_x, end)), _r(y + (row_h - bar_h) / 2 - 2), _r(abs(end - zero_x)),
                bar_h, f"{label}: {text}",
            )
        )  # fmt: skip
    zero_x = _r(zero_x)
    zero = f"M{zero_x} {top}V{_r(top + len(rows) * row_h)}"
    return HBarChart(id, title, desc, height, tuple(shapes), zero, None)


def hour_label(hour: int) -> str:
    """0 → "12a", 9 → "9a", 12 → "12p", 15 → "3p"."""
    return f"{(hour % 12) or 12}{'a' if hour < 12 else 'p'}"


def _hours(cells: dict[tuple[int, int], int]) -> range:
    """Earliest to latest hour with jobs, widened to at least 6 columns within the day."""
    busy = [hour for (_, hour), jobs in cells.items() if jobs]
    first, last = (min(busy), max(busy)) if busy else (8, 17)
    while last - first < 5:
        if last < 23:
            last += 1
        if last - first < 5 and first > 0:
            first -= 1
    return range(first, last + 1)


def heat(
    id: str,
    title: str,
    desc: str,
    cells: dict[tuple[int, int], int],
    weekdays: Sequence[str] = WEEKDAYS,
    hours: range | None = None,
) -> HeatChart:
    """Jobs by weekday (rows, ISO 1-7) and start hour (columns), darker when busier."""
    hours = hours if hours is not None else _hours(cells)
    left, top, row_h = 36, 20, 22
    cell_w = (WIDTH - left - 2) / len(hours)
    grid_h = 7 * row_h
    height = _r(top + grid_h + 30)
    every_n = next((n for n in (2, 3, 4, 6) if n * cell_w >= 30), 12)
    col_labels = tuple(
        Text(_r(left + (i + 0.5) * cell_w), 14, hour_label(h))
        for i, h in enumerate(hours)
        if h % every_n == 0
    )
    row_labels = tuple(
        Text(0, top + i * row_h + 15, day, "start") for i, day in enumerate(weekdays)
    )
    busiest = max((jobs for (day, hour), jobs in cells.items() if hour in hours), default=0)
    # Counts go in every cell or none: a dark cell without its number would look empty.
    fits = cell_w >= 6 + CHAR * len(str(busiest))
    shown: list[HeatCell] = []
    for (day, hour), jobs in sorted(cells.items()):
        if jobs <= 0 or hour not in hours or not 1 <= day <= 7:
            continue
        level = min(4, math.ceil(jobs / busiest * 4))
        x, y = left + hours.index(hour) * cell_w, top + (day - 1) * row_h
        count = Text(_r(x + (cell_w - 2) / 2), _r(y + 14.5), str(jobs)) if fits else None
        noun = "job" if jobs == 1 else "jobs"
        title_text = f"{weekdays[day - 1]} {hour}:00 · {jobs} {noun}"
        shown.append(HeatCell(_r(x), y, HEAT_STEPS[level], title_text, count, level == 4))
    legend_y = top + grid_h + 12
    start = WIDTH - 40 - len(HEAT_STEPS) * 14
    legend = tuple(Swatch(start + i * 14, legend_y, c, "") for i, c in enumerate(HEAT_STEPS))
    legend_texts = (
        Text(start - 4, legend_y + 10, "fewer", "end"),
        Text(start + len(HEAT_STEPS) * 14 + 2, legend_y + 10, "more", "start"),
    )
    middle = Text(_r(left + (WIDTH - left) / 2), _r(top + grid_h / 2 + 4), EMPTY_TEXT)
    empty = middle if busiest == 0 else None
    return HeatChart(
        id, title, desc, height, left, top, _r(len(hours) * cell_w), grid_h, _r(cell_w), row_h,
        _r(cell_w - 2), row_h - 2,
        tuple(shown), row_labels, col_labels, legend, legend_texts, empty,
    )  # fmt: skip
