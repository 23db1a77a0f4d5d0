"""The status page's chart of the last day: inline SVG built here, no JavaScript.

One chart per tenant: a bar per clock hour (UTC) for the last 24 hours, the
requests that succeeded in the accent colour with the errors (HTTP status
400 and above) stacked on top in the error colour. The SVG is an image with
a ``<title>`` and a ``<desc>`` that says the totals and the busiest hour in
words; every bar has its own ``<title>``; the hour labels and the scale are
text. The dashboard adds a legend and the same numbers as a table
(``admin/dashboard.html``).
"""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup
from markupsafe import escape

from app.activity.hourly import HourCount

#: The page's colours (``admin/base.html``: ``--accent`` and ``--err``).
OK_COLOUR = "#0b4f9c"
ERROR_COLOUR = "#a4161a"

WIDTH, HEIGHT = 720, 170
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28
#: An hour with errors shows at least this many pixels of them, however few.
MIN_ERROR_HEIGHT = 3


def hour_label(start: float) -> str:
    return dt.datetime.fromtimestamp(start, dt.UTC).strftime("%H:00")


def describe(series: list[HourCount]) -> str:
    """The chart in words: totals and the busiest hour."""
    requests = sum(h.requests for h in series)
    errors = sum(h.errors for h in series)
    if not requests:
        return "No requests in the last 24 hours."
    busiest = max(series, key=lambda h: (h.requests, h.start))
    return (f"{requests} requests, {errors} of them errors, in the last 24 hours. "
            f"Busiest hour: {hour_label(busiest.start)} UTC, with {busiest.requests} requests "
            f"and {busiest.errors} errors.")


def scale_top(peak: int) -> int:
    """A round top for the scale: 1, 2, 5, 10, 20, 50... at least ``peak``."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if top * step >= peak:
                return top * step
        top *= 10


def hourly_svg(series: list[HourCount], tenant: str, ident: str) -> Markup:
    """The SVG chart of ``series`` (oldest hour first) for ``tenant``; ``ident`` makes ids unique."""
    top = scale_top(max((h.requests for h in series), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(series), 1)
    bar_w = max(slot * 0.7, 1)
    base = TOP + plot_h
    title_id, desc_id = f"{ident}-title", f"{ident}-desc"
    parts = [
        f'<svg class="hourly" role="img" aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">Requests per hour, last 24 hours, tenant {escape(tenant)}</title>',
        f'<desc id="{desc_id}">{escape(describe(series))}</desc>',
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#4a4a4a"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}" stroke="#c8c8c8" '
        f'stroke-dasharray="4 4"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="12">{top}</text>',
        f'<text x="{LEFT - 6}" y="{base + 4}" text-anchor="end" font-size="12">0</text>',
    ]
    for index, hour in enumerate(series):
        x = LEFT + index * slot + (slot - bar_w) / 2
        total_h = plot_h * hour.requests / top
        error_h = plot_h * hour.errors / top
        if hour.errors:
            error_h = min(max(error_h, MIN_ERROR_HEIGHT), max(total_h, MIN_ERROR_HEIGHT))
        ok_h = max(total_h - error_h, 0)
        label = (f"{hour_label(hour.start)} UTC: {hour.requests} requests, "
                 f"{hour.errors} errors")
        parts.append(f"<g><title>{label}</title>")
        if ok_h:
            parts.append(f'<rect class="ok-bar" x="{x:.1f}" y="{base - ok_h:.1f}" '
                         f'width="{bar_w:.1f}" height="{ok_h:.1f}" fill="{OK_COLOUR}"/>')
        if error_h:
            parts.append(f'<rect class="error-bar" x="{x:.1f}" y="{base - ok_h - error_h:.1f}" '
                         f'width="{bar_w:.1f}" height="{error_h:.1f}" fill="{ERROR_COLOUR}"/>')
        parts.append("</g>")
        if index % 6 == 0 or index == len(series) - 1:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                         f'font-size="12">{hour_label(hour.start)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
