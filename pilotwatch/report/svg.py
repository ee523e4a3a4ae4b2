"""Inline SVG charts, drawn in Python: no JavaScript, no fonts or files fetched, so a report opens from disk.

Every chart is a small, labelled picture with a <title> for screen readers; colours carry meaning
(green positive, red negative, blue the body, grey its peer group) and every colour is also a label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

BODY = "#1f5fa8"
PEER = "#7a7a7a"
STANDARD = "#d9822b"
POSITIVE = "#2e7d32"
NEGATIVE = "#c62828"
UNDECIDED = "#b0b0b0"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"


@dataclass
class Series:
    label: str
    points: dict[int, float]
    color: str = BODY
    dashed: bool = False
    values_shown: bool = True
    extra: dict[str, str] = field(default_factory=dict)


def _nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _fmt(v: float) -> str:
    if abs(v) >= 100 or v == int(v):
        return f"{v:,.0f}".replace(",", " ")
    if abs(v) >= 1:
        return f"{v:.1f}"
    return f"{v:.3f}"


def line_chart(title: str, series: Sequence[Series], unit: str = "", width: int = 420, height: int = 230) -> str:
    """Values over years, one line per series, with a legend and the last value labelled."""
    pts = [(y, v) for s in series for y, v in s.points.items() if v is not None]
    if not pts:
        return empty_chart(title, "no values", width)
    years = sorted({y for y, _ in pts})
    lo = min(v for _, v in pts)
    hi = max(v for _, v in pts)
    pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
    ticks = _nice_ticks(lo - pad if lo - pad > 0 or lo < 0 else 0.0, hi + pad)
    y0, y1 = ticks[0], ticks[-1]
    title_svg, extra = _title(title, width)
    legend_rows = len(_legend_rows([(s.label, s.color, s.dashed) for s in series], 48, width))
    height = height + extra + (legend_rows - 1) * LEGEND_ROW
    left, right, top, bottom = 48, 16, 44 + extra, 46 + (legend_rows - 1) * LEGEND_ROW
    pw, ph = width - left - right, height - top - bottom

    def x(year: int) -> float:
        return left + (pw / 2 if len(years) == 1 else pw * (years.index(year)) / (len(years) - 1))

    def y(v: float) -> float:
        return top + ph * (1 - (v - y0) / (y1 - y0))

    out = [_open(width, height, title), title_svg]
    if unit:
        out.append(f'<text x="8" y="{31 + extra}" font-size="11" fill="#555">{escape(unit)}</text>')
    placed: list[float] = []  # baselines of the last-value labels drawn so far: none may overlap another
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" font-size="10" fill="#555" text-anchor="end">{_fmt(t)}</text>')
    for yr in years:
        out.append(f'<text x="{x(yr):.1f}" y="{top + ph + 15}" font-size="10" fill="#555" text-anchor="middle">{yr}</text>')
    for s in series:
        seq = sorted((yr, v) for yr, v in s.points.items() if v is not None)
        if not seq:
            continue
        d = " ".join(f"{'M' if i == 0 else 'L'}{x(yr):.1f},{y(v):.1f}" for i, (yr, v) in enumerate(seq))
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        out.append(f'<path d="{d}" fill="none" stroke="{s.color}" stroke-width="2.2"{dash}/>')
        for yr, v in seq:
            out.append(f'<circle cx="{x(yr):.1f}" cy="{y(v):.1f}" r="3" fill="{s.color}">'
                       f'<title>{escape(s.label)} {yr}: {_fmt(v)}</title></circle>')
        if s.values_shown:
            yr, v = seq[-1]
            ly = y(v) - 7
            while any(abs(ly - p) < 12 for p in placed):
                ly += 12 if ly < top + 12 else -12
            placed.append(ly)
            out.append(f'<text class="value" x="{x(yr) - 4:.1f}" y="{ly:.1f}" font-size="10" fill="{s.color}" '
                       f'text-anchor="end">{_fmt(v)}</text>')
    out.append(_legend([(s.label, s.color, s.dashed) for s in series], left, height - 12 - (legend_rows - 1) * LEGEND_ROW,
                       width))
    out.append("</svg>")
    return "".join(out)


def diverging_bars(title: str, rows: Sequence[tuple[str, float | None, str]], unit: str = "",
                   width: int = 640) -> str:
    """Horizontal bars around zero: (label, value, group). Positive right in green, negative left in red."""
    rows = list(rows)
    if not rows:
        return empty_chart(title, "no effects computed", width)
    bar_h, gap, top, label_w = 18, 6, 34, 230
    height = top + len(rows) * (bar_h + gap) + 30
    vals = [abs(v) for _, v, _ in rows if v is not None] or [1.0]
    m = max(vals) or 1.0
    pw = width - label_w - 60
    cx = label_w + pw / 2
    title_svg, extra = _title(title, width)
    out = [_open(width, height + extra, title), title_svg, f'<g transform="translate(0 {extra})">']
    if unit:
        out.append(f'<text x="{width - 8}" y="16" font-size="11" fill="#555" text-anchor="end">{escape(unit)}</text>')
    out.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{top - 4}" y2="{height - 26}" stroke="#999"/>')
    for i, (label, v, group) in enumerate(rows):
        yy = top + i * (bar_h + gap)
        out.append(f'<text x="{label_w - 8}" y="{yy + 13}" font-size="11" fill="#222" text-anchor="end">'
                   f'{escape(label)}<title>{escape(group)}</title></text>')
        if v is None:
            out.append(f'<text x="{cx + 6:.1f}" y="{yy + 13}" font-size="10" fill="#777">insufficient data</text>')
            continue
        w = pw / 2 * abs(v) / m
        color = POSITIVE if v >= 0 else NEGATIVE
        bx = cx if v >= 0 else cx - w
        out.append(f'<rect x="{bx:.1f}" y="{yy}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{color}">'
                   f'<title>{escape(label)}: {v:+.2f}</title></rect>')
        # a negative value is written right of the zero line: left of its bar it would run into the row's label
        tx, anchor = (bx + w + 4, "start") if v >= 0 else (cx + 4, "start")
        out.append(f'<text x="{tx:.1f}" y="{yy + 13}" font-size="10" fill="{color}" text-anchor="{anchor}">{v:+.1f}</text>')
    out.append(f'<text x="{cx - 6:.1f}" y="{height - 10}" font-size="10" fill="{NEGATIVE}" text-anchor="end">worse ◀</text>')
    out.append(f'<text x="{cx + 6:.1f}" y="{height - 10}" font-size="10" fill="{POSITIVE}">▶ better</text>')
    out.append("</g></svg>")
    return "".join(out)


def paired_bars(title: str, rows: Sequence[tuple[str, float | None, float | None]], labels: tuple[str, str],
                width: int = 640) -> str:
    """Shares (0-1) per category, two bars each: this body and all respondents."""
    rows = list(rows)
    if not rows:
        return empty_chart(title, "no survey shares", width)
    label_w, top, bar_h = 170, 44, 11
    pw = width - label_w - 60
    height = top + len(rows) * (2 * bar_h + 8) + 10
    title_svg, extra = _title(title, width)
    out = [_open(width, height + extra, title), title_svg, f'<g transform="translate(0 {extra})">']
    out.append(_legend([(labels[0], BODY, False), (labels[1], PEER, False)], 8, 34))
    for i, (label, a, b) in enumerate(rows):
        yy = top + i * (2 * bar_h + 8)
        out.append(f'<text x="{label_w - 8}" y="{yy + bar_h + 4}" font-size="11" fill="#222" text-anchor="end">{escape(label)}</text>')
        for j, (v, color) in enumerate(((a, BODY), (b, PEER))):
            y0 = yy + j * bar_h
            if v is None:
                out.append(f'<text x="{label_w + 4}" y="{y0 + 9}" font-size="9" fill="#777">suppressed (&lt; 5 answers)</text>')
                continue
            w = pw * max(0.0, min(1.0, v))
            out.append(f'<rect x="{label_w}" y="{y0}" width="{max(w, 1):.1f}" height="{bar_h - 1}" fill="{color}">'
                       f'<title>{escape(label)}: {v:.0%}</title></rect>')
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{y0 + 9}" font-size="9" fill="#333">{v:.0%}</text>')
    out.append("</g></svg>")
    return "".join(out)


def verdict_grid(title: str, rules: Sequence[tuple[str, str | None, bool]], width: int = 640) -> str:
    """One cell per effect rule: the hypothesis it supports (H0 green, H1 red, none grey); the default rule outlined."""
    if not rules:
        return empty_chart(title, "no verdicts computed", width)
    cols = len(rules)
    cw = min(120, (width - 16) / cols)
    height = 100
    title_svg, extra = _title(title, width)
    out = [_open(width, height + extra, title), title_svg, f'<g transform="translate(0 {extra})">']
    for i, (rule, verdict, default) in enumerate(rules):
        x0 = 8 + i * cw
        color = {"H0": POSITIVE, "H1": NEGATIVE}.get(verdict or "", UNDECIDED)
        stroke = ' stroke="#111" stroke-width="3"' if default else ""
        out.append(f'<rect x="{x0 + 2:.1f}" y="28" width="{cw - 4:.1f}" height="36" rx="4" fill="{color}"{stroke}>'
                   f'<title>{escape(rule)}: {escape(verdict or "undecided")}</title></rect>')
        out.append(f'<text x="{x0 + cw / 2:.1f}" y="51" font-size="13" font-weight="700" fill="#fff" '
                   f'text-anchor="middle">{escape(verdict or "?")}</text>')
        out.append(f'<text x="{x0 + cw / 2:.1f}" y="80" font-size="10" fill="#333" text-anchor="middle">'
                   f'{escape(rule)}{" (default)" if default else ""}</text>')
    out.append("</g></svg>")
    return "".join(out)


def heat_grid(title: str, rows: Sequence[str], cols: Sequence[str], cells: dict[tuple[str, str], str | None],
              width: int = 760) -> str:
    """Bodies x factors, each cell 'positive' / 'negative' / None, with the word written in the cell."""
    if not rows or not cols:
        return empty_chart(title, "no effects computed", width)
    label_w, top, ch = 230, 48, 26
    cw = (width - label_w - 8) / len(cols)
    height = top + len(rows) * ch + 10
    title_svg, extra = _title(title, width)
    out = [_open(width, height + extra, title), title_svg, f'<g transform="translate(0 {extra})">']
    for j, c in enumerate(cols):
        out.append(f'<text x="{label_w + j * cw + cw / 2:.1f}" y="{top - 8}" font-size="10" fill="#333" '
                   f'text-anchor="middle">{escape(c)}</text>')
    for i, r in enumerate(rows):
        yy = top + i * ch
        out.append(f'<text x="{label_w - 8}" y="{yy + 17}" font-size="11" fill="#222" text-anchor="end">{escape(r)}</text>')
        for j, c in enumerate(cols):
            v = cells.get((r, c))
            color = {"positive": POSITIVE, "negative": NEGATIVE}.get(v or "", UNDECIDED)
            out.append(f'<rect x="{label_w + j * cw + 1:.1f}" y="{yy + 1}" width="{cw - 2:.1f}" height="{ch - 2}" '
                       f'fill="{color}"><title>{escape(r)} · {escape(c)}: {escape(v or "no result")}</title></rect>')
            out.append(f'<text x="{label_w + j * cw + cw / 2:.1f}" y="{yy + 17}" font-size="10" fill="#fff" '
                       f'text-anchor="middle">{escape(v or "–")}</text>')
    out.append("</g></svg>")
    return "".join(out)


def _arrowhead(x1: float, y1: float, x2: float, y2: float, size: float = 8) -> str:
    """A filled triangle at ``(x2, y2)`` pointing along the line from ``(x1, y1)`` (drawn, not a
    ``marker``: a report references nothing, not even ``url(#id)``)."""
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    bx, by = x2 - size * ux, y2 - size * uy
    pts = [(x2, y2), (bx - size * 0.45 * uy, by + size * 0.45 * ux), (bx + size * 0.45 * uy, by - size * 0.45 * ux)]
    return '<polygon points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '" fill="#555"/>'


def empty_chart(title: str, message: str, width: int = 420) -> str:
    title_svg, extra = _title(title, width)
    return (f'{_open(width, 60 + extra, title)}{title_svg}'
            f'<text x="8" y="{42 + extra}" font-size="11" fill="#777">{escape(message)}</text></svg>')


def _open(width: int, height: float, title: str) -> str:
    # max-width/height:auto: on a narrow screen the chart scales down instead of running off the page
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height:.0f}" '
            f'viewBox="0 0 {width} {height:.0f}" style="{FONT};max-width:100%;height:auto"><title>{escape(title)}</title>')


