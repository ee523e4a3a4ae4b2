"""The cost-effectiveness plane as an inline SVG (mart.ce_plane): points, the frontier, and what is dominated.

Drawn like the other charts (``svg.py``: no script, no fonts fetched, a <title> on every mark). The
origin is standard mode; the frontier is a line from the cheapest frontier point through the others
in order of cost. Status is shown by colour *and* by shape (filled circle on the frontier, cross when
dominated, hollow diamond under extended dominance), and each point's label is written beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from pilotwatch.report.svg import (
    BODY,
    GLYPH,
    NEGATIVE,
    STANDARD,
    _fmt,
    _legend,
    _nice_ticks,
    _open,
    _title,
    empty_chart,
)

EXTENDED = "#8e44ad"
STATUS_LABEL = {"frontier": "on the frontier", "dominated": "dominated", "extended_dominance": "extended dominance"}


def plane_chart(title: str, points: Sequence[dict[str, Any]], unit: str, width: int = 560, height: int = 360) -> str:
    """``points``: rows of mart.ce_plane of one group (``label``, ``incremental_cost``, ``incremental_points``,
    ``status``, ``icer``, ``dominated_by``); x is points gained, y the extra cost."""
    pts = [p for p in points if p["incremental_cost"] is not None and p["incremental_points"] is not None]
    if not pts:
        return empty_chart(title, "no points on the plane", width)
    xs = [p["incremental_points"] for p in pts] + [0.0]
    ys = [p["incremental_cost"] for p in pts] + [0.0]
    xt = _nice_ticks(min(xs) - 0.5, max(xs) + 0.5)
    yt = _nice_ticks(min(ys), max(ys) * 1.1 if max(ys) > 0 else 1.0)
    title_svg, extra = _title(title, width)
    left, right, top, bottom = 56, 20, 46 + extra, 66
    pw, ph = width - left - right, height + extra - top - bottom

    def x(v: float) -> float:
        return left + pw * (v - xt[0]) / (xt[-1] - xt[0])

    def y(v: float) -> float:
        return top + ph * (1 - (v - yt[0]) / (yt[-1] - yt[0]))

    out = [_open(width, height + extra, title), title_svg,
           f'<text x="8" y="{34 + extra}" font-size="11" fill="#555">{escape(unit)}</text>']
    for t in yt:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ececec"/>')
        out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" font-size="10" fill="#555" text-anchor="end">{_fmt(t)}</text>')
    for t in xt:
        out.append(f'<text x="{x(t):.1f}" y="{top + ph + 18}" font-size="10" fill="#555" text-anchor="middle">{_fmt(t)}</text>')
    out.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top}" y2="{top + ph}" stroke="#888"/>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#888"/>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 34}" font-size="10" fill="#333" text-anchor="middle">'
               'points of effectiveness gained over standard mode →</text>')
    frontier = sorted((p for p in pts if p["status"] == "frontier"), key=lambda p: p["incremental_cost"])
    if frontier:
        line = ([] if frontier[0].get("compared_with") is None else [(0.0, 0.0)]) + [
            (p["incremental_points"], p["incremental_cost"]) for p in frontier]
        d = " ".join(f"{'M' if i == 0 else 'L'}{x(a):.1f},{y(b):.1f}" for i, (a, b) in enumerate(line))
        out.append(f'<path class="frontier" d="{d}" fill="none" stroke="{BODY}" stroke-width="1.8"/>')
    out.append(f'<circle cx="{x(0):.1f}" cy="{y(0):.1f}" r="4" fill="{STANDARD}"><title>standard mode (origin)</title></circle>')
    placed: list[tuple[float, float, float]] = []  # (left, right, baseline) of the point labels drawn so far
    for p in pts:
        cx, cy = x(p["incremental_points"]), y(p["incremental_cost"])
        tip = (f'{p["label"]}: {p["incremental_points"]:+.1f} points, {p["incremental_cost"]:+.2f} extra cost — '
               f'{STATUS_LABEL.get(p["status"], p["status"])}')
        if p["status"] == "frontier" and p.get("icer") is not None:
            tip += f' (ICER {p["icer"]:.2f} per point vs {p.get("compared_with")})'
        if p["status"] == "dominated" and p.get("dominated_by"):
            tip += f' by {p["dominated_by"]}'
        t = f"<title>{escape(tip)}</title>"
        if p["status"] == "frontier":
            out.append(f'<circle class="pt-frontier" cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{BODY}">{t}</circle>')
            color = BODY
        elif p["status"] == "dominated":
            out.append(f'<path class="pt-dominated" d="M{cx - 5:.1f},{cy - 5:.1f}L{cx + 5:.1f},{cy + 5:.1f}'
                       f'M{cx - 5:.1f},{cy + 5:.1f}L{cx + 5:.1f},{cy - 5:.1f}" stroke="{NEGATIVE}" stroke-width="2.2">{t}</path>')
            color = NEGATIVE
        else:
            out.append(f'<path class="pt-extended" d="M{cx:.1f},{cy - 6:.1f}L{cx + 6:.1f},{cy:.1f}L{cx:.1f},{cy + 6:.1f}'
                       f'L{cx - 6:.1f},{cy:.1f}Z" fill="#fff" stroke="{EXTENDED}" stroke-width="2">{t}</path>')
            color = EXTENDED
        # labels of points in the right half go to their left, so a long body name never runs off the chart
        lx, anchor = (cx - 8, "end") if cx > left + pw / 2 else (cx + 8, "start")
        w = 10 * GLYPH * len(str(p["label"]))
        x0, x1, ly = (lx - w, lx, cy - 6) if anchor == "end" else (lx, lx + w, cy - 6)
        while any(a < x1 + 2 and x0 - 2 < b and abs(ly - y0) < 14 for a, b, y0 in placed):  # no label over another
            ly += 14
        placed.append((x0, x1, ly))
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="10" fill="{color}" text-anchor="{anchor}">'
                   f'{escape(str(p["label"]))}</text>')
    # words, not codes, in the legend (tests/reports/test_reports.py's layout probe holds every chart to it)
    out.append(_legend([("Frontier", BODY, False), ("Dominated", NEGATIVE, False),
                        ("Extended dominance", EXTENDED, False), ("Standard mode", STANDARD, False)],
                       left, height + extra - 10, width))
    out.append("</svg>")
    return "".join(out)
