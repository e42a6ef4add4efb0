"""Inline SVG bar charts, made at build time: no JavaScript, and colours come from
CSS (`currentColor` and classes), so they follow dark mode and print.

Each row puts its label above its bar, so long tag names stay readable when the
chart is scaled down to a phone's width.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 480
ROW = 38
BAR = 14
VALUE_ROOM = 48


def bar_chart(rows: Sequence[tuple[str, int]], label: str = "") -> Markup:
    """A horizontal bar chart: one row per (label, value), the value printed after the bar."""
    top = max((v for _, v in rows), default=0) or 1
    height = ROW * len(rows) + 4
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"'
        f' aria-label="{escape(label)}">'
    ]
    for i, (name, value) in enumerate(rows):
        y = i * ROW
        bar = round((WIDTH - VALUE_ROOM) * value / top) if value else 0
        parts.append(
            f"<g><title>{escape(name)}: {value}</title>"
            f'<text class="chart-label" x="0" y="{y + 14}">{escape(name)}</text>'
            f'<rect class="chart-bar" x="0" y="{y + 19}" width="{bar}" height="{BAR}" rx="2"></rect>'
            f'<text class="chart-value" x="{bar + 6}" y="{y + 31}">{value}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
