"""Geometry for the dashboard's charts, drawn by the templates as inline SVG (no chart library, nothing fetched).

The SVGs do not scale with the page: their height and type sizes are fixed in CSS pixels (labels 14 px, values
13 px, readable on a 375 px phone and the same at 1280 px), and horizontal positions are percentages of the
chart's width, so the bars and the line stretch while the text keeps its size. At phone widths every other
month label of the trend is hidden (``minor``) so that labels never overlap."""

from dataclasses import dataclass

from django.utils.formats import date_format

from .selectors import Row, TrendPoint

#: Horizontal extent of the trend's plot, in % of the chart's width (the axis labels sit left of it).
PLOT_LEFT, PLOT_RIGHT = 14.0, 97.0
#: Share of the width a 100 % bar takes; the rest holds its value label.
BAR_SPAN = 85.0


@dataclass
class TrendChart:
    height: int
    points: list[dict]
    segments: list[dict]
    grid: list[dict]
    left: float
    right: float


def trend_chart(points: list[TrendPoint]) -> TrendChart:
    """A line of certified % per month, 0-100 % on the vertical axis."""
    top, bottom = 18, 150
    step = (PLOT_RIGHT - PLOT_LEFT) / max(len(points) - 1, 1)

    def y(percent: int) -> float:
        return round(bottom - (bottom - top) * percent / 100, 1)

    last = len(points) - 1
    placed = [{"x": round(PLOT_LEFT + i * step, 2), "y": y(p.percent), "percent": p.percent,
               "label": date_format(p.month, "n"), "minor": (last - i) % 2 == 1,
               "title": f"{date_format(p.month, 'Y-m')}: {p.percent}% ({p.certified}/{p.members})"}
              for i, p in enumerate(points)]
    return TrendChart(
        height=bottom + 26, points=placed, left=PLOT_LEFT, right=PLOT_RIGHT,
        # Separate segments, not a polyline: a polyline's points cannot be given in percent.
        segments=[{"x1": a["x"], "y1": a["y"], "x2": b["x"], "y2": b["y"]}
                  for a, b in zip(placed, placed[1:], strict=False)],
        grid=[{"y": y(percent), "label": f"{percent}%"} for percent in (0, 50, 100)],
    )


@dataclass
class BarChart:
    height: int
    bars: list[dict]


def bar_chart(rows: list[Row]) -> BarChart:
    """One bar per row: its certified %, the row's name above the bar so long Chinese names fit a phone."""
    row_height = 40
    bars = [{"y": 4 + i * row_height, "label": row.label, "percent": row.figures.certified_percent,
             "width": round(row.figures.certified_percent * BAR_SPAN / 100, 2), "headcount": row.figures.headcount}
            for i, row in enumerate(rows)]
    for bar in bars:
        bar["text_y"], bar["bar_y"] = bar["y"] + 14, bar["y"] + 21
    return BarChart(height=4 + len(rows) * row_height, bars=bars)
