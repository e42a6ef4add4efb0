"""Inline SVG bar charts, made at build time: no JavaScript, and colours come from
CSS (`currentColor` and classes), so they follow dark mode and print."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

ROW = 22
LABEL_WIDTH = 220
BAR_WIDTH = 360


def bar_chart(rows: Sequence[tuple[str, int]], label: str = "") -> Markup:
    """A horizontal bar chart: one row per (label, value), value printed after the bar."""
    top = max((v for _, v in rows), default=0) or 1
    height = ROW * len(rows) + 4
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(label)}">'
    ]
    for i, (name, value) in enumerate(rows):
        y = i * ROW + 2
        bar = round(BAR_WIDTH * value / top) if value else 0
        parts.append(
            f"<g><title>{escape(name)}: {value}</title>"
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(name)}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{bar}" height="{ROW - 6}" rx="2"></rect>'
            f'<text class="chart-value" x="{LABEL_WIDTH + bar + 6}" y="{y + 15}">{value}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
