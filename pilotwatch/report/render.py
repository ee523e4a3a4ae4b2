"""Turn a :class:`BodyReport` into self-contained HTML (inline CSS and SVG, no network) or markdown."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from pilotwatch.report import svg, svg_ceac
from pilotwatch.report.data import FACTOR_ORDER, PLAN, STAGES, BodyReport
from pilotwatch.report.svg_plane import plane_chart

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The conceptual model's factor codes in the survey instruments (Annex F).
SURVEY_FACTORS = {"L": "Leadership", "S": "Strategy", "O": "Organization", "HC": "Human Capital", "R": "Resources",
                  "CC": "Citizen Centricity", "ICS": "Innovative civil service"}
ROLE_TITLES = {"effect": "Effects", "mediator": "Mediating effect", "cost": "Costs", "context": "Context"}


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=lambda name: bool(name and name.endswith(".html.j2")),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = _num
    env.filters["md"] = md_text
    return env


#: Markdown punctuation that could start a link, an image, emphasis, code or break a table cell.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md_text(value: object) -> str:
    """Text quoted into a Markdown report, shown as written and never run or linked.

    Why: Markdown viewers render raw HTML and links, so an analyst note holding ``<script>``,
    ``<img onerror=…>`` or ``[x](javascript:…)`` would run in the reader's browser. ``&`` and ``<``
    become HTML entities (displayed as the characters, never parsed as tags or entities; a lone
    ``>`` opens nothing mid-line) and the punctuation of links, images and emphasis is
    backslash-escaped; newlines become spaces (one table cell).
    """
    text = ("" if value is None else str(value)).replace("&", "&amp;").replace("<", "&lt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def _num(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def total_result(verdict: dict[str, Any] | None) -> str:
    """Annex N table 2's total result: H1 supported (some factor negative or costlier) is Negative."""
    if not verdict or verdict.get("verdict") not in ("H0", "H1"):
        return "Undecided"
    return "Positive" if verdict["verdict"] == "H0" else "Negative"


def cer_conclusion(r: BodyReport) -> str:
    a = r.analysis
    if not a:
        return r.analysis_missing
    parts = []
    neg = [e["factor"] for e in a["effects"] if e["effect"] == "negative"]
    pos = [e["factor"] for e in a["effects"] if e["effect"] == "positive"]
    undecided = [e["factor"] for e in a["effects"] if e["effect"] is None]
    if neg:
        parts.append(f"Bottlenecks (negative effect under the {a['default_rule']} rule): {', '.join(neg)}.")
    if pos:
        parts.append(f"Strengths: {', '.join(pos)}.")
    if undecided:
        parts.append(f"Not enough data for: {', '.join(undecided)}.")
    costlier = [c["year"] for c in a["cer"] if c["mode"] == "pilot" and c["pilot_cer_higher"]]
    tested = [c["year"] for c in a["cer"] if c["mode"] == "pilot" and c["in_test"]]
    if tested:
        parts.append(f"CER(pilot) > CER(standard) in {len(costlier)} of {len(tested)} pilot years"
                     + (f" ({', '.join(map(str, costlier))})." if costlier else "."))
    v = a["verdict"]
    if v:
        parts.append(f"Verdict: {v['verdict'] or 'undecided'} — {v['reason'] or ''}".rstrip(" —") + ".")
    rb = a.get("robustness")
    if rb:
        if rb.get("holds_under_every_rule"):
            parts.append(f"The verdict holds under all {len(a['rules'])} effect rules.")
        elif rb.get("flipping_rules"):
            parts.append(f"The verdict flips under: {', '.join(rb['flipping_rules'])}.")
    return " ".join(parts)


