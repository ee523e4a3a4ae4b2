"""What ``pilotwatch survey`` returns: the JSON document (``--json``), its plain-text report, and the
result frames stored in ``core.survey_*`` — one place that turns an analysis into rows and words.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import polars as pl

from pilotwatch.survey import bootstrap as survey_bootstrap
from pilotwatch.survey import invariance as survey_invariance
from pilotwatch.survey import model as survey_model
from pilotwatch.survey.demo import BANNER
from pilotwatch.survey.ordinal import CAVEAT as ORDINAL_CAVEAT
from pilotwatch.survey.ordinal import CAVEAT_WLSMV
from pilotwatch.survey.ordinal import SCALED as ORDINAL_SCALED
from transforms.survey.fit import ACCEPTABLE

if TYPE_CHECKING:
    from pilotwatch.survey.steps import Analysis, Export, Options, Prepared

FIT_ORDER = ["chisq", "df", "pvalue", "cmin_df", "gfi", "agfi", "cfi", "tli", "ifi", "nfi", "rmsea",
             "aic", "bic", "logl", "unrestricted_logl", "baseline_chisq", "baseline_df", "npar", "ntotal",
             *ORDINAL_SCALED]

def clean(v: object) -> object:
    if isinstance(v, float | np.floating) and not math.isfinite(float(v)):
        return None
    if isinstance(v, np.floating | np.integer):
        return v.item()
    return v


def records(df: pd.DataFrame | pl.DataFrame) -> list[dict[str, object]]:
    rows = df.to_dicts() if isinstance(df, pl.DataFrame) else df.to_dict("records")
    return [{k: clean(v) for k, v in r.items()} for r in rows]


def result_frames(an: Analysis) -> dict[str, pl.DataFrame]:
    fit_rows = [{"model": m, "measure": k, "value": clean(v), "acceptable": ACCEPTABLE.get(k),
                 "n_used": an.fit_meta[m]["n_used"], "missing_method": an.fit_meta[m]["missing"],
                 "converged": an.fit_meta[m]["converged"], "estimator": estimator(an)}
                for m, f in an.fit.items() for k, v in f.items()]
    fit_schema = {"model": pl.String, "measure": pl.String, "value": pl.Float64, "acceptable": pl.String,
                  "n_used": pl.Int64, "missing_method": pl.String, "converged": pl.Boolean, "estimator": pl.String}
    est_schema = {"model": pl.String, "lhs": pl.String, "op": pl.String, "rhs": pl.String, "kind": pl.String,
                  "estimate": pl.Float64, "se": pl.Float64, "z": pl.Float64, "p": pl.Float64,
                  "std_estimate": pl.Float64, "estimator": pl.String, "boot_lo": pl.Float64, "boot_hi": pl.Float64,
                  "boot_bc_lo": pl.Float64, "boot_bc_hi": pl.Float64, "boot_level": pl.Float64,
                  "boot_draws": pl.Int64, "boot_failed": pl.Int64, "boot_seed": pl.Int64}
    ver_schema = {"hypothesis": pl.String, "factor": pl.String, "statement": pl.String, "effect": pl.String,
                  "estimate": pl.Float64, "std_estimate": pl.Float64, "p": pl.Float64, "verdict": pl.String,
                  "rule": pl.String}
    return {
        "core.survey_reliability": an.reliability,
        "core.survey_fit": pl.DataFrame(fit_rows, schema=fit_schema),
        "core.survey_estimates": pl.DataFrame([r | {"estimator": estimator(an)} for r in records(survey_bootstrap.columns(an.estimates, an.bootstrap))],
                                              schema=est_schema),
        "core.survey_verdicts": pl.DataFrame(records(an.verdicts), schema=ver_schema),
        "core.survey_distributions": an.distributions,
        "core.survey_invariance": survey_invariance.rows(an.invariance),
    }


def estimator(an: Analysis) -> str | None:
    """The model's estimator (``ml`` or ``dwls``); None for instruments without a model."""
    return next((str(m.get("estimator", "ml")) for m in an.fit_meta.values()), None)


def as_json(an: Analysis, prep: Prepared, export: Export, options: Options) -> dict[str, object]:
    """The one JSON document of ``pilotwatch survey --json``: keys alpha, fit, estimates, verdicts."""
    doc: dict[str, object] = {
        "instrument": an.instrument, "wave": an.wave, "synthetic": an.synthetic,
        "notice": BANNER if an.synthetic else None, "source": export.uri,
        "respondents": {"read": prep.n_read, "accepted": prep.accepted.height,
                        "quarantined": prep.quarantine.height},
        "quarantine": records(prep.quarantine.select("_row", "column_name", "reason")),
        "missing": options.missing, "screening": options.rules.describe(),
        "alpha": records(an.reliability),
        "fit": {m: {k: clean(f.get(k)) for k in FIT_ORDER if k in f} | {"converged": an.fit_meta[m]["converged"],
                                                                          "n_used": an.fit_meta[m]["n_used"]}
                for m, f in an.fit.items()},
        "estimates": survey_bootstrap.json_entries(records(an.estimates), an.bootstrap),
        "verdicts": records(an.verdicts),
        "verdict_rules": {"H1-H4": survey_model.RULE_H1_H4, "H5": survey_model.RULE_H5},
        "distributions": records(an.distributions),
        "warnings": an.warnings,
        "estimator": estimator(an),
    }
    if estimator(an) in ("dwls", "wlsmv"):
        doc["estimator_note"] = {"dwls": ORDINAL_CAVEAT, "wlsmv": CAVEAT_WLSMV}[estimator(an)]  # type: ignore[index]
    if an.invariance is not None:  # only with --group: without it the document is unchanged
        doc["invariance"] = an.invariance
    if an.bootstrap is not None:
        doc["bootstrap"] = survey_bootstrap.summary(an.bootstrap)
    return doc