#: Average glyph width as a share of the font size, generous for system-ui (no font metrics offline).
GLYPH = 0.58


def _wrap(text: str, max_px: float, size: float) -> list[str]:
    """Words of ``text`` in lines no wider than ``max_px`` at font ``size``: titles wrap, never get cut."""
    limit = max(8, int(max_px / (size * GLYPH)))
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _title(title: str, width: float, size: float = 13, y: float = 16) -> tuple[str, float]:
    """The chart title, wrapped to the chart's width; returns the SVG and how much lower content must start."""
    lines = _wrap(title, width - 16, size)
    spans = "".join(f'<tspan x="8" dy="{0 if i == 0 else size + 3}">{escape(line)}</tspan>' for i, line in enumerate(lines))
    return (f'<text class="chart-title" x="8" y="{y}" font-size="{size}" font-weight="600" fill="#222">{spans}</text>',
            (len(lines) - 1) * (size + 3))


def _legend_rows(items: Sequence[tuple[str, str, bool]], x: float, width: float) -> list[list[tuple[float, str, str, bool]]]:
    """Legend entries placed left to right, starting a new row instead of running past ``width``."""
    rows: list[list[tuple[float, str, str, bool]]] = [[]]
    cx = x
    for label, color, dashed in items:
        w = 36 + 10 * GLYPH * len(label)
        if rows[-1] and cx + w > width - 4:
            rows.append([])
            cx = x
        rows[-1].append((cx, label, color, dashed))
        cx += w
    return rows