def charts(r: BodyReport) -> dict[str, Any]:
    peer_label = (r.peer or {}).get("body_name") or "peer group"
    indicator_charts = []
    for i in r.indicators:
        series = [svg.Series(r.body["body_name"], i.values, svg.BODY)]  # names, never codes: the legend wraps
        if i.peer_values:
            series.append(svg.Series(peer_label, i.peer_values, svg.PEER, dashed=True))
        indicator_charts.append(Markup(svg.line_chart(i.name, series, f"{i.factor} · {i.unit}")))  # wraps, never cut
    out: dict[str, Any] = {"indicators": indicator_charts, "cer": None, "effects": None, "verdict": None, "ceac": None, "ce_plane": None,
                           "mediation": mediation_charts(r.mediation),
                           "survey": [Markup(svg.paired_bars(
                               f"{w['instrument']} {w['wave']}: share of top answers per factor",
                               [(SURVEY_FACTORS.get(s["factor"], s["factor"]), s["share"], s["all_share"])
                                for s in w["shares"]],
                               (r.body["body_name"], "all respondents"))) for w in r.survey]}
    a = r.analysis
    if a:
        pilot = {c["year"]: c["cer"] for c in a["cer"] if c["mode"] == "pilot" and c["cer"] is not None}
        standard = {c["year"]: c["cer"] for c in a["cer"] if c["mode"] == "standard" and c["cer"] is not None}
        out["cer"] = Markup(svg.line_chart("Cost-effectiveness ratio: pilot vs standard mode", [
            svg.Series("pilot mode", pilot, svg.BODY), svg.Series("standard mode", standard, svg.STANDARD, dashed=True),
        ], "mln USD per point of effectiveness (lower is better)", width=560))
        bars = [(f"{e['indicator']}", e["margin"], e["factor"]) for e in a["indicator_effects"]]
        out["effects"] = Markup(svg.diverging_bars(
            f"Indicator effects under the {a['default_rule']} rule (direction-aware change)", bars, "points"))
        out["verdict"] = Markup(svg.verdict_grid("Verdict under each effect rule (H1: project insufficient)", a["rules"]))
        out["ceac"] = Markup(svg_ceac.acceptability_chart(
            "Acceptability curve: probability the pilot is cost-effective against standard mode",
            [(str(year), pts) for year, pts in ceac_curves(a["ceac"]).items()]))
        if a.get("ce_plane"):
            out["ce_plane"] = Markup(plane_chart(f"{r.body['body_name']}: cost-effectiveness plane across its years",
                                                 a["ce_plane"], money_unit(a["ce_plane"])))
    return out


def ceac_curves(ceac: list[dict[str, Any]]) -> dict[int, list[tuple[float, float]]]:
    """mart.ce_acceptability rows of one body -> {year: [(wtp, probability), ...]}."""
    curves: dict[int, list[tuple[float, float]]] = {}
    for c in ceac:
        curves.setdefault(c["year"], []).append((c["wtp"], c["probability"]))
    return curves


def _national_ceac(nat: dict[str, Any]) -> Markup:
    """Each body's acceptability curve in its latest tested year, on one chart."""
    curves = []
    for r in nat["bodies"]:
        by_year = ceac_curves((r.analysis or {}).get("ceac") or [])
        if by_year:
            year = max(by_year)
            curves.append((f"{r.body['body_name']} {year}", by_year[year]))
    return Markup(svg_ceac.acceptability_chart(
        "Acceptability curves, latest tested year: probability each pilot is cost-effective", curves, width=760))


def money_unit(points: list[dict[str, Any]]) -> str:
    """The y axis' unit from the rows' money columns: 'extra cost, mln USD (2020 prices, discounted 3 %/yr to 2017)'."""
    p = points[0]
    notes = [f"{p['price_year']} prices" if p.get("price_year") else "nominal"]
    if p.get("discount_rate"):
        notes.append(f"discounted {p['discount_rate']:g} %/yr to {p['discount_base_year']}")
    return f"extra cost over standard mode, mln {p.get('currency') or 'USD'} ({', '.join(notes)})"


def plane_charts(points: list[dict[str, Any]]) -> list[Markup]:
    """One plane per year: every pilot body's point that year (mart.ce_plane, scope year)."""
    years: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        years.setdefault(p["group_key"], []).append({**p, "label": p.get("body_name") or p["label"]})
    return [Markup(plane_chart(f"Cost-effectiveness plane {y}: pilot bodies against their standard mode", pts,
                               money_unit(pts))) for y, pts in sorted(years.items())]


