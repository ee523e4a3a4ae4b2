"""What a diagnostics report shows, read from the warehouse's mart views (read-only).

Every analysis section degrades to an explicit "not available" when its view is missing or empty
(an older warehouse, or analysis not run yet), so a report always renders what is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

import warehouse
from warehouse import has_relation

#: Annex N table 3: diagnostics stages, the factors they inform, and whether an analyst writes them.
STAGES: list[tuple[str, str, str]] = [
    ("structural_harmony", "1. Structural harmony", "Strategy, Organization"),
    ("country_comparison", "2. Country comparative analysis", "Organization"),
    ("life_cycle", "3. Organization's life cycle", "Leadership"),
    ("survey", "4. Survey of employees", "Human Capital"),
    ("cost_effectiveness", "5. Cost-effectiveness analysis",
     "Leadership, Strategy, Organization, Human Capital, Resources; additionally Citizen Centricity (mediator)"),
]
#: Annex N table 4: the transformation plan.
PLAN: list[tuple[str, str]] = [("as_is", "Current (as-is)"), ("transformation", "Transformation"),
                               ("to_be", "Desired (to-be)")]
NOTE_STAGES = [s for s, _, _ in STAGES] + [s for s, _ in PLAN]
FACTOR_ORDER = ["Leadership", "Strategy", "Organization", "Human Capital", "Citizen Centricity", "Resources"]


class ReportError(LookupError):
    """The report cannot be made (unknown body, no warehouse)."""


def rows(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(query, params or [])
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


@dataclass
class Indicator:
    indicator: str
    name: str
    factor: str
    role: str
    unit: str
    direction: str
    references: str
    values: dict[int, float]
    peer_values: dict[int, float]


@dataclass
class BodyReport:
    body: dict[str, Any]
    peer: dict[str, Any] | None
    config: str
    years: list[int]
    indicators: list[Indicator]
    analysis: dict[str, Any] | None  # None: no analysis for this body yet
    analysis_missing: str = ""
    survey: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    generated_from: dict[str, Any] = field(default_factory=dict)
    mediation: list[dict[str, Any]] = field(default_factory=list)  # model_test waves' structural model

    @property
    def code(self) -> str:
        return str(self.body["body_code"])


def report_bodies(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Pilot bodies that have any indicator value (the ones a report can say something about)."""
    return [r["body_code"] for r in rows(con, warehouse.sql("reports_bodies"))]


def body_report(con: duckdb.DuckDBPyConnection, body_code: str, config: str = "default") -> BodyReport:
    found = rows(con, "SELECT * FROM mart.bodies WHERE body_code = ?", [body_code])
    if not found:
        known = ", ".join(r["body_code"] for r in rows(con, "SELECT body_code FROM mart.bodies ORDER BY 1"))
        raise ReportError(f"unknown body {body_code!r}; known: {known}")
    body = found[0]
    peer = None
    if body.get("peer_group"):
        p = rows(con, "SELECT * FROM mart.bodies WHERE body_code = ?", [body["peer_group"]])
        peer = p[0] if p else None
    values = rows(con, warehouse.sql("reports_indicator_values"), [body_code, body.get("peer_group") or ""])
    refs = {r["indicator"]: r["refs"] for r in rows(con, warehouse.sql("reports_indicator_sources"),
        [body_code])}
    registry = rows(con, "SELECT indicator, name, factor, role, unit, direction FROM core.indicators")
    indicators = []
    for reg in sorted(registry, key=lambda r: (_factor_rank(r["factor"]), r["indicator"])):
        mine = {r["year"]: r["value"] for r in values if r["body_code"] == body_code and r["indicator"] == reg["indicator"]}
        if not mine:
            continue
        peer_vals = {r["year"]: r["value"] for r in values
                     if peer and r["body_code"] == peer["body_code"] and r["indicator"] == reg["indicator"]}
        indicators.append(Indicator(reg["indicator"], reg["name"], reg["factor"], reg["role"], reg["unit"],
                                    reg["direction"], refs.get(reg["indicator"], ""), mine, peer_vals))
    years = sorted({y for i in indicators for y in i.values})
    analysis, why = _analysis(con, body_code, config)
    return BodyReport(body=body, peer=peer, config=config, years=years, indicators=indicators, analysis=analysis,
                      analysis_missing=why, survey=_survey(con, body_code), notes=_notes(con, body_code),
                      generated_from=_provenance(con, config), mediation=mediation(con))


def _factor_rank(f: str) -> int:
    return FACTOR_ORDER.index(f) if f in FACTOR_ORDER else len(FACTOR_ORDER)


