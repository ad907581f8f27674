"""A tiny chart drawn on the server: an inline SVG polyline of a count per release (no JavaScript)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 320, 80, 6
MAX_DOTS = 60  # beyond this many releases a dot per release is a smear; the line alone says it


def records_chart(values: list[int | None], *, label: str) -> SafeString:
    """An SVG of `values` (oldest first; None is left out), labelled for screen readers."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if not points:
        return mark_safe("")
    top = max(v for _, v in points) or 1
    span = max(len(values) - 1, 1)
    xy = [(PAD + (WIDTH - 2 * PAD) * i / span, HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top) for i, v in points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>' for x, y in xy) if len(xy) <= MAX_DOTS else ""
    lowest = min(v for _, v in points)
    text = escape(f"{label}: from {lowest:,} to {top:,} over {len(points)} release(s)")
    return mark_safe(
        f'<svg class="chart" role="img" aria-label="{text}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title>{text}</title>'
        f'<polyline fill="none" stroke="currentColor" stroke-width="2" points="{line}"/>'
        f'<g fill="currentColor">{dots}</g></svg>'
    )