def mediation_charts(waves: list[dict[str, Any]]) -> list[Markup]:
    """The mediation diagram of each model_test wave (thesis Figure 10 with its estimates)."""
    charts_ = []
    for w in waves:
        paths, effects = w["paths"], w["effects"]
        items = []
        level = None
        for code in ("L", "S", "HC", "O", "R"):
            ind = effects.get((code, "indirect"), {})
            direct = effects.get((code, "direct"), {})
            has_boot = ind.get("boot_lo") is not None
            level = level or ind.get("boot_level")
            items.append(svg.MediationPath(
                SURVEY_FACTORS[code], paths.get(("CC", code)), direct.get("estimate"), ind.get("estimate"),
                (ind["boot_lo"], ind["boot_hi"]) if has_boot else None,
                (ind["boot_bc_lo"], ind["boot_bc_hi"]) if has_boot and ind.get("boot_bc_lo") is not None else None))
        title = (f"Mediation, survey wave {w['wave']}{' (SYNTHETIC demo sample)' if w['synthetic'] else ''}: "
                 "five factors → Citizen Centricity → innovative civil service")
        charts_.append(Markup(svg.mediation_diagram(title, items, paths.get(("ICS", "CC")), "Citizen Centricity",
                                                    "Innovative civil service", level)))
    return charts_


def _table1(r: BodyReport) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for role in ("effect", "mediator", "cost", "context"):
        items = [i for i in r.indicators if i.role == role]
        if items:
            groups.append({"title": ROLE_TITLES[role], "indicators": items})
    return groups


def _effects_by_factor(r: BodyReport) -> list[dict[str, Any]]:
    if not r.analysis:
        return []
    effects = {e["factor"]: e for e in r.analysis["effects"]}
    return [effects[f] for f in FACTOR_ORDER if f in effects] + [e for f, e in effects.items() if f not in FACTOR_ORDER]


def context(r: BodyReport) -> dict[str, Any]:
    return {
        "r": r, "body": r.body, "peer": r.peer, "years": r.years, "table1": _table1(r),
        "effects": _effects_by_factor(r), "total": total_result(r.analysis["verdict"] if r.analysis else None),
        "stages": STAGES, "plan": PLAN, "notes": r.notes, "cer_conclusion": cer_conclusion(r),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def html_body(r: BodyReport, national_link: str | None = "index.html") -> str:
    return _env().get_template("body.html.j2").render(**context(r), charts=charts(r), national_link=national_link)


def md_body(r: BodyReport) -> str:
    return _env().get_template("body.md.j2").render(**context(r))


def national_context(nat: dict[str, Any]) -> dict[str, Any]:
    rows = []
    cells: dict[tuple[str, str], str | None] = {}
    factors = [f for f in FACTOR_ORDER if f != "Resources"]
    for r in nat["bodies"]:
        a = r.analysis
        last_cer = {}
        if a:
            pilot_years = [c for c in a["cer"] if c["mode"] == "pilot" and c["cer"] is not None]
            if pilot_years:
                y = max(c["year"] for c in pilot_years)
                last_cer = {c["mode"]: c["cer"] for c in a["cer"] if c["year"] == y} | {"year": y}
            for e in a["effects"]:
                cells[(r.body["body_name"], e["factor"])] = e["effect"]
        rows.append({"r": r, "total": total_result(a["verdict"] if a else None), "last_cer": last_cer,
                     "negative": [e["factor"] for e in (a["effects"] if a else []) if e["effect"] == "negative"],
                     "robust": (a or {}).get("robustness")})
    heat = Markup(svg.heat_grid("Factor effects per pilot body (default rule)",
                                [r.body["body_name"] for r in nat["bodies"]], factors, cells))
    return {"rows": rows, "heat": heat, "ceac": _national_ceac(nat), "config": nat["config"], "provenance": nat["generated_from"],
            "planes": plane_charts(nat.get("ce_plane") or []),
            "mediation": mediation_charts(nat.get("mediation", [])),
            "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def html_national(nat: dict[str, Any], ext: str = "html") -> str:
    return _env().get_template("national.html.j2").render(**national_context(nat), ext=ext)


def md_national(nat: dict[str, Any]) -> str:
    return _env().get_template("national.md.j2").render(**national_context(nat), ext="md")