def _legend(items: Sequence[tuple[str, str, bool]], x: float, y: float, width: float = 10_000) -> str:
    out = []
    for i, row in enumerate(_legend_rows(items, x, width)):
        yy = y + i * LEGEND_ROW
        for cx, label, color, dashed in row:
            dash = ' stroke-dasharray="5 4"' if dashed else ""
            out.append(f'<line x1="{cx:.1f}" x2="{cx + 22:.1f}" y1="{yy - 4:.1f}" y2="{yy - 4:.1f}" stroke="{color}" '
                       f'stroke-width="2.2"{dash}/>')
            out.append(f'<text class="legend" x="{cx + 27:.1f}" y="{yy:.1f}" font-size="10" fill="#333">{escape(label)}</text>')
    return "".join(out)


LEGEND_ROW = 14


@dataclass
class MediationPath:
    """One factor of the mediation diagram: paths ``a`` (factor -> mediator) and ``c`` (direct), the
    indirect effect ``a * b`` and, after a bootstrap, its percentile and bias-corrected intervals."""

    label: str
    a: float | None
    direct: float | None
    indirect: float | None
    percentile: tuple[float, float] | None = None
    bias_corrected: tuple[float, float] | None = None


def mediation_diagram(title: str, paths: Sequence[MediationPath], b: float | None, mediator: str, outcome: str,
                      level: float | None = None, width: int = 760) -> str:
    """Five factors -> mediator -> outcome: boxes and arrows with the path estimates (``a`` on each factor's
    arrow, ``b`` on the mediator's), then one line per factor with its indirect effect ``a * b`` — green
    when its bootstrap interval excludes zero, grey otherwise — and the intervals when there are any."""
    if not paths:
        return empty_chart(title, "no structural model estimates", width)
    title_svg, extra = _title(title, width)
    box_w, box_h, gap, top = 150, 30, 12, 40
    mid = top + (len(paths) * (box_h + gap) - gap) / 2
    mx, ox = 330, width - 8 - 170
    lines_top = top + len(paths) * (box_h + gap) + 24
    height = lines_top + 16 * (len(paths) + 1) + 10
    out = [_open(width, height + extra, title), title_svg, f'<g transform="translate(0 {extra})">']

    def box(x: float, y: float, w: float, label: str, fill: str) -> None:
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w}" height="{box_h}" rx="5" fill="{fill}" stroke="#555"/>')
        out.append(f'<text x="{x + w / 2:.1f}" y="{y + 19:.1f}" font-size="11" fill="#111" text-anchor="middle">'
                   f'{escape(label)}</text>')

    for k, p in enumerate(paths):
        y = top + k * (box_h + gap)
        box(8, y, box_w, p.label, "#eef3fa")
        x1, y1, x2, y2 = 8 + box_w, y + box_h / 2, mx, mid
        out.append(_arrowhead(x1, y1, x2, y2))
        out.append(f'<line x1="{x1}" y1="{y1:.1f}" x2="{x2}" y2="{y2:.1f}" stroke="#555" stroke-width="1.4">'
                   f'<title>{escape(p.label)} → {escape(mediator)}: a = '
                   f'{"–" if p.a is None else f"{p.a:.3f}"}</title></line>')
        lx, ly = x1 + 0.32 * (x2 - x1), y1 + 0.32 * (y2 - y1) - 3
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="10" fill="#333" text-anchor="middle">'
                   f'a {"–" if p.a is None else f"{p.a:.2f}"}</text>')
    box(mx, mid - box_h / 2, 170, mediator, "#fdf3e6")
    box(ox, mid - box_h / 2, 170, outcome, "#eaf5ea")
    out.append(f'<line x1="{mx + 170}" y1="{mid:.1f}" x2="{ox}" y2="{mid:.1f}" stroke="#555" stroke-width="1.4"/>')
    out.append(_arrowhead(mx + 170, mid, ox, mid))
    out.append(f'<text x="{(mx + 170 + ox) / 2:.1f}" y="{mid - 6:.1f}" font-size="10" fill="#333" '
               f'text-anchor="middle">b {"–" if b is None else f"{b:.2f}"}</text>')
    boot = any(p.percentile for p in paths)
    head = ("indirect effect a·b" + (f" with {level or 0.95:.0%} bootstrap intervals: percentile; bias-corrected"
                                     if boot else " (no bootstrap run: `--bootstrap N` adds intervals)")
            + "; direct effect c")
    out.append(f'<text x="8" y="{lines_top}" font-size="10" font-weight="600" fill="#222">{escape(head)}</text>')

    def iv(pair: tuple[float, float] | None) -> str:
        return "–" if not pair else f"[{pair[0]:.3f}, {pair[1]:.3f}]"

    for k, p in enumerate(paths):
        y = lines_top + 16 * (k + 1)
        excludes = bool(p.percentile) and (p.percentile[0] > 0 or p.percentile[1] < 0)  # type: ignore[index]
        color = POSITIVE if excludes and (p.indirect or 0) > 0 else NEGATIVE if excludes else "#555"
        ind = "–" if p.indirect is None else f"{p.indirect:.3f}"
        direct = "–" if p.direct is None else f"{p.direct:.3f}"
        text = f"{p.label}: indirect {ind}"
        if boot:
            text += f"  {iv(p.percentile)}; {iv(p.bias_corrected)}" + ("  excludes 0" if excludes else "  includes 0")
        text += f"  · direct {direct}"
        out.append(f'<text x="8" y="{y}" font-size="10" fill="{color}">{escape(text)}</text>')
    out.append("</g></svg>")
    return "".join(out)