def _fmt(v: object, nd: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def as_text(doc: dict[str, object]) -> str:
    """A plain-text report of the JSON document (what ``pilotwatch survey`` prints)."""
    out: list[str] = []
    if doc["synthetic"]:
        out += ["*" * 100, str(doc["notice"]), "*" * 100]
    r = doc["respondents"]
    out.append(f"survey {doc['instrument']} wave {doc['wave']} from {doc['source']}")
    out.append(f"respondents: {r['read']} read, {r['accepted']} accepted, {r['quarantined']} quarantined "  # type: ignore[index]
               f"({doc['screening']}); missing answers: {doc['missing']}")
    for q in doc["quarantine"][:10]:  # type: ignore[index]
        out.append(f"  quarantined row {q['_row']}: {q['reason']}")
    if len(doc["quarantine"]) > 10:  # type: ignore[arg-type]
        out.append(f"  ... {len(doc['quarantine']) - 10} more (see mart.quarantine)")  # type: ignore[arg-type]
    out.append("\nReliability (Cronbach's alpha; Table K.1)")
    for a in doc["alpha"]:  # type: ignore[union-attr]
        if a["item"] is None:
            out.append(f"  {a['construct']:<4} {a['construct_name']:<40} alpha {_fmt(a['alpha'])}  n={a['n']}"
                       + (f"  ({a['note']})" if a["note"] else ""))
        else:
            out.append(f"       {a['item']:<6} item-total r {_fmt(a['item_total_r'])}  alpha if deleted "
                       f"{_fmt(a['alpha_if_deleted'])}")
    if doc.get("estimator_note"):
        out.append(f"\nEstimator: {doc['estimator']}. {doc['estimator_note']}")
    for m, f in doc["fit"].items():  # type: ignore[union-attr]
        out.append(f"\nFit: {m.upper()} (N={f['n_used']}, converged={f['converged']}; Table 12)")
        out.append("  " + "  ".join(f"{k}={_fmt(f.get(k))}" for k in
                                    ("chisq", "df", "pvalue", "cmin_df", "gfi", "agfi", "cfi", "tli", "rmsea")))
        out.append("  " + "  ".join(f"{k}={_fmt(f.get(k), 2)}" for k in ("aic", "bic", "logl")))
        if "chisq_scaled" in f:
            out.append("  " + "  ".join(f"{k}={_fmt(f.get(k))}" for k in ORDINAL_SCALED))
    est = [e for e in doc["estimates"] if e["model"] == "sem"]  # type: ignore[union-attr]
    if est:
        out.append("\nStructural model estimates (Table K.2 format: estimate, S.E., C.R., P, standardized)")
        for e in est:
            if e["kind"] in ("loading", "regression", "direct", "indirect", "total"):
                label = f"{e['lhs']} {e['op']} {e['rhs']}" + (f" [{e['kind']}]" if e["op"] == "effect" else "")
                out.append(f"  {label:<26} {_fmt(e['estimate']):>8} {_fmt(e['se']):>7} {_fmt(e['z']):>8} "
                           f"{_fmt(e['p']):>6} {_fmt(e['std_estimate']):>7}")
    out += survey_bootstrap.text_lines(doc)
    if doc["verdicts"]:
        out.append("\nHypotheses (rules: H1-H4 " + survey_model.RULE_H1_H4 + "; H5 " + survey_model.RULE_H5 + ")")
        for v in doc["verdicts"]:  # type: ignore[union-attr]
            out.append(f"  {v['hypothesis']} {v['factor']:<3} {v['verdict']:<14} total {_fmt(v['estimate'])} "
                       f"std {_fmt(v['std_estimate'])} p {_fmt(v['p'])}")
    if doc.get("invariance"):
        out += survey_invariance.as_text(doc["invariance"])  # type: ignore[arg-type]
    if doc["warnings"]:
        out.append("\nWarnings")
        out += [f"  - {w}" for w in doc["warnings"]]  # type: ignore[union-attr]
    if doc["synthetic"]:
        out.append("\n" + str(doc["notice"]))
    return "\n".join(out)


def dumps(doc: dict[str, object]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str)
