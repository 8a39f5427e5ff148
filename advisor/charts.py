"""Small inline SVG charts for the HTML record and review, with no network.

Two charts are enough for a team review: bars of a rate per label (win rate
by strategy) and a concession path against the bottom line. The SVG is
written by hand rather than by a plotting library so that a report stays one
small self-contained file; every number is checked and every text escaped,
so a customer's name can never break the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 560
BAR_HEIGHT = 22
LABEL_WIDTH = 200
FONT = "font-family='sans-serif' font-size='12'"


@dataclass(frozen=True)
class Bar:
    """One bar: a rate from 0 to 1 and the number of cases behind it."""

    label: str
    rate: float
    count: int


@dataclass(frozen=True)
class PathPoint:
    """One step of a concession path: where it happened and the value."""

    label: str
    value: float
    by: str = "us"


def rate_bars(bars: Sequence[Bar], title: str) -> str:
    """A horizontal bar chart of rates, each bar labelled with ``rate (n=count)``.

    Raises ``ValueError`` for a rate outside 0..1 or a negative count.
    """
    for bar in bars:
        _check_number(bar.rate, bar.label)
        if not 0 <= bar.rate <= 1 or bar.count < 0:
            raise ValueError(f"bar {bar.label!r} needs a rate in 0..1 and a count")
    span = WIDTH - LABEL_WIDTH - 90
    height = 30 + BAR_HEIGHT * len(bars)
    parts = [_open(height, title)]
    for row, bar in enumerate(bars):
        y = 24 + row * BAR_HEIGHT
        length = round(bar.rate * span, 1)
        parts.append(
            f"<text x='{LABEL_WIDTH - 6}' y='{y + 14}' text-anchor='end' {FONT}>"
            f"{escape(_short(bar.label))}</text>"
            f"<rect x='{LABEL_WIDTH}' y='{y + 3}' width='{length}' height='15'"
            " fill='#3b6ea5'/>"
            f"<text x='{LABEL_WIDTH + length + 4}' y='{y + 14}' {FONT}>"
            f"{bar.rate:.0%} (n={bar.count})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def concession_path(
    points: Sequence[PathPoint],
    bottom_line: float,
    title: str,
    opening: float | None = None,
) -> str:
    """A line of our values over the meeting against the bottom line.

    Our moves are a line with dots, the customer's offers hollow dots, the
    bottom line a red dashed rule and the opening a grey one. Raises
    ``ValueError`` for a value that is not a finite number.
    """
    values = [point.value for point in points] + [bottom_line]
    values += [opening] if opening is not None else []
    for value in values:
        _check_number(value, title)
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    height, left, right, top, bottom = 220, 70, WIDTH - 20, 28, 190

    def x_of(index: int) -> float:
        steps = max(len(points) - 1, 1)
        return round(left + (right - left) * index / steps, 1)

    def y_of(value: float) -> float:
        return round(bottom - (bottom - top) * (value - low) / (high - low), 1)

    parts = [_open(height, title), _rule(y_of(bottom_line), left, right, "#c0392b")]
    parts.append(_axis_label(y_of(bottom_line), bottom_line))
    if opening is not None:
        parts.append(_rule(y_of(opening), left, right, "#999"))
        parts.append(_axis_label(y_of(opening), opening))
    ours = [(x_of(i), y_of(p.value)) for i, p in enumerate(points) if p.by == "us"]
    if len(ours) > 1:
        line = " ".join(f"{x},{y}" for x, y in ours)
        parts.append(f"<polyline points='{line}' fill='none' stroke='#3b6ea5'/>")
    for index, point in enumerate(points):
        fill = "#3b6ea5" if point.by == "us" else "white"
        parts.append(
            f"<circle cx='{x_of(index)}' cy='{y_of(point.value)}' r='4'"
            f" fill='{fill}' stroke='#3b6ea5'><title>{escape(point.label)}: "
            f"{point.value:,.0f}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(height: int, title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}'"
        f" viewBox='0 0 {WIDTH} {height}' role='img' aria-label='{escape(title)}'>"
        f"<text x='4' y='14' font-family='sans-serif' font-size='13'"
        f" font-weight='bold'>{escape(title)}</text>"
    )


def _rule(y: float, left: int, right: int, colour: str) -> str:
    return (
        f"<line x1='{left}' y1='{y}' x2='{right}' y2='{y}' stroke='{colour}'"
        " stroke-dasharray='5,3'/>"
    )


def _axis_label(y: float, value: float) -> str:
    return f"<text x='4' y='{y + 4}' {FONT}>{value:,.0f}</text>"


def _check_number(value: float, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"chart {where!r} needs numbers, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"chart {where!r} needs finite numbers, got {value!r}")


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
