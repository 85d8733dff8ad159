"""Geometry for the statistics charts: pure arithmetic, drawn as SVG by
templates/macros/charts.html (no JavaScript, no inline style; colours are CSS classes).

Coordinates are in the SVG's own units (its viewBox); the SVG scales to its box.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

SERIES = 8  # colour classes series-0 .. series-7 in static/css/charts.css


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)  # pragma: no cover (step 10 always fits)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str  # the value as written beside the bar
    y: float
    width: float
    series: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    row: int
    bar_height: int
    bars: list[Bar]

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - 60


def text_width(text: str, size: float = 15) -> float:
    """About how wide ``text`` is drawn at ``size`` px: Hangul and other wide characters take
    a full em, the rest a bit over half."""
    return sum(size if unicodedata.east_asian_width(char) in "WF" else size * 0.58 for char in text)


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    shown: Sequence[str] | None = None,
    width: int = 480,
    label_width: int | None = None,
    row: int = 32,
    top: int | None = None,
) -> BarChart:
    """One horizontal bar per item, scaled to the largest (or to ``top``, e.g. 100 for
    percentages); the labels get the room their longest one needs (within bounds)."""
    if label_width is None:
        longest = max((text_width(label) for label, _value in items), default=0)
        label_width = max(120, min(width // 2, math.ceil(longest) + 14))
    bar_height = row - 10
    chart = BarChart(width, max(len(items), 1) * row, label_width, row, bar_height, [])
    scale = top or max((value for _label, value in items), default=0) or 1
    for n, (label, value) in enumerate(items):
        chart.bars.append(
            Bar(
                label=label,
                value=value,
                shown=shown[n] if shown else f"{value:,}",
                y=n * row + 5,
                width=round(chart.plot_width * max(value, 0) / scale, 1),
                series=n % SERIES,
            )
        )
    return chart


@dataclass(frozen=True)
class Segment:
    y: float
    height: float
    value: int
    series: int


@dataclass(frozen=True)
class Column:
    label: str
    x: float
    total: int
    segments: list[Segment]
    show_label: bool


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    left: int
    plot_height: int
    column_width: float
    columns: list[Column]
    ticks: list[Tick]

    @property
    def baseline(self) -> int:
        return self.plot_height + 10


def column_chart(
    labels: Sequence[str],
    series: Sequence[Sequence[int]],
    *,
    width: int = 560,
    plot_height: int = 220,
    left: int = 56,
    label_room: float = 56,
) -> ColumnChart:
    """Stacked columns: one per label, one segment per series (in order, bottom up), with a
    value axis of whole-number lines; labels thinned so they never overlap."""
    count = max(len(labels), 1)
    totals = [sum(values[n] for values in series) for n in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    step = (width - left - 10) / count
    every = max(1, math.ceil(label_room / step))
    columns = []
    for n, label in enumerate(labels):
        bottom = float(plot_height + 10)
        segments = []
        for index, values in enumerate(series):
            height = round(plot_height * values[n] / top, 1)
            if values[n]:
                bottom -= height
                segments.append(Segment(round(bottom, 1), height, values[n], index % SERIES))
        columns.append(
            Column(
                label=label,
                x=round(left + n * step + step * 0.15, 1),
                total=totals[n],
                segments=segments,
                show_label=n % every == 0,
            )
        )
    intervals = next(n for n in (4, 5, 2, 1) if top % n == 0)  # whole numbers on each line
    ticks = [
        Tick(y=round(plot_height + 10 - plot_height * k / intervals, 1), value=top * k // intervals)
        for k in range(intervals + 1)
    ]
    return ColumnChart(
        width=width,
        height=plot_height + 40,
        left=left,
        plot_height=plot_height,
        column_width=round(step * 0.7, 1),
        columns=columns,
        ticks=ticks,
    )
