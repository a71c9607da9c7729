"""Charts drawn on the server as inline SVG: no script, no image files, readable by anyone.

    bar_chart(...)    one bar per label (aging buckets), each with its amount written above it
    line_chart(...)   one value per period (DSO, CEI), each point with its value written beside it

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (which spells out
every value, for screen readers and for copying), and every figure is also written as text in
the drawing, so the chart needs neither colour nor hovering to be read. Colours come from
classes styled by static/console/charts.css (the console's CSP allows no inline style).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from hub.money import quantize, to_decimal

WIDTH, HEIGHT = 640, 260
TOP, BOTTOM, LEFT, RIGHT = 28, 44, 16, 16


@dataclass(frozen=True, slots=True, kw_only=True)
class Point:
    """One figure of a chart: its label on the axis, its value (None: no figure) and how it reads."""

    label: str
    value: Decimal | None
    text: str


def bar_chart(*, ident: str, title: str, description: str, points: Sequence[Point]) -> Markup:
    """Vertical bars from a zero line, one per point, with the point's text above its bar."""
    scale = _Scale([p.value for p in points])
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    parts = [_line("axis", LEFT, scale.y(Decimal(0)), WIDTH - RIGHT, scale.y(Decimal(0)))]
    for i, point in enumerate(points):
        x = LEFT + i * slot
        value = point.value or Decimal(0)
        top, bottom = sorted((scale.y(value), scale.y(Decimal(0))))
        parts.append(f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{top:.1f}" '
                     f'width="{slot * 0.7:.1f}" height="{max(bottom - top, 0.5):.1f}"></rect>')
        parts.append(_text("value", x + slot / 2, top - 6, point.text))
        parts.append(_text("label", x + slot / 2, HEIGHT - BOTTOM + 18, point.label))
    return _svg(ident, title, description, points, parts)


def line_chart(*, ident: str, title: str, description: str, points: Sequence[Point]) -> Markup:
    """A line through the points that have a value (a gap where one has none), each point
    marked and its text written above it; the labels along the bottom."""
    scale = _Scale([p.value for p in points])
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    parts = [_line("axis", LEFT, scale.y(Decimal(0)), WIDTH - RIGHT, scale.y(Decimal(0)))]
    segment: list[str] = []
    for i, point in enumerate(points):
        x = LEFT + i * slot + slot / 2
        parts.append(_text("label", x, HEIGHT - BOTTOM + 18, point.label))
        if point.value is None:
            parts.append(_text("value missing", x, scale.y(Decimal(0)) - 6, point.text))
            parts.extend(_polyline(segment))
            segment = []
            continue
        y = scale.y(point.value)
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5"></circle>')
        parts.append(_text("value", x, y - 8, point.text))
    parts.extend(_polyline(segment))
    return _svg(ident, title, description, points, parts)


def amount_text(amount: Decimal | str | int | None, currency: str | None = None) -> str:
    """An amount with thousands separators, at ``currency``'s minor unit when given, else
    exactly as stored (None: a dash)."""
    if amount is None:
        return "–"
    return f"{quantize(amount, currency) if currency else to_decimal(amount):,}"


class _Scale:
    """Values → y coordinates, zero always inside the drawing."""

    def __init__(self, values: Sequence[Decimal | None]):
        known = [v for v in values if v is not None]
        self.high = max([Decimal(0), *known])
        self.low = min([Decimal(0), *known])
        if self.high == self.low:
            self.high = self.low + 1

    def y(self, value: Decimal) -> float:
        share = float((value - self.low) / (self.high - self.low))
        return HEIGHT - BOTTOM - share * (HEIGHT - TOP - BOTTOM)


def _svg(ident: str, title: str, description: str, points: Sequence[Point], parts: list[str]) -> Markup:
    spelled = "; ".join(f"{p.label}: {p.text}" for p in points)
    head = (f'<svg class="chart" id="{escape(ident)}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{escape(ident)}-title {escape(ident)}-desc">'
            f'<title id="{escape(ident)}-title">{escape(title)}</title>'
            f'<desc id="{escape(ident)}-desc">{escape(description)} {escape(spelled)}</desc>')
    return Markup(head + "".join(parts) + "</svg>")


def _text(css: str, x: float, y: float, text: str) -> str:
    return f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{escape(text)}</text>'


def _line(css: str, x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line class="{css}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"></line>'


def _polyline(segment: list[str]) -> list[str]:
    if len(segment) < 2:
        return []
    return [f'<polyline class="trend" points="{" ".join(segment)}"></polyline>']