def _analysis(con: duckdb.DuckDBPyConnection, body: str, config: str) -> tuple[dict[str, Any] | None, str]:
    needed = ["mart.factor_effects", "mart.verdicts", "mart.cer"]
    absent = [v for v in needed if not has_relation(con, v)]
    if absent:
        return None, (f"No analysis yet: this warehouse has no {', '.join(absent)} "
                      "(run `pilotwatch refresh` with the analysis installed).")
    effects = rows(con, warehouse.sql("reports_factor_effects"), [body, config])
    if not effects:
        return None, f"No analysis yet for this body (configuration {config!r}): run `pilotwatch refresh`."
    effects.sort(key=lambda r: _factor_rank(r["factor"]))
    verdicts = rows(con, warehouse.sql("reports_verdicts"), [body, config])
    default = [v for v in verdicts if v["is_default_rule"]]
    by_rule: dict[str, dict[str, Any]] = {}
    for v in verdicts:
        by_rule.setdefault(v["rule"], v)
    out: dict[str, Any] = {
        "default_rule": effects[0]["rule"],
        "effects": effects,
        "verdicts": default,
        "verdict": default[0] if default else None,
        "rules": [(rule, v["verdict"], bool(v["is_default_rule"])) for rule, v in sorted(by_rule.items())],
        "cer": rows(con, warehouse.sql("reports_cer"), [body, config]),
        "indicator_effects": [],
        "robustness": None,
        "grades": [],
        "ceac": [],
        "verdict_probability": None,
    }
    if has_relation(con, "mart.indicator_effects"):
        out["indicator_effects"] = rows(con, warehouse.sql("reports_indicator_effects"), [body, config, out["default_rule"]])
        out["indicator_effects"].sort(key=lambda r: (_factor_rank(r["factor"]), r["indicator"]))
    if has_relation(con, "mart.robustness"):
        rb = rows(con, "SELECT * FROM mart.robustness WHERE body_code = ? AND config = ?", [body, config])
        out["robustness"] = rb[0] if rb else None
    if has_relation(con, "mart.grades"):
        out["grades"] = rows(con, warehouse.sql("reports_grades"), [body, config])
    if has_relation(con, "mart.ce_acceptability"):  # issue 15: probabilistic CER (migration 060)
        out["ceac"] = rows(con, warehouse.sql("reports_acceptability"), [body, config])
        vp = rows(con, warehouse.sql("reports_verdict_probability"), [body, config])
        out["verdict_probability"] = vp[0] if vp else None
    out["ce_plane"] = ce_plane(con, config, "body", body)
    return out, ""


def ce_plane(con: duckdb.DuckDBPyConnection, config: str, scope: str, group: str | None = None) -> list[dict[str, Any]]:
    """Rows of mart.ce_plane for one scope (and group); none on a warehouse without the view."""
    if not has_relation(con, "mart.ce_plane"):
        return []
    return rows(con, warehouse.sql("reports_ce_plane"), [config, scope, group, group])


def _survey(con: duckdb.DuckDBPyConnection, body: str) -> list[dict[str, Any]]:
    """Per survey wave naming this body: the share of top answers per factor (body vs all respondents)
    and the wave's H1-H5 verdicts (the survey issue's mart.survey_* views), when present."""
    if not has_relation(con, "mart.survey_distributions"):
        return []
    shares = rows(con, warehouse.sql("reports_survey_shares"), [body])
    waves: dict[tuple[str, str], dict[str, Any]] = {}
    for r in shares:
        w = waves.setdefault((r["instrument"], r["wave"]), {"instrument": r["instrument"], "wave": r["wave"],
                                                            "synthetic": bool(r["synthetic"]), "shares": [],
                                                            "verdicts": []})
        w["shares"].append(r)
    if waves and has_relation(con, "mart.survey_verdicts"):
        for (inst, wave), w in waves.items():
            w["verdicts"] = rows(con, warehouse.sql("reports_survey_verdicts"),
                                 [inst, wave])
    return list(waves.values())


def mediation(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per model_test wave: the structural model's paths by (lhs, rhs) and the effects by (factor, kind),
    with their bootstrap intervals when the wave was run with ``--bootstrap`` (empty: no survey)."""
    if not has_relation(con, "mart.survey_estimates"):
        return []
    waves: dict[str, dict[str, Any]] = {}
    for r in rows(con, warehouse.sql("reports_survey_mediation")):
        w = waves.setdefault(r["wave"], {"wave": r["wave"], "synthetic": bool(r["synthetic"]), "paths": {},
                                         "effects": {}})
        if r["op"] == "effect":
            w["effects"][(r["rhs"], r["kind"])] = r
        else:
            w["paths"][(r["lhs"], r["rhs"])] = r["estimate"]
    return list(waves.values())


def _notes(con: duckdb.DuckDBPyConnection, body: str) -> dict[str, dict[str, Any]]:
    if not has_relation(con, "mart.analyst_notes"):
        return {}
    latest = rows(con, warehouse.sql("reports_notes"), [body])
    return {r["stage"]: r for r in latest}  # the latest year's note wins


def _provenance(con: duckdb.DuckDBPyConnection, config: str) -> dict[str, Any]:
    loads = warehouse.one(con, "SELECT max(finished_at), count(*) FROM mart.loads WHERE status IN ('loaded', 'unchanged')")
    run = None
    if has_relation(con, "mart.analysis_runs"):
        r = rows(con, """SELECT run_id, finished_at FROM mart.analysis_runs WHERE config = ? AND is_latest""", [config])
        run = r[0] if r else None
    return {"last_load": loads[0] if loads else None, "analysis_run": run}


def national(con: duckdb.DuckDBPyConnection, config: str = "default") -> dict[str, Any]:
    """One row per pilot body with data: verdict, robustness, effects by factor, latest CER."""
    bodies = [body_report(con, b, config) for b in report_bodies(con)]
    return {"bodies": bodies, "config": config, "generated_from": _provenance(con, config),
            "ce_plane": ce_plane(con, config, "year"),
            "mediation": mediation(con)}
