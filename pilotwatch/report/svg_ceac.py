"""The cost-effectiveness acceptability curve as inline SVG (same conventions as :mod:`pilotwatch.report.svg`).

A numeric x axis (willingness to pay, mln USD per point) and a probability axis 0-1, one line per
curve (a body's tested years, or one body each in the national report), with a dotted 50 % line: where a
curve crosses it is the willingness to pay above which the pilot is more likely than not cost-effective.
Kept in its own module so the other chart helpers stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pilotwatch.report.svg import LEGEND_ROW, _legend, _legend_rows, _nice_ticks, _open, _title, empty_chart

#: Line colours, in order: distinguishable, and each curve is also named in the legend.
PALETTE = ("#1f5fa8", "#d9822b", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#7a7a7a")


def acceptability_chart(title: str, curves: Sequence[tuple[str, Sequence[tuple[float, float]]]],
                        width: int = 560, height: int = 260) -> str:
    """``curves``: (label, [(wtp, probability), ...]) each; probabilities in 0-1."""
    curves = [(label, sorted(points)) for label, points in curves if points]
    if not curves:
        return empty_chart(title, "no acceptability curve computed (no uncertainty section, or no tested year)", width)
    xs = [x for _, pts in curves for x, _ in pts]
    ticks_x = _nice_ticks(min(xs), max(xs), 5)
    x0, x1 = ticks_x[0], ticks_x[-1]
    title_svg, extra = _title(title, width)
    items = [(label, PALETTE[i % len(PALETTE)], False) for i, (label, _) in enumerate(curves)]
    legend_rows = len(_legend_rows(items, 48, width))
    height = height + extra + (legend_rows - 1) * LEGEND_ROW
    left, right, top, bottom = 48, 16, 44 + extra, 60 + (legend_rows - 1) * LEGEND_ROW
    pw, ph = width - left - right, height - top - bottom

    def x(v: float) -> float:
        return left + pw * (v - x0) / ((x1 - x0) or 1.0)

    def y(p: float) -> float:
        return top + ph * (1 - p)

    out = [_open(width, height, title), title_svg,
           f'<text x="8" y="{31 + extra}" font-size="11" fill="#555">probability the pilot is cost-effective</text>']
    for p in (0.0, 0.25, 0.5, 0.75, 1.0):
        dash = ' stroke-dasharray="2 3" stroke="#999"' if p == 0.5 else ' stroke="#e4e4e4"'
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(p):.1f}" y2="{y(p):.1f}"{dash}/>')
        out.append(f'<text x="{left - 6}" y="{y(p) + 4:.1f}" font-size="10" fill="#555" text-anchor="end">{p:.0%}</text>')
    for t in ticks_x:
        out.append(f'<text x="{x(t):.1f}" y="{top + ph + 15}" font-size="10" fill="#555" text-anchor="middle">{t:g}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 30}" font-size="10" fill="#555" text-anchor="middle">'
               'willingness to pay, mln USD per point of effectiveness</text>')
    for (label, pts), (_, color, _) in zip(curves, items, strict=True):
        d = " ".join(f"{'M' if i == 0 else 'L'}{x(w):.1f},{y(p):.1f}" for i, (w, p) in enumerate(pts))
        out.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2.2">'
                   f'<title>{escape(label)}</title></path>')
        crossing = crossing_50(pts)
        if crossing is not None:
            out.append(f'<circle cx="{x(crossing):.1f}" cy="{y(0.5):.1f}" r="3.5" fill="{color}">'
                       f'<title>{escape(label)}: more likely than not cost-effective from about {crossing:.1f} mln USD per point'
                       f'</title></circle>')
    out.append(_legend(items, left, height - 12 - (legend_rows - 1) * LEGEND_ROW, width))
    out.append("</svg>")
    return "".join(out)


def crossing_50(points: Sequence[tuple[float, float]]) -> float | None:
    """The willingness to pay where a rising curve first reaches 50 %, interpolated between grid points
    (None when it starts at or above 50 % or never reaches it)."""
    for (w0, p0), (w1, p1) in zip(points, points[1:], strict=False):
        if p0 < 0.5 <= p1:
            return w0 + (0.5 - p0) / (p1 - p0) * (w1 - w0)
    return None
