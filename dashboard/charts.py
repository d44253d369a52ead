"""Geometry for the dashboard's charts, drawn by the templates as inline SVG (no chart library, nothing fetched).

The SVGs scale with the page (``viewBox``), and their text is sized so a 375 px phone shows it at about 11 px."""

from dataclasses import dataclass

from django.utils.formats import date_format

from .selectors import Row, TrendPoint

WIDTH = 340


@dataclass
class TrendChart:
    width: int
    height: int
    points: list[dict]
    polyline: str
    grid: list[dict]
    left: int
    right: int


def trend_chart(points: list[TrendPoint]) -> TrendChart:
    """A line of certified % per month, 0-100 % on the vertical axis."""
    left, right, top, bottom = 34, WIDTH - 10, 18, 142
    step = (right - left) / max(len(points) - 1, 1)

    def y(percent: int) -> float:
        return round(bottom - (bottom - top) * percent / 100, 1)

    placed = [{"x": round(left + i * step, 1), "y": y(p.percent), "percent": p.percent,
               "label": date_format(p.month, "n"), "title": f"{date_format(p.month, 'Y-m')}: {p.percent}%"
               f" ({p.certified}/{p.members})"} for i, p in enumerate(points)]
    return TrendChart(
        width=WIDTH, height=bottom + 22, points=placed, left=left, right=right,
        polyline=" ".join(f"{p['x']},{p['y']}" for p in placed),
        grid=[{"y": y(percent), "label": f"{percent}%"} for percent in (0, 50, 100)],
    )


@dataclass
class BarChart:
    width: int
    height: int
    bars: list[dict]


def bar_chart(rows: list[Row]) -> BarChart:
    """One bar per row: its certified %, the row's name above the bar so long Chinese names fit a phone."""
    row_height, scale = 34, (WIDTH - 50) / 100
    bars = [{"y": 4 + i * row_height, "label": row.label, "percent": row.figures.certified_percent,
             "width": round(row.figures.certified_percent * scale, 1), "headcount": row.figures.headcount}
            for i, row in enumerate(rows)]
    for bar in bars:
        bar["text_y"], bar["bar_y"] = bar["y"] + 12, bar["y"] + 17
        bar["value_x"] = bar["width"] + 6
    return BarChart(width=WIDTH, height=4 + len(rows) * row_height, bars=bars)
