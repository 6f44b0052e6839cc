"""Server-side SVG charts for the signals dashboard and report: no script, no web fonts, no tiles.

Every chart is an <svg role="img"> with a <title> and <desc>; the page shows a table with
the same numbers beside it, which is what screen readers read. A hidden count ("<5",
or "x" when hidden to protect another) is drawn as a short grey bar or the smallest
circle with its label, never at its real size. Text is escaped; colours meet WCAG contrast against white.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

INK = "#1b1b1b"
MUTED = "#595959"
BAR = "#00567a"
HIDDEN = "#8a8a8a"
GRID = "#d0d0d0"
SERIES = ("#00567a", "#a6400d", "#2e6b1f", "#6b2c91", "#8a5a00", "#b0005a", "#005f5f", "#3d3d3d")
FONT = 'font-family="system-ui, sans-serif"'


def _e(text: object) -> str:
    return escape(str(text), {'"': "&quot;"})


def _n(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _frame(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="chart" {FONT}>'
        f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, int | str]], desc: str = "") -> Markup:
    """Return horizontal bars, one per (label, count); "<5" gets a short grey bar."""
    label_w, bar_w, row_h, width = 230, 300, 26, 600
    height = max(1, len(rows)) * row_h + 10
    largest = max([_n(v) for _, v in rows] + [1])
    body = []
    for i, (label, value) in enumerate(rows):
        y = 5 + i * row_h
        body.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="13" fill="{INK}">{_e(label)}</text>'
        )
        if isinstance(value, str):
            body.append(f'<rect x="{label_w}" y="{y + 5}" width="8" height="16" fill="{HIDDEN}"/>')
            body.append(f'<text x="{label_w + 14}" y="{y + 17}" font-size="13" fill="{MUTED}">{_e(value)}</text>')
            continue
        w = bar_w * value / largest if value else 0
        body.append(f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="16" fill="{BAR}"/>')
        body.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" font-size="13" fill="{INK}">{value}</text>')
    return _frame(chart_id, width, height, title, desc or "Staafdiagram; de tabel ernaast geeft dezelfde getallen.", body)


def line_chart(
    chart_id: str,
    title: str,
    week_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | str]]],
    desc: str = "",
) -> Markup:
    """Return one line per series over the weeks; a hidden week leaves a gap in its line."""
    width, height, left, right, top, bottom = 640, 260, 44, 150, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    largest = max([_n(v) for _, values in series for v in values] + [1])
    step = _nice_step(largest)
    ymax = step * math.ceil(largest / step)
    n = max(1, len(week_labels) - 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        return left + plot_w * i / n, top + plot_h * (1 - v / ymax)

    body = []
    for tick in range(0, ymax + 1, step):
        y = top + plot_h * (1 - tick / ymax)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{MUTED}">{tick}</text>')
    every = max(1, math.ceil(len(week_labels) / 8))
    for i, label in enumerate(week_labels):
        if i % every == 0:
            x = left + plot_w * i / n
            body.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
                f'fill="{MUTED}">{_e(label.split("-")[-1])}</text>'
            )
    for s, (label, values) in enumerate(series):
        colour = SERIES[s % len(SERIES)]
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(values):
            if isinstance(v, str):
                runs.append([])
                continue
            runs[-1].append(xy(i, v))
        for run in runs:
            if len(run) == 1:
                body.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="2.5" fill="{colour}"/>')
            elif run:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        ly = top + 14 + s * 18
        body.append(f'<rect x="{width - right + 10}" y="{ly - 9}" width="12" height="4" fill="{colour}"/>')
        body.append(f'<text x="{width - right + 27}" y="{ly - 3}" font-size="12" fill="{INK}">{_e(label)}</text>')
    return _frame(chart_id, width, height, title, desc or "Lijndiagram per week; de tabel ernaast geeft de getallen.", body)


def _nice_step(largest: int) -> int:
    raw = max(1, largest / 4)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)


def map_chart(
    chart_id: str,
    title: str,
    places: Sequence[tuple[str, float, float]],
    points: Sequence[tuple[str, float, float, int | str]],
    desc: str = "",
) -> Markup:
    """Return Drenthe's places as dots and a circle per place sized by its conversations.

    `places` are all gazetteer places (name, lat, lon), drawn small for orientation;
    `points` the places with a count. Circle area grows with the count; "<5" gets the
    smallest circle. Equirectangular projection, corrected for latitude.
    """
    width, height, pad = 560, 520, 28
    lats = [p[1] for p in places] or [52.9]
    lons = [p[2] for p in places] or [6.6]
    mid = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = (max(lons) - min(lons)) * mid or 1
    span_y = (max(lats) - min(lats)) or 1
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return pad + (lon - min(lons)) * mid * scale, pad + (max(lats) - lat) * scale

    largest = max([_n(p[3]) for p in points] + [1])
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f7f9"/>']
    for _, lat, lon in places:
        x, y = xy(lat, lon)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.6" fill="{MUTED}"/>')
    ranked = sorted(points, key=lambda p: -_n(p[3]))
    for name, lat, lon, value in sorted(points, key=lambda p: -_n(p[3]) if not isinstance(p[3], str) else 0):
        if not isinstance(value, str) and value <= 0:
            continue
        x, y = xy(lat, lon)
        r = 3.0 if isinstance(value, str) else max(3.0, 24 * math.sqrt(value / largest))
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{BAR}" fill-opacity="0.45" stroke="{BAR}">'
            f"<title>{_e(name)}: {_e(value)} gesprekken</title></circle>"
        )
    for name, lat, lon, value in ranked[:8]:
        if isinstance(value, str) or value <= 0:
            continue
        x, y = xy(lat, lon)
        body.append(f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" font-size="12" fill="{INK}">{_e(name)}</text>')
    return _frame(
        chart_id, width, height, title, desc or "Kaart van Drenthe met een cirkel per woonplaats; de tabel geeft de getallen.", body
    )
